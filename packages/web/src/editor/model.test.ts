// The editor's graph operations: what the canvas may connect, and where a save's 422 errors land.

import { describe, expect, it } from 'vitest';
import { addJob, connect, placeErrors, removeJob, uuid, type Workflow } from './model';

function workflow(): Workflow {
  const triggerId = uuid();
  const base: Workflow = {
    id: uuid(),
    project_id: uuid(),
    name: 'w',
    concurrency: null,
    enable_job_logs: true,
    lock_version: 1,
    jobs: [],
    triggers: [
      {
        id: triggerId,
        type: 'webhook',
        enabled: true,
        cron_expression: null,
        webhook_reply: 'before_start',
        custom_path: null,
        comment: null,
      },
    ],
    edges: [],
  };
  return base;
}

describe('the editor model', () => {
  it('adds jobs after the selected node, the trigger leading to one job only', () => {
    const start = workflow();
    const trigger = { kind: 'trigger' as const, id: start.triggers[0]!.id };
    const { workflow: one, job: a } = addJob(start, trigger);
    expect(one.edges).toMatchObject([
      { source_trigger_id: trigger.id, target_job_id: a.id, condition_type: 'always' },
    ]);
    // "Add after the trigger" again: the trigger already leads somewhere, so after that job.
    const { workflow: two, job: b } = addJob(one, trigger);
    expect(two.edges[1]).toMatchObject({
      source_job_id: a.id,
      target_job_id: b.id,
      condition_type: 'on_job_success',
    });
    expect(two.jobs.map((job) => job.name)).toEqual(['Job 1', 'Job 2']);
    expect(removeJob(two, a.id)).toMatchObject({ jobs: [{ id: b.id }], edges: [] });
  });

  it('refuses connections that break the rules: cycles, duplicates, self, a second trigger edge', () => {
    const start = workflow();
    const trigger = { kind: 'trigger' as const, id: start.triggers[0]!.id };
    const { workflow: one, job: a } = addJob(start, trigger);
    const { workflow: two, job: b } = addJob(one, { kind: 'job', id: a.id });
    expect(connect(two, b.id, a.id)).toEqual({ error: 'That edge would make a cycle.' });
    expect(connect(two, a.id, b.id)).toEqual({ error: 'These two are already connected.' });
    expect(connect(two, a.id, a.id)).toEqual({ error: 'A job cannot follow itself.' });
    expect(connect(two, trigger.id, b.id)).toEqual({
      error: 'A trigger leads to one job: remove its edge first.',
    });
    const { workflow: three, job: c } = addJob(two, null);
    const joined = connect(three, a.id, c.id);
    expect('workflow' in joined && joined.edge).toMatchObject({
      source_job_id: a.id,
      target_job_id: c.id,
    });
  });

  it('places "jobs[1].name" on the job that was second in the saved payload', () => {
    const start = workflow();
    const { workflow: one, job: a } = addJob(start, null);
    const { workflow: two, job: b } = addJob(one, { kind: 'job', id: a.id });
    const placed = placeErrors(
      {
        name: ['must not be blank'],
        'jobs[1].name': ['may contain only letters'],
        'edges[0]': ['form a cycle'],
        'jobs[7].name': ['no such index'],
      },
      two,
    );
    expect(placed.items.get(b.id)).toEqual({ name: ['may contain only letters'] });
    expect(placed.items.get(two.edges[0]!.id)).toEqual({ '(item)': ['form a cycle'] });
    expect(placed.workflow).toEqual({
      name: ['must not be blank'],
      'jobs[7].name': ['no such index'],
    });
  });
});
