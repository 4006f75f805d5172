import { expectFieldError } from '../test-support/expect-payload.js';
import {
  isQueuePushEvent,
  isRunPushEvent,
  queuePushSchemas,
  runPushSchemas,
  validatePayload,
} from './index.js';
import { claimPayloadSchema } from './queue.js';

describe('validatePayload', () => {
  it("answers in Lightning's changeset shape, one key per field", () => {
    const result = validatePayload(claimPayloadSchema, { demand: 'two', queues: [1] });
    expect(result).toEqual({
      ok: false,
      error: {
        errors: {
          demand: ['must be a number (got string)'],
          'queues.0': ['must be a string (got number)'],
        },
      },
    });
  });

  it("says can't be blank for missing and null fields, as Ecto does", () => {
    expectFieldError(claimPayloadSchema, {}, 'demand', "can't be blank");
    expectFieldError(claimPayloadSchema, { demand: null }, 'demand', "can't be blank");
  });

  it('reports a payload that is not an object under "payload"', () => {
    expectFieldError(claimPayloadSchema, [1], 'payload', 'must be an object (got array)');
    expectFieldError(claimPayloadSchema, 'x', 'payload', 'must be an object (got string)');
    expectFieldError(claimPayloadSchema, null, 'payload', "can't be blank");
  });

  it('returns the parsed value when valid', () => {
    expect(validatePayload(claimPayloadSchema, { demand: 1 })).toEqual({
      ok: true,
      value: { demand: 1, worker_name: null },
    });
  });

  it('has a schema for every event a worker pushes (spec §3–4)', () => {
    expect(Object.keys(queuePushSchemas).sort()).toEqual(['claim', 'phx_join', 'phx_leave']);
    expect(Object.keys(runPushSchemas).sort()).toEqual(
      [
        'phx_join',
        'fetch:plan',
        'fetch:dataclip',
        'fetch:credential',
        'run:start',
        'step:start',
        'run:log',
        'run:batch_logs',
        'step:complete',
        'run:complete',
        'phx_leave',
      ].sort(),
    );
  });

  it('tells which events a worker may push on each channel', () => {
    expect(isRunPushEvent('step:complete')).toBe(true);
    expect(isRunPushEvent('claim')).toBe(false);
    expect(isRunPushEvent('toString')).toBe(false);
    expect(isQueuePushEvent('claim')).toBe(true);
    expect(isQueuePushEvent('run:log')).toBe(false);
  });
});
