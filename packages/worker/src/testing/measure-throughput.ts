// How many trivial runs per second one worker gets through against a server that answers at
// once (the scripted one), i.e. the worker's own ceiling, before any database work.
//
//   npx tsx --conditions=source packages/worker/src/testing/measure-throughput.ts [runs] [capacity]
//
// The pool children load compiled code: run `npm run build` first.
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createWorker } from '../worker.js';
import { startFakeLightning } from './fake-lightning.js';
import { lightningPlan } from './plans.js';

const runs = Number(process.argv[2] ?? 2000);
const capacity = Number(process.argv[3] ?? 4);
const secret = 'measure';
const adaptorsDir = fileURLToPath(new URL('../../../../.cache/adaptors', import.meta.url));

const server = await startFakeLightning({ secret, recordPushes: false });
const worker = createWorker({
  serviceUrl: server.url,
  secret,
  capacity,
  name: 'measure',
  adaptorsDir,
  maxRunMemoryMb: 256,
  maxRunDurationSeconds: 60,
  maxRunsPerChild: 1000,
});
await worker.start();
await server.waitForQueueJoin();

let mainCpuMs = 0;

async function batch(count: number): Promise<number> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const started = performance.now();
  const cpu = process.cpuUsage();
  ids.forEach((id, i) => {
    const plan = lightningPlan(id, [{ id: 'a', body: 'fn(s => s)' }]);
    server.enqueue({ id, plan }, { notify: i === ids.length - 1 });
  });
  await Promise.all(ids.map((id) => server.waitForCompletion(id, 600_000)));
  const used = process.cpuUsage(cpu);
  mainCpuMs = (used.user + used.system) / 1000;
  return performance.now() - started;
}

await batch(Math.min(200, runs)); // warm-up: adaptor loading, JIT
const ms = await batch(runs);
// With --expose-gc, the heap figure is what is still referenced, not garbage waiting.
(globalThis as { gc?: () => void }).gc?.();
console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    runs,
    capacity,
    seconds: +(ms / 1000).toFixed(2),
    runsPerSecond: Math.round(runs / (ms / 1000)),
    // CPU of this process (worker main + scripted server) per run; the rest is the pool children.
    mainCpuMsPerRun: +(mainCpuMs / runs).toFixed(3),
    mainRssMiB: Math.round(process.memoryUsage().rss / 1048576),
    mainHeapMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
  }),
);
await worker.stop();
await server.close();
