// P2 (PERFORMANCE.md), the worker's share: runs per second of a trivial `fn(s => s)` job with
// @openfn/language-common through the warm pool of sandboxed children, each run isolated in a
// child process (permission model, frozen intrinsics, no code generation from strings).
// Reference in the same run: the same plan through `executePlan` inline in this process (no
// sandbox, no IPC), the ceiling one core reaches when nothing is isolated.
//
// Run: npm run build -w @lightning/protocol -w @lightning/runtime -w @lightning/worker
//      node bench/runtime-pool.js              (BENCH_SECONDS=20 POOL_SIZE=<cores> MAX_RUNS_PER_CHILD=1000)
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { executePlan, installAdaptor } from '../packages/runtime/dist/index.js';
import { createPool } from '../packages/worker/dist/pool/index.js';
import { printHardware } from './hardware.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = 5;
const POOL_SIZE = Number(process.env.POOL_SIZE ?? cpus().length);
// The pool's own default (1000) unless set.
const MAX_RUNS_PER_CHILD = Number(process.env.MAX_RUNS_PER_CHILD ?? 1000);
const ADAPTOR = '@openfn/language-common@3.3.4';
const adaptorsDir = fileURLToPath(new URL('../.cache/adaptors', import.meta.url));

const plan = {
  id: 'bench',
  starting_node_id: 'trigger',
  triggers: [{ id: 'trigger', type: 'webhook' }],
  jobs: [{ id: 'job', name: 'job', body: 'fn(s => s)', adaptor: ADAPTOR }],
  edges: [
    {
      id: 'edge',
      source_trigger_id: 'trigger',
      target_job_id: 'job',
      condition: 'always',
      enabled: true,
    },
  ],
  options: { run_timeout_ms: 30_000, run_memory_limit_mb: 500 },
};
const input = () => ({ data: { patient: { id: 1, name: 'Ana' } } });

/**
 * CPU time (ms) used so far by this process and its children, live or exited, from /proc (Linux).
 * On a shared machine CPU per run is steadier than runs per second. Clock ticks are 10 ms.
 */
function treeCpuMs() {
  try {
    const fields = (pid) => readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
    const own = fields('self');
    // utime, stime, cutime, cstime: fields 14-17 of stat, i.e. 11-14 after "pid (comm)".
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    const children = readFileSync(`/proc/self/task/${process.pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const child of children) {
      try {
        const f = fields(child);
        ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // exited between the two reads; counted in cutime once reaped
      }
    }
    return ticks * 10;
  } catch {
    return Number.NaN;
  }
}

/** Keep `concurrency` runs in flight for `seconds`; runs/s and latency percentiles. */
async function measure(runOnce, concurrency, seconds) {
  const latencies = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpuBefore = treeCpuMs();
  async function lane() {
    while (performance.now() < deadline) {
      const t = performance.now();
      const result = await runOnce();
      latencies.push(performance.now() - t);
      if (result.reason !== 'success') failures++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (performance.now() - started) / 1000;
  const cpuPerRun = (treeCpuMs() - cpuBefore) / latencies.length;
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    runs: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    failures,
    cpuPerRun,
  };
}

function report(label, m) {
  console.log(
    `${label}: ${m.perSecond.toFixed(0)} runs/s (${m.runs} runs, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, ${m.cpuPerRun.toFixed(2)} ms CPU per run in all processes, ${m.failures} not success)`,
  );
}

printHardware();
console.log(
  `load     ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1/5/15 min; other work on the machine skews both figures)`,
);
await installAdaptor(ADAPTOR, { adaptorsDir });

const inline = () => executePlan(plan, input(), { adaptorsDir, onEvent: () => {} });
const pool = createPool({ size: POOL_SIZE, adaptorsDir, maxRunsPerChild: MAX_RUNS_PER_CHILD });
await pool.ready;
let events = 0;
const pooled = () => pool.run(plan, input(), { onEvent: () => events++ });

// Warm both paths (adaptor import, JIT), then alternate short windows of each, so that load
// from elsewhere on a shared machine hits both alike; the ratio per round is the steady figure.
await measure(inline, 4, 1);
await measure(pooled, POOL_SIZE * 2, 2);
const rounds = [];
const window = SECONDS / ROUNDS;
for (let i = 0; i < ROUNDS; i++) {
  const reference = await measure(inline, 4, window);
  events = 0;
  const result = await measure(pooled, POOL_SIZE * 2, window);
  result.eventsPerRun = events / result.runs;
  rounds.push({ reference, result });
  console.log(
    `round ${i + 1}: reference ${reference.perSecond.toFixed(0)} runs/s (${reference.cpuPerRun.toFixed(2)} ms CPU/run), pool ${result.perSecond.toFixed(0)} runs/s (${result.cpuPerRun.toFixed(2)} ms CPU/run) (×${(result.perSecond / reference.perSecond).toFixed(2)})`,
  );
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pick = (key) => (m) => m[key];
const summary = (list) => ({
  runs: list.reduce((n, m) => n + m.runs, 0),
  perSecond: median(list.map(pick('perSecond'))),
  p50: median(list.map(pick('p50'))),
  p99: median(list.map(pick('p99'))),
  failures: list.reduce((n, m) => n + m.failures, 0),
  cpuPerRun: median(list.map(pick('cpuPerRun'))),
});
report(
  'reference: executePlan inline (no sandbox, 1 process), median',
  summary(rounds.map((r) => r.reference)),
);
report(
  `pool: ${POOL_SIZE} warm children, recycled every ${MAX_RUNS_PER_CHILD} runs, ${POOL_SIZE * 2} runs in flight, median`,
  summary(rounds.map((r) => r.result)),
);
console.log(
  `pool / reference, median of rounds: ×${median(rounds.map((r) => r.result.perSecond / r.reference.perSecond)).toFixed(2)}`,
);
console.log(`events forwarded per run: ${rounds[0].result.eventsPerRun.toFixed(1)}`);
const poolCpu = summary(rounds.map((r) => r.result)).cpuPerRun;
console.log(
  `pool ceiling from CPU per run on ${cpus().length} idle cores: ~${((cpus().length * 1000) / poolCpu).toFixed(0)} runs/s`,
);
console.log('P2 target (end to end, webhook → run success): ≥ 400 runs/s');
await pool.close();
