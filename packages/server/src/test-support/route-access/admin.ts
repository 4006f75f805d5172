// Route access of instance administration (admin/routes.ts): superusers only.
import { eq } from 'drizzle-orm';
import { schema } from '../../db/index.js';
import { createTestUser } from '../actors.js';
import type { RouteAccessFile, RouteFixture } from './types.js';

const disabledUsers = async (f: RouteFixture) =>
  (
    await f.db
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(eq(schema.users.disabled, true))
  )
    .map((user) => user.id)
    .sort();

const admin: RouteAccessFile = {
  rows: [
    { method: 'GET', url: '/api/admin/users', access: 'superuser' },
    {
      method: 'PATCH',
      url: '/api/admin/users/:id',
      access: 'superuser',
      // A fresh user each time, so disabling never touches one of the matrix's callers.
      request: async (f) => ({
        url: `/api/admin/users/${(await createTestUser(f.db)).id}`,
        payload: { disabled: true },
      }),
      observe: disabledUsers,
    },
  ],
};
export default admin;
