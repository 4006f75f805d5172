// Runs one compiled job against a state: loads what the module imports, evaluates the module
// in the step's vm context, then runs its operations through the adaptor's `execute` (or a
// plain chain when the module has none). Every failure leaves here as a typed RunError.
import vm from 'node:vm';
import { type PositionMap, sourcePosition } from '../compile/position-map.js';
import type { OperationInfo } from '../compile/top-level-operations.js';
import {
  AdaptorError,
  CompileError,
  ImportError,
  JobError,
  RunError,
  RuntimeCrash,
  TimeoutError,
} from '../errors.js';
import type { State } from '../types.js';
import { isStateObject } from './assemble-state.js';
import {
  classifyError,
  errorMessage,
  JOB_FILE_PREFIX,
  jobFramePosition,
} from './classify-error.js';
import type { JobContext } from './job-context.js';
import { type LinkerOptions, loadModule, type ModuleNamespace } from './module-linker.js';
import { moduleToScript, SCRIPT_HEADER_LINES } from './module-to-script.js';

type Operation = (state: State) => unknown;

export interface RunJobOptions {
  /** Compiled module text (see compile()). */
  code: string;
  jobName: string;
  jobContext: JobContext;
  linker: LinkerOptions;
  /** Where each operation came from, for error messages. */
  operations?: OperationInfo[];
  /** Compiled-code → source positions (see compile()). */
  positions?: PositionMap;
  /** Stops synchronous loops (vm timeout) and a job that never settles. */
  timeoutMs?: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

/** Evaluate the module and return its exports. */
async function evaluateModule(options: RunJobOptions): Promise<ModuleNamespace> {
  const { source, imports } = moduleToScript(options.code, options.jobName);
  const modules = new Map<string, ModuleNamespace>();
  for (const specifier of imports)
    modules.set(specifier, await loadModule(specifier, options.linker));

  let moduleFunction: (
    helper: unknown,
    exports: ModuleNamespace,
    dynamicImport: (specifier: unknown) => Promise<ModuleNamespace>,
  ) => Promise<void>;
  try {
    // The name only helps someone reading a raw stack; keep it free of `:` and line breaks,
    // which would confuse the line:column parsing of stack frames.
    const filename = `${JOB_FILE_PREFIX}${options.jobName.replace(/[^\w .-]/g, '_')}`;
    const script = new vm.Script(source, { filename });
    moduleFunction = script.runInContext(options.jobContext.context);
  } catch (error) {
    throw new CompileError(`${options.jobName}: ${errorMessage(error)}`);
  }

  const exports: ModuleNamespace = {};
  const dynamicImport = (specifier: unknown) => loadModule(String(specifier), options.linker);
  const helper = {
    import(specifier: string) {
      const namespace = modules.get(specifier);
      if (!namespace) throw new ImportError(`Cannot import "${specifier}": it was not loaded`);
      return namespace;
    },
    exportAll(namespace: ModuleNamespace) {
      for (const key of Object.keys(namespace)) {
        if (key !== 'default' && !(key in exports)) exports[key] = namespace[key];
      }
    },
  };
  try {
    await options.jobContext.runGuarded(
      () => moduleFunction(helper, exports, dynamicImport),
      options.timeoutMs,
    );
  } catch (error) {
    throw classifyError(error, { inOperation: false, timeoutMs: options.timeoutMs });
  }
  return exports;
}

/** Wrap an operation so its errors are classified and it must hand back a state object. */
function wrapOperation(operation: Operation, index: number, options: RunJobOptions): Operation {
  const info = options.operations?.[index];
  const where = info ? `${info.name}() on line ${info.line}` : `operation ${index + 1}`;
  return async (state) => {
    let result: unknown;
    try {
      result = await options.jobContext.runGuarded(() => operation(state), options.timeoutMs);
    } catch (error) {
      const classified = classifyError(error, { inOperation: true, timeoutMs: options.timeoutMs });
      if (classified instanceof AdaptorError && info && !classified.operation) {
        classified.operation = info.name;
        classified.line = info.line;
      }
      throw classified;
    }
    if (!isStateObject(result)) {
      throw new JobError(
        `${where} returned ${describe(result)} instead of a state object: every operation must return state (e.g. fn(state => { ...; return state; }))`,
      );
    }
    return result;
  };
}

function chain(...operations: Operation[]): Operation {
  return (state) =>
    operations.reduce<Promise<unknown>>(
      (previous, operation) => previous.then((s) => operation(s as State)),
      Promise.resolve(state),
    );
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined): Promise<T> {
  if (!timeoutMs) return promise;
  // When the timer wins, the job's promise may still reject later; mark it handled so that
  // rejection cannot surface as an unhandled rejection and take the process down.
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Give an error thrown by job code the source position it was thrown at. */
function locate(error: unknown, options: RunJobOptions): unknown {
  if (!(error instanceof RunError) || error.pos || error instanceof AdaptorError) return error;
  const frame = jobFramePosition((error as { cause?: unknown }).cause);
  if (!frame || !options.positions) return error;
  const position = sourcePosition(
    options.positions,
    frame.line - SCRIPT_HEADER_LINES,
    frame.column - 1,
  );
  if (position) error.pos = { line: position.line, column: position.column + 1 };
  return error;
}

/** Run the job on `state`; resolves to the final state or rejects with a RunError. */
export async function runJob(state: State, options: RunJobOptions): Promise<State> {
  const codeGeneration = options.jobContext.codeGenerationBlocked.catch((error: unknown) => {
    throw classifyError(error, { inOperation: false, timeoutMs: options.timeoutMs });
  });
  const job = runJobUntimed(state, options).catch((error: unknown) => {
    throw locate(error, options);
  });
  return withTimeout(Promise.race([job, codeGeneration]), options.timeoutMs);
}

async function runJobUntimed(state: State, options: RunJobOptions): Promise<State> {
  const exports = await evaluateModule(options);
  const operations = exports.default;
  if (!Array.isArray(operations)) {
    throw new RuntimeCrash(
      'ValidationError',
      `${options.jobName}: the job module must export an array of operations (got ${describe(operations)})`,
    );
  }
  const notFunction = operations.findIndex((op) => typeof op !== 'function');
  if (notFunction !== -1) {
    const info = options.operations?.[notFunction];
    throw new RuntimeCrash(
      'ValidationError',
      `${options.jobName}: ${info ? `${info.name}() on line ${info.line}` : `operation ${notFunction + 1}`} is ${describe(operations[notFunction])}, not an operation`,
    );
  }
  const wrapped = (operations as Operation[]).map((op, i) => wrapOperation(op, i, options));
  const execute = exports.execute;

  let result: unknown;
  try {
    const pipeline =
      typeof execute === 'function' ? (execute(...wrapped) as Operation) : chain(...wrapped);
    result = await pipeline(state);
  } catch (error) {
    throw classifyError(error, { inOperation: true, timeoutMs: options.timeoutMs });
  }
  if (!isStateObject(result)) {
    throw new JobError(
      `${options.jobName} finished with ${describe(result)} instead of a state object`,
    );
  }
  return result;
}
