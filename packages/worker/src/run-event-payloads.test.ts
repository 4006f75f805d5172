import { runPushSchemas, validatePayload } from '@lightning/protocol';
import type { RunEvent } from '@lightning/runtime';
import { toBatchLogs, toRunPush } from './run-event-payloads.js';

const context = { runId: 'run-1', outputDataclips: true, workerVersion: '9.9.9' };
const ts = '1795729756567073';
const stepId = '0b8f3d2e-5f5c-4d7e-9f00-6a3a2b1c0d9e';
const dataclipId = '7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

const stepComplete: Extract<RunEvent, { type: 'step:complete' }> = {
  type: 'step:complete',
  step_id: stepId,
  job_id: 'job-a',
  reason: 'success',
  error_type: null,
  error_message: null,
  output_dataclip_id: dataclipId,
  output_state: { data: { n: 42 }, webhookResponse: { status: 201, body: { ok: true } } },
  mem: { job: 1, system: 2 },
  duration: 12,
  timestamp: ts,
};

/** Every payload the worker sends must pass the validator the server uses. */
function expectValid(push: ReturnType<typeof toRunPush>) {
  const result = validatePayload(runPushSchemas[push.event], push.payload);
  expect(result.ok, JSON.stringify(result)).toBe(true);
}

describe('run event payloads', () => {
  it('adds the worker version to run:start', () => {
    const push = toRunPush(
      {
        type: 'run:start',
        versions: { node: '20', '@openfn/language-common': ['3.3.4'] },
        timestamp: ts,
      },
      context,
    );
    expect(push).toEqual({
      event: 'run:start',
      payload: {
        versions: { node: '20', '@openfn/language-common': ['3.3.4'], worker: '9.9.9' },
        timestamp: ts,
      },
    });
    expectValid(push);
  });

  it('sends step:start with the input dataclip when there is one', () => {
    const push = toRunPush(
      {
        type: 'step:start',
        step_id: stepId,
        job_id: 'job-a',
        input_dataclip_id: dataclipId,
        timestamp: ts,
      },
      context,
    );
    expect(push.payload).toEqual({
      step_id: stepId,
      job_id: 'job-a',
      input_dataclip_id: dataclipId,
      timestamp: ts,
    });
    expectValid(push);
  });

  it('sends the output state of step:complete as a JSON string, with the webhook response', () => {
    const push = toRunPush(stepComplete, context);
    expect(push.event).toBe('step:complete');
    expect(push.payload).toMatchObject({
      step_id: stepId,
      job_id: 'job-a',
      reason: 'success',
      error_type: null,
      error_message: null,
      output_dataclip_id: dataclipId,
      mem: { job: 1, system: 2 },
      duration: 12,
      timestamp: ts,
      webhook_response: { status: 201, body: { ok: true } },
    });
    const payload = push.payload as { output_dataclip: string };
    expect(typeof payload.output_dataclip).toBe('string');
    expect(JSON.parse(payload.output_dataclip)).toEqual(stepComplete.output_state);
    expectValid(push);
  });

  it('leaves the output out (but keeps its id) when the plan says output_dataclips: false', () => {
    const push = toRunPush(stepComplete, { ...context, outputDataclips: false });
    expect(push.payload).not.toHaveProperty('output_dataclip');
    expect(push.payload).toHaveProperty('output_dataclip_id', dataclipId);
    expectValid(push);
  });

  it('sends DATACLIP_TOO_LARGE without a dataclip or its id', () => {
    const { output_state: _, ...rest } = stepComplete;
    const push = toRunPush({ ...rest, output_dataclip_error: 'DATACLIP_TOO_LARGE' }, context);
    expect(push.payload).toHaveProperty('output_dataclip_error', 'DATACLIP_TOO_LARGE');
    expect(push.payload).not.toHaveProperty('output_dataclip');
    expect(push.payload).not.toHaveProperty('output_dataclip_id');
    expectValid(push);
  });

  it('sends no dataclip id for a step closed without an output (killed run)', () => {
    const { output_state: _, ...rest } = stepComplete;
    const push = toRunPush(
      { ...rest, reason: 'kill', error_type: 'TimeoutError', error_message: 'x' },
      context,
    );
    expect(push.payload).not.toHaveProperty('output_dataclip_id');
    expect(push.payload).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
    expectValid(push);
  });

  it('sends run:complete with the final state and the final dataclip id', () => {
    const push = toRunPush(
      {
        type: 'run:complete',
        reason: 'fail',
        error_type: 'JobError',
        error_message: 'boom',
        final_state: { data: {} },
        final_dataclip_id: dataclipId,
        timestamp: ts,
      },
      context,
    );
    expect(push).toEqual({
      event: 'run:complete',
      payload: {
        reason: 'fail',
        error_type: 'JobError',
        error_message: 'boom',
        final_state: { data: {} },
        final_dataclip_id: dataclipId,
        timestamp: ts,
      },
    });
    expectValid(push);
  });

  it('sends a log as run:log with the run id, and several as run:batch_logs', () => {
    const log = (n: number): Extract<RunEvent, { type: 'log' }> => ({
      type: 'log',
      level: 'info',
      source: 'JOB',
      message: [`line ${n}`, { n }],
      step_id: stepId,
      timestamp: ts,
    });
    const single = toRunPush(log(1), context);
    expect(single).toEqual({
      event: 'run:log',
      payload: {
        run_id: 'run-1',
        message: ['line 1', { n: 1 }],
        source: 'JOB',
        level: 'info',
        step_id: stepId,
        timestamp: ts,
      },
    });
    expectValid(single);
    const batch = toBatchLogs([log(1), log(2)], context);
    expect(batch.event).toBe('run:batch_logs');
    expect(batch.payload).toMatchObject({
      run_id: 'run-1',
      logs: [{ message: ['line 1', { n: 1 }] }, { message: ['line 2', { n: 2 }] }],
    });
    expectValid(batch);
  });
});
