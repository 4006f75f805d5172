import {
  BinaryDecodeError,
  type BinaryReply,
  binaryReplyToFrame,
  decodeBinaryReply,
  encodeBinaryReply,
} from './binary-reply.js';

const body = Buffer.from('{"data":{"n":42},"request":{"method":"POST"}}');

function decodeError(bytes: Uint8Array): BinaryDecodeError {
  const decoded = decodeBinaryReply(bytes);
  if (decoded.ok) throw new Error('expected a decode error');
  expect(decoded.error).toBeInstanceOf(BinaryDecodeError);
  return decoded.error;
}

describe('binary reply frames', () => {
  it('lays out kind, four lengths, the strings, then the raw body', () => {
    const bytes = encodeBinaryReply({
      joinRef: '3',
      ref: '12',
      topic: 'run:1',
      status: 'ok',
      body,
    });
    expect([...bytes.subarray(0, 5)]).toEqual([1, 1, 2, 5, 2]);
    expect(Buffer.from(bytes.subarray(5, 15)).toString()).toBe('312run:1ok');
    expect(Buffer.from(bytes.subarray(15)).equals(body)).toBe(true);
  });

  it('round-trips', () => {
    const reply: BinaryReply = { joinRef: '3', ref: '12', topic: 'run:é-1', status: 'error', body };
    const decoded = decodeBinaryReply(encodeBinaryReply(reply));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect({ ...decoded.value, body: Buffer.from(decoded.value.body) }).toEqual({ ...reply, body });
  });

  it('writes null refs as empty strings and reads them back as null', () => {
    const bytes = encodeBinaryReply({ joinRef: null, ref: null, topic: 't', status: 'ok', body });
    expect([...bytes.subarray(0, 5)]).toEqual([1, 0, 0, 1, 2]);
    const decoded = decodeBinaryReply(bytes);
    expect(decoded.ok && [decoded.value.joinRef, decoded.value.ref]).toEqual([null, null]);
  });

  it('reads an ArrayBuffer and an empty body', () => {
    const bytes = encodeBinaryReply({
      joinRef: '1',
      ref: '2',
      topic: 't',
      status: 'ok',
      body: new Uint8Array(),
    });
    const copy = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(copy).set(bytes);
    const decoded = decodeBinaryReply(copy);
    expect(decoded.ok && decoded.value.body.byteLength).toBe(0);
  });

  it('reads multi-byte UTF-8 strings by byte length', () => {
    const topic = 'run:日本';
    const bytes = encodeBinaryReply({ joinRef: '1', ref: '2', topic, status: 'ok', body });
    expect(bytes[3]).toBe(Buffer.byteLength(topic));
    const decoded = decodeBinaryReply(bytes);
    expect(decoded.ok && decoded.value.topic).toBe(topic);
  });

  it('refuses a frame shorter than its header or its declared strings', () => {
    expect(decodeError(new Uint8Array([1, 0, 0])).code).toBe('truncated');
    expect(decodeError(new Uint8Array([1, 1, 1, 5, 2, 0x31])).code).toBe('truncated');
  });

  it('refuses other kinds (push 0, broadcast 2)', () => {
    expect(decodeError(new Uint8Array([0, 0, 0, 1, 2, 0x74, 0x6f, 0x6b])).code).toBe('not_a_reply');
    expect(decodeError(new Uint8Array([2, 0, 0, 0, 0])).code).toBe('not_a_reply');
  });

  it('refuses an empty topic and an unknown status', () => {
    expect(decodeError(new Uint8Array([1, 0, 0, 0, 2, 0x6f, 0x6b])).code).toBe('invalid_topic');
    const bytes = encodeBinaryReply({ joinRef: '1', ref: '2', topic: 't', status: 'ok', body });
    bytes[8] = 0x4f; // 'ok' → 'Ok'
    expect(decodeError(bytes).code).toBe('invalid_status');
  });

  it('refuses to encode a topic longer than 255 bytes', () => {
    expect(() =>
      encodeBinaryReply({ joinRef: '1', ref: '2', topic: 't'.repeat(256), status: 'ok', body }),
    ).toThrow(/topic must be at most 255 bytes/);
  });
});

describe('binaryReplyToFrame', () => {
  it('gives a phx_reply frame whose response is the body', () => {
    const reply = { joinRef: '1', ref: '2', topic: 'run:1', status: 'ok' as const, body };
    expect(binaryReplyToFrame(reply)).toEqual({
      joinRef: '1',
      ref: '2',
      topic: 'run:1',
      event: 'phx_reply',
      payload: { status: 'ok', response: body },
    });
  });
});
