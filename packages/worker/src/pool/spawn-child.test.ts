import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateRuntime } from './spawn-child.js';

const repoRoot = realpathSync(fileURLToPath(new URL('../../../../', import.meta.url)));

describe('what a child may read', () => {
  it('is the runtime build and its dependencies, not the repo, its sources or node_modules', () => {
    const { entry, readable } = locateRuntime('@lightning/runtime');
    expect(entry).toBe(path.join(repoRoot, 'packages/runtime/dist/index.js'));
    const relative = readable.map((p) => path.relative(repoRoot, p)).sort();
    expect(relative).toEqual(
      [
        'node_modules/acorn',
        'node_modules/acorn-walk',
        'node_modules/astring',
        'packages/runtime/dist',
        'packages/runtime/package.json',
        'packages/worker/dist',
        'packages/worker/package.json',
      ].sort(),
    );
  });
});
