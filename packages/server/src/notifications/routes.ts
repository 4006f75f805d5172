// The superuser mailbox: what the `local` mail provider kept (MAIL_PROVIDER=local), newest first.
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { schema } from '../db/index.js';
import { requireSuperuser } from '../http/auth.js';
import type { ServerContext } from '../http/context.js';
import { NotFoundError } from '../http/errors.js';
import { type PageRequest, parsePageRequest, toPage } from '../workflows/pagination.js';

const uuid = z.guid();
const mail = schema.mailMessages;

/** `(inserted_at, id) < cursor`: the next page of a newest-first list. */
function beforeCursor(request: PageRequest): SQL | undefined {
  if (!request.after) return undefined;
  return sql`(${mail.insertedAt}, ${mail.id}) < (${request.after.insertedAt}::timestamptz, ${request.after.id}::uuid)`;
}

export async function registerNotificationRoutes(
  app: FastifyInstance,
  context: ServerContext,
): Promise<void> {
  const { db } = context;

  app.get('/api/admin/mailbox', async (request) => {
    requireSuperuser(request);
    const page = parsePageRequest(request.query);
    const rows = await db
      .select({
        id: mail.id,
        to: mail.recipient,
        subject: mail.subject,
        inserted_at: mail.insertedAt,
      })
      .from(mail)
      .where(and(beforeCursor(page)))
      .orderBy(desc(mail.insertedAt), desc(mail.id))
      .limit(page.pageSize + 1);
    return toPage(rows, page, (row) => ({ insertedAt: row.inserted_at, id: row.id }));
  });

  app.get<{ Params: { id: string } }>('/api/admin/mailbox/:id', async (request) => {
    requireSuperuser(request);
    const { id } = request.params;
    const notFound = new NotFoundError(`Mail message ${id} not found`);
    if (!uuid.safeParse(id).success) throw notFound;
    const [row] = await db
      .select({
        id: mail.id,
        from: mail.sender,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        inserted_at: mail.insertedAt,
      })
      .from(mail)
      .where(eq(mail.id, id));
    if (!row) throw notFound;
    return { data: row };
  });
}
