// The budget: the first load of the built app carries under 300 KB of JavaScript gzipped,
// and the workflow editor (canvas, code editor) is not part of it.
import { measureFirstLoad } from '../scripts/first-load.js';
import { ensureWebBuilt } from './support.js';

describe('the built web app', () => {
  it('loads under 300 KB of JavaScript gzipped before any lazy page', async () => {
    await ensureWebBuilt();
    const { files, gzipBytes } = measureFirstLoad();
    expect(files.length).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThan(300 * 1024);
    const names = files.map((f) => f.file);
    for (const lazy of ['WorkflowEditorPage', 'CodeEditor', 'Canvas']) {
      expect(
        names.some((name) => name.includes(lazy)),
        lazy,
      ).toBe(false);
    }
  });
});
