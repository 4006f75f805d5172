/**
 * @lightning/protocol: the wire layer shared by the server and its workers. Phoenix Channels v2
 * frames, the payload of every event with one validator used by both sides, the two JWTs, and
 * the protocol's constants. Spec: shared/spec/worker-protocol.md.
 *
 * Nothing here touches a socket or a database: callers pass in text/bytes and get typed values
 * or typed errors back.
 */

/** Binary reply frames (Lightning's `fetch:dataclip` answer). */
export {
  BINARY_KIND_REPLY,
  BinaryDecodeError,
  type BinaryDecodeErrorCode,
  type BinaryReply,
  binaryReplyToFrame,
  decodeBinaryReply,
  encodeBinaryReply,
} from './binary-reply.js';
/** Changeset-shaped validation errors: `{"errors": {"<field>": ["<message>"]}}`. */
export {
  type ChangesetErrors,
  changesetError,
  changesetErrorMap,
  ROOT_FIELD,
  toChangesetErrors,
} from './changeset-errors.js';
/** Claim backoff after empty claims. */
export { CLAIM_BACKOFF, type ClaimBackoffOptions, nextClaimBackoff } from './claim-backoff.js';
/** Protocol constants: API version, topics, event names, limits. */
export * from './constants.js';
/** Frames: `[join_ref, ref, topic, event, payload]` JSON text, decoded without throwing. */
export {
  type DecodeOptions,
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameDecodeError,
  type FrameDecodeErrorCode,
  frameFromArray,
} from './frames.js';
/** RSA keys in base64-of-PEM variables, and `gen-worker-keys`. */
export {
  decodeBase64Pem,
  generateWorkerKeys,
  InvalidKeyError,
  readPrivateKey,
  readPublicKey,
  type WorkerKeys,
} from './keys.js';
/** Payload schemas and types of every event, and the validator both sides use. */
export * from './payloads/index.js';
/** Replies, heartbeat and channel lifecycle frames. */
export {
  errorReply,
  heartbeatFrame,
  okReply,
  type PushRefs,
  phxCloseFrame,
  phxErrorFrame,
  pushFrame,
  type ReplyPayload,
  type ReplyStatus,
  readReplyPayload,
  replyFrame,
  unmatchedTopicReply,
} from './replies.js';
/** The `{ok, value} | {ok, error}` result returned by every check. */
export { fail, ok, type Result } from './result.js';
/** Timestamps: µs strings on the wire; ms strings and ms integers accepted. */
export {
  type MicroTimestamp,
  microsToDate,
  parseTimestamp,
  toMicroTimestamp,
} from './timestamps.js';
/** Worker socket tokens and run tokens. */
export {
  type RunTokenClaims,
  type SignRunTokenOptions,
  signRunToken,
  signWorkerToken,
  TokenError,
  type TokenErrorCode,
  type VerifyRunTokenOptions,
  verifyRunToken,
  verifyWorkerToken,
  type WorkerTokenClaims,
} from './tokens.js';
/** The worker's socket URL and the query the server reads from it. */
export {
  readWorkerSocketQuery,
  type WorkerSocketParams,
  type WorkerSocketQuery,
  workerSocketUrl,
} from './worker-socket-url.js';
