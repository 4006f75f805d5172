// A local stand-in for GitHub, for tests only (GitHub is not reachable here). It speaks the part of
// GitHub's REST API and OAuth web flow that version control uses, with GitHub's request and
// response shapes, and checks what GitHub checks:
//
// - the App JWT (`POST /app/installations/:id/access_tokens`) is verified against the public key of
//   the key pair this stand-in generates (its private half is the `GITHUB_CERT` given to the server);
// - OAuth codes, user tokens (`ghu_…`, expiring, refreshable, revoked on refresh) and installation
//   tokens (`ghs_…`) are issued and checked like GitHub's; the client secret is checked too;
// - Actions secrets arrive as libsodium sealed boxes under the repository's public key and are
//   opened here with its private key, so a test reads the plaintext the repository would hold;
// - each repository is an in-memory git object store (blobs, trees, commits, refs), so a test reads
//   the files of a branch and its commit messages after Lightning committed through the Git data API.
//
// A test can make the next matching request fail as GitHub fails (`failNext`: 5xx, rate limit) and
// revoke an installation. The server reaches it through TEST_GITHUB_API_URL (never set in
// production): Octokit then also sends the OAuth web flow (`/login/oauth/*`) here.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { importSPKI, jwtVerify } from 'jose';
import sodium from 'libsodium-wrappers';

export interface StandInRepository {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  /** Branch → commit sha. */
  refs: Map<string, string>;
  /** Actions secrets, decrypted: name → plaintext. */
  secrets: Map<string, { value: string; createdAt: string; updatedAt: string }>;
  /** Workflow dispatches received, in order. */
  dispatches: { workflow: string; ref: string; inputs: Record<string, string> }[];
  /** The files of a branch (path → text), or undefined for an unknown branch. */
  files(branch: string): Map<string, string> | undefined;
  /** The commits of a branch, newest first. */
  log(branch: string): { sha: string; message: string }[];
  keyPair: { publicKey: Uint8Array; privateKey: Uint8Array; keyId: string };
}

interface Installation {
  id: number;
  account: string;
  repositories: StandInRepository[];
  /** Deleted (the app was uninstalled): GitHub answers 404 for it. */
  revoked: boolean;
  users: Set<string>;
}

interface UserToken {
  login: string;
  expiresAt: number;
  refreshToken: string;
  valid: boolean;
}

interface Failure {
  method?: string;
  path: RegExp;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface GitHubStandIn {
  url: string;
  appId: string;
  appName: string;
  clientId: string;
  clientSecret: string;
  /** The variables that point a Lightning server at this stand-in. */
  env: Record<string, string>;
  /** Where `/login/oauth/authorize` sends the user back (the app's registered callback URL). */
  callbackUrl: string;
  /** The GitHub user who approves the next authorisation. */
  signedInAs: string;
  /** Lifetime of new user tokens (GitHub: 8 hours); a test shortens it to force a refresh. */
  userTokenLifetimeSeconds: number;
  addUser(login: string): void;
  addInstallation(options: {
    account: string;
    users: string[];
    repositories: { name: string; defaultBranch?: string; branches?: string[] }[];
  }): { id: number; repositories: StandInRepository[] };
  revokeInstallation(id: number): void;
  repository(fullName: string): StandInRepository;
  /** The next request whose path matches fails with this answer (once). */
  failNext(failure: {
    method?: string;
    path: RegExp;
    status: number;
    message: string;
    headers?: Record<string, string>;
  }): void;
  /** Every request received, `METHOD path`, for tests that check what was (not) called. */
  requests: string[];
  /** User tokens that were revoked through `DELETE /applications/:client_id/grant`. */
  revokedGrants: string[];
  /** Every user token currently valid. */
  validUserTokens(): string[];
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

export async function startGitHubStandIn(): Promise<GitHubStandIn> {
  await sodium.ready;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const appPublicKey = await importSPKI(publicKey, 'RS256');
  const appId = String(100000 + Math.floor(Math.random() * 100000));
  const clientId = `Iv23li${randomBytes(7).toString('hex')}`;
  const clientSecret = randomBytes(20).toString('hex');

  const users = new Map<string, { id: number; login: string }>();
  const installations = new Map<number, Installation>();
  const repositories = new Map<string, StandInRepository>();
  const codes = new Map<string, { login: string; state: string }>();
  const userTokens = new Map<string, UserToken>();
  const installationTokens = new Map<string, number>();
  const failures: Failure[] = [];
  const requests: string[] = [];
  const revokedGrants: string[] = [];
  let nextId = 1000;

  // The git object store, shared by every repository (objects are content-addressed anyway).
  const blobs = new Map<string, string>();
  const trees = new Map<string, Map<string, string>>();
  const commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  const hash = (kind: string, content: string) =>
    createHash('sha1')
      .update(`${kind} ${Buffer.byteLength(content)}\0${content}`)
      .digest('hex');
  const storeBlob = (content: string) => {
    const sha = hash('blob', content);
    blobs.set(sha, content);
    return sha;
  };
  const storeTree = (entries: Map<string, string>) => {
    const sorted = [...entries].sort(([a], [b]) => a.localeCompare(b));
    const sha = hash('tree', JSON.stringify(sorted));
    trees.set(sha, new Map(sorted));
    return sha;
  };
  const storeCommit = (tree: string, parents: string[], message: string) => {
    const sha = hash('commit', JSON.stringify({ tree, parents, message, n: nextId++ }));
    commits.set(sha, { tree, parents, message });
    return sha;
  };

  const makeRepository = (
    owner: string,
    name: string,
    defaultBranch: string,
    branches: string[],
  ): StandInRepository => {
    const initial = storeCommit(
      storeTree(new Map([['README.md', storeBlob(`# ${name}\n`)]])),
      [],
      'Initial commit',
    );
    const refs = new Map<string, string>();
    for (const branch of new Set([defaultBranch, ...branches])) refs.set(branch, initial);
    const keyPair = sodium.crypto_box_keypair();
    const repository: StandInRepository = {
      id: nextId++,
      owner,
      name,
      fullName: `${owner}/${name}`,
      defaultBranch,
      refs,
      secrets: new Map(),
      dispatches: [],
      keyPair: {
        publicKey: keyPair.publicKey,
        privateKey: keyPair.privateKey,
        keyId: String(nextId++),
      },
      files(branch) {
        // A branch name, or a commit sha (as `?ref=` takes either).
        const head = refs.get(branch) ?? (commits.has(branch) ? branch : undefined);
        if (!head) return undefined;
        const tree = trees.get(commits.get(head)!.tree)!;
        return new Map([...tree].map(([path, sha]) => [path, blobs.get(sha)!]));
      },
      log(branch) {
        const out: { sha: string; message: string }[] = [];
        let sha = refs.get(branch);
        while (sha) {
          const commit = commits.get(sha)!;
          out.push({ sha, message: commit.message });
          sha = commit.parents[0];
        }
        return out;
      },
    };
    repositories.set(repository.fullName, repository);
    return repository;
  };

  const app = Fastify({ logger: false });
  // GitHub's OAuth endpoint takes form bodies as well as JSON.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  class GitHubFailure extends Error {
    constructor(
      readonly status: number,
      message: string,
      readonly headers: Record<string, string> = {},
    ) {
      super(message);
    }
  }
  const notFound = () => new GitHubFailure(404, 'Not Found');
  const unauthorized = () => new GitHubFailure(401, 'Bad credentials');

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof GitHubFailure) {
      return reply
        .status(error.status)
        .headers(error.headers)
        .send({ message: error.message, documentation_url: DOCS, status: String(error.status) });
    }
    return reply.status(500).send({ message: String(error), documentation_url: DOCS });
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    requests.push(`${request.method} ${path}`);
    const index = failures.findIndex(
      (failure) =>
        failure.path.test(path) && (!failure.method || failure.method === request.method),
    );
    if (index >= 0) {
      const [failure] = failures.splice(index, 1);
      return reply.status(failure!.status).headers(failure!.headers).send(failure!.body);
    }
  });

  const credential = (request: FastifyRequest): string | undefined =>
    /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];

  const userOf = (request: FastifyRequest): string => {
    const token = userTokens.get(credential(request) ?? '');
    if (!token?.valid || token.expiresAt < Date.now()) throw unauthorized();
    return token.login;
  };

  /** The repository named in the path, when the caller's token may act on it. */
  const repositoryOf = (request: FastifyRequest): StandInRepository => {
    const { owner, repo } = request.params as { owner: string; repo: string };
    const repository = repositories.get(`${owner}/${repo}`);
    const token = credential(request) ?? '';
    const installationId = installationTokens.get(token);
    if (installationId !== undefined) {
      const installation = installations.get(installationId)!;
      if (installation.revoked) throw unauthorized();
      if (!repository || !installation.repositories.includes(repository)) throw notFound();
      return repository;
    }
    const login = userOf(request);
    const visible = [...installations.values()].some(
      (installation) =>
        !installation.revoked &&
        installation.users.has(login) &&
        repository &&
        installation.repositories.includes(repository),
    );
    if (!repository || !visible) throw notFound();
    return repository;
  };

  const repositoryJson = (repository: StandInRepository) => ({
    id: repository.id,
    node_id: `R_${repository.id}`,
    name: repository.name,
    full_name: repository.fullName,
    private: true,
    owner: { login: repository.owner, id: repository.id + 1, type: 'Organization' },
    html_url: `https://github.com/${repository.fullName}`,
    default_branch: repository.defaultBranch,
    permissions: { admin: true, push: true, pull: true },
  });

  const installationJson = (installation: Installation) => ({
    id: installation.id,
    account: { login: installation.account, id: installation.id + 7, type: 'Organization' },
    app_id: Number(appId),
    app_slug: 'openfn-lightning-test',
    target_type: 'Organization',
    repository_selection: 'selected',
    permissions: {
      actions: 'write',
      contents: 'write',
      metadata: 'read',
      secrets: 'write',
      workflows: 'write',
    },
  });

  // ── OAuth web flow (github.com/login/oauth/…) ──────────────────────────────────────────────────

  app.get('/login/oauth/authorize', async (request, reply) => {
    const query = request.query as Record<string, string>;
    if (query.client_id !== clientId) throw notFound();
    const code = randomBytes(10).toString('hex');
    codes.set(code, { login: standIn.signedInAs, state: query.state ?? '' });
    const target = new URL(query.redirect_uri ?? standIn.callbackUrl);
    target.searchParams.set('code', code);
    if (query.state) target.searchParams.set('state', query.state);
    return reply.redirect(target.toString());
  });

  const issueUserToken = (login: string) => {
    const token = `ghu_${randomBytes(18).toString('hex')}`;
    const refreshToken = `ghr_${randomBytes(30).toString('hex')}`;
    userTokens.set(token, {
      login,
      expiresAt: Date.now() + standIn.userTokenLifetimeSeconds * 1000,
      refreshToken,
      valid: true,
    });
    return {
      access_token: token,
      expires_in: standIn.userTokenLifetimeSeconds,
      refresh_token: refreshToken,
      refresh_token_expires_in: 15_811_200,
      scope: '',
      token_type: 'bearer',
    };
  };

  app.post('/login/oauth/access_token', async (request) => {
    const body = (request.body ?? {}) as Record<string, string>;
    // GitHub answers OAuth errors with 200 and an `error` field.
    if (body.client_id !== clientId || body.client_secret !== clientSecret) {
      return {
        error: 'incorrect_client_credentials',
        error_description: 'The client_id and/or client_secret passed are incorrect.',
        error_uri:
          'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials',
      };
    }
    if (body.grant_type === 'refresh_token') {
      const entry = [...userTokens].find(
        ([, token]) => token.refreshToken === body.refresh_token && token.valid,
      );
      if (!entry) {
        return {
          error: 'bad_refresh_token',
          error_description: 'The refresh token passed is incorrect or expired.',
          error_uri:
            'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors',
        };
      }
      // A refresh invalidates the previous token, as GitHub does.
      entry[1].valid = false;
      return issueUserToken(entry[1].login);
    }
    const grant = codes.get(body.code ?? '');
    codes.delete(body.code ?? '');
    if (!grant) {
      return {
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
        error_uri:
          'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
      };
    }
    return issueUserToken(grant.login);
  });

  app.delete('/applications/:client_id/grant', async (request, reply) => {
    const basic = /^basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const [id, secret] = Buffer.from(basic ?? '', 'base64')
      .toString()
      .split(':');
    if (id !== clientId || secret !== clientSecret) throw notFound();
    const token = (request.body as { access_token?: string } | undefined)?.access_token ?? '';
    const entry = userTokens.get(token);
    if (!entry) throw new GitHubFailure(422, 'Validation Failed');
    for (const other of userTokens.values()) {
      if (other.login === entry.login) other.valid = false;
    }
    revokedGrants.push(token);
    return reply.status(204).send();
  });

  // ── The App itself (App JWT) ───────────────────────────────────────────────────────────────────

  const verifyAppJwt = async (request: FastifyRequest) => {
    const token = credential(request);
    if (!token) throw unauthorized();
    try {
      const { payload } = await jwtVerify(token, appPublicKey, { algorithms: ['RS256'] });
      if (String(payload.iss) !== appId) throw new Error('issuer');
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 600) throw new Error('lifetime');
    } catch {
      throw new GitHubFailure(401, 'A JSON web token could not be decoded');
    }
  };

  app.post('/app/installations/:id/access_tokens', async (request, reply) => {
    await verifyAppJwt(request);
    const installation = installations.get(Number((request.params as { id: string }).id));
    if (!installation || installation.revoked) throw notFound();
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    installationTokens.set(token, installation.id);
    return reply.status(201).send({
      token,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      permissions: installationJson(installation).permissions,
      repository_selection: 'selected',
    });
  });

  // ── The signed-in user (user-to-server token) ─────────────────────────────────────────────────

  app.get('/user', async (request) => {
    const login = userOf(request);
    const user = users.get(login)!;
    return { login, id: user.id, type: 'User', name: login };
  });

  app.get('/user/installations', async (request) => {
    const login = userOf(request);
    const visible = [...installations.values()].filter(
      (installation) => !installation.revoked && installation.users.has(login),
    );
    return { total_count: visible.length, installations: visible.map(installationJson) };
  });

  app.get('/user/installations/:id/repositories', async (request) => {
    const login = userOf(request);
    const installation = installations.get(Number((request.params as { id: string }).id));
    if (!installation || installation.revoked || !installation.users.has(login)) {
      throw notFound();
    }
    const query = request.query as { per_page?: string; page?: string };
    const perPage = Number(query.per_page ?? 30);
    const page = Number(query.page ?? 1);
    const list = installation.repositories.slice((page - 1) * perPage, page * perPage);
    return {
      total_count: installation.repositories.length,
      repository_selection: 'selected',
      repositories: list.map(repositoryJson),
    };
  });

  // ── Repositories ───────────────────────────────────────────────────────────────────────────────

  app.get('/repos/:owner/:repo', async (request) => repositoryJson(repositoryOf(request)));

  app.get('/repos/:owner/:repo/branches', async (request) => {
    const repository = repositoryOf(request);
    return [...repository.refs].map(([name, sha]) => ({
      name,
      commit: { sha, url: `${standIn.url}/repos/${repository.fullName}/commits/${sha}` },
      protected: false,
    }));
  });

  app.get('/repos/:owner/:repo/contents/*', async (request) => {
    const repository = repositoryOf(request);
    const path = decodeURIComponent((request.params as { '*': string })['*']);
    const ref = (request.query as { ref?: string }).ref ?? repository.defaultBranch;
    const files = repository.files(ref);
    if (!files) throw new GitHubFailure(404, `No commit found for the ref ${ref}`);
    const content = files.get(path);
    if (content === undefined) throw notFound();
    return {
      type: 'file',
      encoding: 'base64',
      size: Buffer.byteLength(content),
      name: path.split('/').pop(),
      path,
      content: Buffer.from(content).toString('base64'),
      sha: hash('blob', content),
    };
  });

  const refJson = (repository: StandInRepository, branch: string) => ({
    ref: `refs/heads/${branch}`,
    node_id: `REF_${branch}`,
    url: `${standIn.url}/repos/${repository.fullName}/git/refs/heads/${branch}`,
    object: { type: 'commit', sha: repository.refs.get(branch)! },
  });

  app.get('/repos/:owner/:repo/git/ref/*', async (request) => {
    const repository = repositoryOf(request);
    const ref = decodeURIComponent((request.params as { '*': string })['*']);
    const branch = ref.replace(/^heads\//, '');
    if (!ref.startsWith('heads/') || !repository.refs.has(branch)) throw notFound();
    return refJson(repository, branch);
  });

  app.patch('/repos/:owner/:repo/git/refs/*', async (request) => {
    const repository = repositoryOf(request);
    const branch = decodeURIComponent((request.params as { '*': string })['*']).replace(
      /^heads\//,
      '',
    );
    const { sha, force } = request.body as { sha: string; force?: boolean };
    const current = repository.refs.get(branch);
    if (!current) throw new GitHubFailure(422, 'Reference does not exist');
    if (!commits.has(sha)) throw new GitHubFailure(422, 'Object does not exist');
    if (!force && !commits.get(sha)!.parents.includes(current) && sha !== current) {
      throw new GitHubFailure(422, 'Update is not a fast forward');
    }
    repository.refs.set(branch, sha);
    return refJson(repository, branch);
  });

  app.get('/repos/:owner/:repo/git/commits/:sha', async (request) => {
    repositoryOf(request);
    const { sha } = request.params as { sha: string };
    const commit = commits.get(sha);
    if (!commit) throw notFound();
    return {
      sha,
      message: commit.message,
      tree: { sha: commit.tree },
      parents: commit.parents.map((parent) => ({ sha: parent })),
    };
  });

  app.post('/repos/:owner/:repo/git/blobs', async (request, reply) => {
    const repository = repositoryOf(request);
    const { content, encoding } = request.body as { content: string; encoding?: string };
    if (typeof content !== 'string') throw new GitHubFailure(422, 'Invalid request.');
    const text = encoding === 'base64' ? Buffer.from(content, 'base64').toString() : content;
    const sha = storeBlob(text);
    return reply
      .status(201)
      .send({ sha, url: `${standIn.url}/repos/${repository.fullName}/git/blobs/${sha}` });
  });

  app.post('/repos/:owner/:repo/git/trees', async (request, reply) => {
    repositoryOf(request);
    const body = request.body as {
      base_tree?: string;
      tree: { path: string; mode: string; type: string; sha?: string | null; content?: string }[];
    };
    const entries = new Map(body.base_tree ? trees.get(body.base_tree) : []);
    if (body.base_tree && !trees.has(body.base_tree)) throw new GitHubFailure(422, 'Invalid tree');
    for (const entry of body.tree ?? []) {
      if (entry.type !== 'blob' || entry.mode !== '100644') {
        throw new GitHubFailure(422, `Invalid tree info for ${entry.path}`);
      }
      if (entry.sha === null) {
        entries.delete(entry.path);
      } else if (entry.content !== undefined) {
        entries.set(entry.path, storeBlob(entry.content));
      } else if (entry.sha && blobs.has(entry.sha)) {
        entries.set(entry.path, entry.sha);
      } else {
        throw new GitHubFailure(422, `Invalid tree info for ${entry.path}`);
      }
    }
    const sha = storeTree(entries);
    return reply.status(201).send({
      sha,
      tree: [...entries].map(([path, blob]) => ({ path, mode: '100644', type: 'blob', sha: blob })),
      truncated: false,
    });
  });

  app.post('/repos/:owner/:repo/git/commits', async (request, reply) => {
    repositoryOf(request);
    const { message, tree, parents } = request.body as {
      message: string;
      tree: string;
      parents?: string[];
    };
    if (!trees.has(tree)) throw new GitHubFailure(422, 'Tree SHA does not exist');
    const sha = storeCommit(tree, parents ?? [], message);
    return reply.status(201).send({
      sha,
      message,
      tree: { sha: tree },
      parents: (parents ?? []).map((parent) => ({ sha: parent })),
    });
  });

  // ── Actions ────────────────────────────────────────────────────────────────────────────────────

  app.get('/repos/:owner/:repo/actions/secrets/public-key', async (request) => {
    const repository = repositoryOf(request);
    return {
      key_id: repository.keyPair.keyId,
      key: sodium.to_base64(repository.keyPair.publicKey, sodium.base64_variants.ORIGINAL),
    };
  });

  app.put('/repos/:owner/:repo/actions/secrets/:name', async (request, reply) => {
    const repository = repositoryOf(request);
    const { name } = request.params as { name: string };
    const { encrypted_value, key_id } = request.body as { encrypted_value: string; key_id: string };
    if (key_id !== repository.keyPair.keyId) throw new GitHubFailure(422, 'Bad key_id');
    let value: string;
    try {
      value = sodium.to_string(
        sodium.crypto_box_seal_open(
          sodium.from_base64(encrypted_value, sodium.base64_variants.ORIGINAL),
          repository.keyPair.publicKey,
          repository.keyPair.privateKey,
        ),
      );
    } catch {
      throw new GitHubFailure(422, 'Secret could not be decrypted');
    }
    const now = new Date().toISOString();
    const existing = repository.secrets.get(name);
    repository.secrets.set(name, { value, createdAt: existing?.createdAt ?? now, updatedAt: now });
    return reply.status(existing ? 204 : 201).send(existing ? undefined : {});
  });

  app.get('/repos/:owner/:repo/actions/secrets/:name', async (request) => {
    const repository = repositoryOf(request);
    const { name } = request.params as { name: string };
    const secret = repository.secrets.get(name);
    if (!secret) throw notFound();
    return { name, created_at: secret.createdAt, updated_at: secret.updatedAt };
  });

  app.delete('/repos/:owner/:repo/actions/secrets/:name', async (request, reply) => {
    const repository = repositoryOf(request);
    const { name } = request.params as { name: string };
    if (!repository.secrets.delete(name)) throw notFound();
    return reply.status(204).send();
  });

  app.post(
    '/repos/:owner/:repo/actions/workflows/:workflow/dispatches',
    async (request: FastifyRequest, reply: FastifyReply) => {
      const repository = repositoryOf(request);
      const { workflow } = request.params as { workflow: string };
      const { ref, inputs } = request.body as { ref: string; inputs?: Record<string, string> };
      const files = repository.files(repository.defaultBranch)!;
      if (!files.has(`.github/workflows/${workflow}`)) throw notFound();
      if (!repository.refs.has(ref)) throw new GitHubFailure(422, `No ref found for: ${ref}`);
      repository.dispatches.push({ workflow, ref, inputs: inputs ?? {} });
      return reply.status(204).send();
    },
  );

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const appName = 'openfn-lightning-test';

  const standIn: GitHubStandIn = {
    url,
    appId,
    appName,
    clientId,
    clientSecret,
    env: {
      GITHUB_APP_ID: appId,
      GITHUB_APP_NAME: appName,
      GITHUB_APP_CLIENT_ID: clientId,
      GITHUB_APP_CLIENT_SECRET: clientSecret,
      GITHUB_CERT: Buffer.from(privateKey).toString('base64'),
      REPO_CONNECTION_SIGNING_SECRET: randomBytes(32).toString('base64'),
      TEST_GITHUB_API_URL: url,
    },
    callbackUrl: 'http://localhost/oauth/github/callback',
    signedInAs: '',
    userTokenLifetimeSeconds: 28_800,
    addUser(login) {
      if (!users.has(login)) users.set(login, { id: nextId++, login });
      if (!standIn.signedInAs) standIn.signedInAs = login;
    },
    addInstallation({ account, users: members, repositories: repos }) {
      const installation: Installation = {
        id: nextId++,
        account,
        users: new Set(members),
        revoked: false,
        repositories: repos.map((repo) =>
          makeRepository(account, repo.name, repo.defaultBranch ?? 'main', repo.branches ?? []),
        ),
      };
      for (const login of members) standIn.addUser(login);
      installations.set(installation.id, installation);
      return { id: installation.id, repositories: installation.repositories };
    },
    revokeInstallation(id) {
      installations.get(id)!.revoked = true;
    },
    repository(fullName) {
      const repository = repositories.get(fullName);
      if (!repository) throw new Error(`no repository ${fullName} in the stand-in`);
      return repository;
    },
    failNext({ method, path, status, message, headers = {} }) {
      failures.push({
        method,
        path,
        status,
        headers,
        body: { message, documentation_url: DOCS, status: String(status) },
      });
    },
    requests,
    revokedGrants,
    validUserTokens: () =>
      [...userTokens]
        .filter(([, token]) => token.valid && token.expiresAt > Date.now())
        .map(([token]) => token),
    close: () => app.close(),
  };
  return standIn;
}
