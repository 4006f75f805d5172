import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import { runStartPayloadSchema } from './run-start.js';
import { stepStartPayloadSchema } from './step-start.js';

const STEP_ID = '0f4ad4a4-9d55-4d48-9a4b-7b8d4b3f8a11';
const DATACLIP_ID = '5d3c2f0e-1f6f-4b8a-8f44-0d1b2c3d4e5f';

describe('run:start', () => {
  it('accepts versions and a µs timestamp', () => {
    const payload = {
      versions: { worker: '1.25.0', node: '20.20.2', '@openfn/language-common': ['3.3.4'] },
      timestamp: '1795729756567073',
    };
    expect(expectValid(runStartPayloadSchema, payload)).toEqual(payload);
  });

  it('normalises ms timestamps to µs', () => {
    expect(expectValid(runStartPayloadSchema, { timestamp: 1795729756567 }).timestamp).toBe(
      '1795729756567000',
    );
    expect(expectValid(runStartPayloadSchema, { timestamp: '1795729756567' }).timestamp).toBe(
      '1795729756567000',
    );
  });

  it('accepts an empty payload (Lightning uses "now")', () => {
    expect(expectValid(runStartPayloadSchema, {})).toEqual({});
  });

  it('refuses a bad timestamp or versions', () => {
    expectFieldError(runStartPayloadSchema, { timestamp: 'yesterday' }, 'timestamp', /16-digit/);
    expectFieldError(runStartPayloadSchema, { versions: { node: 20 } }, 'versions.node');
    expectFieldError(runStartPayloadSchema, { versions: 'node 20' }, 'versions');
  });
});

describe('step:start', () => {
  const valid = {
    step_id: STEP_ID,
    job_id: 'job-a',
    input_dataclip_id: DATACLIP_ID,
    timestamp: '1795729756567073',
  };

  it('accepts what the OpenFn worker sends', () => {
    expect(expectValid(stepStartPayloadSchema, valid)).toEqual(valid);
  });

  it('accepts a missing or null input dataclip (withheld upstream output)', () => {
    const { input_dataclip_id: _, ...withoutInput } = valid;
    expect(expectValid(stepStartPayloadSchema, withoutInput)).toEqual(withoutInput);
    expect(
      expectValid(stepStartPayloadSchema, { ...valid, input_dataclip_id: null }).input_dataclip_id,
    ).toBeNull();
  });

  it('refuses a missing or non-UUID step_id', () => {
    expectFieldError(
      stepStartPayloadSchema,
      { ...valid, step_id: undefined },
      'step_id',
      "can't be blank",
    );
    expectFieldError(
      stepStartPayloadSchema,
      { ...valid, step_id: 'step-1' },
      'step_id',
      'must be a UUID',
    );
  });

  it('refuses a missing job_id', () => {
    expectFieldError(
      stepStartPayloadSchema,
      { ...valid, job_id: undefined },
      'job_id',
      "can't be blank",
    );
  });

  it('refuses a non-UUID input dataclip and a bad timestamp', () => {
    expectFieldError(
      stepStartPayloadSchema,
      { ...valid, input_dataclip_id: 'x' },
      'input_dataclip_id',
    );
    expectFieldError(stepStartPayloadSchema, { ...valid, timestamp: 1.5 }, 'timestamp');
  });
});
