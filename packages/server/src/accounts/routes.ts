// HTTP routes of the accounts context: sign-up, sign-in (with MFA), sessions, the signed-in user's
// own settings, and the emailed-link flows. Handlers parse → call → shape; cookies are set here.
//
// Guessing is slowed twice over: the account lockout (sign-in.ts) and a per-IP (+ email) request
// limit on the unauthenticated routes below. The limiter is registered inside this plugin's own
// scope with `global: false`, so it never touches other routes (the worker socket in particular).
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireActor } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { UnauthorizedError } from '../http/errors.js';
import {
  confirmEmail,
  confirmEmailChange,
  type EmailFlowDependencies,
  requestEmailChange,
  requestPasswordReset,
  resendConfirmation,
  resetPassword,
  sendConfirmationEmail,
} from './email-flows.js';
import { parseBody } from './input.js';
import { disableMfa, enableMfa, regenerateBackupCodes, startMfaSetup } from './mfa.js';
import { changePassword } from './password-change.js';
import { PASSWORD_RULES } from './passwords.js';
import { registerUser } from './registration.js';
import {
  clearMfaCookie,
  clearSessionCookie,
  pendingMfaUser,
  startMfaChallenge,
  startSession,
} from './session-cookie.js';
import { completeSignIn, INVALID_MFA_CODE, signIn, verifySecondFactor } from './sign-in.js';
import { registerSsoRoutes } from './sso-routes.js';
import { deleteToken, deleteUserTokens } from './tokens.js';
import { getUser, hasUsers, type UserRow, updateProfile, userJson } from './users.js';

const MINUTE = 60_000;

/** Limits per client address and the email in the body (guessing one account from one place). */
const perAddressAndEmail = (max: number) => ({
  rateLimit: {
    max,
    timeWindow: MINUTE,
    // The body is parsed by preHandler, so the email can be part of the key.
    hook: 'preHandler' as const,
    keyGenerator: (request: FastifyRequest) => {
      const email = (request.body as { email?: unknown } | null)?.email;
      return `${request.ip}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
    },
  },
});

/** Limits per client address only. */
const perAddress = (max: number) => ({ rateLimit: { max, timeWindow: MINUTE } });

const codeInput = z.object({
  code: z.string({ error: 'is required' }).trim().min(1, { error: "can't be blank" }).max(64),
});

export async function registerAccountRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db, config, vault } = context;
  const mail: EmailFlowDependencies = {
    db,
    config,
    mailer: context.mailer,
    logger: context.logger,
  };

  /** The caller's full row (the actor carries only what every route needs). */
  const currentUser = async (request: FastifyRequest): Promise<UserRow> => {
    const actor = requireActor(request);
    const user = await getUser(db, actor.user.id);
    if (!user) throw new UnauthorizedError();
    return user;
  };

  await app.register(async (scope) => {
    await scope.register(rateLimit, { global: false });

    scope.get('/api/instance', async () => ({
      data: {
        allow_signup: config.accounts.allowSignup,
        require_email_verification: config.accounts.requireEmailVerification,
        mail_provider: config.mail.provider,
        has_users: await hasUsers(db),
        password_rules: PASSWORD_RULES,
        sso: { enabled: config.sso !== null },
      },
    }));

    // ── Sign-up and sign-in ────────────────────────────────────────────────────────────────
    scope.post('/api/users/register', { config: perAddress(30) }, async (request, reply) => {
      const { user, first } = await registerUser(db, request.body, {
        allowSignup: config.accounts.allowSignup,
      });
      // The first user is confirmed at once; everyone else gets a link (needed only when
      // REQUIRE_EMAIL_VERIFICATION=true, but it lets anyone confirm their address).
      if (!first) await sendConfirmationEmail(mail, user);
      const confirmationRequired = config.accounts.requireEmailVerification && !user.confirmedAt;
      if (!confirmationRequired) {
        await completeSignIn(db, user.id, 'password');
        await startSession(reply, db, config, user.id);
      }
      return reply
        .status(201)
        .send({ data: { user: userJson(user) }, confirmation_required: confirmationRequired });
    });

    scope.post('/api/session', { config: perAddressAndEmail(20) }, async (request, reply) => {
      const outcome = await signIn(db, request.body, {
        requireEmailVerification: config.accounts.requireEmailVerification,
        refuseSsoUsers: config.sso?.disablePasswordLogin === true,
      });
      switch (outcome.kind) {
        case 'unconfirmed':
          return reply.status(403).send({
            error: 'Confirm your email address first: follow the link we emailed you',
            confirmation_required: true,
          });
        case 'mfa_required':
          await startMfaChallenge(reply, db, config, outcome.user.id);
          return { mfa_required: true };
        case 'signed_in':
          await startSession(reply, db, config, outcome.user.id);
          return { data: { user: userJson(outcome.user) } };
      }
    });

    scope.post('/api/session/mfa', { config: perAddress(20) }, async (request, reply) => {
      const pending = await pendingMfaUser(request, db);
      if (!pending) throw new UnauthorizedError(INVALID_MFA_CODE);
      const method = await verifySecondFactor(db, vault, pending.user.id, request.body);
      await deleteToken(db, pending.tokenId);
      clearMfaCookie(reply, config);
      await completeSignIn(db, pending.user.id, method);
      await startSession(reply, db, config, pending.user.id);
      const user = await getUser(db, pending.user.id);
      return { data: { user: userJson(user!) } };
    });

    scope.delete('/api/session', async (request, reply) => {
      const actor = request.actor;
      // Signing out ends this session only; an API token is revoked on its own route.
      if (actor?.via === 'session') await deleteToken(db, actor.tokenId);
      clearSessionCookie(reply, config);
      return reply.status(204).send();
    });

    scope.delete('/api/sessions', async (request, reply) => {
      const actor = requireActor(request);
      await deleteUserTokens(db, actor.user.id, ['session', 'mfa_pending']);
      clearSessionCookie(reply, config);
      return reply.status(204).send();
    });

    if (config.sso) await registerSsoRoutes(scope, context, config.sso);

    // ── Emailed links ──────────────────────────────────────────────────────────────────────
    scope.post('/api/email_confirmation/confirm', { config: perAddress(30) }, async (request) => ({
      data: userJson(await confirmEmail(db, request.body)),
    }));
    scope.post(
      '/api/email_confirmation/resend',
      { config: perAddressAndEmail(5) },
      async (request, reply) => {
        await resendConfirmation(mail, request.body);
        return reply.status(202).send();
      },
    );
    scope.post('/api/password_reset', { config: perAddressAndEmail(5) }, async (request, reply) => {
      await requestPasswordReset(mail, request.body);
      return reply.status(202).send();
    });
    scope.post(
      '/api/password_reset/confirm',
      { config: perAddress(30) },
      async (request, reply) => {
        await resetPassword(db, request.body);
        clearSessionCookie(reply, config);
        return reply.status(204).send();
      },
    );
    scope.post('/api/email_change/confirm', { config: perAddress(30) }, async (request) => ({
      data: userJson(await confirmEmailChange(db, request.body)),
    }));

    // ── The signed-in user ─────────────────────────────────────────────────────────────────
    scope.get('/api/me', async (request) => ({ data: userJson(await currentUser(request)) }));

    scope.patch('/api/me', async (request) => {
      const user = await currentUser(request);
      return { data: userJson(await updateProfile(db, user.id, request.body)) };
    });

    scope.post('/api/me/password', { config: perAddress(20) }, async (request, reply) => {
      const user = await currentUser(request);
      const actor = requireActor(request);
      await changePassword(db, user, request.body, actor.via === 'session' ? actor.tokenId : null);
      return reply.status(204).send();
    });

    scope.post('/api/me/email', { config: perAddress(20) }, async (request, reply) => {
      const user = await currentUser(request);
      await requestEmailChange(mail, user, request.body);
      return reply.status(202).send();
    });

    // ── MFA ────────────────────────────────────────────────────────────────────────────────
    scope.post('/api/me/mfa/setup', async (request) => ({
      data: await startMfaSetup(db, vault, await currentUser(request)),
    }));

    scope.post('/api/me/mfa/enable', { config: perAddress(20) }, async (request) => {
      const user = await currentUser(request);
      const { code } = parseBody(codeInput, request.body);
      return { data: { backup_codes: await enableMfa(db, vault, user, code) } };
    });

    scope.delete('/api/me/mfa', { config: perAddress(20) }, async (request, reply) => {
      const user = await currentUser(request);
      const { code } = parseBody(codeInput, request.body);
      await disableMfa(db, vault, user, code);
      return reply.status(204).send();
    });

    scope.post('/api/me/mfa/backup_codes', { config: perAddress(20) }, async (request) => {
      const user = await currentUser(request);
      const { code } = parseBody(codeInput, request.body);
      return { data: { backup_codes: await regenerateBackupCodes(db, vault, user, code) } };
    });
  });
}
