// Route access of the local-provider mailbox (notifications/routes.ts): superusers only.
import { schema } from '../../db/index.js';
import type { RouteAccessFile } from './types.js';

const notifications: RouteAccessFile = {
  setup: async (f) => {
    const [message] = await f.db
      .insert(schema.mailMessages)
      .values({
        sender: 'Lightning <x@example.com>',
        recipient: 'y@example.com',
        subject: 's',
        text: 't',
      })
      .returning({ id: schema.mailMessages.id });
    return { messageId: message?.id ?? '' };
  },
  rows: [
    { method: 'GET', url: '/api/admin/mailbox', access: 'superuser' },
    {
      method: 'GET',
      url: '/api/admin/mailbox/:id',
      access: 'superuser',
      request: (f) => ({ url: `/api/admin/mailbox/${f.extra.notifications?.messageId}` }),
    },
  ],
};
export default notifications;
