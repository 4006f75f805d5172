// The embedded instance installs adaptors before runs need them: its worker shares the machine
// (and the adaptors folder) with the server, so it hears every save on the server's bus and
// installs the adaptors the saved workflows use, and at start installs those of the most recently
// saved workflows. A first run then finds its adaptor installed instead of waiting minutes for
// npm while `claimed`. Failures are only logged: the run that needs the adaptor tries again and
// reports npm's error in its own log.
import type { RunningServer } from '@lightning/server';
import type { Worker } from '@lightning/worker';
import type { Logger } from 'pino';

/** Starts listening for saves and installs the recent workflows' adaptors; returns the stop. */
export async function prepareSavedAdaptors(
  server: RunningServer,
  worker: Worker,
  logger: Logger,
): Promise<() => void> {
  const { workflows } = await import('@lightning/server');
  const prepare = (specs: readonly string[]) => {
    worker.prepareAdaptors(specs).catch((error: unknown) => {
      logger.warn({ err: error }, 'Could not install adaptors ahead of runs');
    });
  };
  const unsubscribe = server.bus.subscribe((event) => {
    if (event.type === 'adaptors_saved') prepare(event.adaptors);
  });
  prepare(await workflows.listRecentAdaptors(server.database.db));
  return unsubscribe;
}
