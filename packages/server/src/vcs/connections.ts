// A project's repository connection: creating it (files, secret, row — all or nothing), syncing
// to GitHub, verifying and disconnecting. Every step that fails is recorded on the connection with
// GitHub's own message, so the settings page can say what went wrong and what to do.
//
// Creating, in order (GitHub first, the row last, so a failure leaves no row):
//   1. the user may see the installation and the repository (their token), the branch exists;
//   2. the pull workflow is committed to the default branch, the deploy workflow and the config to
//      the chosen branch (messages start with `[skip actions]`, so they deploy nothing);
//   3. the connection token is stored as the Actions secret;
//   4. the row and its audit event are inserted in one transaction;
//   5. for direction `pull`, a first sync is dispatched (its failure is the sync's, recorded).
// A failure in 2–4 undoes what was done at GitHub: the files go back to what they were, a secret
// that did not exist before is deleted.
import type { Octokit } from '@octokit/rest';
import { eq } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/index.js';
import { type Database, schema } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../http/errors.js';
import { currentSnapshotIds } from '../workflows/index.js';
import { issueConnectionToken } from './connection-token.js';
import { type GitHub, GitHubError, gitHubStep, toGitHubError } from './github.js';
import {
  commitFiles,
  configFile,
  defaultConfigPath,
  deleteSecret,
  deployWorkflow,
  deployWorkflowPath,
  type FileChange,
  fileExists,
  PULL_WORKFLOW,
  pullWorkflow,
  pullWorkflowPath,
  putSecret,
  type RepositoryRef,
  secretExists,
  secretName,
  splitRepo,
} from './repository-files.js';

const { projectRepoConnections } = schema;

export type ConnectionRow = typeof projectRepoConnections.$inferSelect;
type Outcome = schema.VersionControlOutcome;

export interface ConnectionInput {
  installation_id: string;
  repo: string;
  branch: string;
  config_path: string | null;
  sync_direction: 'deploy' | 'pull';
}

export interface Dependencies {
  db: Database;
  github: GitHub;
  /** The public URL of this instance (the CLI's `endpoint`). */
  endpoint: string;
}

export async function findConnection(
  db: Database,
  projectId: string,
): Promise<ConnectionRow | undefined> {
  const [row] = await db
    .select()
    .from(projectRepoConnections)
    .where(eq(projectRepoConnections.projectId, projectId));
  return row;
}

/** The connection as the API answers it (no token, ever). */
export function connectionJson(row: ConnectionRow) {
  return {
    id: row.id,
    project_id: row.projectId,
    github_installation_id: row.githubInstallationId,
    repo: row.repo,
    branch: row.branch,
    config_path: row.configPath ?? defaultConfigPath(row.projectId),
    sync_direction: row.syncDirection,
    secret_name: secretName(row.projectId),
    last_sync_to_github: row.lastSyncToGithub ?? null,
    last_deploy_from_github: row.lastDeployFromGithub ?? null,
    last_verify: row.lastVerify ?? null,
    inserted_at: row.insertedAt,
    updated_at: row.updatedAt,
  };
}

const outcomeOf = (error: unknown, by?: string): Outcome => {
  const failure = error instanceof GitHubError ? error : undefined;
  return {
    at: new Date().toISOString(),
    status: 'failed',
    message: failure ? failure.githubMessage : (error as Error).message,
    hint: failure?.hint,
    github_status: failure?.githubStatus,
    by,
  };
};

async function recordOutcome(
  db: Database,
  id: string,
  field: 'lastSyncToGithub' | 'lastDeployFromGithub' | 'lastVerify',
  outcome: Outcome,
): Promise<void> {
  await db
    .update(projectRepoConnections)
    .set({ [field]: outcome })
    .where(eq(projectRepoConnections.id, id));
}

/** Checks that the user's GitHub account can see the installation, the repository and the branch. */
async function checkChoice(userOctokit: Octokit, input: ConnectionInput): Promise<void> {
  const installations = await gitHubStep('listing your GitHub App installations', () =>
    userOctokit.paginate('GET /user/installations', { per_page: 100 }),
  );
  if (!installations.some((installation) => String(installation.id) === input.installation_id)) {
    throw new ValidationError('The installation is not one your GitHub account can use', {
      installation_id: [
        `installation ${input.installation_id} is not visible to your GitHub account`,
      ],
    });
  }
  const repositories = await gitHubStep('listing the repositories of the installation', () =>
    userOctokit.paginate('GET /user/installations/{installation_id}/repositories', {
      installation_id: Number(input.installation_id),
      per_page: 100,
    }),
  );
  if (!repositories.some((repository) => repository.full_name === input.repo)) {
    throw new ValidationError('The repository is not part of the installation', {
      repo: [`${input.repo} is not among the repositories the app may use in this installation`],
    });
  }
  const { owner, repo } = splitRepo(input.repo);
  const branches = await gitHubStep(`listing the branches of ${input.repo}`, () =>
    userOctokit.paginate(userOctokit.rest.repos.listBranches, { owner, repo, per_page: 100 }),
  );
  if (!branches.some((branch) => branch.name === input.branch)) {
    throw new ValidationError('The branch does not exist', {
      branch: [`${input.branch} is not a branch of ${input.repo}`],
    });
  }
}

/**
 * Connects the project to a repository (see the top of this file). 409 when it already has one;
 * 422 naming the field for a choice GitHub does not confirm; 502 with GitHub's message when
 * GitHub fails — and then nothing of the attempt remains, at GitHub or here.
 */
export async function createConnection(
  deps: Dependencies,
  projectId: string,
  actor: { userId: string; userToken: string },
  input: ConnectionInput,
): Promise<ConnectionRow> {
  const { db, github } = deps;
  if (await findConnection(db, projectId)) {
    throw new ConflictError(
      'This project is already connected to a repository; disconnect it first',
    );
  }
  await checkChoice(github.user(actor.userToken), input);

  const octokit = await gitHubStep('authenticating as the GitHub App installation', () =>
    github.installation(Number(input.installation_id)),
  );
  const repository = splitRepo(input.repo);
  const { data: repoInfo } = await gitHubStep(`reading ${input.repo}`, () =>
    octokit.rest.repos.get({ ...repository }),
  );
  const defaultBranch = repoInfo.default_branch;
  const configPath = input.config_path ?? defaultConfigPath(projectId);
  const { token, jti } = await issueConnectionToken(
    github.config.repoConnectionSigningSecret,
    projectId,
  );
  const name = secretName(projectId);

  const undo: (() => Promise<unknown>)[] = [];
  let row: ConnectionRow;
  try {
    const pullFiles = { [pullWorkflowPath]: pullWorkflow() };
    const branchFiles: Record<string, FileChange> = {
      [deployWorkflowPath(projectId)]: deployWorkflow(projectId, input.branch, configPath),
    };
    if (!input.config_path) branchFiles[configPath] = configFile(projectId, deps.endpoint);

    const pullBefore = await commitFiles(
      octokit,
      repository,
      defaultBranch,
      '[skip actions] Add the OpenFn pull workflow',
      pullFiles,
    );
    undo.push(() =>
      commitFiles(
        octokit,
        repository,
        defaultBranch,
        '[skip actions] Remove the OpenFn pull workflow',
        pullBefore,
      ),
    );
    const branchBefore = await commitFiles(
      octokit,
      repository,
      input.branch,
      `[skip actions] Connect OpenFn project ${projectId}`,
      branchFiles,
    );
    undo.push(() =>
      commitFiles(
        octokit,
        repository,
        input.branch,
        `[skip actions] Disconnect OpenFn project ${projectId}`,
        branchBefore,
      ),
    );
    const hadSecret = await gitHubStep(`checking the secret ${name}`, () =>
      secretExists(octokit, repository, name),
    );
    await putSecret(octokit, repository, name, token);
    if (!hadSecret) undo.push(() => deleteSecret(octokit, repository, name));

    row = await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(projectRepoConnections)
        .values({
          projectId,
          githubInstallationId: input.installation_id,
          repo: input.repo,
          branch: input.branch,
          configPath: input.config_path,
          syncDirection: input.sync_direction,
          accessTokenJti: jti,
        })
        .returning();
      await recordAuditEvent(tx, {
        event: 'repo_connection_created',
        itemType: 'project',
        itemId: projectId,
        projectId,
        actorId: actor.userId,
        changes: {
          after: {
            repo: input.repo,
            branch: input.branch,
            installation_id: input.installation_id,
            sync_direction: input.sync_direction,
          },
        },
      });
      return inserted!;
    });
  } catch (error) {
    // Undo newest first; an undo that fails too is not hidden behind the first error's message.
    const leftovers: string[] = [];
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (undoError) {
        leftovers.push(toGitHubError('undoing', undoError).message);
      }
    }
    if (leftovers.length > 0 && error instanceof GitHubError) {
      throw new GitHubError(
        error.githubStatus,
        error.githubMessage,
        `${error.hint} Some of what was written to ${input.repo} could not be removed (${leftovers.join('; ')}); check the repository.`,
        error.step,
      );
    }
    if ((error as { code?: string }).code === '23505') {
      throw new ConflictError('This project is already connected to a repository');
    }
    throw error;
  }
  if (input.sync_direction === 'pull') {
    // The connection stands either way; a failed first sync is recorded on it and shown.
    await syncToGitHub(deps, row, 'Lightning (first sync of a new connection)').catch(() => {});
    return (await findConnection(db, projectId)) ?? row;
  }
  return row;
}

/**
 * "Sync to GitHub": dispatches the pull workflow on the default branch with Lightning's inputs.
 * The outcome (GitHub accepted the dispatch, or its error) is recorded; a failure is also thrown.
 */
export async function syncToGitHub(
  deps: Dependencies,
  row: ConnectionRow,
  by: string,
): Promise<void> {
  const { db, github } = deps;
  try {
    const octokit = await gitHubStep('authenticating as the GitHub App installation', () =>
      github.installation(Number(row.githubInstallationId)),
    );
    const repository = splitRepo(row.repo);
    const { data: repoInfo } = await gitHubStep(`reading ${row.repo}`, () =>
      octokit.rest.repos.get({ ...repository }),
    );
    const snapshots = await currentSnapshotIds(db, row.projectId);
    await gitHubStep('starting the pull workflow', () =>
      octokit.rest.actions.createWorkflowDispatch({
        ...repository,
        workflow_id: PULL_WORKFLOW,
        ref: repoInfo.default_branch,
        inputs: {
          projectId: row.projectId,
          apiSecretName: secretName(row.projectId),
          pathToConfig: row.configPath ?? defaultConfigPath(row.projectId),
          branch: row.branch,
          commitMessage: `${by} initiated a sync from Lightning`,
          snapshots: snapshots.join(' '),
        },
      }),
    );
    await recordOutcome(db, row.id, 'lastSyncToGithub', {
      at: new Date().toISOString(),
      status: 'ok',
      by,
    });
  } catch (error) {
    await recordOutcome(db, row.id, 'lastSyncToGithub', outcomeOf(error, by));
    throw error;
  }
}

export interface Verification {
  pull_workflow: boolean;
  deploy_workflow: boolean;
  config: boolean;
  secret: boolean;
}

/** Checks that the workflows, the config and the secret are all still in the repository. */
export async function verifyConnection(
  deps: Dependencies,
  row: ConnectionRow,
): Promise<Verification> {
  const { db, github } = deps;
  try {
    const octokit = await gitHubStep('authenticating as the GitHub App installation', () =>
      github.installation(Number(row.githubInstallationId)),
    );
    const repository: RepositoryRef = splitRepo(row.repo);
    const { data: repoInfo } = await gitHubStep(`reading ${row.repo}`, () =>
      octokit.rest.repos.get({ ...repository }),
    );
    const result: Verification = {
      pull_workflow: await fileExists(
        octokit,
        repository,
        pullWorkflowPath,
        repoInfo.default_branch,
      ),
      deploy_workflow: await fileExists(
        octokit,
        repository,
        deployWorkflowPath(row.projectId),
        row.branch,
      ),
      config: await fileExists(
        octokit,
        repository,
        row.configPath ?? defaultConfigPath(row.projectId),
        row.branch,
      ),
      secret: await gitHubStep('reading the secret', () =>
        secretExists(octokit, repository, secretName(row.projectId)),
      ),
    };
    const missing = Object.entries(result)
      .filter(([, present]) => !present)
      .map(([what]) => what.replace('_', ' '));
    await recordOutcome(
      db,
      row.id,
      'lastVerify',
      missing.length === 0
        ? { at: new Date().toISOString(), status: 'ok' }
        : {
            at: new Date().toISOString(),
            status: 'failed',
            message: `Missing from ${row.repo}: ${missing.join(', ')}`,
            hint: 'Disconnect and connect the repository again to restore them.',
          },
    );
    return result;
  } catch (error) {
    await recordOutcome(db, row.id, 'lastVerify', outcomeOf(error));
    throw error;
  }
}

/**
 * Disconnects: the deploy workflow, the config Lightning wrote and the secret are removed from the
 * repository (the pull workflow stays: other projects may share it, as in Lightning), then the row.
 * With `force`, a repository GitHub no longer lets Lightning reach (app uninstalled, repository
 * deleted) does not keep the project connected: the row goes, and what could not be removed is said.
 */
export async function disconnect(
  deps: Dependencies,
  row: ConnectionRow,
  actorId: string,
  force: boolean,
): Promise<{ removed_from_github: boolean; github_error?: string }> {
  const { db, github } = deps;
  let githubError: GitHubError | undefined;
  try {
    const octokit = await gitHubStep('authenticating as the GitHub App installation', () =>
      github.installation(Number(row.githubInstallationId)),
    );
    const repository = splitRepo(row.repo);
    const files: Record<string, FileChange> = { [deployWorkflowPath(row.projectId)]: null };
    if (!row.configPath) files[defaultConfigPath(row.projectId)] = null;
    await commitFiles(
      octokit,
      repository,
      row.branch,
      `[skip actions] Disconnect OpenFn project ${row.projectId}`,
      files,
    );
    await gitHubStep('deleting the secret', () =>
      deleteSecret(octokit, repository, secretName(row.projectId)),
    );
  } catch (error) {
    githubError = toGitHubError('disconnecting', error);
    if (!force) throw githubError;
  }
  await db.transaction(async (tx) => {
    const deleted = await tx
      .delete(projectRepoConnections)
      .where(eq(projectRepoConnections.id, row.id))
      .returning({ id: projectRepoConnections.id });
    if (deleted.length === 0)
      throw new NotFoundError('This project is not connected to a repository');
    await recordAuditEvent(tx, {
      event: 'repo_connection_removed',
      itemType: 'project',
      itemId: row.projectId,
      projectId: row.projectId,
      actorId,
      changes: { before: { repo: row.repo, branch: row.branch } },
    });
  });
  return githubError
    ? { removed_from_github: false, github_error: githubError.githubMessage }
    : { removed_from_github: true };
}

/** Records a deploy that GitHub's deploy workflow posted to /api/provision (or its refusal). */
export async function recordDeploy(
  db: Database,
  connectionId: string,
  outcome: { ok: true } | { ok: false; message: string },
): Promise<void> {
  await recordOutcome(
    db,
    connectionId,
    'lastDeployFromGithub',
    outcome.ok
      ? { at: new Date().toISOString(), status: 'ok', by: 'github' }
      : {
          at: new Date().toISOString(),
          status: 'failed',
          message: outcome.message,
          hint: 'Fix the project files in the repository and push again; the deploy workflow run on GitHub shows the full answer.',
          by: 'github',
        },
  );
}
