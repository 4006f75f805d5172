import type { ClaimedRun, ReplyPayload } from '@lightning/protocol';
import { createClaimLoop } from './claim-loop.js';
import { silentLogger } from './logger.js';

interface Claim {
  at: number;
  payload: { demand: number; worker_name: string | null; queues: string[] };
}

/** A joined queue channel whose claims are answered from `available`. */
function fakeQueueChannel() {
  const claims: Claim[] = [];
  const available: ClaimedRun[] = [];
  const listeners = new Map<string, ((payload: unknown) => void)[]>();
  const channel = {
    isJoined: true,
    push: async (_event: string, payload: unknown): Promise<ReplyPayload> => {
      const claim = payload as Claim['payload'];
      claims.push({ at: Date.now(), payload: claim });
      return { status: 'ok', response: { runs: available.splice(0, claim.demand) } };
    },
    on: (event: string, listener: (payload: unknown) => void) => {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return () => {};
    },
    onJoined: () => () => {},
  };
  const emit = (event: string) => {
    for (const listener of listeners.get(event) ?? []) listener({});
  };
  return { channel, claims, available, emit };
}

/** Runs that last until the test finishes them. */
function controlledRuns() {
  const finishers = new Map<string, () => void>();
  return {
    runClaimed: (run: ClaimedRun) =>
      new Promise<void>((resolve) => {
        finishers.set(run.id, resolve);
      }),
    finish: (id: string) => finishers.get(id)?.(),
    started: () => [...finishers.keys()],
  };
}

const run = (id: string): ClaimedRun => ({ id, token: 't' });

describe('claim loop', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('claims every free slot, manual queue first, with the worker name', async () => {
    const fake = fakeQueueChannel();
    const runs = controlledRuns();
    const loop = createClaimLoop({
      channel: fake.channel,
      capacity: 3,
      workerName: 'w1',
      claimTimeoutMs: 1000,
      runClaimed: runs.runClaimed,
      logger: silentLogger,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.claims[0]!.payload).toEqual({
      demand: 3,
      worker_name: 'w1',
      queues: ['manual', '*'],
    });
    loop.stop();
  });

  it('backs off 1 s, ×1.15 per empty claim, capped at 10 s', async () => {
    const fake = fakeQueueChannel();
    const loop = createClaimLoop({
      channel: fake.channel,
      capacity: 1,
      workerName: null,
      claimTimeoutMs: 1000,
      runClaimed: async () => {},
      logger: silentLogger,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(120_000);
    loop.stop();
    const gaps = fake.claims.slice(1).map((c, i) => c.at - fake.claims[i]!.at);
    expect(gaps.slice(0, 4)).toEqual([1000, 1150, 1322, 1520]);
    expect(Math.max(...gaps)).toBe(10_000);
    expect(gaps.at(-1)).toBe(10_000);
  });

  it('claims at once and resets the backoff on work-available', async () => {
    const fake = fakeQueueChannel();
    const runs = controlledRuns();
    const loop = createClaimLoop({
      channel: fake.channel,
      capacity: 2,
      workerName: null,
      claimTimeoutMs: 1000,
      runClaimed: runs.runClaimed,
      logger: silentLogger,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(30_000); // several empty claims: backoff has grown
    expect(loop.backoffMs).toBeGreaterThan(1000);
    const before = fake.claims.length;
    fake.available.push(run('a'));
    fake.emit('work-available');
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.claims.length).toBe(before + 2); // the claim that got `a`, then one for the free slot
    expect(fake.claims.at(-1)!.payload.demand).toBe(1);
    expect(runs.started()).toEqual(['a']);
    expect(loop.backoffMs).toBe(1000);
    loop.stop();
  });

  it('does not claim while full, and claims as soon as a run finishes', async () => {
    const fake = fakeQueueChannel();
    const runs = controlledRuns();
    fake.available.push(run('a'), run('b'));
    const loop = createClaimLoop({
      channel: fake.channel,
      capacity: 2,
      workerName: null,
      claimTimeoutMs: 1000,
      runClaimed: runs.runClaimed,
      logger: silentLogger,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.claims).toHaveLength(1);
    expect(loop.activeRuns).toBe(2);
    fake.emit('work-available');
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.claims).toHaveLength(1);

    fake.available.push(run('c'));
    runs.finish('a');
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.claims).toHaveLength(2);
    expect(fake.claims[1]!.payload.demand).toBe(1);
    expect(runs.started()).toEqual(['a', 'b', 'c']);
    loop.stop();
    runs.finish('b');
    runs.finish('c');
    await loop.whenIdle();
  });

  it('claims again right away when work-available arrives during a claim', async () => {
    const fake = fakeQueueChannel();
    let answer!: (reply: ReplyPayload) => void;
    let claims = 0;
    const channel = {
      ...fake.channel,
      push: () => {
        claims++;
        return new Promise<ReplyPayload>((resolve) => {
          answer = resolve;
        });
      },
    };
    const loop = createClaimLoop({
      channel,
      capacity: 1,
      workerName: null,
      claimTimeoutMs: 1000,
      runClaimed: async () => {},
      logger: silentLogger,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(claims).toBe(1);
    fake.emit('work-available');
    answer({ status: 'ok', response: { runs: [] } });
    await vi.advanceTimersByTimeAsync(0);
    expect(claims).toBe(2);
    loop.stop();
  });

  it('treats an error reply like an empty claim', async () => {
    const fake = fakeQueueChannel();
    const channel = {
      ...fake.channel,
      push: async () => ({ status: 'error' as const, response: { reason: 'nope' } }),
    };
    const loop = createClaimLoop({
      channel,
      capacity: 1,
      workerName: null,
      claimTimeoutMs: 1000,
      runClaimed: async () => {},
      logger: silentLogger,
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.backoffMs).toBe(1000);
    loop.stop();
  });
});

describe('slots and draining runs', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reuses a slot once execution ends, up to maxDraining runs still sending events', async () => {
    const fake = fakeQueueChannel();
    const executed = new Map<string, () => void>();
    const finished = new Map<string, () => void>();
    fake.available.push(run('a'), run('b'), run('c'), run('d'));
    const loop = createClaimLoop({
      channel: fake.channel,
      capacity: 1,
      maxDraining: 2,
      workerName: null,
      claimTimeoutMs: 1000,
      logger: silentLogger,
      runClaimed: (claimed, onExecuted) => {
        executed.set(claimed.id, onExecuted);
        return new Promise<void>((resolve) => finished.set(claimed.id, resolve));
      },
    });
    loop.start();
    await vi.advanceTimersByTimeAsync(1);
    expect([...executed.keys()]).toEqual(['a']);

    executed.get('a')!(); // a's slot is free; it is still sending
    await vi.advanceTimersByTimeAsync(1);
    expect([...executed.keys()]).toEqual(['a', 'b']);
    executed.get('b')!();
    await vi.advanceTimersByTimeAsync(1);
    expect([...executed.keys()]).toEqual(['a', 'b', 'c']);
    expect(loop).toMatchObject({ activeRuns: 3, executingRuns: 1 });

    executed.get('c')!(); // three draining would exceed maxDraining: no claim
    await vi.advanceTimersByTimeAsync(60_000);
    expect([...executed.keys()]).toEqual(['a', 'b', 'c']);

    finished.get('a')!();
    await vi.advanceTimersByTimeAsync(1);
    expect([...executed.keys()]).toEqual(['a', 'b', 'c', 'd']);
    loop.stop();
    for (const id of ['b', 'c', 'd']) finished.get(id)!();
    await loop.whenIdle();
    expect(loop.activeRuns).toBe(0);
  });
});
