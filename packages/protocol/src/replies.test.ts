import { decodeFrame, encodeFrame } from './frames.js';
import {
  errorReply,
  heartbeatFrame,
  okReply,
  phxCloseFrame,
  phxErrorFrame,
  pushFrame,
  readReplyPayload,
  unmatchedTopicReply,
} from './replies.js';

const push = { joinRef: '4', ref: '9', topic: 'worker:queue' };

describe('reply and lifecycle frames', () => {
  it('answers a push with its refs and topic', () => {
    expect(JSON.parse(encodeFrame(okReply(push, { runs: [] })))).toEqual([
      '4',
      '9',
      'worker:queue',
      'phx_reply',
      { status: 'ok', response: { runs: [] } },
    ]);
  });

  it('defaults an ok response to {}', () => {
    expect(okReply(push).payload).toEqual({ status: 'ok', response: {} });
  });

  it('carries changeset errors in an error reply', () => {
    const reply = errorReply(push, { errors: { demand: ["can't be blank"] } });
    expect(reply.payload).toEqual({
      status: 'error',
      response: { errors: { demand: ["can't be blank"] } },
    });
  });

  it('answers a push to an unjoined topic as Phoenix does', () => {
    expect(unmatchedTopicReply({ joinRef: null, ref: '1', topic: 'run:x' }).payload).toEqual({
      status: 'error',
      response: { reason: 'unmatched topic' },
    });
  });

  it('builds the heartbeat and its reply', () => {
    const heartbeat = heartbeatFrame('31');
    expect(encodeFrame(heartbeat)).toBe('[null,"31","phoenix","heartbeat",{}]');
    expect(encodeFrame(okReply(heartbeat))).toBe(
      '[null,"31","phoenix","phx_reply",{"status":"ok","response":{}}]',
    );
  });

  it('sets both refs of phx_error and phx_close to the join ref', () => {
    expect(encodeFrame(phxErrorFrame('5', 'run:1'))).toBe('["5","5","run:1","phx_error",{}]');
    expect(encodeFrame(phxCloseFrame('5', 'run:1'))).toBe('["5","5","run:1","phx_close",{}]');
  });

  it('builds server pushes with null refs by default', () => {
    expect(encodeFrame(pushFrame('worker:queue', 'work-available', {}))).toBe(
      '[null,null,"worker:queue","work-available",{}]',
    );
    expect(pushFrame('run:1', 'fetch:plan', {}, { joinRef: '2', ref: '3' })).toMatchObject({
      joinRef: '2',
      ref: '3',
    });
  });

  it('reads reply payloads, treating a missing response as null', () => {
    const decoded = decodeFrame('["1","2","run:1","phx_reply",{"status":"ok","response":null}]');
    expect(decoded.ok && readReplyPayload(decoded.value.payload)).toEqual({
      status: 'ok',
      response: null,
    });
    expect(readReplyPayload({ status: 'error' })).toEqual({ status: 'error', response: null });
    expect(readReplyPayload({ status: 'timeout', response: {} })).toBeNull();
    expect(readReplyPayload([1])).toBeNull();
    expect(readReplyPayload(null)).toBeNull();
  });
});
