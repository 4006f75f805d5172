// `lightning execute`: run one job on your own machine with a real adaptor, printing its logs and
// the output state, as a job author would while writing it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { executeJob, parseAdaptorSpec, type RunEvent, resolveLatest } from '@lightning/runtime';
import type { Command } from 'commander';
import { loadCommandConfig } from '../environment.js';

interface ExecuteOptions {
  adaptor: string;
  state?: string;
  credential?: string;
  timeout: string;
  output?: string;
}

export function registerExecuteCommand(program: Command): void {
  program
    .command('execute')
    .description('Run one job locally with a real adaptor and print its logs and output state')
    .argument('<job>', 'the job file (JavaScript: operations such as get(...); fn(...);)')
    .requiredOption(
      '-a, --adaptor <spec>',
      'adaptor as name@version, e.g. @openfn/language-http@latest',
    )
    .option('-s, --state <file>', 'input state (JSON), default {"data": {}, "configuration": {}}')
    .option('-c, --credential <file>', 'credential body (JSON), merged into state.configuration')
    .option('-t, --timeout <seconds>', 'stop the job after this many seconds', '300')
    .action(async (jobFile: string, options: ExecuteOptions) => {
      const timeoutSeconds = Number(options.timeout);
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
        throw new Error(
          `--timeout must be a positive number of seconds (got "${options.timeout}")`,
        );
      }
      const source = readText(jobFile, 'job');
      const state = options.state ? readJsonObject(options.state, '--state') : undefined;
      const credential = options.credential
        ? readJsonObject(options.credential, '--credential')
        : undefined;
      const { config } = loadCommandConfig('tool');
      // A run always executes a concrete version: `@latest` (or no version) is resolved once here.
      const spec = parseAdaptorSpec(options.adaptor);
      const adaptor =
        spec.version && spec.version !== 'latest'
          ? `${spec.name}@${spec.version}`
          : `${spec.name}@${await resolveLatest(spec.name)}`;

      const result = await executeJob({
        source,
        adaptor,
        state,
        credential,
        name: jobFile,
        adaptorsDir: config.workers.adaptorsPath,
        onEvent: printEvent,
        options: { timeoutMs: timeoutSeconds * 1000 },
      });
      console.log(JSON.stringify(result.final_state ?? null, null, 2));
      if (result.reason !== 'success') {
        console.error(
          `\n${result.reason}: ${result.error_type ?? 'Error'}${result.error_message ? `: ${result.error_message}` : ''}`,
        );
        process.exitCode = 1;
      }
    });
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
