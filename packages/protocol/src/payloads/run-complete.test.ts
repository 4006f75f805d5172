import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import { finalStateForReason, runCompletePayloadSchema } from './run-complete.js';

const DATACLIP_ID = '5d3c2f0e-1f6f-4b8a-8f44-0d1b2c3d4e5f';

describe('run:complete', () => {
  it('accepts a normal end with one leaf', () => {
    const payload = {
      reason: 'success',
      error_type: null,
      error_message: null,
      timestamp: '1795729756567073',
      final_state: { data: { n: 42 } },
      final_dataclip_id: DATACLIP_ID,
    };
    expect(expectValid(runCompletePayloadSchema, payload)).toEqual(payload);
  });

  it('accepts several leaves keyed by step id, without a final dataclip id', () => {
    const payload = {
      reason: 'fail',
      timestamp: '1795729756567073',
      final_state: { b: {}, c: { data: 1 } },
    };
    expect(expectValid(runCompletePayloadSchema, payload).final_state).toEqual({
      b: {},
      c: { data: 1 },
    });
  });

  it('accepts an error end with only reason and error fields', () => {
    const payload = {
      reason: 'kill',
      error_type: 'TimeoutError',
      error_message: 'Workflow failed to return within 3000ms',
    };
    expect(expectValid(runCompletePayloadSchema, payload)).toEqual(payload);
  });

  it('reads the legacy reason ok as success', () => {
    expect(expectValid(runCompletePayloadSchema, { reason: 'ok' }).reason).toBe('success');
  });

  it('refuses a missing or unknown reason', () => {
    expectFieldError(runCompletePayloadSchema, {}, 'reason', "can't be blank");
    expectFieldError(runCompletePayloadSchema, { reason: 'failed' }, 'reason', /must be one of/);
  });

  it('refuses a bad final dataclip id or timestamp', () => {
    expectFieldError(
      runCompletePayloadSchema,
      { reason: 'success', final_dataclip_id: 'x' },
      'final_dataclip_id',
    );
    expectFieldError(runCompletePayloadSchema, { reason: 'success', timestamp: '12' }, 'timestamp');
  });

  it('maps reasons to final run states (spec §6)', () => {
    expect(
      (['success', 'fail', 'crash', 'kill', 'exception', 'cancel'] as const).map(
        finalStateForReason,
      ),
    ).toEqual(['success', 'failed', 'crashed', 'killed', 'exception', 'cancelled']);
  });
});
