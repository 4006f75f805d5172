import type { RunEvent } from '@lightning/runtime';
import { expectWellFormed } from '../test-support/pool-fixtures.js';
import { createRunStream } from './run-stream.js';

const ts = '1700000000000000';

/** `<step id or -> <level> <text>` of every log line, in order. */
function logLines(events: RunEvent[]): string[] {
  return events.flatMap((e) =>
    e.type === 'log' ? [`${e.step_id ?? '-'} ${e.level} ${e.message.join(' ')}`] : [],
  );
}

function collect() {
  const events: RunEvent[] = [];
  return { events, stream: createRunStream((event) => events.push(event)) };
}

describe('a run event stream', () => {
  it('closes the open step with an empty output and the run with the error of a killed run', () => {
    const { events, stream } = collect();
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.push({ type: 'step:start', step_id: 's1', job_id: 'j1', timestamp: ts });
    stream.finish(
      {
        reason: 'kill',
        error_type: 'TimeoutError',
        error_message: 'Workflow failed to return within 3000ms',
      },
      1024,
      { timeoutMs: 3000, memoryLimitMb: 500 },
    );
    expect(events.map((e) => e.type)).toEqual([
      'run:start',
      'step:start',
      'log',
      'step:complete',
      'log',
      'log',
      'run:complete',
    ]);
    expect(events[3]).toMatchObject({
      step_id: 's1',
      job_id: 'j1',
      reason: 'kill',
      error_type: 'TimeoutError',
      output_dataclip_id: expect.any(String),
      // What OpenFn's worker stores for a step it closes after a kill.
      output_state: {},
      mem: { job: 1024, system: 1024 },
    });
    expect(logLines(events)).toEqual([
      's1 error Run killed: it did not finish within its time limit of 3000ms',
      '- info Run complete with status: kill',
      '- error TimeoutError: Workflow failed to return within 3000ms',
    ]);
    expect(expectWellFormed(events)).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
  });

  it('says in the log that a run was killed for memory, with the limit and what it used', () => {
    const { events, stream } = collect();
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.push({ type: 'step:start', step_id: 's1', job_id: 'j1', timestamp: ts });
    stream.finish(
      {
        reason: 'kill',
        error_type: 'OOMError',
        error_message: 'Run exceeded maximum memory usage',
      },
      162 * 1024 * 1024,
      { memoryLimitMb: 150 },
    );
    expect(logLines(events)).toEqual([
      's1 error Run killed: it went over its memory limit of 150mb (its process used 162mb)',
      '- info Run complete with status: kill',
      '- error OOMError: Run exceeded maximum memory usage',
    ]);
  });

  it('says in the log that the run crashed, and why, when its process died', () => {
    const { events, stream } = collect();
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.finish({
      reason: 'crash',
      error_type: 'RuntimeCrash',
      error_message: "The run's process exited unexpectedly (signal SIGSEGV)",
    });
    expect(logLines(events)).toEqual([
      "- error Run crashed: The run's process exited unexpectedly (signal SIGSEGV)",
      '- info Run complete with status: crash',
      "- error RuntimeCrash: The run's process exited unexpectedly (signal SIGSEGV)",
    ]);
    expect(expectWellFormed(events)).toMatchObject({ reason: 'crash' });
  });

  it('drops what a misbehaving child sends out of order or malformed', () => {
    const { events, stream } = collect();
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.push({ type: 'step:complete', step_id: 'never-started' });
    stream.push({ type: 'no-such-event' });
    stream.push('garbage');
    stream.push(null);
    stream.push({
      type: 'run:complete',
      reason: 'success',
      error_type: null,
      error_message: null,
      timestamp: ts,
    });
    stream.push({ type: 'log', level: 'info', source: 'JOB', message: ['late'], timestamp: ts });
    stream.finish({ reason: 'crash', error_type: 'RuntimeCrash', error_message: 'ignored' });
    expect(events.map((e) => e.type)).toEqual(['run:start', 'run:complete']);
    expect(stream.isComplete).toBe(true);
  });

  it('still closes the step and the run when the caller cannot take log events', () => {
    const events: RunEvent[] = [];
    const stream = createRunStream((event) => {
      if (event.type === 'log') throw new Error('socket gone');
      events.push(event);
    });
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.push({ type: 'step:start', step_id: 's1', job_id: 'j1', timestamp: ts });
    stream.finish({
      reason: 'crash',
      error_type: 'RuntimeCrash',
      error_message: 'Handling a run event failed: Error: socket gone',
    });
    expect(events.map((e) => e.type)).toEqual([
      'run:start',
      'step:start',
      'step:complete',
      'run:complete',
    ]);
  });

  it('ends a run that never started with run:complete alone', () => {
    const { events, stream } = collect();
    stream.finish({
      reason: 'exception',
      error_type: 'AutoinstallError',
      error_message: 'npm failed',
    });
    expect(events).toEqual([
      {
        type: 'run:complete',
        reason: 'exception',
        error_type: 'AutoinstallError',
        error_message: 'npm failed',
        timestamp: expect.stringMatching(/^\d{16}$/),
      },
    ]);
  });
});
