// A fresh PostgreSQL database for one benchmark run, created on the server that
// BENCH_DATABASE_URL points at and dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const adminUrl =
  process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function admin(statement) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** `{ name, url, create(), drop() }` for a database named lightning_bench_<random>. */
export function benchDatabase() {
  const name = `lightning_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    create: () => admin(`CREATE DATABASE ${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {}),
  };
}
