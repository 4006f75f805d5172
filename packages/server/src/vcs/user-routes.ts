// HTTP of a user's GitHub authorisation: the start of the app's OAuth web flow, its callback
// (`/oauth/github/callback`, the "Callback URL for authorizing users" of DEPLOYMENT.md), the
// post-install redirect (`/setup_vcs`), the status the web app shows, and disconnecting.
//
// The `state` of the web flow is random, kept in a signed HTTP-only cookie for ten minutes with the
// page to return to, and must come back unchanged with the code: a code delivered to a browser that
// did not start the flow (login CSRF, a replayed link) is refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { createGitHub, type GitHub, gitHubConfig, gitHubStep } from './github.js';
import {
  authorizationStatus,
  completeAuthorization,
  revokeAuthorization,
  userAccessToken,
} from './user-authorization.js';

const STATE_COOKIE = 'lightning_github_oauth';
const STATE_MAX_AGE_SECONDS = 10 * 60;

/** Only a path of this instance may be returned to (no `//host`, no scheme): no open redirect. */
function localPath(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : fallback;
}

function withQuery(path: string, key: string, value: string): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set(key, value);
  return `${url.pathname}${url.search}${url.hash}`;
}

function sameState(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function registerGitHubUserRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<GitHub | undefined> {
  const { db, vault, config } = context;
  const settings = gitHubConfig(config);
  const client = settings ? createGitHub(settings) : undefined;

  // The web app asks this first; with version control off, it offers nothing of it.
  app.get('/api/github', async (request) => {
    const actor = requireActor(request);
    if (!settings) return { data: { enabled: false } };
    const status = await authorizationStatus(db, vault, actor.user.id);
    return {
      data: {
        enabled: true,
        app_name: settings.appName,
        // Add `?state=<project id>` to come back to that project's settings after installing.
        install_url: client!.installUrl('').replace(/\?state=$/, ''),
        user: { connected: status.connected, login: status.login },
      },
    };
  });

  // Without the app configured, the routes below do not exist (404), as in Lightning.
  if (!settings || !client) return undefined;
  const github = client;
  const secure = config.http.publicUrl.startsWith('https');
  const cookieOptions = {
    signed: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/oauth/github',
    maxAge: STATE_MAX_AGE_SECONDS,
  };

  app.get('/oauth/github/authorize', async (request, reply) => {
    const actor = request.actor;
    const returnTo = localPath((request.query as { return_to?: unknown }).return_to, '/account');
    if (!actor) return reply.redirect(withQuery('/sign-in', 'return_to', returnTo));
    const state = randomBytes(24).toString('base64url');
    reply.setCookie(
      STATE_COOKIE,
      JSON.stringify({ state, returnTo, userId: actor.user.id }),
      cookieOptions,
    );
    // No redirect_uri: GitHub sends the user to the app's registered callback URL.
    const { url } = github.app.oauth.getWebFlowAuthorizationUrl({ state });
    return reply.redirect(url);
  });

  app.get('/oauth/github/callback', async (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as { code?: unknown; state?: unknown; error?: unknown };
    const raw = request.cookies[STATE_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    let pending: { state: string; returnTo: string; userId: string } | undefined;
    try {
      pending = unsigned?.valid && unsigned.value ? JSON.parse(unsigned.value) : undefined;
    } catch {
      pending = undefined;
    }
    reply.clearCookie(STATE_COOKIE, { ...cookieOptions, maxAge: 0 });
    const back = (key: string, value: string) =>
      reply.redirect(withQuery(pending?.returnTo ?? '/account', key, value));
    const actor = request.actor;
    if (!actor) return reply.redirect('/sign-in');
    if (
      !pending ||
      typeof query.state !== 'string' ||
      !sameState(query.state, pending.state) ||
      pending.userId !== actor.user.id
    ) {
      return back(
        'github_error',
        'The GitHub authorisation did not come from this browser session (state mismatch); start again from Connect GitHub.',
      );
    }
    if (typeof query.error === 'string') {
      // The user pressed Cancel on GitHub (`error=access_denied`).
      return back('github_error', `GitHub: ${query.error}`);
    }
    if (typeof query.code !== 'string' || query.code === '') {
      return back(
        'github_error',
        'GitHub sent no authorisation code; start again from Connect GitHub.',
      );
    }
    try {
      const { login } = await completeAuthorization(db, vault, github, actor.user.id, query.code);
      return back('github_connected', login);
    } catch (error) {
      request.log.warn(
        { status: (error as { githubStatus?: number }).githubStatus },
        'GitHub authorisation failed',
      );
      return back('github_error', (error as Error).message);
    }
  });

  // GitHub sends the browser here after the app was installed or its repositories changed, with
  // the `state` of the install link: the project whose settings page started it.
  app.get('/setup_vcs', async (request, reply) => {
    const query = request.query as { state?: unknown; installation_id?: unknown };
    const projectId =
      typeof query.state === 'string' && /^[0-9a-f-]{36}$/i.test(query.state) ? query.state : null;
    const target = projectId ? `/projects/${projectId}/settings/github` : '/projects';
    return reply.redirect(
      typeof query.installation_id === 'string' && /^\d+$/.test(query.installation_id)
        ? withQuery(target, 'installation_id', query.installation_id)
        : target,
    );
  });

  // The installations of the app the user can see on GitHub (to choose one for a project).
  app.get('/api/github/installations', async (request) => {
    const actor = requireActor(request);
    const token = await userAccessToken(db, vault, github, actor.user.id);
    const installations = await gitHubStep('listing your GitHub App installations', () =>
      github.user(token).paginate('GET /user/installations', { per_page: 100 }),
    );
    return {
      data: installations.map((installation) => ({
        id: installation.id,
        account:
          installation.account && 'login' in installation.account
            ? installation.account.login
            : null,
        type: installation.target_type,
      })),
    };
  });

  app.delete('/api/github/user', async (request, reply) => {
    const actor = requireActor(request);
    await revokeAuthorization(db, vault, github, actor.user.id);
    return reply.status(204).send();
  });

  return github;
}
