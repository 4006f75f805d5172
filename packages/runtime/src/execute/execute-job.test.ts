import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTORS_DIR, COMMON, ensureAdaptors, HTTP } from '../test-support/adaptors.js';
import { startServer, type TestServer } from '../test-support/http-server.js';
import { recordRun } from '../test-support/run-recorder.js';
import type { State } from '../types.js';
import { executeJob } from './execute-job.js';

describe('a job', () => {
  let server: TestServer;

  beforeAll(async () => {
    await ensureAdaptors();
    server = await startServer((request) => {
      if (request.url.startsWith('/patients')) {
        return { body: { patients: [{ id: 1 }, { id: 2 }], auth: request.headers.authorization } };
      }
      if (request.url.startsWith('/missing')) return { status: 404, body: { error: 'not here' } };
      return { status: 201, body: { received: request.body ? JSON.parse(request.body) : null } };
    });
  });
  afterAll(() => server.close());

  const run = (
    source: string,
    extra: { adaptor?: string; state?: State; credential?: State } = {},
  ) => {
    const recorder = recordRun();
    const result = executeJob({
      source,
      adaptor: extra.adaptor ?? COMMON,
      state: extra.state,
      credential: extra.credential,
      adaptorsDir: ADAPTORS_DIR,
      onEvent: recorder.onEvent,
    });
    return result.then((r) => ({ ...r, recorder }));
  };

  it('runs fn operations in order, threading state', async () => {
    const result = await run(
      'fn(s => ({ ...s, data: { n: 1 } }));\nfn(s => ({ ...s, data: { n: s.data.n + 1 } }));',
    );
    expect(result.reason).toBe('success');
    expect(result.final_state).toEqual({ data: { n: 2 } });
  });

  it('runs each over a lazy $ reference', async () => {
    const result = await run(
      `fn(s => ({ ...s, data: { items: [1, 2, 3] }, seen: [] }));
       each($.data.items, fn(s => ({ ...s, seen: [...s.seen, s.data * 10] })));`,
    );
    expect(result.final_state?.seen).toEqual([10, 20, 30]);
  });

  it('keeps .then on a top-level operation as part of it', async () => {
    const result = await run(
      "fn(s => ({ ...s, data: { n: 1 } })).then(s => { console.log('then ran'); return { ...s, chained: s.data.n }; });",
    );
    expect(result.final_state).toMatchObject({ chained: 1 });
    expect(result.recorder.lines()).toContain('JOB info: then ran');
  });

  it('calls an HTTP API with the credential as configuration', async () => {
    const result = await run(
      "get('/patients');\nfn(s => ({ ...s, count: s.data.patients.length }));",
      {
        adaptor: HTTP,
        credential: { baseUrl: server.url, username: 'user', password: 'secret-pass' },
      },
    );
    expect(result.reason).toBe('success');
    expect(result.final_state).toMatchObject({ count: 2, references: [{}] });
    expect(result.final_state?.data).toMatchObject({
      auth: `Basic ${Buffer.from('user:secret-pass').toString('base64')}`,
    });
  });

  it('posts lazily resolved state with language-http', async () => {
    const result = await run(
      "fn(s => ({ ...s, data: { name: 'Ada' } }));\npost('/people', $.data);",
      { adaptor: HTTP, credential: { baseUrl: server.url } },
    );
    expect(result.final_state?.data).toEqual({ received: { name: 'Ada' } });
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/people' });
  });

  it('never lets the credential or the response reach an output, a dataclip or a log', async () => {
    const result = await run(
      "get('/patients');\nfn(s => { console.log(s.data.patients.length, 'patients'); return s; });",
      { adaptor: HTTP, credential: { baseUrl: server.url, password: 'hunter2-secret' } },
    );
    const complete = result.recorder.ofType('step:complete')[0];
    expect(complete?.output_state).not.toHaveProperty('configuration');
    expect(complete?.output_state).not.toHaveProperty('response');
    expect(result.final_state).not.toHaveProperty('configuration');
    expect(JSON.stringify(result.recorder.events)).not.toContain('hunter2-secret');
  });

  it('masks credential secrets a job prints or an adaptor error repeats', async () => {
    const result = await run(
      "fn(s => { console.log('key is', s.configuration.apiKey); return s; });\nget('/missing?key=' + 'sk-live-4242');",
      { adaptor: HTTP, credential: { baseUrl: server.url, apiKey: 'sk-live-4242' } },
    );
    expect(result.recorder.lines()).toContain('JOB info: key is ***');
    expect(result.error_message).toBe(
      `GET to ${server.url}/missing?key=*** returned 404: Not Found`,
    );
    expect(JSON.stringify(result.recorder.events)).not.toContain('sk-live-4242');
  });

  it('merges the credential into configuration that the input already has', async () => {
    const result = await run('fn(s => ({ ...s, seen: s.configuration }));', {
      state: { data: {}, configuration: { region: 'eu' } },
      credential: { token: 't' },
    });
    expect(result.final_state?.seen).toEqual({ region: 'eu', token: 't' });
  });

  it('turns console calls into JOB log lines with their level and step id', async () => {
    const result = await run(
      "fn(s => { console.log('hello', { a: 1 }); console.warn('careful'); console.error('bad'); console.debug('detail'); return s; });",
    );
    const logs = result.recorder.ofType('log').filter((e) => e.source === 'JOB');
    expect(logs.map((e) => [e.level, e.message])).toEqual([
      ['info', ['hello', { a: 1 }]],
      ['warn', ['careful']],
      ['error', ['bad']],
      ['debug', ['detail']],
    ]);
    const stepId = result.recorder.ofType('step:start')[0]?.step_id;
    for (const log of logs) {
      expect(log.step_id).toBe(stepId);
      expect(log.timestamp).toMatch(/^\d{16}$/);
    }
  });

  it("reports the adaptor's own console output as ADA lines", async () => {
    const result = await run("get('/patients');", {
      adaptor: HTTP,
      credential: { baseUrl: server.url },
    });
    expect(
      result.recorder.lines().some((line) => /^ADA info: GET .*\/patients - 200/.test(line)),
    ).toBe(true);
  });

  it('gives job code no process, require or fetch', async () => {
    const result = await run(
      'fn(s => ({ ...s, data: { process: typeof process, require: typeof require, fetch: typeof fetch } }));',
    );
    expect(result.final_state?.data).toEqual({
      process: 'undefined',
      require: 'undefined',
      fetch: 'undefined',
    });
  });

  it('lets job code import another allow-listed adaptor that is installed', async () => {
    const result = await run(
      "import { dataValue } from '@openfn/language-common';\nfn(s => ({ ...s, data: { v: dataValue('x')({ data: { x: 7 } }) } }));",
      { adaptor: HTTP },
    );
    expect(result.final_state?.data).toEqual({ v: 7 });
  });

  it('clears the timers a job leaves behind and reports errors thrown in them', async () => {
    const result = await run(
      `fn(s => { setInterval(() => {}, 5); return s; });
       fn(s => new Promise(resolve => setTimeout(() => { resolve(s); throw new Error('late'); }, 1)));`,
    );
    expect(result.reason).toBe('success');
    expect(result.recorder.lines()).toContain(
      'JOB error: Uncaught error in a timer callback: Error: late',
    );
  });

  it('drops functions and cycles from the output state', async () => {
    const result = await run(
      'fn(s => { const data = { f: () => 1, n: 1 }; data.self = data; return { ...s, data }; });',
    );
    expect(result.final_state?.data).toEqual({ n: 1 });
  });

  it('resolves an adaptor at @latest to the version it installs and reports', async () => {
    const result = await run('fn(s => ({ ...s, data: { ok: true } }));', {
      adaptor: '@openfn/language-common@latest',
    });
    expect(result.reason).toBe('success');
    const versions = result.recorder.ofType('run:start')[0]?.versions;
    expect(versions?.['@openfn/language-common']).toEqual([
      expect.stringMatching(/^\d+\.\d+\.\d+/),
    ]);
  });

  it('fails clearly when an operation returns something other than state', async () => {
    const result = await run('fn(s => s);\nfn(s => 42);');
    expect(result.reason).toBe('fail');
    expect(result.error_type).toBe('JobError');
    expect(result.error_message).toBe(
      'fn() on line 2 returned a number instead of a state object: every operation must return state (e.g. fn(state => { ...; return state; }))',
    );
  });
});
