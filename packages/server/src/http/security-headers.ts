// Security headers on every response, the web app's and the API's, through @fastify/helmet.
//
// The Content-Security-Policy is the one the built web app (packages/web) runs under without a
// violation (checked in Chromium by packages/web/e2e/security.e2e.test.ts): its scripts and styles
// are files from this origin; CodeMirror and React Flow add <style> elements and style attributes
// at run time, hence 'unsafe-inline' for styles only (never for scripts). The live socket is
// same-origin, which 'self' covers. Pages may not be framed (clickjacking), and no Referer leaves
// the app, since links such as /users/reset_password/<token> carry secrets in the path.
// HSTS only when the instance is served over https (URL_SCHEME): on plain http it would be a lie,
// and so would upgrade-insecure-requests.
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';

/** One year, the common preload-ready value. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

export async function registerSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  const https = config.http.publicUrl.startsWith('https:');
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https
      ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false }
      : false,
  });
}
