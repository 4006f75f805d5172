// The one way Lightning talks to GitHub: an Octokit App built from the GitHub variables (App JWT
// from GITHUB_CERT, installation tokens, the OAuth web flow of the app's users), and the error every
// failed GitHub call becomes. GitHub's own message travels with it to the settings page, because
// "sync failed" with nothing else is what OpenFn users complain about (lightning#2965, #4426).
import { App } from '@octokit/app';
import { Octokit } from '@octokit/rest';
import type { Config } from '../config/index.js';
import { HttpError } from '../http/errors.js';

export type GitHubConfig = Config['github'] & {
  appId: string;
  appName: string;
  clientId: string;
  clientSecret: string;
  cert: string;
  repoConnectionSigningSecret: string;
};

export function gitHubConfig(config: Config): GitHubConfig | undefined {
  return config.github.enabled ? (config.github as GitHubConfig) : undefined;
}

export interface GitHub {
  config: GitHubConfig;
  app: App;
  /** An Octokit acting as the app's installation (a fresh installation token, cached by Octokit). */
  installation(installationId: number): Promise<Octokit>;
  /** An Octokit acting as a user, with their user-to-server token. */
  user(token: string): Octokit;
  /** Where a browser installs the app; GitHub sends it to /setup_vcs afterwards, with `state`. */
  installUrl(state: string): string;
}

// Octokit's plugins (retry, throttling) are not used: a failed call is shown to the person who
// asked, with GitHub's words, rather than retried behind their back for minutes.
// Octokit's request log would print every failed call to the console (with its URL); failures are
// reported by the callers here, with GitHub's message, so only its warnings are kept (deprecations).
const LightningOctokit = Octokit.defaults({
  userAgent: 'OpenFn-Lightning',
  log: { debug: () => {}, info: () => {}, warn: console.warn, error: () => {} },
});

export function createGitHub(config: GitHubConfig): GitHub {
  const baseUrl = config.apiUrl;
  const Client = baseUrl ? LightningOctokit.defaults({ baseUrl }) : LightningOctokit;
  const app = new App({
    appId: config.appId,
    privateKey: config.cert,
    oauth: { clientId: config.clientId, clientSecret: config.clientSecret },
    Octokit: Client,
  });
  return {
    config,
    app,
    installation: async (installationId) =>
      (await app.getInstallationOctokit(installationId)) as unknown as Octokit,
    user: (token) => new Client({ auth: token }),
    installUrl: (state) => {
      const web = baseUrl ?? 'https://github.com';
      return `${web}/apps/${encodeURIComponent(config.appName)}/installations/new?state=${encodeURIComponent(state)}`;
    },
  };
}

/**
 * A GitHub call that failed: its status and GitHub's own message (e.g. "API rate limit exceeded for
 * installation ID 42."), plus what the person can do about it. Answered as 502 (GitHub, not the
 * caller, failed) unless GitHub said the caller's input was wrong (422 stays 422).
 */
export class GitHubError extends HttpError {
  constructor(
    readonly githubStatus: number,
    readonly githubMessage: string,
    readonly hint: string,
    readonly step: string,
  ) {
    super(githubStatus === 422 ? 422 : 502, `GitHub: ${step} failed: ${githubMessage}`, {
      github: { status: githubStatus, message: githubMessage, hint, step },
    });
    this.name = 'GitHubError';
  }
}

interface OctokitFailure {
  status?: number;
  message?: string;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
}

/** What to do about a GitHub failure, in a sentence. */
function hintFor(status: number, headers: Record<string, string | undefined>): string {
  if (status === 0) return 'GitHub could not be reached; try again later.';
  if ((status === 403 || status === 429) && headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000).toISOString() : '';
    return `GitHub's rate limit was reached; try again${when ? ` after ${when}` : ' later'}.`;
  }
  if (status === 429 || headers['retry-after'])
    return 'GitHub asks to slow down; try again in a minute.';
  if (status >= 500) return 'GitHub had a problem of its own; try again in a few minutes.';
  if (status === 401) {
    return "GitHub did not accept Lightning's credentials: reconnect your GitHub account, or check that the app is still installed.";
  }
  if (status === 404) {
    return 'GitHub does not show it to Lightning: the app may have been uninstalled or lost access to the repository, or the branch or file is gone. Reinstall the app or choose another repository.';
  }
  if (status === 403) {
    return 'The GitHub App lacks a permission it needs (Actions, Contents, Secrets and Workflows: read and write); update its permissions and accept them on the installation.';
  }
  if (status === 409 || status === 422)
    return 'GitHub refused the change as it stands; check the repository and branch.';
  return 'Try again; if it keeps failing, check the GitHub App installation.';
}

/** Runs one GitHub call; any failure becomes a GitHubError naming the step. */
export async function gitHubStep<T>(step: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toGitHubError(step, error);
  }
}

export function toGitHubError(step: string, error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  const failure = error as OctokitFailure;
  if (typeof failure?.status !== 'number') {
    // Not an HTTP answer: GitHub was unreachable (DNS, refused, reset). No status to show.
    const cause = (error as { cause?: { code?: string } })?.cause?.code;
    return new GitHubError(
      0,
      cause ? `GitHub is unreachable (${cause})` : 'GitHub is unreachable',
      hintFor(0, {}),
      step,
    );
  }
  const data = failure.response?.data as { message?: unknown } | string | undefined;
  const message =
    (typeof data === 'object' && data && typeof data.message === 'string' && data.message) ||
    (typeof data === 'string' && data.length < 300 && data) ||
    failure.message ||
    `HTTP ${failure.status}`;
  return new GitHubError(
    failure.status,
    message,
    hintFor(failure.status, failure.response?.headers ?? {}),
    step,
  );
}
