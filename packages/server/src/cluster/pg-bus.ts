// The cluster bus across server nodes on PostgreSQL: events are delivered to this node's
// subscribers at once and sent to the other nodes with NOTIFY; a dedicated connection LISTENs for
// theirs. As everywhere on the bus, events are wake-up hints (pg-boss uses LISTEN/NOTIFY the same
// way): a node that misses one while reconnecting delays work, never loses it, because the
// database stays the source of truth and workers also claim on their own backoff.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { type Bus, type BusEvent, createLocalBus } from './bus.js';

export interface PostgresBusOptions {
  /** The NOTIFY channel shared by every node. */
  channel: string;
  logger?: Logger;
}

interface Envelope {
  /** The sending node, so it ignores its own notifications (it delivered them locally). */
  node: string;
  events: BusEvent[];
}

/**
 * NOTIFY payloads are limited to 8000 bytes; events are batched per tick (one NOTIFY for a burst
 * of webhooks rather than one each) and split below the limit.
 */
const MAX_PAYLOAD_BYTES = 7_500;
const RECONNECT_MAX_MS = 10_000;

export async function createPostgresBus(pool: pg.Pool, options: PostgresBusOptions): Promise<Bus> {
  const local = createLocalBus();
  const node = randomUUID();
  let outgoing: BusEvent[] = [];
  let flushing: Promise<void> | null = null;
  let listener: pg.Client | null = null;
  let closed = false;
  let reconnectDelay = 250;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const receive = (message: pg.Notification) => {
    if (message.channel !== options.channel || !message.payload) return;
    try {
      const envelope = JSON.parse(message.payload) as Envelope;
      if (envelope.node === node) return;
      for (const event of envelope.events) local.publish(event);
    } catch (error) {
      options.logger?.warn({ err: error }, 'unreadable cluster bus notification ignored');
    }
  };

  const listen = async () => {
    const client = new pg.Client(pool.options);
    client.on('notification', receive);
    client.on('error', (error) => {
      options.logger?.warn({ err: error }, 'cluster bus connection lost; reconnecting');
      dropped(client);
    });
    client.on('end', () => dropped(client));
    await client.connect();
    await client.query(`LISTEN ${client.escapeIdentifier(options.channel)}`);
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    listener = client;
    reconnectDelay = 250;
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(async () => {
      reconnectTimer = undefined;
      try {
        await listen();
      } catch (error) {
        options.logger?.warn({ err: error }, 'cluster bus cannot reconnect yet');
        reconnectDelay = Math.min(RECONNECT_MAX_MS, reconnectDelay * 2);
        scheduleReconnect();
      }
    }, reconnectDelay);
    reconnectTimer.unref();
  };

  /** The listening connection went away (database restart, network): listen again, backing off. */
  const dropped = (client: pg.Client) => {
    if (listener !== client) return;
    listener = null;
    client.end().catch(() => {});
    scheduleReconnect();
  };

  const flush = async () => {
    while (outgoing.length > 0) {
      const events = outgoing;
      outgoing = [];
      for (const payload of envelopes(node, events)) {
        try {
          await pool.query('SELECT pg_notify($1, $2)', [options.channel, payload]);
        } catch (error) {
          options.logger?.warn({ err: error }, 'cluster bus notification not sent');
        }
      }
    }
  };

  await listen();

  return {
    publish: (event) => {
      local.publish(event);
      outgoing.push(event);
      if (!flushing) {
        flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(flush).finally(() => {
          flushing = null;
        });
      }
    },
    subscribe: (handler) => local.subscribe(handler),
    close: async () => {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await flushing;
      const client = listener;
      listener = null;
      await client?.end().catch(() => {});
      await local.close();
    },
  };
}

/** JSON payloads under the NOTIFY limit; an event too large on its own is dropped (hints only). */
function* envelopes(node: string, events: BusEvent[]): Generator<string> {
  let batch: BusEvent[] = [];
  let size = 0;
  for (const event of events) {
    const eventSize = Buffer.byteLength(JSON.stringify(event));
    if (eventSize > MAX_PAYLOAD_BYTES - 100) continue;
    if (size + eventSize > MAX_PAYLOAD_BYTES - 100 && batch.length > 0) {
      yield JSON.stringify({ node, events: batch } satisfies Envelope);
      batch = [];
      size = 0;
    }
    batch.push(event);
    size += eventSize + 1;
  }
  if (batch.length > 0) yield JSON.stringify({ node, events: batch } satisfies Envelope);
}
