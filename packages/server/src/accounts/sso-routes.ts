// The browser side of single sign-on: `GET /sso/login` sends the browser to the provider and
// `GET /sso/callback` takes it back, starts a session (or the MFA step for an account with MFA)
// and lands in the web app. A refused sign-in lands on the sign-in page with the reason in
// `?sso_error=`, never a bare error page.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ServerContext } from '../http/context.js';
import { startMfaChallenge, startSession } from './session-cookie.js';
import { completeSignIn } from './sign-in.js';
import {
  finishSsoSignIn,
  type SsoConfig,
  type SsoDependencies,
  SsoSignInError,
  startSsoSignIn,
} from './sso.js';

const MINUTE = 60_000;

export async function registerSsoRoutes(
  scope: FastifyInstance,
  context: ServerContext,
  sso: SsoConfig,
): Promise<void> {
  const { db, config, logger } = context;
  const base = config.http.publicUrl.replace(/\/+$/, '');
  const deps: SsoDependencies = {
    db,
    vault: context.vault,
    sso,
    redirectUri: `${base}/sso/callback`,
    logger,
  };
  const refuse = (reply: FastifyReply, message: string) =>
    reply.redirect(`/sign-in?sso_error=${encodeURIComponent(message)}`, 303);

  scope.get(
    '/sso/login',
    { config: { rateLimit: { max: 30, timeWindow: MINUTE } } },
    async (_, reply) => {
      try {
        return reply.redirect((await startSsoSignIn(deps)).href, 303);
      } catch (error) {
        logger.error({ err: error }, 'SSO provider discovery failed');
        return refuse(reply, 'The sign-in provider cannot be reached right now: try again later');
      }
    },
  );

  scope.get(
    '/sso/callback',
    { config: { rateLimit: { max: 30, timeWindow: MINUTE } } },
    async (request, reply) => {
      // The URL the provider redirected to, as openid-client must see it (state, code, iss).
      const callbackUrl = new URL(request.url, base);
      try {
        const user = await finishSsoSignIn(deps, callbackUrl);
        if (user.mfaEnabled) {
          await startMfaChallenge(reply, db, config, user.id);
          return reply.redirect('/sign-in?sso=mfa', 303);
        }
        await completeSignIn(db, user.id, 'sso');
        await startSession(reply, db, config, user.id);
        return reply.redirect('/', 303);
      } catch (error) {
        if (error instanceof SsoSignInError) return refuse(reply, error.message);
        logger.error({ err: error }, 'SSO sign-in failed');
        return refuse(reply, 'Single sign-on failed: try again later');
      }
    },
  );
}
