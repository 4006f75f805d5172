// Runs every benchmark in this folder, one after the other. They are never part of `npm test`.
// Run: npm run build && npm run bench            (or: node bench/<name>.js for one)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const helpers = new Set([
  'run.js',
  'hardware.js',
  'instance.js',
  'process-tree.js',
  'bench-database.js',
  'provision.js',
]);
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.js') && !helpers.has(f))
  .sort()) {
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, [`${here}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = 1;
}
