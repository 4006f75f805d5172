// The embedded database, shared. PGlite is one database in one process; the process that holds
// the data directory also serves it over the PostgreSQL wire protocol on a Unix socket in that
// directory (`@electric-sql/pglite-socket`), so `lightning create-user`, `create-api-token`,
// `migrate`… run next to a running instance — and `psql -h <data dir>` — work on the same
// database instead of a copy of its pages.
//
// PGlite has a single backend: every connection shares one session. pglite-socket queues the
// clients' messages one at a time, but takes only PGlite's query lock, so on its own a
// transaction of the owning process could run between a client's BEGIN and COMMIT (and the
// other way round), and so could a query between the Parse and Sync of a client's extended-
// protocol exchange. `exclusiveAccess` closes that gap: a client holds PGlite's transaction lock
// (the one the owning process's queries and transactions take) from its first message until it
// reaches a point where the session is free again — a finished simple query or Sync outside a
// transaction — or until it disconnects (its transaction is rolled back then).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** PostgreSQL's socket file name for port 5432, so `psql -h <dir>` and `pg` find it unchanged. */
export const EMBEDDED_SOCKET_PORT = 5432;
export const embeddedSocketPath = (dataDir: string): string =>
  join(dataDir, `.s.PGSQL.${EMBEDDED_SOCKET_PORT}`);

/** Unix socket paths are limited to 107 bytes on Linux. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Clients at once (commands, psql). Their messages run one at a time all the same. */
const MAX_CLIENTS = 8;
/** A client idle this long is disconnected (and its open transaction rolled back). */
const CLIENT_IDLE_TIMEOUT_MS = 10 * 60_000;

// Message types after which the session is free again if no transaction is open.
const SIMPLE_QUERY = 0x51; // 'Q'
const SYNC = 0x53; // 'S'
const TERMINATE = 0x58; // 'X'

export interface EmbeddedSocket {
  path: string;
  close(): Promise<void>;
}

/**
 * Serves `pglite` on `<dataDir>/.s.PGSQL.5432`. The caller holds the data directory's lock, so a
 * socket file already there is a dead owner's leftover and is replaced.
 */
export async function serveEmbeddedSocket(
  pglite: PGlite,
  dataDir: string,
): Promise<EmbeddedSocket> {
  const path = embeddedSocketPath(dataDir);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `The embedded database's socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; choose a shorter LIGHTNING_DATA_DIR`,
    );
  }
  if (existsSync(path)) rmSync(path, { force: true });
  const access = exclusiveAccess(pglite);
  const server = new PGLiteSocketServer({
    db: access.db,
    path,
    maxConnections: MAX_CLIENTS,
    idleTimeout: CLIENT_IDLE_TIMEOUT_MS,
  });
  await server.start();
  return {
    path,
    close: async () => {
      await server.stop();
      await access.release();
      rmSync(path, { force: true });
    },
  };
}

/**
 * A view of `pglite` for pglite-socket whose `runExclusive` takes PGlite's transaction lock for
 * a client's whole exchange (see the file's comment). While a client holds it, the view reports
 * a transaction in progress, which makes pglite-socket's queue serve only that client's messages
 * and, should the client disconnect, roll back through `exec` — which frees the lock.
 */
function exclusiveAccess(pglite: PGlite) {
  let release: (() => void) | null = null;
  let lastType = 0;

  async function acquire(): Promise<void> {
    await new Promise<void>((acquired) => {
      void pglite._runExclusiveTransaction(
        () =>
          new Promise<void>((done) => {
            release = done;
            acquired();
          }),
      );
    });
  }

  function releaseHeld(): void {
    const done = release;
    release = null;
    done?.();
  }

  const db = {
    get waitReady() {
      return pglite.waitReady;
    },
    isInTransaction: () => release !== null || pglite.isInTransaction(),
    execProtocolRawStream: (
      message: Uint8Array,
      options: Parameters<PGlite['execProtocolRawStream']>[1],
    ) => {
      lastType = message[0] ?? 0;
      return pglite.execProtocolRawStream(message, options);
    },
    exec: async (query: string) => {
      if (!release) return pglite.exec(query);
      // Under the lock this client already holds (pglite-socket's rollback of a departed client).
      await pglite._runExclusiveQuery(() =>
        pglite.execProtocolRawStream(simpleQuery(query), { onRawData: () => {} }),
      );
      if (!pglite.isInTransaction()) releaseHeld();
      return [];
    },
    runExclusive: async <T>(fn: () => Promise<T>): Promise<T> => {
      if (!release) await acquire();
      try {
        return await pglite._runExclusiveQuery(fn);
      } finally {
        const atRest =
          lastType === 0 || // a startup message (no type byte)
          lastType === SIMPLE_QUERY ||
          lastType === SYNC ||
          lastType === TERMINATE;
        if (atRest && !pglite.isInTransaction()) releaseHeld();
      }
    },
  } as unknown as PGlite;

  return {
    db,
    async release(): Promise<void> {
      if (release && pglite.isInTransaction()) await db.exec('ROLLBACK');
      releaseHeld();
    },
  };
}

/** A protocol-level simple Query message ('Q', length, text, NUL). */
function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, 'utf8');
  const message = Buffer.alloc(5 + body.length);
  message.writeUInt8(SIMPLE_QUERY, 0);
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}
