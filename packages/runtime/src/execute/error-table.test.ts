// One test per row of runtime.md's "Errors and reasons" table (OOMError is the worker's:
// only a process can be killed for memory).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTORS_DIR, COMMON, ensureAdaptors, HTTP } from '../test-support/adaptors.js';
import { startServer, type TestServer } from '../test-support/http-server.js';
import { recordRun } from '../test-support/run-recorder.js';
import type { ExecutionPlan, State } from '../types.js';
import { executeJob } from './execute-job.js';
import { executePlan } from './execute-plan.js';

describe('errors and reasons', () => {
  let server: TestServer;
  beforeAll(async () => {
    await ensureAdaptors();
    server = await startServer(() => ({ status: 500, body: { error: 'down' } }));
  });
  afterAll(() => server.close());

  async function run(source: string, adaptor = COMMON, timeoutMs?: number) {
    const recorder = recordRun();
    const result = await executeJob({
      source,
      adaptor,
      adaptorsDir: ADAPTORS_DIR,
      credential: { baseUrl: server.url },
      onEvent: recorder.onEvent,
      options: { timeoutMs },
    });
    const step = recorder.ofType('step:complete')[0];
    return { result, step, recorder };
  }

  it.each([
    ['an Error', "fn(s => { throw new Error('boom'); });", 'boom'],
    ['a string', "fn(s => { throw 'boom'; });", 'boom'],
  ])('job throws %s → fail JobError, recorded in state.errors', async (_, source, message) => {
    const { result, step } = await run(source);
    expect(result).toMatchObject({
      reason: 'fail',
      error_type: 'JobError',
      error_message: message,
    });
    expect(step).toMatchObject({ reason: 'fail', error_type: 'JobError', error_message: message });
    expect(step?.output_state?.errors).toMatchObject({
      job: { source: 'runtime', name: 'JobError', type: 'JobError', severity: 'fail', message },
    });
  });

  it.each([
    [
      'TypeError',
      'fn(s => s.data.missing.field);',
      "TypeError: Cannot read properties of undefined (reading 'field')",
    ],
    ['RangeError', 'fn(s => { new Array(-1); return s; });', 'RangeError: Invalid array length'],
  ])('%s in job code → fail RuntimeError', async (subtype, source, message) => {
    const { result, step } = await run(`fn(s => s);\n${source}`);
    expect(result).toMatchObject({
      reason: 'fail',
      error_type: 'RuntimeError',
      error_message: message,
    });
    expect(step?.output_state?.errors).toMatchObject({
      job: { type: 'RuntimeError', subtype, pos: { line: 2 } },
    });
  });

  it('error thrown inside adaptor code → fail AdaptorError', async () => {
    const { result, step } = await run("get('/patients');", HTTP);
    expect(result.reason).toBe('fail');
    expect(result.error_type).toBe('AdaptorError');
    expect(result.error_message).toBe(
      `GET to ${server.url}/patients returned 500: Internal Server Error`,
    );
    expect(step?.output_state?.errors).toMatchObject({
      job: { type: 'AdaptorError', operation: 'get', line: 1, details: { statusCode: 500 } },
    });
  });

  it.each([
    [
      'ReferenceError',
      'fn(s => { notDefined(); return s; });',
      'ReferenceError: notDefined is not defined',
    ],
    ['SyntaxError', "fn(s => JSON.parse('{'));", 'SyntaxError'],
  ])(
    '%s at run time → crash RuntimeCrash; the step keeps the name %s',
    async (name, source, message) => {
      const { result, step } = await run(source);
      expect(result).toMatchObject({ reason: 'crash', error_type: 'RuntimeCrash' });
      expect(result.error_message).toContain(message);
      // As OpenFn's worker stores it (`subtype || type`): the step says what the job threw.
      expect(step).toMatchObject({ reason: 'crash', error_type: name });
      expect(step?.error_message).toContain(message);
      expect(result.final_state).toBeUndefined();
    },
  );

  it('compile error → crash CompileError with line and column', async () => {
    const { result } = await run('fn(s => s);\nfn(s => s s);');
    expect(result).toEqual({
      reason: 'crash',
      error_type: 'CompileError',
      error_message: 'job: Unexpected token (2:10)',
    });
  });

  it.each([
    [
      'a module that is not allowed',
      "import fs from 'fs';\nfn(s => s);",
      'Cannot import "fs": jobs may only import modules matching @openfn/*',
    ],
    [
      'a module that is not installed',
      "import { x } from '@openfn/language-nothing';\nfn(s => s);",
      'Cannot import "@openfn/language-nothing": @openfn/language-nothing is not installed',
    ],
    [
      'a dynamic import',
      "fn(async s => { await import('child_process'); return s; });",
      'Cannot import "child_process"',
    ],
  ])('import of %s → crash ImportError', async (_, source, message) => {
    const { result } = await run(source);
    expect(result).toMatchObject({ reason: 'crash', error_type: 'ImportError' });
    expect(result.error_message).toContain(message);
  });

  it.each([
    ['eval', "fn(s => { eval('1 + 1'); return s; });"],
    ['new Function', "fn(s => { new Function('return 1')(); return s; });"],
    [
      'the Function constructor reached through a value',
      "fn(s => { (() => {}).constructor('return 1')(); return s; });",
    ],
    [
      'eval in a timer callback, which has no caller to throw to',
      "fn(s => new Promise(resolve => { setTimeout(() => eval('1 + 1'), 0); setTimeout(() => resolve(s), 5000); }));",
    ],
    [
      'new Function inside a callback that adaptor code calls (not an AdaptorError)',
      "fn(s => each('$.data.items[*]', fn(st => { new Function('return 1')(); return st; }))({ ...s, data: { items: [1] } }));",
    ],
  ])('%s → kill SecurityError', async (_, source) => {
    const { result, step } = await run(source);
    expect(result).toEqual({
      reason: 'kill',
      error_type: 'SecurityError',
      error_message: 'Illegal eval statement detected',
    });
    expect(step).toMatchObject({ reason: 'kill', error_type: 'SecurityError' });
  });

  it('a synchronous endless loop past timeoutMs → kill TimeoutError', async () => {
    const { result } = await run('fn(s => { while (true) {} });', COMMON, 200);
    expect(result).toEqual({
      reason: 'kill',
      error_type: 'TimeoutError',
      error_message: 'Job took longer than 200ms to complete',
    });
  });

  it('a step that never settles past timeoutMs → kill TimeoutError', async () => {
    const { result } = await run('fn(s => new Promise(() => {}));', COMMON, 200);
    expect(result).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
  });

  it('state over the state limit → kill StateTooLargeError', async () => {
    const recorder = recordRun();
    const result = await executeJob({
      source: "fn(s => ({ ...s, data: { big: 'x'.repeat(2 * 1024 * 1024) } }));",
      adaptor: COMMON,
      adaptorsDir: ADAPTORS_DIR,
      onEvent: recorder.onEvent,
      options: { stateLimitMb: 1 },
    });
    expect(result).toEqual({
      reason: 'kill',
      error_type: 'StateTooLargeError',
      error_message: 'State exceeds the limit of 1mb',
    });
  });

  describe('on our side', () => {
    let emptyDir: string;
    beforeAll(() => {
      emptyDir = mkdtempSync(path.join(tmpdir(), 'lightning-adaptors-'));
    });
    afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

    const plan = (adaptor: string): ExecutionPlan => ({
      id: 'run-1',
      starting_node_id: 'a',
      triggers: [],
      jobs: [{ id: 'a', body: 'fn(s => s);', adaptor, credential_id: 'cred-1' }],
      edges: [],
    });

    it('adaptor install failed → exception AutoinstallError', async () => {
      const recorder = recordRun();
      const result = await executePlan(plan('@openfn/language-common@99.0.0'), undefined, {
        adaptorsDir: emptyDir,
        autoinstall: true,
        loadCredential: async () => ({}),
        onEvent: recorder.onEvent,
      });
      expect(result).toMatchObject({ reason: 'exception', error_type: 'AutoinstallError' });
      expect(result.error_message).toContain(
        'version 99.0.0 of @openfn/language-common does not exist',
      );
      expect(recorder.ofType('step:start')).toHaveLength(0);
    });

    it('credential could not be loaded → exception CredentialLoadError', async () => {
      const recorder = recordRun();
      const result = await executePlan(plan(COMMON), undefined, {
        adaptorsDir: ADAPTORS_DIR,
        loadCredential: async (id) => {
          throw new Error(`Credential not found: ${id}`);
        },
        onEvent: recorder.onEvent,
      });
      expect(result).toEqual({
        reason: 'exception',
        error_type: 'CredentialLoadError',
        error_message: 'Could not load credential cred-1: Credential not found: cred-1',
      });
      expect(recorder.ofType('step:start')).toHaveLength(0);
      expect(recorder.events.at(-1)).toMatchObject({ type: 'run:complete', reason: 'exception' });
    });

    it('input could not be used → exception DataClipError', async () => {
      const result = await executePlan(plan(COMMON), ['not', 'an', 'object'] as unknown as State, {
        adaptorsDir: ADAPTORS_DIR,
        loadCredential: async () => ({}),
        onEvent: () => {},
      });
      expect(result).toEqual({
        reason: 'exception',
        error_type: 'DataClipError',
        error_message: 'The input state must be a JSON object (got an array)',
      });
    });
  });
});
