import { decodeBinaryReply, encodeBinaryReply } from '../binary-reply.js';
import { expectFieldError, expectValid } from '../test-support/expect-payload.js';
import {
  credentialResponseSchema,
  fetchCredentialPayloadSchema,
  fetchDataclipPayloadSchema,
  parseDataclipResponse,
} from './fetch.js';
import { runJoinPayloadSchema } from './run-join.js';

describe('run channel join', () => {
  it('accepts the run token', () => {
    expect(expectValid(runJoinPayloadSchema, { token: 'a.b.c' })).toEqual({ token: 'a.b.c' });
  });

  it('refuses a missing or empty token', () => {
    expectFieldError(runJoinPayloadSchema, {}, 'token', "can't be blank");
    expectFieldError(runJoinPayloadSchema, { token: '' }, 'token', "can't be blank");
    expectFieldError(runJoinPayloadSchema, { token: 1 }, 'token', /must be a string/);
  });
});

describe('fetch:dataclip', () => {
  it('accepts the dataclip id, or nothing', () => {
    expect(expectValid(fetchDataclipPayloadSchema, { id: 'd1' })).toEqual({ id: 'd1' });
    expect(expectValid(fetchDataclipPayloadSchema, {})).toEqual({});
  });

  it('refuses an id that is not a string', () => {
    expectFieldError(fetchDataclipPayloadSchema, { id: 7 }, 'id');
  });

  it('reads the body of a binary reply', () => {
    const body = Buffer.from('{"data":{"n":42},"request":{"headers":{}}}');
    const reply = decodeBinaryReply(
      encodeBinaryReply({ joinRef: '1', ref: '2', topic: 'run:1', status: 'ok', body }),
    );
    expect(reply.ok && parseDataclipResponse(reply.value.body)).toEqual({
      ok: true,
      value: { data: { n: 42 }, request: { headers: {} } },
    });
  });

  it('reads an ArrayBuffer (JS Phoenix client), a byte array (lightning-mock) and text', () => {
    const bytes = new TextEncoder().encode('{"data":[1]}');
    const buffer = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buffer).set(bytes);
    expect(parseDataclipResponse(buffer)).toEqual({ ok: true, value: { data: [1] } });
    expect(parseDataclipResponse([...bytes])).toEqual({ ok: true, value: { data: [1] } });
    expect(parseDataclipResponse('{"data":[1]}')).toEqual({ ok: true, value: { data: [1] } });
    expect(parseDataclipResponse(Buffer.from('null'))).toEqual({ ok: true, value: null });
  });

  it('refuses a body that is not JSON bytes', () => {
    expect(parseDataclipResponse(Buffer.from('{nope')).ok).toBe(false);
    expect(parseDataclipResponse({ data: 1 }).ok).toBe(false);
    expect(parseDataclipResponse([1, 256]).ok).toBe(false);
  });
});

describe('fetch:credential', () => {
  it('accepts the credential id', () => {
    expect(expectValid(fetchCredentialPayloadSchema, { id: 'c1' })).toEqual({ id: 'c1' });
  });

  it("refuses a missing id with Lightning's message", () => {
    expectFieldError(fetchCredentialPayloadSchema, {}, 'id', "can't be blank");
    expectFieldError(fetchCredentialPayloadSchema, { id: '' }, 'id', "can't be blank");
  });

  it('expects an object as the reply', () => {
    expect(expectValid(credentialResponseSchema, { username: 'u', password: 'p' })).toEqual({
      username: 'u',
      password: 'p',
    });
    expectFieldError(credentialResponseSchema, 'secret', 'payload');
  });
});
