// Collections for jobs, as OpenFn's worker provides them: when a collections URL is known, every
// job whose code mentions `collections.` gets `@openfn/language-collections` as a further
// adaptor, and the plan's credentials carry `collections_endpoint` (the URL) and
// `collections_token` (this run's token, which the server accepts on /collections while the run
// is active), merged into each step's `state.configuration`.
import type { ExecutionPlan } from '@lightning/runtime';

export const COLLECTIONS_ADAPTOR = '@openfn/language-collections';

export interface CollectionsOptions {
  /** WORKER_COLLECTIONS_URL, e.g. `http://localhost:4000/collections`. */
  url: string;
  /** WORKER_COLLECTIONS_VERSION: `latest` or a version such as `0.8.0`. */
  version: string;
}

/** The collections URL of the server a worker connects to: `ws://h:p/worker` → `http://h:p/collections`. */
export function collectionsUrlOf(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = `${url.pathname.replace(/\/worker\/?$/, '')}/collections`;
  url.search = '';
  return url.toString();
}

/** The plan with collections added where jobs use them; unchanged when none does. */
export function withCollections(
  plan: ExecutionPlan,
  token: string,
  options: CollectionsOptions | undefined,
): ExecutionPlan {
  if (!options || !plan.jobs.some((job) => job.body.includes('collections.'))) return plan;
  const adaptor = `${COLLECTIONS_ADAPTOR}@${options.version}`;
  return {
    ...plan,
    jobs: plan.jobs.map((job) =>
      job.body.includes('collections.')
        ? { ...job, adaptors: [...(job.adaptors ?? []), adaptor] }
        : job,
    ),
    credentials: {
      ...plan.credentials,
      collections_token: token,
      collections_endpoint: options.url,
    },
  };
}
