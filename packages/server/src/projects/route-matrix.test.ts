// The route × role matrix: every /api and /collections route the server registers has a row in
// test-support/route-access/, and every row is called as every kind of caller (anonymous, a
// signed-in non-member, each project role, a superuser) and answers allowed or denied exactly as
// its access says. Denied calls to mutating routes must change nothing. Every timestamp every
// answer carries is ISO 8601.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type Database, schema } from '../db/index.js';
import { registeredRoutes } from '../http/route-list.js';
import { createWorkflowFixture, enqueueRun } from '../runs/test-fixtures.js';
import { createTestUser } from '../test-support/actors.js';
import { nonIsoTimestamps } from '../test-support/iso-timestamps.js';
import {
  MATRIX_ROLES,
  type MatrixRole,
  ROUTE_ACCESS_FILES,
  type RouteAccess,
  type RouteAccessRow,
  type RouteFixture,
} from '../test-support/route-access/index.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { createWebhookAuthMethod } from '../workflows/index.js';
import { type ProjectRole, ROLE_ORDER, roleAllows } from './policy.js';

let server: TestServer;
let fixture: RouteFixture;

const rows: { context: string; row: RouteAccessRow }[] = Object.entries(ROUTE_ACCESS_FILES).flatMap(
  ([context, file]) => file.rows.map((row) => ({ context, row })),
);

async function buildFixture(db: Database, server: TestServer): Promise<RouteFixture> {
  const base = await createWorkflowFixture(db);
  const roles = ROLE_ORDER;
  const members = Object.fromEntries(
    await Promise.all(
      roles.map(async (role) => [
        role,
        await createTestUser(db, { projects: { [base.projectId]: role } }),
      ]),
    ),
  ) as Record<ProjectRole, Awaited<ReturnType<typeof createTestUser>>>;
  const users = {
    ...members,
    non_member: await createTestUser(db),
    superuser: await createTestUser(db, { superuser: true }),
  };

  // A finished work order: one run, one successful step whose input is the webhook's dataclip.
  const run = await enqueueRun(db, base);
  const stepId = randomUUID();
  await db.insert(schema.steps).values({
    id: stepId,
    jobId: base.jobIds[0],
    snapshotId: base.snapshotId,
    inputDataclipId: run.dataclipId,
    exitReason: 'success',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  });
  await db.insert(schema.runSteps).values({ runId: run.runId, stepId });
  const now = new Date().toISOString();
  await db
    .update(schema.runs)
    .set({ state: 'success', claimedAt: now, startedAt: now, finishedAt: now })
    .where(eq(schema.runs.id, run.runId));
  await db
    .update(schema.workOrders)
    .set({ state: 'success' })
    .where(eq(schema.workOrders.id, run.workOrderId));

  const method = await createWebhookAuthMethod(db, server.vault, {
    projectId: base.projectId,
    name: 'matrix',
    authType: 'api',
  });

  return {
    db,
    vault: server.vault,
    projectId: base.projectId,
    workflowId: base.workflowId,
    snapshotId: base.snapshotId,
    triggerId: base.triggerId,
    jobIds: base.jobIds,
    workOrderId: run.workOrderId,
    runId: run.runId,
    dataclipId: run.dataclipId,
    stepId,
    webhookAuthMethodId: method.id,
    users,
    extra: {},
    async freshProject() {
      const fresh = await createWorkflowFixture(db);
      for (const role of roles) {
        await db
          .insert(schema.projectUsers)
          .values({ projectId: fresh.projectId, userId: members[role].id, role });
      }
      return {
        projectId: fresh.projectId,
        workflowId: fresh.workflowId,
        triggerId: fresh.triggerId,
        jobIds: fresh.jobIds,
      };
    },
  };
}

beforeAll(async () => {
  server = await startTestServer();
  fixture = await buildFixture(server.database.db, server);
  for (const [context, file] of Object.entries(ROUTE_ACCESS_FILES)) {
    if (file.setup) fixture.extra[context] = await file.setup(fixture);
  }
});
afterAll(() => server?.close());

const isBody = (payload: unknown): payload is Record<string, unknown> =>
  payload !== null && typeof payload === 'object' && !Array.isArray(payload);

/** What a role should get from a row: 'allowed', or the status of the refusal. */
function expected(access: RouteAccess, role: MatrixRole): 'allowed' | 401 | 403 | 404 {
  if (access === 'public') return 'allowed';
  if (role === 'anonymous') return 401;
  if (access === 'authenticated') return 'allowed';
  if (access === 'superuser') return role === 'superuser' ? 'allowed' : 403;
  if (role === 'superuser') return 'allowed';
  if (role === 'non_member') return 404;
  return roleAllows(role, access.project) ? 'allowed' : 403;
}

function defaultUrl(row: RouteAccessRow): string {
  const url = row.url.replace(':project_id', fixture.projectId);
  if (url.includes(':')) {
    throw new Error(`${row.method} ${row.url}: the row needs a request() for its parameters`);
  }
  return url;
}

describe('route × role matrix', () => {
  it('has a row for every /api and /collections route, and no row for a route that does not exist', () => {
    const registered = registeredRoutes(server.app)
      .filter(
        (route) =>
          (route.url.startsWith('/api') || route.url.startsWith('/collections')) &&
          route.method !== 'HEAD',
      )
      .map((route) => `${route.method} ${route.url}`);
    const covered = new Set(rows.map(({ row }) => `${row.method} ${row.url}`));
    expect(
      registered.filter((route) => !covered.has(route)),
      'routes without a row',
    ).toEqual([]);
    const existing = new Set(registered);
    expect(
      rows.map(({ row }) => `${row.method} ${row.url}`).filter((route) => !existing.has(route)),
      'rows without a route',
    ).toEqual([]);
    // One row per route, except routes whose access depends on what the body changes: one row
    // per variant (e.g. provisioning's field groups), each named.
    const keys = rows.map(({ row }) => `${row.method} ${row.url} ${row.variant ?? ''}`);
    expect(keys.length).toBe(new Set(keys).size);
  });

  for (const { context, row } of rows) {
    const name = `${row.method} ${row.url}${row.variant ? ` [${row.variant}]` : ''} (${context})`;
    if (row.skip) {
      it.skip(`${name}: ${row.skip}`, () => {});
      continue;
    }
    it(name, async () => {
      const outcomes: string[] = [];
      const wanted: string[] = [];
      for (const role of MATRIX_ROLES) {
        const want = expected(row.access, role);
        const request = row.request ? await row.request(fixture, role) : { url: defaultUrl(row) };
        const before = want !== 'allowed' && row.observe ? await row.observe(fixture) : undefined;
        const response = await server.app.inject({
          method: row.method,
          url: request.url,
          headers: {
            ...(request.headers ?? {}),
            ...(role === 'anonymous' ? {} : fixture.users[role].headers),
          },
          ...(request.payload === undefined ? {} : { payload: request.payload as object }),
        });
        const status = response.statusCode;
        expect(status, `${name} as ${role}: ${response.body.slice(0, 300)}`).toBeLessThan(500);
        const got = [401, 403, 404].includes(status) ? status : 'allowed';
        // Every timestamp of every answer is ISO 8601, never PostgreSQL's own text.
        if (response.headers['content-type']?.toString().includes('json') && response.body) {
          expect(nonIsoTimestamps(response.json()), `${name} as ${role}`).toEqual([]);
        }
        outcomes.push(
          `${role}: ${got}${got === want ? '' : ` (${status} ${response.body.slice(0, 160)})`}`,
        );
        wanted.push(`${role}: ${want}`);
        if (want !== 'allowed' && row.observe) {
          expect(await row.observe(fixture), `${name} as ${role} changed something`).toEqual(
            before,
          );
        }
        // Authorization comes before the body is validated: a caller who may not call the route
        // gets the same refusal for a malformed body, never a 400 that tells the body was read.
        if (want !== 'allowed' && isBody(request.payload)) {
          const malformed = await server.app.inject({
            method: row.method,
            url: request.url,
            headers: {
              ...(request.headers ?? {}),
              ...(role === 'anonymous' ? {} : fixture.users[role].headers),
            },
            payload: { ...request.payload, matrix_unknown_field: [null] },
          });
          expect(
            malformed.statusCode,
            `${name} as ${role} with a malformed body: ${malformed.body.slice(0, 200)}`,
          ).toBe(want);
        }
        // Someone outside a project named in the path learns nothing from a body that is not
        // even JSON either: the membership check comes before the parser (projects/gate.ts).
        if (
          (want === 401 || want === 404) &&
          row.url.includes(':project_id') &&
          !['GET', 'HEAD'].includes(row.method)
        ) {
          const unparseable = await server.app.inject({
            method: row.method,
            url: request.url,
            headers: {
              ...(request.headers ?? {}),
              ...(role === 'anonymous' ? {} : fixture.users[role].headers),
              'content-type': 'application/json',
            },
            payload: '{"name": ',
          });
          expect(
            unparseable.statusCode,
            `${name} as ${role} with a body that is not JSON: ${unparseable.body.slice(0, 200)}`,
          ).toBe(want);
        }
      }
      expect(outcomes.map((line) => line.replace(/ \(.*$/, ''))).toEqual(wanted);
    });
  }

  it('lists only what the caller may see', async () => {
    const { db } = fixture;
    const other = await createWorkflowFixture(db);
    await enqueueRun(db, other);
    // Members of the fixture's project only (the matrix users also belong to fresh projects).
    const viewer = await createTestUser(db, { projects: { [fixture.projectId]: 'viewer' } });
    const stranger = await createTestUser(db);
    type Item = { id: string; workflow_id?: string; project_id?: string };
    const list = async (url: string, as: { headers: Record<string, string> }) =>
      ((await server.app.inject({ url, headers: as.headers })).json() as { data: Item[] }).data;
    const projectsOf = (items: Item[]) => [...new Set(items.map((item) => item.project_id))];

    const workflows = await list('/api/workflows', viewer);
    expect(workflows.map((w) => w.id)).toContain(fixture.workflowId);
    expect(projectsOf(workflows)).toEqual([fixture.projectId]);
    expect(await list('/api/workflows', stranger)).toEqual([]);
    expect((await list('/api/workflows', fixture.users.superuser)).map((w) => w.id)).toContain(
      other.workflowId,
    );
    expect(projectsOf(await list('/api/jobs', viewer))).toEqual([fixture.projectId]);
    expect(await list('/api/jobs', stranger)).toEqual([]);
    const workOrders = await list('/api/work_orders', viewer);
    expect(workOrders.map((w) => w.id)).toContain(fixture.workOrderId);
    expect(workOrders.map((w) => w.workflow_id)).not.toContain(other.workflowId);
    expect(await list('/api/work_orders', stranger)).toEqual([]);
    expect((await list('/api/projects', viewer)).map((p) => p.id)).toEqual([fixture.projectId]);
    expect(await list('/api/projects', stranger)).toEqual([]);
  });
});
