// Provisions a project with one workflow: an enabled webhook trigger → one job. Returns the ids and
// the webhook URL; used by the benchmarks that drive an instance through its webhook. `headers`
// authenticate the call (see api-user.js: the user becomes the project's owner).
import { randomUUID } from 'node:crypto';

export async function provisionWebhookWorkflow(
  baseUrl,
  { headers, jobBody = 'fn(s => s)', adaptor = '@openfn/language-common@3.3.4' },
) {
  const ids = {
    projectId: randomUUID(),
    workflowId: randomUUID(),
    triggerId: randomUUID(),
    jobId: randomUUID(),
  };
  const response = await fetch(`${baseUrl}/api/provision`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: ids.projectId,
      name: 'bench',
      workflows: [
        {
          id: ids.workflowId,
          name: 'ingest',
          jobs: [{ id: ids.jobId, name: 'store', adaptor, body: jobBody }],
          triggers: [{ id: ids.triggerId, type: 'webhook', enabled: true }],
          edges: [{ id: randomUUID(), source_trigger_id: ids.triggerId, target_job_id: ids.jobId }],
        },
      ],
    }),
  });
  if (response.status !== 201) {
    throw new Error(`provisioning failed: ${response.status} ${await response.text()}`);
  }
  return { ...ids, webhookUrl: `${baseUrl}/i/${ids.triggerId}` };
}

// ── Run directly: one document of WORKFLOWS workflows (issue 13) ──────────────────────────────────
//
// What it measures: `POST /api/provision` of one project with WORKFLOWS workflows (each webhook →
// fetch → store: 2 jobs, 1 trigger, 2 edges) against `lightning server` on PostgreSQL (a fresh
// database, created and dropped here): creating them all, deploying the same document again (a
// no-op), and deploying it with every job body changed. Each figure is how long the project's row
// stays locked, i.e. how long another provision of the same project waits at most; the script also
// times such a small provision started while the big one runs.
//
// Run: npm run build && node bench/provision.js
// Knobs: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres), WORKFLOWS=3000
if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { createApiUser } = await import('./api-user.js');
  const { benchDatabase } = await import('./bench-database.js');
  const { printHardware } = await import('./hardware.js');
  const { startInstance } = await import('./instance.js');
  const count = Number(process.env.WORKFLOWS ?? 3000);
  const database = benchDatabase();
  await database.create();
  let instance;
  try {
    const env = { DATABASE_URL: database.url };
    const headers = await createApiUser(env);
    instance = await startInstance('server', env);
    const post = async (document) => {
      const started = performance.now();
      const response = await fetch(`${instance.url}/api/provision/`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(document),
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`${response.status} ${text.slice(0, 500)}`);
      return { ms: performance.now() - started, document: JSON.parse(text).data };
    };
    const projectId = randomUUID();
    const workflows = Array.from({ length: count }, (_, i) => {
      const [trigger, fetchJob, store] = [randomUUID(), randomUUID(), randomUUID()];
      return {
        id: randomUUID(),
        name: `workflow ${i}`,
        jobs: [
          { id: fetchJob, name: 'fetch', adaptor: '@openfn/language-http@6.5.1', body: 'get("/")' },
          {
            id: store,
            name: 'store',
            adaptor: '@openfn/language-common@latest',
            body: 'fn(s => s)',
          },
        ],
        triggers: [{ id: trigger, type: 'webhook', enabled: true }],
        edges: [
          { id: randomUUID(), source_trigger_id: trigger, target_job_id: fetchJob },
          {
            id: randomUUID(),
            source_job_id: fetchJob,
            target_job_id: store,
            condition_type: 'on_job_success',
          },
        ],
      };
    });
    const document = { id: projectId, name: 'bench-provision', workflows };
    await post({ id: projectId, name: 'bench-provision' });
    const big = post(document);
    big.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    // A small provision of the same project, started while the big one holds the project's lock.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const small = await post({ id: projectId, name: 'bench-provision', description: 'waited' });
    const created = await big;
    const pulled = (
      await fetch(`${instance.url}/api/provision/${projectId}`, { headers }).then((r) => r.json())
    ).data;
    const again = await post(pulled);
    const changed = await post({
      ...pulled,
      workflows: pulled.workflows.map((workflow) => ({
        ...workflow,
        jobs: workflow.jobs.map((job) => ({ ...job, body: `${job.body} // v2` })),
      })),
    });
    printHardware();
    console.log(`workflows ${count} (2 jobs, 1 trigger, 2 edges each) on PostgreSQL`);
    console.log(`create all          ${(created.ms / 1000).toFixed(2)} s`);
    console.log(`small, meanwhile    ${(small.ms / 1000).toFixed(2)} s (waits for the lock)`);
    console.log(`same document again ${(again.ms / 1000).toFixed(2)} s`);
    console.log(`every job changed   ${(changed.ms / 1000).toFixed(2)} s`);
  } finally {
    await instance?.stop();
    await database.drop();
  }
}
