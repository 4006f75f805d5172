// Fixed numbers and names of the worker protocol (spec/worker-protocol.md). Both sides import
// them from here so a topic or an event name is spelled in exactly one place.

/** Sent by the worker as `api_version` on connect. */
export const API_VERSION = '1.2';

/** Phoenix serializer version, sent as `vsn` on connect. */
export const PHOENIX_VSN = '2.0.0';

/** Path of the worker socket under the server (`/worker`); the client appends `/websocket`. */
export const WORKER_SOCKET_PATH = '/worker';

/**
 * Largest frame either side accepts: Lightning's `max_frame_size`, enough for a 10 MB dataclip
 * plus its framing. Anything larger closes the socket.
 */
export const MAX_FRAME_SIZE_BYTES = 11_000_000;

/** The server pushes `work-available` to a worker at most once per this window. */
export const WORK_AVAILABLE_DEBOUNCE_MS = 500;

/** Phoenix client heartbeat period; a heartbeat with no reply by the next tick drops the socket. */
export const HEARTBEAT_INTERVAL_MS = 30_000;

/** Issuer claims of the two tokens (spec §2). */
export const WORKER_TOKEN_ISSUER = 'urn:openfn:worker';
export const RUN_TOKEN_ISSUER = 'Lightning';

/** Leeway for `nbf`/`exp` checks, as the OpenFn worker allows. */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 5;

export const Topics = {
  phoenix: 'phoenix',
  workerQueue: 'worker:queue',
} as const;

const RUN_TOPIC_PREFIX = 'run:';

/** `run:<run id>`: the channel of one run. */
export function runTopic(runId: string): string {
  return `${RUN_TOPIC_PREFIX}${runId}`;
}

/** The run id of a `run:<id>` topic, or `null` for any other topic. */
export function runIdFromTopic(topic: string): string | null {
  if (!topic.startsWith(RUN_TOPIC_PREFIX)) return null;
  const id = topic.slice(RUN_TOPIC_PREFIX.length);
  return id.length > 0 ? id : null;
}

/** Phoenix's own lifecycle events. */
export const PhoenixEvents = {
  join: 'phx_join',
  leave: 'phx_leave',
  reply: 'phx_reply',
  error: 'phx_error',
  close: 'phx_close',
  heartbeat: 'heartbeat',
} as const;

/** Events of the `worker:queue` channel (spec §3). */
export const QueueEvents = {
  claim: 'claim',
  workAvailable: 'work-available',
} as const;

/** Events a worker pushes on a `run:<id>` channel (spec §4), in the order of a normal run. */
export const RunEvents = {
  fetchPlan: 'fetch:plan',
  fetchDataclip: 'fetch:dataclip',
  fetchCredential: 'fetch:credential',
  runStart: 'run:start',
  stepStart: 'step:start',
  runLog: 'run:log',
  runBatchLogs: 'run:batch_logs',
  stepComplete: 'step:complete',
  runComplete: 'run:complete',
} as const;

export type QueueChannelEvent = (typeof QueueEvents)[keyof typeof QueueEvents];
export type RunChannelEvent = (typeof RunEvents)[keyof typeof RunEvents];
