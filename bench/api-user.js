// A user and a personal access token for the benchmarks that call the API (provisioning, history):
// written into the instance's database before the instance starts (PGlite allows one process at a
// time), with the server package's own token code, so the token is stored hashed as usual.
import { randomUUID } from 'node:crypto';
import { issueToken } from '../packages/server/dist/accounts/tokens.js';
import { loadConfig } from '../packages/server/dist/config/index.js';
import { migrateDatabase, openDatabase, schema } from '../packages/server/dist/db/index.js';

/**
 * `env`: the configuration the instance will get (DATABASE_URL or LIGHTNING_DATA_DIR).
 * Returns the headers to send: `{ authorization: 'Bearer …' }`.
 */
export async function createApiUser(env) {
  const { config } = loadConfig(env);
  const handle = await openDatabase({
    ...config,
    database: { ...config.database, poolSize: 1 },
  });
  try {
    await migrateDatabase(handle);
    const [user] = await handle.db
      .insert(schema.users)
      .values({
        firstName: 'Bench',
        lastName: 'User',
        email: `bench-${randomUUID().slice(0, 8)}@example.com`,
        confirmedAt: new Date(),
      })
      .returning({ id: schema.users.id });
    const { token } = await issueToken(handle.db, user.id, 'api', { name: 'bench' });
    return { authorization: `Bearer ${token}` };
  } finally {
    await handle.close();
  }
}
