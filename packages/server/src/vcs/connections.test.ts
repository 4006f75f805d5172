// The whole journey of a project kept in a GitHub repository, through real HTTP to a real server
// and the GitHub stand-in: choose installation → repository → branch, the files and the secret
// appear in the repository with the right contents, a deploy posted the way the deploy workflow
// posts it updates the project (the connection audited as the actor), "Sync to GitHub" dispatches
// the pull workflow with Lightning's inputs, verify and disconnect. And the failures: a missing
// branch, GitHub 5xx and rate limits, a revoked installation — shown with GitHub's words, with
// nothing half-created.
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../db/index.js';
import { createTestUser, type TestUser } from '../test-support/actors.js';
import {
  type GitHubStandIn,
  type StandInRepository,
  startGitHubStandIn,
} from '../test-support/github-stand-in.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

let github: GitHubStandIn;
let server: TestServer;
let admin: TestUser;
let viewer: TestUser;
let installationId: number;
let repo: StandInRepository;
let pullRepo: StandInRepository;

beforeAll(async () => {
  github = await startGitHubStandIn();
  const installation = github.addInstallation({
    account: 'acme',
    users: ['octo-admin'],
    repositories: [
      { name: 'openfn-project', branches: ['develop'] },
      { name: 'pulled', defaultBranch: 'trunk' },
    ],
  });
  installationId = installation.id;
  [repo, pullRepo] = installation.repositories as [StandInRepository, StandInRepository];
  server = await startTestServer(github.env);
  github.callbackUrl = `${server.baseUrl}/oauth/github/callback`;
  admin = await createTestUser(server.database.db);
  viewer = await createTestUser(server.database.db);
  await connectGitHubAccount(admin);
});

afterAll(async () => {
  await server?.close();
  await github?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
type Json = any;

async function call(
  who: TestUser | string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const authorization = typeof who === 'string' ? `Bearer ${who}` : who.headers.authorization;
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function connectGitHubAccount(user: TestUser) {
  const start = await fetch(`${server.baseUrl}/oauth/github/authorize`, {
    headers: user.headers,
    redirect: 'manual',
  });
  const cookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const approved = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  const callback = new URL(approved.headers.get('location')!);
  const done = await fetch(`${server.baseUrl}${callback.pathname}${callback.search}`, {
    headers: { ...user.headers, cookie },
    redirect: 'manual',
  });
  expect(done.headers.get('location')).toContain('github_connected=octo-admin');
}

async function createProject(): Promise<{ id: string; workflowId: string; jobId: string }> {
  const ids = { id: randomUUID(), workflowId: randomUUID(), jobId: randomUUID() };
  const trigger = randomUUID();
  const created = await call(admin, 'POST', '/api/provision', {
    id: ids.id,
    name: `vcs-${ids.id.slice(0, 6)}`,
    workflows: [
      {
        id: ids.workflowId,
        name: 'patients',
        jobs: [
          {
            id: ids.jobId,
            name: 'fetch',
            body: 'fn(s => s)',
            adaptor: '@openfn/language-common@latest',
          },
        ],
        triggers: [{ id: trigger, type: 'webhook', enabled: true }],
        edges: [
          {
            id: randomUUID(),
            source_trigger_id: trigger,
            target_job_id: ids.jobId,
            condition_type: 'always',
            enabled: true,
          },
        ],
      },
    ],
  });
  expect(created.status).toBe(201);
  await server.database.db
    .insert(schema.projectUsers)
    .values({ projectId: ids.id, userId: viewer.id, role: 'viewer' });
  return ids;
}

const snapshotOf = (repository: StandInRepository) => ({
  main: repository.log(repository.defaultBranch).length,
  develop: repository.log('develop')?.length,
  secrets: [...repository.secrets.keys()],
});

describe('choosing where to connect', () => {
  it('lists the installations, repositories and branches GitHub shows the user', async () => {
    const installations = await call(admin, 'GET', '/api/github/installations');
    expect(installations.body.data).toEqual([
      { id: installationId, account: 'acme', type: 'Organization' },
    ]);
    const repositories = await call(
      admin,
      'GET',
      `/api/github/installations/${installationId}/repositories`,
    );
    expect(repositories.body.data.map((r: { full_name: string }) => r.full_name)).toEqual([
      'acme/openfn-project',
      'acme/pulled',
    ]);
    const branches = await call(
      admin,
      'GET',
      '/api/github/repositories/acme/openfn-project/branches',
    );
    expect(branches.body.data).toEqual([{ name: 'main' }, { name: 'develop' }]);
  });
});

describe('a project connected to a repository', () => {
  let project: { id: string; workflowId: string; jobId: string };
  let token: string;
  const secret = () => `OPENFN_${project.id.replace(/-/g, '_').toUpperCase()}_API_KEY`;
  const connect = (body: Record<string, unknown>, who: TestUser = admin) =>
    call(who, 'POST', `/api/projects/${project.id}/repo_connection`, {
      installation_id: String(installationId),
      repo: 'acme/openfn-project',
      branch: 'develop',
      sync_direction: 'deploy',
      ...body,
    });

  beforeAll(async () => {
    project = await createProject();
  });

  it('is refused to a viewer and for a branch that does not exist, leaving nothing behind', async () => {
    const before = snapshotOf(repo);
    expect((await connect({}, viewer)).status).toBe(403);
    const missing = await connect({ branch: 'nope' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.branch[0]).toMatch(/nope is not a branch of acme\/openfn-project/);
    expect((await connect({ repo: 'not a repo', extra: 1 })).body.errors).toMatchObject({
      repo: ['must be "owner/name"'],
      extra: ['is not a field of a connection'],
    });
    expect(snapshotOf(repo)).toEqual(before);
    expect(
      (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body.data,
    ).toBeNull();
  });

  it('undoes everything when GitHub fails half-way, and says what GitHub said', async () => {
    const filesBefore = { main: repo.files('main'), develop: repo.files('develop') };
    github.failNext({
      method: 'PUT',
      path: /\/actions\/secrets\//,
      status: 502,
      message: 'Server Error',
    });
    const failed = await connect({});
    expect(failed.status).toBe(502);
    expect(failed.body.github).toMatchObject({ status: 502, message: 'Server Error' });
    expect(failed.body.github.hint).toMatch(/GitHub had a problem/);
    // The commits were made, then undone: the branches hold what they held before.
    expect(repo.files('main')).toEqual(filesBefore.main);
    expect(repo.files('develop')).toEqual(filesBefore.develop);
    expect(repo.secrets.has(secret())).toBe(false);
    expect(
      (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body.data,
    ).toBeNull();

    github.failNext({
      method: 'POST',
      path: /\/git\/blobs$/,
      status: 403,
      message: 'API rate limit exceeded for installation ID 1234.',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1893456000' },
    });
    const limited = await connect({});
    expect(limited.status).toBe(502);
    expect(limited.body.github.message).toBe('API rate limit exceeded for installation ID 1234.');
    expect(limited.body.github.hint).toMatch(/rate limit was reached; try again after 2030-01-01/);
    expect(repo.files('main')).toEqual(filesBefore.main);
    expect(
      (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body.data,
    ).toBeNull();
  });

  it('commits the workflows and the config, and stores the connection token as the secret', async () => {
    const created = await connect({});
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      repo: 'acme/openfn-project',
      branch: 'develop',
      sync_direction: 'deploy',
      config_path: `openfn-${project.id}-config.json`,
      secret_name: secret(),
    });
    expect(JSON.stringify(created.body)).not.toMatch(/eyJ/); // no token in the answer

    const main = repo.files('main')!;
    expect(main.get('.github/workflows/openfn-pull.yml')).toMatch(/workflow_dispatch:/);
    expect(main.has(`.github/workflows/openfn-${project.id}-deploy.yml`)).toBe(false);
    const develop = repo.files('develop')!;
    const deploy = develop.get(`.github/workflows/openfn-${project.id}-deploy.yml`)!;
    expect(deploy).toContain(`secrets.${secret()}`);
    expect(deploy).toContain(`config_path_input: "openfn-${project.id}-config.json"`);
    expect(deploy).toMatch(/branches:\n\s+- "develop"/);
    expect(JSON.parse(develop.get(`openfn-${project.id}-config.json`)!)).toEqual({
      endpoint: server.config.http.publicUrl,
      statePath: `openfn-${project.id}-state.json`,
      specPath: `openfn-${project.id}-spec.yaml`,
    });
    expect(repo.log('main')[0]!.message).toMatch(/^\[skip actions\]/);
    expect(repo.log('develop')[0]!.message).toMatch(/^\[skip actions\]/);

    // The secret, as GitHub decrypted it: Lightning's connection token.
    token = repo.secrets.get(secret())!.value;
    const { payload, protectedHeader } = await jwtVerify(
      token,
      new TextEncoder().encode(github.env.REPO_CONNECTION_SIGNING_SECRET),
    );
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({ project_id: project.id, iss: 'Lightning' });
    expect(Object.keys(decodeJwt(token)).sort()).toEqual([
      'iat',
      'iss',
      'jti',
      'nbf',
      'project_id',
    ]);
    // The token is nowhere in the database.
    const rows = await server.database.db.select().from(schema.projectRepoConnections);
    expect(JSON.stringify(rows)).not.toContain(token);

    expect((await connect({})).status).toBe(409);
  });

  it('accepts a deploy from the repository with the secret, audited as the connection', async () => {
    const pulled = await call(token, 'GET', `/api/provision/${project.id}`);
    expect(pulled.status).toBe(200);
    const document = pulled.body.data;
    document.workflows[0].jobs[0].body = 'fn(s => ({ ...s, deployed: true }))';
    const deployed = await call(token, 'POST', '/api/provision', document);
    expect(deployed.status).toBe(201);
    const after = await call(admin, 'GET', `/api/provision/${project.id}`);
    expect(after.body.data.workflows[0].jobs[0].body).toBe('fn(s => ({ ...s, deployed: true }))');

    const connection = (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`))
      .body.data;
    expect(connection.last_deploy_from_github).toMatchObject({ status: 'ok', by: 'github' });
    const audited = await server.database.db
      .select()
      .from(schema.auditEvents)
      .where(
        and(
          eq(schema.auditEvents.projectId, project.id),
          eq(schema.auditEvents.actorType, 'repo_connection'),
        ),
      );
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ event: 'provisioned', actorId: connection.id });

    // Its own project only; and a bad document is recorded as a failed deploy, with the reason.
    const other = await createProject();
    expect((await call(token, 'GET', `/api/provision/${other.id}`)).status).toBe(404);
    expect(
      (await call(token, 'POST', '/api/provision', { ...document, id: other.id })).status,
    ).toBe(403);
    expect((await call(token, 'GET', '/api/projects')).status).toBe(401);
    document.workflows[0].jobs[0].adaptor = 42;
    expect((await call(token, 'POST', '/api/provision', document)).status).toBeGreaterThanOrEqual(
      400,
    );
    const failed = (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body
      .data;
    expect(failed.last_deploy_from_github.status).toBe('failed');
    expect(failed.last_deploy_from_github.message).toMatch(/adaptor/);
  });

  it('syncs to GitHub: dispatches the pull workflow with Lightning’s inputs', async () => {
    const synced = await call(admin, 'POST', `/api/projects/${project.id}/repo_connection/sync`);
    expect(synced.status).toBe(200);
    expect(synced.body.data.last_sync_to_github).toMatchObject({ status: 'ok', by: admin.email });
    const [snapshot] = await server.database.db
      .select({
        id: schema.workflowSnapshots.id,
        lockVersion: schema.workflowSnapshots.lockVersion,
      })
      .from(schema.workflowSnapshots)
      .innerJoin(schema.workflows, eq(schema.workflows.id, schema.workflowSnapshots.workflowId))
      .where(
        and(
          eq(schema.workflows.id, project.workflowId),
          eq(schema.workflowSnapshots.lockVersion, schema.workflows.lockVersion),
        ),
      );
    expect(repo.dispatches.at(-1)).toEqual({
      workflow: 'openfn-pull.yml',
      ref: 'main',
      inputs: {
        projectId: project.id,
        apiSecretName: secret(),
        pathToConfig: `openfn-${project.id}-config.json`,
        branch: 'develop',
        commitMessage: `${admin.email} initiated a sync from Lightning`,
        snapshots: snapshot!.id,
      },
    });

    github.failNext({
      path: /\/dispatches$/,
      status: 500,
      message: 'Internal Server Error while queueing the workflow',
    });
    const failed = await call(admin, 'POST', `/api/projects/${project.id}/repo_connection/sync`);
    expect(failed.status).toBe(502);
    const shown = (await call(viewer, 'GET', `/api/projects/${project.id}/repo_connection`)).body
      .data;
    expect(shown.last_sync_to_github).toMatchObject({
      status: 'failed',
      github_status: 500,
      message: 'Internal Server Error while queueing the workflow',
    });
    expect(shown.last_sync_to_github.hint).toMatch(/try again/);
  });

  it('verifies the files and the secret, and names what is missing', async () => {
    const ok = await call(admin, 'POST', `/api/projects/${project.id}/repo_connection/verify`);
    expect(ok.body.verification).toEqual({
      pull_workflow: true,
      deploy_workflow: true,
      config: true,
      secret: true,
    });
    const value = repo.secrets.get(secret())!;
    repo.secrets.delete(secret());
    const missing = await call(admin, 'POST', `/api/projects/${project.id}/repo_connection/verify`);
    expect(missing.body.verification.secret).toBe(false);
    expect(missing.body.data.last_verify).toMatchObject({
      status: 'failed',
      message: 'Missing from acme/openfn-project: secret',
    });
    repo.secrets.set(secret(), value);
  });

  it('disconnects: the deploy workflow, the config and the secret go, and the token stops working', async () => {
    const removed = await call(admin, 'DELETE', `/api/projects/${project.id}/repo_connection`);
    expect(removed.status).toBe(200);
    expect(removed.body.data).toEqual({ removed_from_github: true });
    const develop = repo.files('develop')!;
    expect(develop.has(`.github/workflows/openfn-${project.id}-deploy.yml`)).toBe(false);
    expect(develop.has(`openfn-${project.id}-config.json`)).toBe(false);
    expect(repo.secrets.has(secret())).toBe(false);
    expect(
      (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body.data,
    ).toBeNull();
    expect((await call(token, 'GET', `/api/provision/${project.id}`)).status).toBe(401);
  });
});

describe('a pull connection whose installation is revoked', () => {
  it('dispatches a first sync, then shows GitHub’s answer once the app is uninstalled', async () => {
    const project = await createProject();
    const created = await call(admin, 'POST', `/api/projects/${project.id}/repo_connection`, {
      installation_id: installationId,
      repo: 'acme/pulled',
      branch: 'trunk',
      sync_direction: 'pull',
    });
    expect(created.status).toBe(201);
    expect(created.body.data.last_sync_to_github.status).toBe('ok');
    expect(pullRepo.dispatches).toHaveLength(1);
    expect(pullRepo.dispatches[0]!.ref).toBe('trunk');

    github.revokeInstallation(installationId);
    const failed = await call(admin, 'POST', `/api/projects/${project.id}/repo_connection/sync`);
    expect(failed.status).toBe(502);
    const shown = (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body
      .data;
    // Uninstalling revokes the installation's tokens: GitHub answers 401.
    expect(shown.last_sync_to_github).toMatchObject({
      status: 'failed',
      github_status: 401,
      message: 'Bad credentials',
    });
    expect(shown.last_sync_to_github.hint).toMatch(/check that the app is still installed/);

    // Disconnecting cannot clean the repository any more: refused, unless forced.
    const refused = await call(admin, 'DELETE', `/api/projects/${project.id}/repo_connection`);
    expect(refused.status).toBe(502);
    const forced = await call(
      admin,
      'DELETE',
      `/api/projects/${project.id}/repo_connection?force=true`,
    );
    expect(forced.body.data).toEqual({
      removed_from_github: false,
      github_error: 'Bad credentials',
    });
    expect(
      (await call(admin, 'GET', `/api/projects/${project.id}/repo_connection`)).body.data,
    ).toBeNull();
  });
});
