// Runs the npm CLI. Adaptors are installed with the real npm client so registry settings
// (~/.npmrc) apply exactly as for a developer on this machine.
import { execFile } from 'node:child_process';

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

export function runNpm(
  args: string[],
  options: { cwd: string; timeoutMs?: number },
): Promise<NpmResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      args,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 5 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new NpmError(`npm ${args.join(' ')} failed: ${error.message}`, String(stderr)));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      },
    );
  });
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
  const firstLines = stderr
    .split('\n')
    .filter((line) => /npm (error|ERR!)/.test(line))
    .slice(0, 3)
    .join(' ');
  return firstLines || (error instanceof Error ? error.message : String(error));
}
