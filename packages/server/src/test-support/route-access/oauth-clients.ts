// Route access of OAuth clients: instance-wide ones are read by anyone signed in and managed by
// superusers; a project's are read by its members and managed by its admins.
import { count, eq } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const body = (name: string) => ({
  name,
  authorization_endpoint: 'https://provider.example.com/authorize',
  token_endpoint: 'https://provider.example.com/token',
  client_id: 'matrix-client',
  client_secret: 'matrix-client-secret',
  scopes: ['openid'],
});

/** A fresh client for each call, so deleting rows have a target every time. */
async function clientOf(f: RouteFixture, projectId: string | null): Promise<string> {
  const [row] = await f.db
    .insert(schema.oauthClients)
    .values({
      projectId,
      name: 'matrix client',
      authorizationEndpoint: 'https://provider.example.com/authorize',
      tokenEndpoint: 'https://provider.example.com/token',
      clientId: 'matrix-client',
      clientSecret: f.vault.encryptString('matrix-client-secret'),
    })
    .returning({ id: schema.oauthClients.id });
  return row!.id;
}

// Rows insert their targets directly (no audit entry), so these entries change only when a route acted.
const trail = async (f: RouteFixture) =>
  (
    await f.db
      .select({ n: count() })
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.itemType, 'oauth_client'))
  )[0]?.n;

const oauthClients: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/oauth_clients', access: 'authenticated' },
    {
      method: 'POST',
      url: '/api/oauth_clients',
      access: 'superuser',
      request: () => ({ url: '/api/oauth_clients', payload: body('instance client') }),
      observe: trail,
    },
    {
      method: 'GET',
      url: '/api/projects/:project_id/oauth_clients',
      access: { project: 'credential:read' },
    },
    {
      method: 'POST',
      url: '/api/projects/:project_id/oauth_clients',
      access: { project: 'oauth_client:manage' },
      request: (f) => ({
        url: `/api/projects/${f.projectId}/oauth_clients`,
        payload: body('project client'),
      }),
      observe: trail,
    },
    ...(['GET', 'PATCH', 'DELETE'] as const).flatMap((method) => [
      {
        method,
        url: '/api/oauth_clients/:id',
        variant: 'instance-wide',
        access: method === 'GET' ? ('authenticated' as const) : ('superuser' as const),
        request: async (f: RouteFixture) => ({
          url: `/api/oauth_clients/${await clientOf(f, null)}`,
          ...(method === 'PATCH' ? { payload: { name: 'renamed' } } : {}),
        }),
        ...(method === 'GET' ? {} : { observe: trail }),
      },
      {
        method,
        url: '/api/oauth_clients/:id',
        variant: 'project',
        access: {
          project:
            method === 'GET' ? ('credential:read' as const) : ('oauth_client:manage' as const),
        },
        request: async (f: RouteFixture) => ({
          url: `/api/oauth_clients/${await clientOf(f, f.projectId)}`,
          ...(method === 'PATCH' ? { payload: { name: 'renamed' } } : {}),
        }),
        ...(method === 'GET' ? {} : { observe: trail }),
      },
    ]),
  ],
};

export default oauthClients;
