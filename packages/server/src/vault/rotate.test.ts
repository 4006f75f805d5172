// Rotation against a real database (PGlite, or PostgreSQL when DATABASE_URL is set), and a raw scan
// of every table to check that no secret is stored in plaintext.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, schema } from '../db/index.js';
import { createTestDatabase, type TestDatabase } from '../test-support/database.js';
import { createVault, encryptedColumns, rotateEncryptionKey } from './index.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const SECRETS = {
  credentialPassword: `pw-${randomBytes(8).toString('hex')}`,
  webhookUser: `user-${randomBytes(8).toString('hex')}`,
  webhookPassword: `hook-${randomBytes(8).toString('hex')}`,
  apiKey: randomBytes(32).toString('hex'),
  totp: `JBSWY3DPEHPK3PXP${randomBytes(4).toString('hex').toUpperCase()}`,
  backupCode: `BKP${randomBytes(3).toString('hex')}`,
};

async function seed(vault: ReturnType<typeof createVault>, count: number) {
  const { db } = database;
  const [user] = await db
    .insert(schema.users)
    .values({ firstName: 'Ada', email: `ada-${randomBytes(4).toString('hex')}@example.com` })
    .returning();
  const [project] = await db
    .insert(schema.projects)
    .values({ name: `p-${randomBytes(4).toString('hex')}` })
    .returning();
  await db.insert(schema.credentials).values(
    Array.from({ length: count }, (_, i) => ({
      userId: user!.id,
      name: `cred ${i} ${randomBytes(3).toString('hex')}`,
      schema: 'http',
      body: vault.encryptJson({ username: 'ada', password: SECRETS.credentialPassword, i }),
    })),
  );
  await db.insert(schema.webhookAuthMethods).values({
    projectId: project!.id,
    name: `auth ${randomBytes(3).toString('hex')}`,
    authType: 'basic',
    username: vault.encryptString(SECRETS.webhookUser),
    password: vault.encryptString(SECRETS.webhookPassword),
    apiKey: vault.encryptString(SECRETS.apiKey),
  });
  await db
    .insert(schema.userTotps)
    .values({ userId: user!.id, secret: vault.encryptString(SECRETS.totp) });
  await db
    .insert(schema.userBackupCodes)
    .values({ userId: user!.id, code: vault.encryptString(SECRETS.backupCode) });
}

describe('encryption at rest', () => {
  it('stores no secret in plaintext in any table', async () => {
    const vault = createVault({ primary: randomBytes(32) });
    await seed(vault, 3);
    const tables = await queryRows<{ name: string }>(
      database.db,
      sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
    );
    expect(tables.length).toBeGreaterThan(15);
    for (const { name } of tables) {
      const rows = await queryRows<{ row: string }>(
        database.db,
        sql`SELECT t::text AS row FROM ${sql.identifier(name)} t`,
      );
      const dump = rows.map((r) => r.row).join('\n');
      // bytea renders as hex in text form, so look for the hex encoding too.
      for (const secret of Object.values(SECRETS)) {
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
      }
    }
  });

  it('re-encrypts rows written under the old key, and they still decrypt', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    await seed(createVault({ primary: oldKey }), 7);

    const rotating = createVault({ primary: newKey, retired: [oldKey] });
    const report = await rotateEncryptionKey(database.db, rotating, { batchSize: 3 });
    expect(report.rotated['credentials.body']).toBeGreaterThanOrEqual(7);
    expect(report.rotated['webhook_auth_methods.password']).toBeGreaterThanOrEqual(1);
    expect(report.undecryptable['credentials.body'] ?? 0).toBeGreaterThan(0); // rows of the first test's key

    const onlyNew = createVault({ primary: newKey });
    const credentials = await database.db.select().from(schema.credentials);
    const readable = credentials.filter((row) => {
      try {
        onlyNew.decryptJson(row.body);
        return true;
      } catch {
        return false;
      }
    });
    expect(readable).toHaveLength(7);
    for (const row of readable) {
      expect(onlyNew.decryptJson<{ password: string }>(row.body).password).toBe(
        SECRETS.credentialPassword,
      );
    }

    const again = await rotateEncryptionKey(database.db, rotating);
    expect(Object.values(again.rotated).reduce((a, b) => a + b, 0)).toBe(0);
    expect(encryptedColumns.length).toBeGreaterThanOrEqual(7);
  });
});
