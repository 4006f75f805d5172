// The history: work orders newest first, filtered, with their runs. The page statement is the hot
// one (P7: a page of 50 filtered by workflow and state on a project with 1,000,000 work orders,
// p99 ≤ 100 ms), so it is written out here with the reasons for its shape.
import { type SQL, sql } from 'drizzle-orm';
import { type Database, queryRows, type schema } from '../db/index.js';
import { type Cursor, isoTime, type Page, toPage } from './cursor.js';

export type WorkOrderState = (typeof schema.WORK_ORDER_STATES)[number];

export interface WorkOrderFilter {
  projectId?: string;
  /** Only these projects' work orders (what the caller may see); absent: every project. */
  projectIds?: readonly string[];
  workflowId?: string;
  /** Any of these states; all states when empty or absent. */
  states?: readonly WorkOrderState[];
  /** ISO 8601 bounds; `after` is inclusive, `before` exclusive. */
  insertedAfter?: string;
  insertedBefore?: string;
  lastActivityAfter?: string;
  lastActivityBefore?: string;
  /** Text that the input dataclip's body contains (case-insensitive). */
  search?: string;
}

export interface PageOptions {
  pageSize: number;
  after?: Cursor;
}

export type RunSummary = {
  id: string;
  state: string;
  error_type: string | null;
  priority: number;
  queue: string;
  starting_trigger_id: string | null;
  starting_job_id: string | null;
  dataclip_id: string | null;
  snapshot_id: string;
  claimed_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  inserted_at: string;
};

export type WorkOrderSummary = {
  id: string;
  workflow_id: string;
  project_id: string;
  snapshot_id: string | null;
  trigger_id: string | null;
  dataclip_id: string | null;
  state: WorkOrderState;
  last_activity: string;
  inserted_at: string;
  updated_at: string;
  runs: RunSummary[];
};

const WORK_ORDER_COLUMNS = sql`wo.id, wo.workflow_id, w.project_id, wo.snapshot_id, wo.trigger_id,
  wo.dataclip_id, wo.state, ${isoTime('wo.last_activity')} AS last_activity,
  ${isoTime('wo.inserted_at')} AS inserted_at, ${isoTime('wo.updated_at')} AS updated_at`;

/**
 * One page of work orders, newest first (`inserted_at DESC, id DESC`), each with its runs.
 *
 * @example
 * const page = await listWorkOrders(db, { workflowId, states: ['failed'] }, { pageSize: 50 });
 * const next = await listWorkOrders(db, filter, { pageSize: 50, after: decodeCursor(page.meta.next_cursor) });
 */
export async function listWorkOrders(
  db: Database,
  filter: WorkOrderFilter,
  page: PageOptions,
): Promise<Page<WorkOrderSummary>> {
  const limit = page.pageSize + 1;
  if (filter.projectIds?.length === 0)
    return { data: [], meta: { page_size: page.pageSize, next_cursor: null } };

  // Why a LATERAL per (workflow, state) rather than one `WHERE workflow_id IN … AND state IN …
  // ORDER BY … LIMIT`: with several workflows or states, PostgreSQL must gather every matching row
  // and sort them to find the newest 51 — on a large project that is hundreds of thousands of rows.
  // Per (workflow, state) the index (workflow_id, state, inserted_at, id) hands the newest rows in
  // order, so each LATERAL reads at most `limit` index entries past the cursor, and the outer sort
  // merges (#workflows × #states × limit) rows. Work orders have no project_id: the project's
  // workflows are the outer set (projects hold tens of workflows, not thousands).
  const workflowSet = filter.workflowId
    ? sql`SELECT id, project_id FROM workflows WHERE id = ${filter.workflowId}
          ${filter.projectId ? sql`AND project_id = ${filter.projectId}` : sql``}`
    : filter.projectId
      ? sql`SELECT id, project_id FROM workflows WHERE project_id = ${filter.projectId}`
      : sql`SELECT id, project_id FROM workflows`;
  const visibleWorkflows = filter.projectIds
    ? sql`SELECT * FROM (${workflowSet}) AS v WHERE v.project_id IN (${sql.join(
        filter.projectIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : workflowSet;
  const states = filter.states?.length ? [...new Set(filter.states)] : null;
  const stateSet = states
    ? sql`CROSS JOIN (VALUES ${sql.join(
        states.map((state) => sql`(${state})`),
        sql`, `,
      )}) AS s(state)`
    : sql``;

  const conditions: SQL[] = [sql`wo.workflow_id = w.id`];
  if (states) conditions.push(sql`wo.state = s.state`);
  if (page.after) {
    // Row comparison on the index's trailing columns: an index range condition, not a filter.
    conditions.push(
      sql`(wo.inserted_at, wo.id) < (${page.after.at}::timestamptz, ${page.after.id}::uuid)`,
    );
  }
  if (filter.insertedAfter)
    conditions.push(sql`wo.inserted_at >= ${filter.insertedAfter}::timestamptz`);
  if (filter.insertedBefore)
    conditions.push(sql`wo.inserted_at < ${filter.insertedBefore}::timestamptz`);
  if (filter.lastActivityAfter) {
    conditions.push(sql`wo.last_activity >= ${filter.lastActivityAfter}::timestamptz`);
  }
  if (filter.lastActivityBefore) {
    conditions.push(sql`wo.last_activity < ${filter.lastActivityBefore}::timestamptz`);
  }
  if (filter.search) {
    // A filter, not an index: the scan walks newest first until it has a page of matches. Fast
    // when matches are common, slow for rare text on a huge history (as in Lightning); a trigram
    // index on dataclip bodies would be the next step if that becomes the complaint.
    conditions.push(sql`EXISTS (SELECT 1 FROM dataclips d WHERE d.id = wo.dataclip_id
      AND d.body::text ILIKE ${`%${escapeLike(filter.search)}%`})`);
  }

  const rows = await queryRows<Omit<WorkOrderSummary, 'runs'> & { sort_at: unknown }>(
    db,
    sql`SELECT page.* FROM (${visibleWorkflows}) AS w
        ${stateSet}
        CROSS JOIN LATERAL (
          SELECT ${WORK_ORDER_COLUMNS}, wo.inserted_at AS sort_at
          FROM work_orders wo
          WHERE ${sql.join(conditions, sql` AND `)}
          ORDER BY wo.inserted_at DESC, wo.id DESC
          LIMIT ${limit}
        ) AS page
        ORDER BY page.sort_at DESC, page.id DESC
        LIMIT ${limit}`,
  );
  const result = toPage(rows, page.pageSize, (row) => ({ at: row.inserted_at, id: row.id }));
  const runs = await listRunsOf(
    db,
    result.data.map((row) => row.id),
  );
  return {
    ...result,
    data: result.data.map(({ sort_at: _, ...row }) => ({ ...row, runs: runs.get(row.id) ?? [] })),
  };
}

/** The runs of the given work orders, oldest first, in one statement (runs_work_order_id_index). */
export async function listRunsOf(
  db: Database,
  workOrderIds: string[],
): Promise<Map<string, RunSummary[]>> {
  const byWorkOrder = new Map<string, RunSummary[]>();
  if (workOrderIds.length === 0) return byWorkOrder;
  const rows = await queryRows<RunSummary & { work_order_id: string }>(
    db,
    sql`SELECT r.id, r.work_order_id, r.state, r.error_type, r.priority, r.queue,
               r.starting_trigger_id, r.starting_job_id, r.dataclip_id, r.snapshot_id,
               ${isoTime('r.claimed_at')} AS claimed_at, ${isoTime('r.started_at')} AS started_at,
               ${isoTime('r.finished_at')} AS finished_at, ${isoTime('r.inserted_at')} AS inserted_at
        FROM runs r
        WHERE r.work_order_id IN (${sql.join(
          workOrderIds.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})
        ORDER BY r.inserted_at, r.id`,
  );
  for (const { work_order_id, ...run } of rows) {
    const list = byWorkOrder.get(work_order_id) ?? [];
    list.push(run);
    byWorkOrder.set(work_order_id, list);
  }
  return byWorkOrder;
}

/** One work order with its runs, or null. */
export async function getWorkOrder(db: Database, id: string): Promise<WorkOrderSummary | null> {
  const [row] = await queryRows<Omit<WorkOrderSummary, 'runs'>>(
    db,
    sql`SELECT ${WORK_ORDER_COLUMNS}
        FROM work_orders wo JOIN workflows w ON w.id = wo.workflow_id
        WHERE wo.id = ${id}`,
  );
  if (!row) return null;
  const runs = await listRunsOf(db, [id]);
  return { ...row, runs: runs.get(id) ?? [] };
}

/** `%`, `_` and `\` match themselves in the searched text. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/**
 * Whether a project exists: its history route answers 404 for an unknown project rather than an
 * empty page (asked only when a page comes back empty).
 */
export async function projectExists(db: Database, projectId: string): Promise<boolean> {
  const rows = await queryRows(db, sql`SELECT 1 FROM projects WHERE id = ${projectId}`);
  return rows.length > 0;
}
