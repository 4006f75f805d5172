// How long `lightning --help` takes (issue 15: under 0.5 s): the built command, spawned as a user
// runs it, against `node -e 0` on the same machine as the floor no command can go below.
// Run: npm run build -w @lightning/cli && node bench/cli-help.js
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { printHardware } from './hardware.js';

const ROUNDS = 11;
const BIN = fileURLToPath(new URL('../packages/cli/bin/lightning.js', import.meta.url));

function median(args) {
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(ROUNDS / 2)], best: times[0], worst: times[ROUNDS - 1] };
}

printHardware();
const floor = median(['-e', '0']);
const help = median([BIN, '--help']);
const show = ({ median, best, worst }) =>
  `median ${median.toFixed(0)} ms (best ${best.toFixed(0)}, worst ${worst.toFixed(0)})`;
console.log(`node -e 0:          ${show(floor)}`);
console.log(`lightning --help:   ${show(help)} (target < 500 ms), ${ROUNDS} rounds`);
