import type { RunEvent } from '@lightning/runtime';
import { expectWellFormed } from '../test-support/pool-fixtures.js';
import { createRunStream } from './run-stream.js';

const ts = '1700000000000000';

function collect() {
  const events: RunEvent[] = [];
  return { events, stream: createRunStream((event) => events.push(event)) };
}

describe('a run event stream', () => {
  it('closes the open step and the run with the error of a killed run', () => {
    const { events, stream } = collect();
    stream.push({ type: 'run:start', versions: {}, timestamp: ts });
    stream.push({ type: 'step:start', step_id: 's1', job_id: 'j1', timestamp: ts });
    stream.finish({ reason: 'kill', error_type: 'TimeoutError', error_message: 'too slow' }, 1024);
    expect(events.map((e) => e.type)).toEqual([
      'run:start',
      'step:start',
      'step:complete',
      'run:complete',
    ]);
    expect(events[2]).toMatchObject({
      step_id: 's1',
      job_id: 'j1',
      reason: 'kill',
      error_type: 'TimeoutError',
      output_dataclip_id: expect.any(String),
      mem: { job: 1024, system: 1024 },
    });
    expect(expectWellFormed(events)).toMatchObject({ reason: 'kill', error_type: 'TimeoutError' });
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
