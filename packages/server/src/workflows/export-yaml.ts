// The project "export" YAML of Lightning's UI and `GET /api/provision/yaml?id=…`: the spec format
// of OpenFn's CLI (`project.yaml`), keyed by hyphenated names instead of ids —
//
//   workflows:
//     patients:
//       name: patients
//       jobs:      { fetch: { name, adaptor, credential, body } }
//       triggers:  { webhook: { type, enabled, … } }
//       edges:     { webhook->fetch: { source_trigger, target_job, condition_type, … } }
//
// The state document (ids) is what POST /api/provision takes; this one is for people and the CLI.
import { stringify } from 'yaml';
import type { ProjectDocument } from './provision.js';
import type { Edge, Job, Trigger } from './types.js';

/**
 * Lightning's key for a name: spaces as hyphens, case kept (`Sample Workflow` → `Sample-Workflow`),
 * so `openfn pull` then `deploy` matches every item to its state by the same key.
 */
export const hyphenate = (name: string) => name.trim().replace(/\s+/g, '-');

/** The spec YAML of a project document. */
export function toExportYaml(document: ProjectDocument): string {
  const credentialKeys = new Map(
    document.project_credentials.map((credential) => [
      credential.id,
      `${credential.owner}-${hyphenate(credential.name)}`,
    ]),
  );
  const spec: Record<string, unknown> = {
    name: document.name,
    ...(document.description ? { description: document.description } : {}),
    credentials: Object.fromEntries(
      document.project_credentials.map((credential) => [
        credentialKeys.get(credential.id),
        { name: credential.name, owner: credential.owner },
      ]),
    ),
    workflows: Object.fromEntries(
      document.workflows.map((workflow) => {
        const jobs = (workflow.jobs ?? []) as Partial<Job>[];
        const triggers = (workflow.triggers ?? []) as Partial<Trigger>[];
        const edges = (workflow.edges ?? []) as Partial<Edge>[];
        const jobKey = new Map(jobs.map((job) => [job.id, hyphenate(job.name ?? '')]));
        const triggerKey = new Map(triggers.map((trigger) => [trigger.id, trigger.type ?? '']));
        const name = String(workflow.name);
        return [
          hyphenate(name),
          {
            name,
            jobs: Object.fromEntries(
              jobs.map((job) => [
                jobKey.get(job.id),
                {
                  name: job.name,
                  adaptor: job.adaptor,
                  credential: job.project_credential_id
                    ? (credentialKeys.get(job.project_credential_id) ?? null)
                    : null,
                  body: job.body ?? '',
                },
              ]),
            ),
            triggers: Object.fromEntries(
              triggers.map((trigger) => [
                triggerKey.get(trigger.id),
                {
                  type: trigger.type,
                  ...(trigger.type === 'webhook'
                    ? { webhook_reply: trigger.webhook_reply ?? 'before_start' }
                    : {}),
                  ...(trigger.cron_expression ? { cron_expression: trigger.cron_expression } : {}),
                  // Without the SASL username and password, which are never exported.
                  ...(trigger.type === 'kafka' && trigger.kafka_configuration
                    ? { kafka_configuration: trigger.kafka_configuration }
                    : {}),
                  enabled: trigger.enabled ?? false,
                },
              ]),
            ),
            edges: Object.fromEntries(
              edges.map((edge) => {
                const source = edge.source_trigger_id
                  ? triggerKey.get(edge.source_trigger_id)
                  : jobKey.get(edge.source_job_id ?? undefined);
                const target = jobKey.get(edge.target_job_id);
                return [
                  `${source}->${target}`,
                  {
                    ...(edge.source_trigger_id
                      ? { source_trigger: source }
                      : { source_job: source }),
                    target_job: target,
                    condition_type: edge.condition_type,
                    ...(edge.condition_label ? { condition_label: edge.condition_label } : {}),
                    ...(edge.condition_expression
                      ? { condition_expression: edge.condition_expression }
                      : {}),
                    enabled: edge.enabled ?? true,
                  },
                ];
              }),
            ),
          },
        ];
      }),
    ),
  };
  return stringify(spec, { lineWidth: 0, blockQuote: 'literal' });
}
