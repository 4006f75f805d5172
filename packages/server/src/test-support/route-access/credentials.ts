// Route access of the credentials context. A credential belongs to a user, not a project: most
// routes are open to any signed-in user and act on the caller's own credential (each row creates
// one owned by the caller); sharing with a project needs admin there.
import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import { createTestUser } from '../actors.js';
import type { MatrixRole, RouteAccessFile, RouteFixture } from './types.js';

/** A credential owned by the caller (a fresh user for anonymous), optionally shared with the project. */
async function credentialOf(
  f: RouteFixture,
  as: MatrixRole | 'stranger',
  { shared = false } = {},
): Promise<string> {
  const userId =
    as === 'anonymous' || as === 'stranger' ? (await createTestUser(f.db)).id : f.users[as].id;
  const [row] = await f.db
    .insert(schema.credentials)
    .values({
      userId,
      name: `matrix ${randomUUID().slice(0, 8)}`,
      schema: 'raw',
      body: f.vault.encryptJson({ token: 'matrix-token' }),
    })
    .returning({ id: schema.credentials.id });
  if (shared) {
    await f.db
      .insert(schema.projectCredentials)
      .values({ projectId: f.projectId, credentialId: row!.id });
  }
  return row!.id;
}

// Rows create their targets by direct inserts (no audit entry), so the credential entries of the
// audit trail change only when a route really acted.
const credentialTrail = async (f: RouteFixture) =>
  (
    await f.db
      .select({ n: count() })
      .from(schema.auditEvents)
      .where(eq(schema.auditEvents.itemType, 'credential'))
  )[0]?.n;

const credentials: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/credential_schemas', access: 'authenticated' },
    { method: 'GET', url: '/api/credentials', access: 'authenticated' },
    {
      method: 'POST',
      url: '/api/credentials',
      access: 'authenticated',
      request: () => ({
        url: '/api/credentials',
        payload: { name: `matrix ${randomUUID().slice(0, 8)}`, schema: 'raw', body: {} },
      }),
      observe: credentialTrail,
    },
    {
      method: 'GET',
      url: '/api/credentials/:id',
      access: 'authenticated',
      request: async (f, as) => ({ url: `/api/credentials/${await credentialOf(f, as)}` }),
    },
    {
      method: 'PATCH',
      url: '/api/credentials/:id',
      access: 'authenticated',
      request: async (f, as) => ({
        url: `/api/credentials/${await credentialOf(f, as)}`,
        payload: { production: true },
      }),
      observe: credentialTrail,
    },
    {
      method: 'DELETE',
      url: '/api/credentials/:id',
      access: 'authenticated',
      request: async (f, as) => ({ url: `/api/credentials/${await credentialOf(f, as)}` }),
      observe: credentialTrail,
    },
    {
      method: 'POST',
      url: '/api/credentials/oauth',
      access: 'authenticated',
      request: () => ({
        url: '/api/credentials/oauth',
        payload: { name: `matrix ${randomUUID().slice(0, 8)}`, provider: 'google' },
      }),
    },
    ...(['reauthorize', 'revoke'] as const).map((action) => ({
      method: 'POST' as const,
      url: `/api/credentials/:id/${action}`,
      access: 'authenticated' as const,
      request: async (f: RouteFixture, as: MatrixRole) => ({
        url: `/api/credentials/${await credentialOf(f, as)}/${action}`,
        payload: {},
      }),
      observe: credentialTrail,
    })),
    {
      method: 'POST',
      url: '/api/credentials/:id/transfer',
      access: 'authenticated',
      request: async (f, as) => ({
        url: `/api/credentials/${await credentialOf(f, as)}/transfer`,
        payload: { email: (await createTestUser(f.db)).email },
      }),
      observe: credentialTrail,
    },
    {
      method: 'POST',
      url: '/api/credentials/:id/project_credentials',
      access: { project: 'credential:share' },
      request: async (f, as) => ({
        url: `/api/credentials/${await credentialOf(f, as)}/project_credentials`,
        payload: { project_id: f.projectId },
      }),
      observe: credentialTrail,
    },
    {
      method: 'DELETE',
      url: '/api/credentials/:id/project_credentials/:project_id',
      access: { project: 'credential:share' },
      request: async (f) => ({
        url: `/api/credentials/${await credentialOf(f, 'stranger', { shared: true })}/project_credentials/${f.projectId}`,
      }),
      observe: credentialTrail,
    },
    {
      method: 'GET',
      url: '/api/projects/:project_id/credentials',
      access: { project: 'credential:read' },
    },
  ],
};

export default credentials;
