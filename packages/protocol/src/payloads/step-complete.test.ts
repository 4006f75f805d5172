import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import { EXIT_REASONS } from './fields.js';
import { stepCompletePayloadSchema } from './step-complete.js';

const STEP_ID = '0f4ad4a4-9d55-4d48-9a4b-7b8d4b3f8a11';
const DATACLIP_ID = '5d3c2f0e-1f6f-4b8a-8f44-0d1b2c3d4e5f';

// As observed from the OpenFn worker (openfn-kit-facts §1.5).
const observed = {
  step_id: STEP_ID,
  job_id: 'a',
  mem: { job: 55101768, system: 224366592 },
  duration: 184,
  thread_id: 2,
  timestamp: '1795729756567073',
  output_dataclip_id: DATACLIP_ID,
  output_dataclip: '{"data":{"n":42}}',
  reason: 'success',
  error_type: null,
  error_message: null,
  webhook_response: { status: 201, body: { ok: true } },
};

describe('step:complete', () => {
  it('accepts what the OpenFn worker sends', () => {
    expect(expectValid(stepCompletePayloadSchema, observed)).toEqual(observed);
  });

  it.each(EXIT_REASONS)('accepts reason %s', (reason) => {
    expect(expectValid(stepCompletePayloadSchema, { ...observed, reason }).reason).toBe(reason);
  });

  it('reads the legacy reason ok as success', () => {
    expect(expectValid(stepCompletePayloadSchema, { ...observed, reason: 'ok' }).reason).toBe(
      'success',
    );
  });

  it('accepts a failed step with its error', () => {
    const failed = { ...observed, reason: 'fail', error_type: 'JobError', error_message: 'boom' };
    expect(expectValid(stepCompletePayloadSchema, failed).error_type).toBe('JobError');
  });

  it('accepts an id without a dataclip (output_dataclips: false)', () => {
    const { output_dataclip: _, ...withoutDataclip } = observed;
    expect(expectValid(stepCompletePayloadSchema, withoutDataclip).output_dataclip).toBeUndefined();
  });

  it('accepts DATACLIP_TOO_LARGE with neither dataclip nor id', () => {
    const { output_dataclip: _, output_dataclip_id: __, ...rest } = observed;
    const payload = { ...rest, output_dataclip_error: 'DATACLIP_TOO_LARGE' };
    expect(expectValid(stepCompletePayloadSchema, payload).output_dataclip_error).toBe(
      'DATACLIP_TOO_LARGE',
    );
  });

  it('accepts a killed step without mem or duration', () => {
    const { mem: _, duration: __, ...killed } = observed;
    const payload = {
      ...killed,
      reason: 'kill',
      error_type: 'TimeoutError',
      output_dataclip: '{}',
    };
    expect(expectValid(stepCompletePayloadSchema, payload).reason).toBe('kill');
  });

  it('refuses a missing or unknown reason', () => {
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, reason: undefined },
      'reason',
      "can't be blank",
    );
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, reason: 'lost' },
      'reason',
      'must be one of success, fail, crash, kill, exception, cancel (got "lost")',
    );
  });

  it('refuses a missing or non-UUID step_id', () => {
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, step_id: undefined },
      'step_id',
      "can't be blank",
    );
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, step_id: 'a' },
      'step_id',
      'must be a UUID',
    );
  });

  it('refuses a dataclip without its id', () => {
    const { output_dataclip_id: _, ...withoutId } = observed;
    expectFieldError(stepCompletePayloadSchema, withoutId, 'output_dataclip_id', /can't be blank/);
  });

  it('refuses a dataclip that is not a JSON string', () => {
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, output_dataclip: { data: {} } },
      'output_dataclip',
    );
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, output_dataclip: '{data' },
      'output_dataclip',
      /JSON/,
    );
  });

  it('refuses a dataclip together with DATACLIP_TOO_LARGE, and other errors', () => {
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, output_dataclip_error: 'DATACLIP_TOO_LARGE' },
      'output_dataclip',
    );
    expectFieldError(
      stepCompletePayloadSchema,
      { ...observed, output_dataclip_error: 'OOPS' },
      'output_dataclip_error',
    );
  });

  it('refuses bad mem, duration, error fields and timestamp', () => {
    expectFieldError(stepCompletePayloadSchema, { ...observed, mem: { job: 'lots' } }, 'mem.job');
    expectFieldError(stepCompletePayloadSchema, { ...observed, duration: -1 }, 'duration');
    expectFieldError(stepCompletePayloadSchema, { ...observed, error_type: 3 }, 'error_type');
    expectFieldError(stepCompletePayloadSchema, { ...observed, timestamp: 'now' }, 'timestamp');
  });
});
