import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTORS_DIR, ensureAdaptors, HTTP } from '../test-support/adaptors.js';
import { startServer, type TestServer } from '../test-support/http-server.js';
import { recordRun } from '../test-support/run-recorder.js';
import { executeJob } from './execute-job.js';

describe('adaptor console lines', () => {
  let server: TestServer;
  beforeAll(async () => {
    await ensureAdaptors();
    server = await startServer(() => ({ body: { ok: true } }));
  });
  afterAll(() => server.close());

  const run = (path: string) => {
    const recorder = recordRun();
    const done = executeJob({
      source: `get('${path}');`,
      adaptor: HTTP,
      adaptorsDir: ADAPTORS_DIR,
      credential: { baseUrl: server.url },
      onEvent: recorder.onEvent,
    });
    return done.then(() => recorder.lines().filter((line) => line.startsWith('ADA')));
  };

  it('go to the run that made them when runs overlap in one process', async () => {
    const [first, second] = await Promise.all([run('/first'), run('/second')]);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/^ADA info: GET .*\/first - 200/);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatch(/^ADA info: GET .*\/second - 200/);
  });

  it('leave the global console as it was once runs are over', async () => {
    const before = globalThis.console;
    await run('/again');
    expect(globalThis.console).toBe(before);
  });

  it('are not taken from a console call made in the event handler', async () => {
    const seen: string[] = [];
    const original = console.info;
    await executeJob({
      source: "get('/handler');",
      adaptor: HTTP,
      adaptorsDir: ADAPTORS_DIR,
      credential: { baseUrl: server.url },
      onEvent: (event) => {
        if (event.type === 'log' && event.source === 'ADA') seen.push('ADA');
        if (event.type === 'step:start') console.info('handler output');
      },
    });
    expect(seen).toEqual(['ADA']);
    expect(console.info).toBe(original);
  });
});
