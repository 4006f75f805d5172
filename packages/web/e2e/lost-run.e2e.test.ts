// The late-event correction in the run inspector: a run the lost-run sweep marked `lost` whose
// worker then reported success shows its real state and says it had been marked lost.
import { claim } from '../../server/src/runs/claim.js';
import { markLostRuns } from '../../server/src/runs/lost-runs.js';
import { completeRun, startRun } from '../../server/src/runs/run-lifecycle.js';
import { createWorkflowFixture, enqueueRun } from '../../server/src/runs/test-fixtures.js';
import { createTestUser } from '../../server/src/test-support/actors.js';
import { type App, startApp } from './support.js';

let app: App;

beforeAll(async () => {
  app = await startApp();
});

afterAll(async () => {
  await app?.close();
});

it('shows a lost run corrected by its late events, with the notice and the log line', async () => {
  const db = app.server.testDatabase.db;
  const fixture = await createWorkflowFixture(db);
  const owner = await createTestUser(db, { projects: { [fixture.projectId]: 'owner' } });
  const { runId } = await enqueueRun(db, fixture);
  const [claimed] = await claim(db, { demand: 1, workerName: 'w', perWorkflowLimit: 50 });
  expect(claimed?.id).toBe(runId);
  await startRun(db, runId, {});
  // Its worker went quiet past the timeout and the grace period…
  const sweep = await markLostRuns(db, {
    maxRunDurationSeconds: 300,
    runGracePeriodSeconds: 10,
    now: new Date(Date.now() + 400_000),
  });
  expect(sweep.runs.map((run) => run.id)).toContain(runId);
  // …then reported after all.
  await completeRun(db, runId, { reason: 'success' });

  const page = await app.pageAs(owner.id);
  await page.goto(app.url(`/projects/${fixture.projectId}/runs/${runId}`));
  await page.getByText(/Marked lost at .* its state was corrected/).waitFor();
  await page.getByText(/This run was marked lost at .* ended as success/).waitFor();
});
