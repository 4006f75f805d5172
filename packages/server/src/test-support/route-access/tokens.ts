// Route access of personal access tokens (accounts/api-token-routes.ts): every signed-in user
// manages their own; someone else's token id answers 404 (accounts/api-tokens.test.ts).
import { count, eq } from 'drizzle-orm';
import { issueToken } from '../../accounts/tokens.js';
import { schema } from '../../db/index.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const apiTokenCount = async (f: RouteFixture) =>
  (
    await f.db
      .select({ n: count() })
      .from(schema.userTokens)
      .where(eq(schema.userTokens.context, 'api'))
  )[0]?.n;

const tokens: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/tokens', access: 'authenticated' },
    {
      method: 'POST',
      url: '/api/tokens',
      access: 'authenticated',
      request: () => ({ url: '/api/tokens', payload: { name: 'matrix' } }),
      observe: apiTokenCount,
    },
    {
      method: 'DELETE',
      url: '/api/tokens/:id',
      access: 'authenticated',
      // A fresh token of the caller (anonymous: of the owner), so the caller's own one survives.
      request: async (f, as) => {
        const owner = f.users[as === 'anonymous' ? 'owner' : as];
        const { id } = await issueToken(f.db, owner.id, 'api', { name: 'to revoke' });
        return { url: `/api/tokens/${id}` };
      },
      observe: apiTokenCount,
    },
  ],
};
export default tokens;
