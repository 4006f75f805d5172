// What a reset demo instance holds: three people with known passwords (it is a demo: they are
// printed and documented) and one project with two sample workflows. Ids are fresh at each reset.
import { randomUUID } from 'node:crypto';

export const DEMO_PROJECT_NAME = 'openfn-demo';

export interface DemoUser {
  email: string;
  firstName: string;
  lastName: string;
  password: string;
  /** `superuser` administers the instance and owns the demo project; the others are members. */
  role: 'superuser' | 'editor' | 'viewer';
}

/** Known demo passwords (they pass the instance's password rules). */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    email: 'demo@openfn.org',
    firstName: 'Demo',
    lastName: 'Superuser',
    password: 'orchid-harbour-2931',
    role: 'superuser',
  },
  {
    email: 'editor@openfn.org',
    firstName: 'Demo',
    lastName: 'Editor',
    password: 'maple-canyon-4826',
    role: 'editor',
  },
  {
    email: 'viewer@openfn.org',
    firstName: 'Demo',
    lastName: 'Viewer',
    password: 'cobalt-river-5173',
    role: 'viewer',
  },
];

const HTTP_ADAPTOR = '@openfn/language-http@7.2.10';
const COMMON_ADAPTOR = '@openfn/language-common@3.3.4';

const FETCH_BODY = `// Fetch the post the webhook names (or the first one) from a public test API.
get(state => \`https://jsonplaceholder.typicode.com/posts/\${state.data?.postId ?? 1}\`);
`;

const TRANSFORM_BODY = `// Keep what the next system needs, in its shape.
fn(state => ({
  ...state,
  data: {
    title: state.data.title,
    summary: String(state.data.body).slice(0, 80),
    fetched_at: new Date().toISOString(),
  },
}));
`;

const REPORT_BODY = `// A scheduled job: its input is the final state of the previous successful run.
fn(state => {
  const count = (state.data?.count ?? 0) + 1;
  console.log(\`Daily report number \${count}\`);
  return { ...state, data: { count } };
});
`;

/** The demo project as a provisioning document (workflows/provision.ts), with fresh ids. */
export function demoProjectDocument() {
  const id = () => randomUUID();
  const project = id();
  const webhook = { workflow: id(), trigger: id(), fetch: id(), transform: id() };
  const cron = { workflow: id(), trigger: id(), report: id() };
  const document = {
    id: project,
    name: DEMO_PROJECT_NAME,
    description: 'Sample workflows: a webhook that fetches and transforms data, and a daily report',
    workflows: [
      {
        id: webhook.workflow,
        name: 'Fetch and transform',
        jobs: [
          { id: webhook.fetch, name: 'Fetch post', adaptor: HTTP_ADAPTOR, body: FETCH_BODY },
          {
            id: webhook.transform,
            name: 'Transform post',
            adaptor: COMMON_ADAPTOR,
            body: TRANSFORM_BODY,
          },
        ],
        triggers: [{ id: webhook.trigger, type: 'webhook' as const, enabled: true }],
        edges: [
          {
            id: id(),
            source_trigger_id: webhook.trigger,
            target_job_id: webhook.fetch,
            condition_type: 'always' as const,
            enabled: true,
          },
          {
            id: id(),
            source_job_id: webhook.fetch,
            target_job_id: webhook.transform,
            condition_type: 'on_job_success' as const,
            enabled: true,
          },
        ],
      },
      {
        id: cron.workflow,
        name: 'Daily report',
        jobs: [
          { id: cron.report, name: 'Count reports', adaptor: COMMON_ADAPTOR, body: REPORT_BODY },
        ],
        triggers: [
          { id: cron.trigger, type: 'cron' as const, enabled: true, cron_expression: '0 9 * * *' },
        ],
        edges: [
          {
            id: id(),
            source_trigger_id: cron.trigger,
            target_job_id: cron.report,
            condition_type: 'always' as const,
            enabled: true,
          },
        ],
      },
    ],
  };
  return { document, webhookTriggerId: webhook.trigger };
}
