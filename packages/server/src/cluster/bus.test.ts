import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import type { BusEvent } from './bus.js';
import { createBus, createLocalBus } from './index.js';

const event = (): BusEvent => ({
  type: 'run_available',
  runId: randomUUID(),
  workflowId: randomUUID(),
  queue: 'default',
});

function collect(bus: { subscribe(handler: (event: BusEvent) => void): () => void }) {
  const events: BusEvent[] = [];
  bus.subscribe((received) => events.push(received));
  return events;
}

const until = async (check: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
};

describe('cluster bus', () => {
  it('delivers events to the subscribers of this node', async () => {
    const bus = createLocalBus();
    const events = collect(bus);
    const sent = event();
    bus.publish(sent);
    expect(events).toEqual([sent]);
    await bus.close();
  });

  describe('over PostgreSQL', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database?.close());

    it('is in-process on PGlite', async () => {
      if (database.kind !== 'pglite') return;
      const bus = await createBus(database, { channel: 'lightning-cluster' });
      const events = collect(bus);
      bus.publish(event());
      expect(events).toHaveLength(1);
      await bus.close();
    });

    it.skipIf(!process.env.DATABASE_URL)(
      'carries events between nodes with LISTEN/NOTIFY, each once — needs PostgreSQL',
      async () => {
        const channel = `lightning-test-${randomUUID()}`;
        const a = await createBus(database, { channel });
        const b = await createBus(database, { channel });
        const atA = collect(a);
        const atB = collect(b);
        const burst = Array.from({ length: 200 }, event);
        for (const sent of burst) a.publish(sent);
        await until(() => atB.length >= burst.length);
        expect(atB).toEqual(burst);
        await new Promise((r) => setTimeout(r, 100));
        // A heard its own events once (locally), not again through NOTIFY.
        expect(atA).toEqual(burst);
        await a.close();
        await b.close();
      },
    );

    it.skipIf(!process.env.DATABASE_URL)(
      'listens again after its connection is killed — needs PostgreSQL',
      async () => {
        const channel = `lightning-test-${randomUUID()}`;
        const a = await createBus(database, { channel });
        const b = await createBus(database, { channel });
        const atB = collect(b);
        const killed = await database.pool!.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND query = $1`,
          [`LISTEN "${channel}"`],
        );
        // Both nodes' listening connections are gone.
        expect(killed.rowCount).toBe(2);
        const sent = event();
        await until(() => {
          a.publish(sent);
          return atB.length > 0;
        }, 5000);
        expect(atB[0]).toEqual(sent);
        await a.close();
        await b.close();
      },
    );
  });
});
