// A real Apache Kafka broker (KRaft, one node) for tests, started on free ports in a temporary
// directory and stopped by its pid. The jars come from scripts/kafka-broker-libs.sh (Maven Central,
// cached); the broker's data survives `restart()`, which is what the durability tests need.
//
// Starting a JVM broker costs 10–30 s on a busy machine, so a test file starts one in `beforeAll`
// and shares it between its tests (separate topics and group ids keep them apart).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');

/** Users the SASL/PLAIN listener accepts. */
export const KAFKA_SASL_USERS = { alice: 'alice-secret' } as const;

export interface KafkaBroker {
  /** PLAINTEXT listener, `127.0.0.1:port`. */
  readonly brokers: string[];
  /** SASL_PLAINTEXT listener (PLAIN mechanism; see KAFKA_SASL_USERS). */
  readonly saslBrokers: string[];
  readonly pid: () => number | undefined;
  /** SIGTERM (controlled shutdown), SIGKILL after a timeout; the data directory stays. */
  stop(): Promise<void>;
  /** Starts the broker again on the same ports and data. */
  start(): Promise<void>;
  /** Stops the broker and removes its directory. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

let libsDir: Promise<string> | undefined;

/** The broker's jars, assembled on first use (a minute from Maven Central, then cached). */
export function kafkaBrokerLibs(): Promise<string> {
  libsDir ??= promisify(execFile)('bash', [join(repoRoot, 'scripts/kafka-broker-libs.sh')], {
    maxBuffer: 10 * 1024 * 1024,
  }).then(({ stdout }) => stdout.trim().split('\n').at(-1) ?? '');
  return libsDir;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startKafkaBroker(): Promise<KafkaBroker> {
  const home = await kafkaBrokerLibs();
  const dir = await mkdtemp(join(tmpdir(), 'lightning-kafka-'));
  const [plain, controller, sasl] = [await freePort(), await freePort(), await freePort()];
  const users = Object.entries(KAFKA_SASL_USERS)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ');
  const properties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listeners=PLAINTEXT://127.0.0.1:${plain},CONTROLLER://127.0.0.1:${controller},SASL_PLAINTEXT://127.0.0.1:${sasl}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${plain},SASL_PLAINTEXT://127.0.0.1:${sasl}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Tests kill consumers; let the group notice within seconds rather than the default 45 s.
    'group.min.session.timeout.ms=1000',
    'sasl.enabled.mechanisms=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" ${users};`,
  ].join('\n');
  const config = join(dir, 'server.properties');
  await writeFile(config, `${properties}\n`);

  const classpath = `${home}/libs/*`;
  // Small heap, client compiler only, serial GC: a test broker starts faster and costs less.
  const jvm = [
    '-Xms128m',
    '-Xmx384m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${home}/log4j.properties`,
    '-cp',
    classpath,
  ];
  await promisify(execFile)('java', [
    ...jvm,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    'bGlnaHRuaW5nLXRlc3Rz', // any 16-byte base64 cluster id
    '-c',
    config,
  ]);

  let child: ChildProcess | undefined;
  const logFile = join(dir, 'broker.log');

  async function start(): Promise<void> {
    const from = (await readFile(logFile).catch(() => Buffer.alloc(0))).length;
    const fd = openSync(logFile, 'a');
    const proc = spawn('java', [...jvm, 'kafka.Kafka', config], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = proc;
    live.add(proc);
    const exited = new Promise<void>((done) =>
      proc.once('close', () => {
        live.delete(proc);
        done();
      }),
    );
    proc.once('error', () => {});
    // Ready when the server logs that it started (it then accepts clients on every listener).
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (proc.exitCode !== null) {
        throw new Error(`Kafka broker exited (${proc.exitCode}): ${await tail(logFile)}`);
      }
      if (proc.pid === undefined) {
        throw new Error('Kafka broker could not start: is java installed?');
      }
      const log = await readFile(logFile).catch(() => Buffer.alloc(0));
      if (log.subarray(from).includes('Kafka Server started')) return;
      if (Date.now() > deadline) {
        throw new Error(`Kafka broker did not start in 180 s: ${await tail(logFile)}`);
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 250))]);
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(timer);
  }

  await start();
  return {
    brokers: [`127.0.0.1:${plain}`],
    saslBrokers: [`127.0.0.1:${sasl}`],
    pid: () => child?.pid,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-20).join('\n');
}
