// The command's logger: one JSON object per line for log collectors (production, or output going
// to a file or a pipe), readable lines for a person watching a terminal in development. The
// secret redaction is the server's logger's either way: pino-pretty only formats what pino wrote.
import type { config as serverConfig } from '@lightning/server';
import type { Logger } from 'pino';

/** Whether log lines are formatted for a person: stdout is a terminal and this is not production. */
export function isPrettyLogs(options: {
  production: boolean;
  isTTY: boolean | undefined;
}): boolean {
  return !options.production && options.isTTY === true;
}

export async function createCommandLogger(
  config: serverConfig.Config,
  isTTY: boolean | undefined = process.stdout.isTTY,
): Promise<Logger> {
  const { createLogger } = await import('@lightning/server');
  if (!isPrettyLogs({ production: config.production, isTTY })) return createLogger(config.logLevel);
  const { default: pretty } = await import('pino-pretty');
  return createLogger(
    config.logLevel,
    'lightning',
    pretty({
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      // Written at once, so the last lines before an exit are never lost.
      sync: true,
    }),
  );
}
