// Assembles the Fastify application: plugins, the error handler, each context's routes, and the
// static web app. Contexts register their own routes; this file only wires them.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerApiTokenRoutes } from '../accounts/api-token-routes.js';
import { registerAccountRoutes } from '../accounts/index.js';
import { registerAdaptorRoutes } from '../adaptors/index.js';
import { registerAdminRoutes } from '../admin/index.js';
import { registerAuditRoutes } from '../audit/index.js';
import { registerCollectionRoutes } from '../collections/index.js';
import { registerCredentialRoutes, registerOAuthClientRoutes } from '../credentials/index.js';
import { registerNotificationRoutes } from '../notifications/routes.js';
import { registerObservabilityRoutes } from '../observability/index.js';
import { installProjectMembershipGate } from '../projects/gate.js';
import { registerProjectRoutes } from '../projects/routes.js';
import { registerManualRunRoutes } from '../runs/manual-routes.js';
import { registerRunRoutes } from '../runs/routes.js';
import { registerSocketRoutes } from '../sockets/routes.js';
import { registerTriggerRoutes } from '../triggers/routes.js';
import { registerVersionControlRoutes } from '../vcs/routes.js';
import { registerWorkflowRoutes } from '../workflows/routes.js';
import { installAuthentication } from './auth.js';
import { installBodyDepthLimit } from './body-depth.js';
import type { ServerContext } from './context.js';
import { registerApiCors } from './cors.js';
import { installErrorHandler } from './error-handler.js';
import { registerHealthRoute } from './health.js';
import { installOriginCheck } from './origin-check.js';
import { trackRoutes } from './route-list.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerWebApp } from './web-app.js';

export type AppDependencies = ServerContext;

export async function buildApp(context: AppDependencies): Promise<FastifyInstance> {
  const { config, database, logger } = context;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // A connection silent for IDLE_TIMEOUT (between requests or in the middle of one) is closed,
    // as Lightning's Cowboy `idle_timeout` does. WebSockets clear it on upgrade (`ws`) and keep
    // their own heartbeats.
    keepAliveTimeout: config.http.idleTimeoutSeconds * 1000,
    connectionTimeout: config.http.idleTimeoutSeconds * 1000,
    // Behind TRUSTED_PROXIES, `request.ip` is the client named in X-Forwarded-For, so the rate
    // limits count clients, not the proxy; anyone else's X-Forwarded-For is ignored.
    trustProxy: config.http.trustedProxies.length > 0 ? config.http.trustedProxies : false,
    // Bodies are limited per route (webhooks stream and count); this is the default for the API.
    bodyLimit: 1024 * 1024,
    // Per-request log lines would dominate the log (and the cost) of webhook ingestion.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // OpenFn's CLI posts to `/api/provision/`; Phoenix ignores a trailing slash, so every route does.
    routerOptions: { ignoreTrailingSlash: true },
  });
  trackRoutes(app);
  installErrorHandler(app);
  registerObservabilityRoutes(app, context);
  installBodyDepthLimit(app);
  await registerSecurityHeaders(app, config);
  await registerApiCors(app, config);
  installOriginCheck(app, config);
  registerHealthRoute(app, database);
  await installAuthentication(app, context);
  installProjectMembershipGate(app, context);
  await registerAccountRoutes(app, context);
  await registerSocketRoutes(app, context);
  await registerWorkflowRoutes(app, context);
  await registerTriggerRoutes(app, context);
  await registerRunRoutes(app, context);
  await registerNotificationRoutes(app, context);
  await registerApiTokenRoutes(app, context);
  await registerAdminRoutes(app, context);
  await registerAuditRoutes(app, context);
  await registerManualRunRoutes(app, context);
  await registerAdaptorRoutes(app, context);
  await registerProjectRoutes(app, context);
  await registerCredentialRoutes(app, context);
  await registerOAuthClientRoutes(app, context);
  await registerCollectionRoutes(app, context);
  await registerVersionControlRoutes(app, context);

  await registerWebApp(app);
  return app;
}
