// Which bus a node uses: across nodes over LISTEN/NOTIFY on PostgreSQL; in-process on PGlite,
// where there is only ever one node.
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/index.js';
import { type Bus, createLocalBus } from './bus.js';
import { createPostgresBus } from './pg-bus.js';

export async function createBus(
  database: Pick<DatabaseHandle, 'kind' | 'pool'>,
  options: { channel: string; logger?: Logger },
): Promise<Bus> {
  if (database.kind === 'postgres' && database.pool) {
    return createPostgresBus(database.pool, options);
  }
  return createLocalBus();
}
