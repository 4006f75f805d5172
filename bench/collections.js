// Collections at scale (issue 22), against `lightning server` on PostgreSQL (a fresh database,
// created and dropped here):
// - bulk upsert of ITEMS (100,000) items through POST /collections/:name, in batches of 1,000 as
//   @openfn/language-collections sends them, and the same items again (all updates);
// - a streaming GET of STREAM_ITEMS (1,000,000) items in one response (`limit`), read as it
//   arrives, while the server's resident memory is sampled: it should stay near its idle size,
//   because the server reads 500 rows at a time and writes only as fast as the client reads.
// The million items are written straight into the table (generate_series), which is not timed.
//
// Run: npm run build && node bench/collections.js
// Knobs: BENCH_DATABASE_URL, ITEMS=100000, STREAM_ITEMS=1000000
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createApiUser } from './api-user.js';
import { benchDatabase } from './bench-database.js';
import { printHardware } from './hardware.js';
import { startInstance } from './instance.js';
import { treeRssBytes } from './process-tree.js';

const items = Number(process.env.ITEMS ?? 100_000);
const streamItems = Number(process.env.STREAM_ITEMS ?? 1_000_000);
const MB = 1024 * 1024;

const database = benchDatabase();
await database.create();
let instance;
try {
  const env = { DATABASE_URL: database.url };
  const headers = await createApiUser(env);
  instance = await startInstance('server', env);
  const json = { ...headers, 'content-type': 'application/json' };
  const collectionId = randomUUID();
  const provisioned = await fetch(`${instance.url}/api/provision`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      id: randomUUID(),
      name: 'bench-collections',
      collections: [
        { id: collectionId, name: 'bench-upsert' },
        { id: randomUUID(), name: 'bench-stream' },
      ],
    }),
  });
  if (provisioned.status !== 201) throw new Error(`provision: ${await provisioned.text()}`);

  const upsert = async (round) => {
    const started = performance.now();
    for (let offset = 0; offset < items; offset += 1000) {
      const batch = Array.from({ length: Math.min(1000, items - offset) }, (_, i) => ({
        key: `patient-${offset + i}`,
        value: JSON.stringify({ id: offset + i, round, name: 'Ada Lovelace', visits: [1, 2, 3] }),
      }));
      const response = await fetch(`${instance.url}/collections/bench-upsert`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ items: batch }),
      });
      if (response.status !== 200) throw new Error(`upsert: ${await response.text()}`);
      await response.arrayBuffer();
    }
    return performance.now() - started;
  };
  const inserted = await upsert(1);
  const updated = await upsert(2);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(
    `WITH rows AS (
       INSERT INTO collections_items (collection_id, key, value)
       SELECT c.id, 'item-' || g, '{"n":' || g || ',"name":"Ada Lovelace"}'
       FROM collections c, generate_series(1, $1::int) g WHERE c.name = 'bench-stream'
       RETURNING octet_length(key) + octet_length(value) AS size
     )
     UPDATE collections SET byte_size_sum = (SELECT sum(size) FROM rows) WHERE name = 'bench-stream'`,
    [streamItems],
  );
  await client.end();

  const idleRss = treeRssBytes(instance.child.pid).bytes;
  let peakRss = idleRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, treeRssBytes(instance.child.pid).bytes);
  }, 100);
  const started = performance.now();
  const response = await fetch(`${instance.url}/collections/bench-stream?limit=${streamItems}`, {
    headers,
  });
  let bytes = 0;
  let tail = '';
  for await (const chunk of response.body) {
    bytes += chunk.length;
    tail = (tail + Buffer.from(chunk).toString()).slice(-200);
  }
  const streamMs = performance.now() - started;
  clearInterval(sampler);
  if (!tail.endsWith('"cursor":null}')) throw new Error(`unexpected end: ${tail}`);

  printHardware();
  console.log(
    `bulk upsert ${items} items (batches of 1,000): insert ${(inserted / 1000).toFixed(1)} s, update ${(updated / 1000).toFixed(1)} s (${Math.round(items / (inserted / 1000))} items/s inserted)`,
  );
  console.log(
    `streaming GET of ${streamItems} items: ${(streamMs / 1000).toFixed(1)} s, ${(bytes / MB).toFixed(0)} MB`,
  );
  console.log(
    `server RSS: ${(idleRss / MB).toFixed(0)} MB before, peak ${(peakRss / MB).toFixed(0)} MB during the stream`,
  );
} finally {
  await instance?.stop();
  await database.drop();
}
