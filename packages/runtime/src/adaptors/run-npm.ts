// Runs the npm CLI. Adaptors are installed with the real npm client so registry settings
// (~/.npmrc) apply exactly as for a developer on this machine.
//
// Every npm this process starts is tracked until it ends, so that none outlives the process: a
// stopping worker ends them with `stopNpm()` (its runs end at once instead of waiting for npm),
// and whatever is left when the process exits is killed in the `exit` handler. An npm left
// running by a process that was gone kept writing into the adaptors folder for 14 minutes while
// the next instance waited on it.
import { type ChildProcess, execFile } from 'node:child_process';

export interface NpmResult {
  stdout: string;
  stderr: string;
}

export class NpmError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'NpmError';
  }
}

const running = new Set<ChildProcess>();
/** Children ended by stopNpm() or their signal, not by a failure of their own. */
const stopped = new WeakSet<ChildProcess>();
let isExitHookSet = false;

function killChild(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopped.add(child);
  try {
    child.kill('SIGTERM');
  } catch {
    // Already gone.
  }
}

/** End every npm this process started that is still running. Their callers get an NpmError. */
export function stopNpm(): void {
  for (const child of running) killChild(child);
}

/** Process ids of the npm processes this process started that are still running. */
export function runningNpmPids(): number[] {
  return [...running].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
}

export function runNpm(
  args: string[],
  options: { cwd: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<NpmResult> {
  if (!isExitHookSet) {
    isExitHookSet = true;
    // `exit` handlers run synchronously; kill() is synchronous, so this reaches every npm even
    // on process.exit() from a signal handler.
    process.on('exit', stopNpm);
  }
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(
        new NpmError(`npm ${args.join(' ')} was not started: the process is shutting down`, ''),
      );
      return;
    }
    const timeoutMs = options.timeoutMs ?? 5 * 60_000;
    const child = execFile(
      'npm',
      args,
      {
        cwd: options.cwd,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        running.delete(child);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          const why = stopped.has(child)
            ? 'it was stopped because the process is shutting down'
            : child.signalCode
              ? `it did not finish within ${Math.round(timeoutMs / 1000)}s`
              : error.message.split('\n')[0];
          reject(new NpmError(`npm ${args.join(' ')} failed: ${why}`, String(stderr)));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
    const onAbort = () => killChild(child);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    running.add(child);
  });
}

/** npm's own error lines (`npm error …`), for the run log and the worker log. */
export function npmErrorLines(error: unknown, limit = 20): string[] {
  const stderr = error instanceof NpmError ? error.stderr : '';
  const lines = stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => /^npm (error|ERR!)/.test(line));
  if (lines.length > 0) return lines.slice(0, limit);
  return error instanceof Error ? [error.message] : [String(error)];
}

/** One sentence saying why npm failed, for people who never read npm's output. */
export function explainNpmFailure(
  name: string,
  version: string | undefined,
  error: unknown,
): string {
  const stderr = error instanceof NpmError ? error.stderr : String(error);
  if (/ETARGET|No matching version/i.test(stderr)) {
    return `version ${version} of ${name} does not exist in the npm registry`;
  }
  if (/E404|404 Not Found|is not in this registry/i.test(stderr)) {
    return `package ${name} was not found in the npm registry`;
  }
  if (error instanceof NpmError && /was stopped|was not started/.test(error.message)) {
    return 'npm was stopped because the process is shutting down';
  }
  const firstLines = stderr
    .split('\n')
    .filter((line) => /npm (error|ERR!)/.test(line))
    .slice(0, 3)
    .join(' ');
  return firstLines || (error instanceof Error ? error.message : String(error));
}
