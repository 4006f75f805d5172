// The rate limit with a fake clock: no waiting, and the windows are exact.
import { describe, expect, it } from 'vitest';
import { createRateLimiter, messagesPerWindow, type RateClock } from './rate-limit.js';

function fakeClock(): RateClock & { time: number } {
  const clock = {
    time: 0,
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.time += ms;
    },
  };
  return clock;
}

describe('the Kafka rate limit (KAFKA_NUMBER_OF_MESSAGES_PER_SECOND)', () => {
  it('rounds the rate down to whole messages per 10-second window, at least one', () => {
    expect(messagesPerWindow(1)).toBe(10);
    expect(messagesPerWindow(0.15)).toBe(1);
    expect(messagesPerWindow(0.1)).toBe(1);
    expect(messagesPerWindow(2)).toBe(20);
    expect(messagesPerWindow(2.57)).toBe(25);
    expect(messagesPerWindow(0.7)).toBe(7);
  });

  it('forwards 60 messages at 2/s over three windows: 20 at 0 s, 20 at 10 s, 20 at 20 s', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(2, clock);
    const times: number[] = [];
    for (let i = 0; i < 60; i++) {
      await limiter.take();
      times.push(clock.time);
    }
    expect(times.filter((t) => t === 0)).toHaveLength(20);
    expect(times.filter((t) => t === 10_000)).toHaveLength(20);
    expect(times.filter((t) => t === 20_000)).toHaveLength(20);
    // The 61st waits for the fourth window: 60 messages occupy 30 s of allowance.
    await limiter.take();
    expect(clock.time).toBe(30_000);
  });

  it('opens a new window with the first message after a quiet spell', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(0.15, clock);
    await limiter.take();
    clock.time = 25_000;
    await limiter.take();
    expect(clock.time).toBe(25_000);
    await limiter.take();
    expect(clock.time).toBe(35_000);
  });

  it('stops waiting when its signal aborts', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter(0.1, clock);
    await limiter.take();
    const controller = new AbortController();
    controller.abort();
    await limiter.take(controller.signal);
    expect(clock.time).toBe(0);
  });
});
