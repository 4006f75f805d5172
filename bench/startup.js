// P4 and P5 (PERFORMANCE.md): cold start of `lightning start` on an existing data directory, and
// the idle memory of the embedded instance (all its processes together).
// Run: npm run build && node bench/startup.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';
import { treeRssBytes } from './process-tree.js';

const ROUNDS = 5;
const dataDir = mkdtempSync(join(tmpdir(), 'lightning-bench-'));
const env = { LIGHTNING_DATA_DIR: dataDir };
try {
  printHardware();
  // First start creates the data directory (initdb, migrations, dev keys): not what P5 measures.
  const first = await startInstance('start', env);
  console.log(`first start (new data directory): ${first.readyMs.toFixed(0)} ms`);
  await first.stop();

  const times = [];
  let idle;
  for (let i = 0; i < ROUNDS; i++) {
    const instance = await startInstance('start', env);
    times.push(instance.readyMs);
    if (i === ROUNDS - 1) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      idle = treeRssBytes(instance.child.pid);
    }
    await instance.stop();
  }
  times.sort((a, b) => a - b);
  console.log(
    `P5 cold start to /health 200 (existing data dir), ${ROUNDS} rounds: median ${times[Math.floor(ROUNDS / 2)].toFixed(0)} ms, best ${times[0].toFixed(0)} ms, worst ${times[ROUNDS - 1].toFixed(0)} ms (target ≤ 1500 ms to the first webhook)`,
  );
  console.log(
    `P4 idle RSS of the embedded instance after 5 s: ${(idle.bytes / 2 ** 20).toFixed(0)} MiB in ${idle.processes} process(es) (target ≤ 250 MiB)`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
