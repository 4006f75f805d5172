import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import { LOG_LEVELS } from './fields.js';
import { batchLogsPayloadSchema, runLogPayloadSchema } from './logs.js';

const STEP_ID = '0f4ad4a4-9d55-4d48-9a4b-7b8d4b3f8a11';
const line = {
  message: ['fetched', { count: 3 }],
  source: 'JOB',
  level: 'info',
  timestamp: '1795729756567073',
  step_id: STEP_ID,
};

describe('run:log', () => {
  it('accepts what the OpenFn worker sends', () => {
    const payload = { run_id: 'r1', ...line };
    expect(expectValid(runLogPayloadSchema, payload)).toEqual(payload);
  });

  it.each(LOG_LEVELS)('accepts level %s', (level) => {
    expect(expectValid(runLogPayloadSchema, { ...line, level }).level).toBe(level);
  });

  it('accepts a string message and a line outside any step', () => {
    const { step_id: _, ...runLine } = line;
    expect(expectValid(runLogPayloadSchema, { ...runLine, message: 'hello' }).message).toBe(
      'hello',
    );
  });

  it('normalises the timestamp to µs', () => {
    expect(expectValid(runLogPayloadSchema, { ...line, timestamp: 1795729756567 }).timestamp).toBe(
      '1795729756567000',
    );
  });

  it('refuses a missing message or timestamp', () => {
    expectFieldError(
      runLogPayloadSchema,
      { ...line, message: undefined },
      'message',
      "can't be blank",
    );
    expectFieldError(
      runLogPayloadSchema,
      { ...line, timestamp: undefined },
      'timestamp',
      "can't be blank",
    );
  });

  it('refuses an unknown level, naming the accepted ones', () => {
    expectFieldError(
      runLogPayloadSchema,
      { ...line, level: 'fatal' },
      'level',
      /debug, info, success, warn, error, always/,
    );
  });

  it('refuses a bad message, step id or timestamp', () => {
    expectFieldError(runLogPayloadSchema, { ...line, message: 42 }, 'message');
    expectFieldError(
      runLogPayloadSchema,
      { ...line, step_id: 'job-a' },
      'step_id',
      'must be a UUID',
    );
    expectFieldError(runLogPayloadSchema, { ...line, timestamp: '2026-11-26' }, 'timestamp');
  });
});

describe('run:batch_logs', () => {
  it('accepts several lines', () => {
    const payload = {
      run_id: 'r1',
      logs: [line, { ...line, level: 'warn', message: ['careful'] }],
    };
    expect(expectValid(batchLogsPayloadSchema, payload).logs).toHaveLength(2);
  });

  it('refuses a payload without logs', () => {
    expectFieldError(batchLogsPayloadSchema, { run_id: 'r1' }, 'logs', "can't be blank");
    expectFieldError(batchLogsPayloadSchema, { logs: line }, 'logs');
  });

  it('names the bad line and field', () => {
    expectFieldError(
      batchLogsPayloadSchema,
      { logs: [line, { ...line, level: 'loud' }] },
      'logs.1.level',
    );
    expectFieldError(
      batchLogsPayloadSchema,
      { logs: [{ ...line, timestamp: undefined }] },
      'logs.0.timestamp',
    );
  });
});
