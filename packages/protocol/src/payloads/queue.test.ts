import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import { emptyPayloadSchema } from './empty.js';
import { claimPayloadSchema, claimReplySchema, queueJoinPayloadSchema } from './queue.js';

describe('worker:queue join', () => {
  it('accepts what the OpenFn worker sends, and any other object', () => {
    expect(expectValid(queueJoinPayloadSchema, { capacity: 5, queues: { 'manual>*': 5 } })).toEqual(
      {
        capacity: 5,
        queues: { 'manual>*': 5 },
      },
    );
    expect(expectValid(queueJoinPayloadSchema, {})).toEqual({});
  });

  it('refuses a capacity or a slot count that is not a non-negative integer', () => {
    expectFieldError(queueJoinPayloadSchema, { capacity: -1 }, 'capacity', 'must be at least 0');
    expectFieldError(queueJoinPayloadSchema, { capacity: 1.5 }, 'capacity');
    expectFieldError(queueJoinPayloadSchema, { queues: { '*': 'two' } }, 'queues.*');
  });
});

describe('claim', () => {
  it('accepts the OpenFn worker claim', () => {
    expect(
      expectValid(claimPayloadSchema, { demand: 1, worker_name: 'pod-1', queues: ['manual', '*'] }),
    ).toEqual({ demand: 1, worker_name: 'pod-1', queues: ['manual', '*'] });
  });

  it('reads a missing or empty worker_name as null', () => {
    expect(expectValid(claimPayloadSchema, { demand: 2 }).worker_name).toBeNull();
    expect(expectValid(claimPayloadSchema, { demand: 2, worker_name: '' }).worker_name).toBeNull();
    expect(
      expectValid(claimPayloadSchema, { demand: 2, worker_name: null }).worker_name,
    ).toBeNull();
  });

  it('refuses a missing, zero, fractional or non-numeric demand', () => {
    expectFieldError(claimPayloadSchema, {}, 'demand', "can't be blank");
    expectFieldError(claimPayloadSchema, { demand: 0 }, 'demand', 'must be at least 1');
    expectFieldError(
      claimPayloadSchema,
      { demand: 1.5 },
      'demand',
      'must be an integer (got number)',
    );
    expectFieldError(claimPayloadSchema, { demand: '1' }, 'demand', /must be a number/);
  });

  it('refuses a worker_name or queues of the wrong type', () => {
    expectFieldError(claimPayloadSchema, { demand: 1, worker_name: 3 }, 'worker_name');
    expectFieldError(claimPayloadSchema, { demand: 1, queues: 'manual' }, 'queues');
    expectFieldError(claimPayloadSchema, { demand: 1, queues: [''] }, 'queues.0', "can't be blank");
  });
});

describe('claim reply', () => {
  it('accepts runs with id and token, and an empty list', () => {
    expect(
      expectValid(claimReplySchema, { runs: [{ id: 'r1', token: 'a.b.c' }] }).runs,
    ).toHaveLength(1);
    expect(expectValid(claimReplySchema, { runs: [] }).runs).toEqual([]);
  });

  it('refuses a reply without runs or a run without a token', () => {
    expectFieldError(claimReplySchema, {}, 'runs', "can't be blank");
    expectFieldError(claimReplySchema, { runs: [{ id: 'r1' }] }, 'runs.0.token', "can't be blank");
  });
});

describe('empty payloads (work-available, fetch:plan, phx_leave, heartbeat)', () => {
  it('accepts any object', () => {
    expect(expectValid(emptyPayloadSchema, {})).toEqual({});
    expect(expectValid(emptyPayloadSchema, { extra: 1 })).toEqual({ extra: 1 });
  });

  it('refuses what is not an object', () => {
    expectFieldError(emptyPayloadSchema, 'x', 'payload');
    expectFieldError(emptyPayloadSchema, null, 'payload');
  });
});
