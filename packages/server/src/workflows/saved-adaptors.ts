// The adaptors saved workflows use, so that a worker can install them before the first run needs
// them: an npm install takes seconds to minutes, which a run would otherwise spend `claimed` with
// nothing to show. The server only announces them (the `adaptors_saved` bus event); the embedded
// instance's worker, which shares this machine, listens (cli: commands/server.ts).
import { desc, inArray, isNull } from 'drizzle-orm';
import type { Bus } from '../cluster/index.js';
import { type Database, schema } from '../db/index.js';

const { workflows, jobs } = schema;

interface WithJobs {
  jobs?: readonly { adaptor?: unknown }[] | unknown;
}

/** Every adaptor spec the jobs of these workflows name, each once, in order of appearance. */
export function adaptorsOf(saved: readonly WithJobs[]): string[] {
  const specs = new Set<string>();
  for (const workflow of saved) {
    if (!Array.isArray(workflow.jobs)) continue;
    for (const job of workflow.jobs as { adaptor?: unknown }[]) {
      if (typeof job?.adaptor === 'string' && job.adaptor !== '') specs.add(job.adaptor);
    }
  }
  return [...specs];
}

/** Tells the bus which adaptors the just-saved workflows use (nothing when they use none). */
export function announceSavedAdaptors(
  bus: Bus,
  projectId: string,
  saved: readonly WithJobs[],
): void {
  const adaptors = adaptorsOf(saved);
  if (adaptors.length > 0) bus.publish({ type: 'adaptors_saved', projectId, adaptors });
}

/**
 * The adaptors of the `limit` most recently saved workflows (all projects): what a worker
 * starting on this machine installs first, as the next runs most likely need them.
 */
export async function listRecentAdaptors(db: Database, limit = 50): Promise<string[]> {
  const recent = db
    .select({ id: workflows.id })
    .from(workflows)
    .where(isNull(workflows.deletedAt))
    .orderBy(desc(workflows.updatedAt))
    .limit(limit);
  const rows = await db
    .selectDistinct({ adaptor: jobs.adaptor })
    .from(jobs)
    .where(inArray(jobs.workflowId, recent));
  return rows.map((row) => row.adaptor).filter((spec) => spec !== '');
}
