// What a connection puts into the repository, and the Git data API calls that put it there (blob →
// tree → commit → ref, one commit per branch), as Lightning does: the pull workflow on the default
// branch, the deploy workflow and the config file on the chosen branch, and the connection token as
// the Actions secret `OPENFN_<PROJECT_ID>_API_KEY` (a libsodium sealed box under the repository's
// public key, which only GitHub can open).
import type { Octokit } from '@octokit/rest';
import sodium from 'libsodium-wrappers';
import { gitHubStep } from './github.js';

export const PULL_WORKFLOW = 'openfn-pull.yml';
export const pullWorkflowPath = `.github/workflows/${PULL_WORKFLOW}`;
export const deployWorkflowPath = (projectId: string) =>
  `.github/workflows/openfn-${projectId}-deploy.yml`;
export const defaultConfigPath = (projectId: string) => `openfn-${projectId}-config.json`;
export const secretName = (projectId: string) =>
  `OPENFN_${projectId.replace(/-/g, '_').toUpperCase()}_API_KEY`;

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export function splitRepo(fullName: string): RepositoryRef {
  const [owner, repo] = fullName.split('/');
  return { owner: owner!, repo: repo! };
}

/** The pull workflow: started by "Sync to GitHub" with Lightning's inputs; commits what it pulls. */
export function pullWorkflow(): string {
  return `# Written by OpenFn Lightning. "Sync to GitHub" starts it; it pulls the project from
# Lightning with the OpenFn CLI and commits its state and spec to the chosen branch.
name: Pull from Lightning

on:
  workflow_dispatch:
    inputs:
      projectId:
        description: 'ID of the Lightning project to pull'
        required: true
      apiSecretName:
        description: 'Name of the repository secret holding the Lightning API token'
        required: true
      pathToConfig:
        description: 'Path to the OpenFn config file'
        required: true
      branch:
        description: 'Branch to commit the pulled project to'
        required: true
      commitMessage:
        description: 'Commit message'
        required: true
      snapshots:
        description: 'Space-separated snapshot ids of the workflows to pull'
        required: false

jobs:
  pull-from-lightning:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: \${{ inputs.branch }}
      - uses: openfn/cli-pull-action@v1.1.0
        with:
          secret_input: \${{ secrets[inputs.apiSecretName] }}
          project_id_input: \${{ inputs.projectId }}
          config_path_input: \${{ inputs.pathToConfig }}
          branch_input: \${{ inputs.branch }}
          commit_message_input: \${{ inputs.commitMessage }}
          snapshots_input: \${{ inputs.snapshots }}
`;
}

/** The deploy workflow: every push to the branch deploys the project to Lightning. */
export function deployWorkflow(projectId: string, branch: string, configPath: string): string {
  return `# Written by OpenFn Lightning: every push to ${branch} deploys project ${projectId} with the
# OpenFn CLI (POST /api/provision, authenticated by the repository secret).
name: Deploy to Lightning (${projectId})

on:
  push:
    branches:
      - ${JSON.stringify(branch)}

jobs:
  deploy-to-lightning:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - uses: openfn/cli-deploy-action@v1.1.0
        with:
          secret_input: \${{ secrets.${secretName(projectId)} }}
          config_path_input: ${JSON.stringify(configPath)}
`;
}

/** The CLI's config: where Lightning is and where the pulled state and spec live. */
export function configFile(projectId: string, endpoint: string): string {
  return `${JSON.stringify(
    {
      endpoint,
      statePath: `openfn-${projectId}-state.json`,
      specPath: `openfn-${projectId}-spec.yaml`,
    },
    null,
    2,
  )}\n`;
}

/** A file to write (text), to put back (`{ sha }` of an earlier blob) or to delete (null). */
export type FileChange = string | { sha: string } | null;

/**
 * One commit on `branch` changing `files`; returns, for each path, the blob it had before (null:
 * it did not exist), so a caller can undo the commit with another.
 */
export async function commitFiles(
  octokit: Octokit,
  { owner, repo }: RepositoryRef,
  branch: string,
  message: string,
  files: Record<string, FileChange>,
): Promise<Record<string, { sha: string } | null>> {
  const { data: ref } = await gitHubStep(`reading branch ${branch}`, () =>
    octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` }),
  );
  const { data: head } = await gitHubStep(`reading the last commit of ${branch}`, () =>
    octokit.rest.git.getCommit({ owner, repo, commit_sha: ref.object.sha }),
  );
  const before: Record<string, { sha: string } | null> = {};
  const tree: { path: string; mode: '100644'; type: 'blob'; sha: string | null }[] = [];
  for (const [path, change] of Object.entries(files)) {
    before[path] = await blobAt(octokit, { owner, repo }, path, ref.object.sha);
    if (change === null && before[path] === null) continue;
    let sha: string | null = null;
    if (typeof change === 'string') {
      const { data: blob } = await gitHubStep(`uploading ${path}`, () =>
        octokit.rest.git.createBlob({ owner, repo, content: change, encoding: 'utf-8' }),
      );
      sha = blob.sha;
    } else if (change) {
      sha = change.sha;
    }
    tree.push({ path, mode: '100644', type: 'blob', sha });
  }
  if (tree.length === 0) return before;
  const { data: newTree } = await gitHubStep(`writing the tree of ${branch}`, () =>
    octokit.rest.git.createTree({ owner, repo, base_tree: head.tree.sha, tree }),
  );
  const { data: commit } = await gitHubStep(`committing to ${branch}`, () =>
    octokit.rest.git.createCommit({
      owner,
      repo,
      message,
      tree: newTree.sha,
      parents: [ref.object.sha],
    }),
  );
  await gitHubStep(`updating branch ${branch}`, () =>
    octokit.rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.sha }),
  );
  return before;
}

/** The blob of `path` at a commit, or null when the file does not exist there. */
async function blobAt(
  octokit: Octokit,
  { owner, repo }: RepositoryRef,
  path: string,
  ref: string,
): Promise<{ sha: string } | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path, ref });
    return !Array.isArray(data) && data.type === 'file' ? { sha: data.sha } : null;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}

/** Whether `path` exists on `branch`. */
export async function fileExists(
  octokit: Octokit,
  repository: RepositoryRef,
  path: string,
  branch: string,
): Promise<boolean> {
  return (
    (await gitHubStep(`reading ${path}`, () => blobAt(octokit, repository, path, branch))) !== null
  );
}

/** Stores `value` as the repository's Actions secret `name`, sealed with its public key. */
export async function putSecret(
  octokit: Octokit,
  { owner, repo }: RepositoryRef,
  name: string,
  value: string,
): Promise<void> {
  const { data: key } = await gitHubStep("reading the repository's public key", () =>
    octokit.rest.actions.getRepoPublicKey({ owner, repo }),
  );
  await sodium.ready;
  const sealed = sodium.crypto_box_seal(
    sodium.from_string(value),
    sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
  );
  await gitHubStep(`storing the secret ${name}`, () =>
    octokit.rest.actions.createOrUpdateRepoSecret({
      owner,
      repo,
      secret_name: name,
      encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL),
      key_id: key.key_id,
    }),
  );
}

export async function secretExists(
  octokit: Octokit,
  { owner, repo }: RepositoryRef,
  name: string,
): Promise<boolean> {
  try {
    await octokit.rest.actions.getRepoSecret({ owner, repo, secret_name: name });
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

export async function deleteSecret(
  octokit: Octokit,
  { owner, repo }: RepositoryRef,
  name: string,
): Promise<void> {
  try {
    await octokit.rest.actions.deleteRepoSecret({ owner, repo, secret_name: name });
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
  }
}
