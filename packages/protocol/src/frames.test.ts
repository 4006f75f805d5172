import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameDecodeError,
  frameFromArray,
} from './frames.js';

function decodeError(data: string | Uint8Array, maxBytes?: number): FrameDecodeError {
  const decoded = decodeFrame(data, { maxBytes });
  if (decoded.ok) throw new Error(`expected a decode error, got ${JSON.stringify(decoded.value)}`);
  expect(decoded.error).toBeInstanceOf(FrameDecodeError);
  return decoded.error;
}

describe('decodeFrame / encodeFrame', () => {
  it('round-trips a push with refs and an object payload', () => {
    const frame: Frame = {
      joinRef: '3',
      ref: '7',
      topic: 'run:6b0f0d1e-9b7a-4b67-a0c4-5b3f40a0c001',
      event: 'step:start',
      payload: { step_id: 'x', nested: { list: [1, 'two', null] } },
    };
    const text = encodeFrame(frame);
    expect(JSON.parse(text)).toEqual([
      '3',
      '7',
      frame.topic,
      'step:start',
      { step_id: 'x', nested: { list: [1, 'two', null] } },
    ]);
    expect(decodeFrame(text)).toEqual({ ok: true, value: frame });
  });

  it('reads the heartbeat the Phoenix client sends (null join_ref)', () => {
    expect(decodeFrame('[null,"12","phoenix","heartbeat",{}]')).toEqual({
      ok: true,
      value: { joinRef: null, ref: '12', topic: 'phoenix', event: 'heartbeat', payload: {} },
    });
  });

  it('reads a server push with both refs null', () => {
    const decoded = decodeFrame('[null,null,"worker:queue","work-available",{}]');
    expect(decoded.ok && decoded.value.ref).toBeNull();
  });

  it('reads frames given as UTF-8 bytes', () => {
    const decoded = decodeFrame(Buffer.from('["1","2","run:é","run:log",{"message":["héllo"]}]'));
    expect(decoded.ok && decoded.value.payload).toEqual({ message: ['héllo'] });
  });

  it('refuses text that is not JSON', () => {
    expect(decodeError('[null, "1", "phoenix"').code).toBe('invalid_json');
    expect(decodeError('').code).toBe('invalid_json');
  });

  it('refuses JSON that is not a five-element array', () => {
    expect(decodeError('{"topic":"phoenix"}').code).toBe('not_a_frame');
    expect(decodeError('[null,"1","phoenix","heartbeat"]').code).toBe('not_a_frame');
    expect(decodeError('[null,"1","phoenix","heartbeat",{},1]').code).toBe('not_a_frame');
    expect(decodeError('null').code).toBe('not_a_frame');
  });

  it('refuses refs that are neither strings nor null', () => {
    expect(decodeError('[1,"1","phoenix","heartbeat",{}]').code).toBe('invalid_join_ref');
    expect(decodeError('[null,2,"phoenix","heartbeat",{}]').code).toBe('invalid_ref');
  });

  it('refuses an empty or non-string topic or event', () => {
    expect(decodeError('[null,"1","","heartbeat",{}]').code).toBe('invalid_topic');
    expect(decodeError('[null,"1",["phoenix"],"heartbeat",{}]').code).toBe('invalid_topic');
    expect(decodeError('[null,"1","phoenix",null,{}]').code).toBe('invalid_event');
  });

  it('refuses frames over the size limit before parsing them', () => {
    const big = JSON.stringify([null, '1', 'run:1', 'run:log', { message: ['x'.repeat(200)] }]);
    const error = decodeError(big, 100);
    expect(error.code).toBe('too_large');
    expect(error.message).toContain('100 bytes');
  });

  it('accepts a frame of about 10 MB under the default 11 MB limit', () => {
    const body = 'x'.repeat(10 * 1024 * 1024);
    const decoded = decodeFrame(
      encodeFrame({ joinRef: '1', ref: '2', topic: 't', event: 'e', payload: body }),
    );
    expect(decoded.ok).toBe(true);
  });

  it('checks already-parsed arrays the same way', () => {
    expect(frameFromArray(['1', '2', 't', 'e', {}]).ok).toBe(true);
    expect(frameFromArray(['1', '2', 't', 'e']).ok).toBe(false);
  });
});
