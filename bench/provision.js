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
