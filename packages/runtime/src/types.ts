// The contract between the runtime (compile + execute a run plan in-process) and the worker
// (which runs `executePlan` inside a sandboxed child process and turns its events into
// worker-protocol messages). Shapes follow ../shared/spec/worker-protocol.md §4–5 and
// ../shared/spec/runtime.md.

export type LogLevel = 'debug' | 'info' | 'success' | 'warn' | 'error' | 'always';
export type LogSource = 'JOB' | 'ADA' | 'R/T' | 'RTE' | 'VER';
export type ExitReason = 'success' | 'fail' | 'crash' | 'kill' | 'exception';

export type ErrorType =
  | 'JobError'
  | 'RuntimeError'
  | 'AdaptorError'
  | 'RuntimeCrash'
  | 'CompileError'
  | 'ImportError'
  | 'SecurityError'
  | 'TimeoutError'
  | 'OOMError'
  | 'StateTooLargeError'
  | 'AutoinstallError'
  | 'CredentialLoadError'
  | 'DataClipError';

/** A job's state: `{ data, configuration, references?, errors?, ... }`. */
export type State = Record<string, unknown>;

export interface PlanJob {
  id: string;
  name?: string;
  body: string;
  /** `@openfn/language-http@7.2.10`: always a concrete version by the time it runs. */
  adaptor: string;
  credential_id?: string | null;
  /**
   * Further adaptors whose exports the job may use (`@openfn/language-collections@0.8.0` for
   * `collections.get(...)`), as OpenFn's plans list them; `adaptor` still runs the operations.
   */
  adaptors?: string[];
  /** Default state merged under the step's input. */
  state?: State;
}

export interface PlanEdge {
  id: string;
  source_trigger_id?: string | null;
  source_job_id?: string | null;
  target_job_id: string;
  /** `always` | `on_job_success` | `on_job_failure` | a JavaScript expression over `state`. */
  condition?: string | null;
  enabled?: boolean;
}

export interface PlanOptions {
  run_timeout_ms?: number;
  run_memory_limit_mb?: number;
  payload_limit_mb?: number;
  log_payload_limit_mb?: number;
  output_dataclips?: boolean;
  sanitize?: 'none' | 'remove' | 'summarize' | 'obfuscate';
  job_log_level?: string;
}

/** The run plan, as the server sends it in reply to `fetch:plan`. */
export interface ExecutionPlan {
  id: string;
  name?: string;
  project_id?: string;
  dataclip_id?: string;
  starting_node_id: string;
  triggers: { id: string; type?: string }[];
  jobs: PlanJob[];
  edges: PlanEdge[];
  options?: PlanOptions;
  /**
   * Merged under every step's credential into `state.configuration` (OpenFn's
   * `workflow.credentials`: the worker puts `collections_token`/`collections_endpoint` here).
   */
  credentials?: State;
}

/** Microseconds since the epoch, as a string (worker-protocol §4). */
export type MicroTimestamp = string;

export type RunEvent =
  | {
      type: 'run:start';
      versions: Record<string, string | string[]>;
      timestamp: MicroTimestamp;
    }
  | {
      type: 'step:start';
      step_id: string;
      job_id: string;
      input_dataclip_id?: string;
      timestamp: MicroTimestamp;
    }
  | {
      type: 'log';
      step_id?: string;
      level: LogLevel;
      source: LogSource;
      message: unknown[];
      timestamp: MicroTimestamp;
    }
  | {
      type: 'step:complete';
      step_id: string;
      job_id: string;
      reason: ExitReason;
      /**
       * An ErrorType, except for a step that crashed on something it threw: then the name of
       * that error (`ReferenceError`, `SyntaxError`), as OpenFn's worker stores it.
       */
      error_type: ErrorType | (string & {}) | null;
      error_message: string | null;
      output_dataclip_id: string;
      /** Output state (already stripped of configuration/response and JSON-safe). Absent when too large. */
      output_state?: State;
      output_dataclip_error?: 'DATACLIP_TOO_LARGE';
      mem: { job: number; system: number };
      duration: number;
      timestamp: MicroTimestamp;
    }
  | {
      type: 'run:complete';
      reason: ExitReason;
      error_type: ErrorType | null;
      error_message: string | null;
      /** Single leaf → its state; several leaves → object keyed by step id. */
      final_state?: State;
      final_dataclip_id?: string;
      timestamp: MicroTimestamp;
    };

export interface ExecuteOptions {
  /** Where adaptors are installed (`ADAPTORS_PATH`). Must already hold every adaptor the plan uses. */
  adaptorsDir: string;
  /** Fetch a credential body by id (becomes `state.configuration`). Throws → CredentialLoadError. */
  loadCredential?: (id: string) => Promise<State>;
  /** Receives every event in order. */
  onEvent: (event: RunEvent) => void;
  /** Module names jobs may import; default `['@openfn/*']`. */
  allowList?: string[];
  /**
   * Safety net inside the process: a vm `timeout` on the synchronous part of the job module and
   * of each operation (stops `while (true) {}`), and a limit on each step. Either ends the run
   * with `kill` / `TimeoutError`. The worker's process-level timeout stays the real limit.
   */
  timeoutMs?: number;
  /**
   * A step whose state is bigger than this ends the run (`kill` / `StateTooLargeError`).
   * Default: a quarter of `plan.options.run_memory_limit_mb`; no limit when that is unset.
   */
  stateLimitMb?: number;
  /** Install missing adaptors into `adaptorsDir` before running (else `ImportError`). Default false. */
  autoinstall?: boolean;
  /** Extra entries for run:start `versions`, e.g. `{ worker: '0.1.0' }`. */
  versions?: Record<string, string>;
  /**
   * Turn global `console` calls made during the run (adaptor code logs that way) into `ADA`
   * log events of this run. Default true. Calls outside the run, and inside `onEvent`, are
   * left alone.
   */
  captureAdaptorConsole?: boolean;
}

export interface RunResult {
  reason: ExitReason;
  error_type: ErrorType | null;
  error_message: string | null;
  final_state?: State;
}
