import { startRepeatingTask } from './repeating-task.js';

describe('startRepeatingTask', () => {
  it('never overlaps rounds, and stop waits for the round in progress', async () => {
    let running = 0;
    let maxRunning = 0;
    let rounds = 0;
    let finishedAfterStop = false;
    let stopping = false;
    const task = startRepeatingTask({
      intervalMs: 1,
      initialDelayMs: 0,
      round: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        rounds++;
        if (stopping) finishedAfterStop = true;
        running--;
      },
    });
    while (rounds < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    // Stop in the middle of a round: stop() resolves only once it has finished.
    while (running === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    stopping = true;
    await task.stop();
    expect(finishedAfterStop).toBe(true);
    expect(maxRunning).toBe(1);
    const after = rounds;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rounds).toBe(after);
  });
});
