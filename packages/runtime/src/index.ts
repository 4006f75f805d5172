// @lightning/runtime: compile OpenFn jobs and execute run plans in-process.
// The worker runs `executePlan` in its child processes; the CLI uses `executeJob`.

export {
  adaptorEntry,
  adaptorPath,
  installedVersions,
  isInstalled,
} from './adaptors/adaptor-path.js';
export {
  type AdaptorSpec,
  adaptorAlias,
  adaptorName,
  DEFAULT_ALLOW_LIST,
  isAllowed,
  parseAdaptorSpec,
} from './adaptors/adaptor-spec.js';
export {
  type InstalledAdaptor,
  type InstallOptions,
  type InstallProgress,
  installAdaptor,
} from './adaptors/install-adaptor.js';
export { resolveLatest } from './adaptors/resolve-latest.js';
export { runningNpmPids, stopNpm } from './adaptors/run-npm.js';
export { type CompiledJob, type CompileOptions, compile } from './compile/compile.js';
export type { OperationInfo } from './compile/top-level-operations.js';
export {
  AdaptorError,
  AutoinstallError,
  CompileError,
  CredentialLoadError,
  DataClipError,
  ImportError,
  isRunError,
  JobError,
  RunError,
  RuntimeCrash,
  RuntimeError,
  SecurityError,
  StateTooLargeError,
  TimeoutError,
} from './errors.js';
export { microTimestamp } from './execute/clock.js';
export { type ExecuteJobOptions, executeJob } from './execute/execute-job.js';
export { executePlan } from './execute/execute-plan.js';
export { limitLogMessage } from './execute/log-message.js';
export { RUNTIME_VERSION } from './execute/versions.js';
export type * from './types.js';
