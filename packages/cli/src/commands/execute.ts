// `lightning execute`: run one job on your own machine with a real adaptor, printing its logs and
// the output state, as a job author would while writing it.
//
// The job runs in the worker's sandbox, not in this process: a pool of one child process (see
// packages/worker/src/pool) with an empty environment, Node's permission model (it reads only the
// runtime and the adaptors folder, writes nothing, spawns nothing), frozen intrinsics and no code
// generation from strings. The time and memory limits are the pool's (the child is killed), and
// the credential reaches the child only when its job asks for it. So a job behaves here exactly
// as it will on a worker, and a job copied from elsewhere cannot read this machine's secrets.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExecutionPlan, RunEvent, RunResult } from '@lightning/runtime';
import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';

interface ExecuteOptions {
  adaptor: string;
  state?: string;
  credential?: string;
  timeout: string;
  memory: string;
}

/** The id under which the pool asks for the `-c` credential; the only one the job may load. */
const CREDENTIAL_ID = 'credential';

export function registerExecuteCommand(program: Command): void {
  program
    .command('execute')
    .description(
      "Run one job locally, in the worker's sandbox, with a real adaptor; print its logs and output state",
    )
    .argument('<job>', 'the job file (JavaScript: operations such as get(...); fn(...);)')
    .requiredOption(
      '-a, --adaptor <spec>',
      'adaptor as name@version, e.g. @openfn/language-http@latest (or the short form http@latest)',
    )
    .option('-s, --state <file>', 'input state (JSON), default {"data": {}, "configuration": {}}')
    .option('-c, --credential <file>', 'credential body (JSON), merged into state.configuration')
    .option('-t, --timeout <seconds>', 'kill the job after this many seconds', '300')
    .option('-m, --memory <mb>', 'kill the job when it uses more memory than this (MB)', '500')
    .action(async (jobFile: string, options: ExecuteOptions) => {
      const timeoutSeconds = Number(options.timeout);
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
        throw new Error(
          `--timeout must be a positive number of seconds (got "${options.timeout}")`,
        );
      }
      const memoryMb = Number(options.memory);
      if (!Number.isInteger(memoryMb) || memoryMb < 50) {
        throw new Error(
          `--memory must be a whole number of megabytes, at least 50 (got "${options.memory}")`,
        );
      }
      const source = readText(jobFile, 'job');
      const state = options.state ? readJsonObject(options.state, '--state') : undefined;
      const credential = options.credential
        ? readJsonObject(options.credential, '--credential')
        : undefined;
      const { parseAdaptorSpec, resolveLatest } = await import('@lightning/runtime');
      const { createPool } = await import('@lightning/worker');
      const { config } = await loadCommandConfig('tool');
      // A run always executes a concrete version: `@latest` (or no version) is resolved once here.
      const spec = parseAdaptorSpec(expandAdaptorShorthand(options.adaptor));
      const adaptor =
        spec.version && spec.version !== 'latest'
          ? `${spec.name}@${spec.version}`
          : `${spec.name}@${await resolveLatest(spec.name)}`;

      const timeoutMs = Math.round(timeoutSeconds * 1000);
      const plan: ExecutionPlan = {
        id: randomUUID(),
        starting_node_id: jobFile,
        triggers: [],
        jobs: [
          {
            id: jobFile,
            name: jobFile,
            body: source,
            adaptor,
            ...(credential ? { credential_id: CREDENTIAL_ID } : {}),
          },
        ],
        edges: [],
        options: { run_timeout_ms: timeoutMs, run_memory_limit_mb: memoryMb },
      };
      // One child, started now so that it warms up while the adaptor is installed; no spare, as
      // there is no next run.
      const pool = createPool({
        size: 1,
        spares: 0,
        adaptorsDir: config.workers.adaptorsPath,
        timeoutMs,
        memoryLimitMb: memoryMb,
      });
      let result: RunResult;
      try {
        result = await pool.run(plan, state ?? { data: {}, configuration: {} }, {
          loadCredential: async () => credential ?? {},
          onEvent: printEvent,
        });
      } finally {
        await pool.close();
      }
      console.log(JSON.stringify(result.final_state ?? null, null, 2));
      if (result.reason !== 'success') {
        console.error(
          `\n${result.reason}: ${result.error_type ?? 'Error'}${result.error_message ? `: ${result.error_message}` : ''}`,
        );
        process.exitCode = 1;
      }
    });
}

/**
 * `common` → `@openfn/language-common`, `http@7.2.10` → `@openfn/language-http@7.2.10`, as
 * OpenFn's CLI accepts (`language-http` too); a scoped name is taken as it is.
 */
export function expandAdaptorShorthand(spec: string): string {
  const trimmed = spec.trim();
  if (trimmed.startsWith('@') || trimmed === '') return trimmed;
  return `@openfn/language-${trimmed.replace(/^language-/, '')}`;
}

function printEvent(event: RunEvent): void {
  if (event.type !== 'log') return;
  const text = event.message
    .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
    .join(' ');
  console.error(`[${event.source}] ${event.level.toUpperCase().padEnd(7)} ${text}`);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot read the ${what} file "${path}"${code === 'ENOENT' ? ': no such file' : `: ${code}`}`,
    );
  }
}

function readJsonObject(path: string, option: string): Record<string, unknown> {
  const text = readText(path, `${option} `.trim());
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${option} ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${option} ${path} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}
