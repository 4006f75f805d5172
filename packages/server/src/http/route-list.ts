// Every route an app registers (method + Fastify pattern), so the route × role matrix test can
// prove that no /api route escaped authorization review. Recorded through Fastify's onRoute hook.
import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

const routesByApp = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Starts recording; call right after creating the app, before any route is added. */
export function trackRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  routesByApp.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method), url: route.url });
  });
}

/** The routes recorded for an app (HEAD routes Fastify adds for GET routes included). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return [...(routesByApp.get(app) ?? [])];
}
