// Saving a workflow tells the bus which adaptors it uses (`adaptors_saved`), whichever way it was
// saved: the web editor and the API (POST, PUT) or provisioning. The embedded instance's worker
// installs them from that (cli: adaptors-ahead.e2e.test.ts runs the whole path).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../cluster/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { listRecentAdaptors } from './saved-adaptors.js';

let server: TestServer;
let user: TestUser;
const saved: Extract<BusEvent, { type: 'adaptors_saved' }>[] = [];

beforeAll(async () => {
  server = await startTestServer();
  user = await createTestUser(server.testDatabase.db);
  server.bus.subscribe((event) => {
    if (event.type === 'adaptors_saved') saved.push(event);
  });
});
afterAll(async () => {
  await server?.close();
});

type SavedWorkflow = { id: string; jobs: { adaptor: string }[] };

async function call(method: string, path: string, body: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { ...user.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data: SavedWorkflow } };
}

const job = (name: string, adaptor: string) => ({
  id: randomUUID(),
  name,
  body: 'fn(s => s)',
  adaptor,
});

describe('adaptors_saved', () => {
  it('is published by provisioning, creating and updating a workflow, with each adaptor once', async () => {
    const projectId = randomUUID();
    const provisioned = await call('POST', '/api/provision', {
      id: projectId,
      name: `adaptors-${projectId.slice(0, 8)}`,
      workflows: [
        {
          id: randomUUID(),
          name: 'one',
          jobs: [
            job('a', '@openfn/language-http@7.2.10'),
            job('b', '@openfn/language-common@3.3.4'),
          ],
          triggers: [],
          edges: [],
        },
        {
          id: randomUUID(),
          name: 'two',
          jobs: [job('c', '@openfn/language-common@3.3.4')],
          triggers: [],
          edges: [],
        },
      ],
    });
    expect(provisioned.status).toBe(201);
    expect(saved).toEqual([
      {
        type: 'adaptors_saved',
        projectId,
        adaptors: ['@openfn/language-http@7.2.10', '@openfn/language-common@3.3.4'],
      },
    ]);

    const created = await call('POST', `/api/projects/${projectId}/workflows`, {
      name: 'three',
      jobs: [job('d', '@openfn/language-dhis2@latest')],
      triggers: [],
      edges: [],
    });
    expect(created.status).toBe(201);
    expect(saved.at(-1)).toEqual({
      type: 'adaptors_saved',
      projectId,
      adaptors: ['@openfn/language-dhis2@latest'],
    });

    const workflow = created.body.data;
    const updated = await call('PUT', `/api/workflows/${workflow.id}`, {
      ...workflow,
      jobs: [{ ...workflow.jobs[0], adaptor: '@openfn/language-salesforce@4.0.0' }],
    });
    expect(updated.status).toBe(200);
    expect(saved.at(-1)).toEqual({
      type: 'adaptors_saved',
      projectId,
      adaptors: ['@openfn/language-salesforce@4.0.0'],
    });
    expect(saved).toHaveLength(3);
  });

  it('is not published for a save that is refused', async () => {
    const before = saved.length;
    const refused = await call('POST', `/api/projects/${randomUUID()}/workflows`, {
      name: 'nowhere',
      jobs: [job('x', '@openfn/language-common@3.3.4')],
      triggers: [],
      edges: [],
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(saved).toHaveLength(before);
  });

  it('lists the adaptors of the most recently saved workflows, for a worker starting', async () => {
    const adaptors = await listRecentAdaptors(server.testDatabase.db);
    expect(adaptors.sort()).toEqual(
      [
        '@openfn/language-common@3.3.4',
        '@openfn/language-http@7.2.10',
        '@openfn/language-salesforce@4.0.0',
      ].sort(),
    );
    expect(await listRecentAdaptors(server.testDatabase.db, 1)).toEqual([
      '@openfn/language-salesforce@4.0.0',
    ]);
  });
});
