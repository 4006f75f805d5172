// A task every node runs on a timer (lost-run sweep, retention, digests): one round at a time,
// the next scheduled only when the last has settled, never keeping the process alive on its own,
// and stoppable with a wait for the round in progress. Cross-node exclusion is the task's own
// business (an advisory lock or claimed rows), not the timer's.

export interface RepeatingTask {
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

export interface RepeatingTaskOptions {
  /** One round; it handles (logs) its own errors, so a failed round never stops the timer. */
  round: () => Promise<void>;
  intervalMs: number;
  /** Before the first round; default `intervalMs`. */
  initialDelayMs?: number;
}

export function startRepeatingTask({
  round,
  intervalMs,
  initialDelayMs = intervalMs,
}: RepeatingTaskOptions): RepeatingTask {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = round().finally(() => schedule(intervalMs));
    }, delayMs);
    timer.unref();
  };
  schedule(initialDelayMs);
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
