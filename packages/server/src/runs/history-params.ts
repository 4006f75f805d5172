// Query strings and bodies of the history endpoints, parsed into the typed filters of history.ts,
// show.ts and retry.ts. Anything malformed (or unknown: a typo must not silently widen a bulk
// retry) is a 400 naming each offending parameter.
import { z } from 'zod';
import { schema } from '../db/index.js';
import { emptyFieldErrors, HttpError } from '../http/errors.js';
import {
  type Cursor,
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  isTimestamp,
  MAX_PAGE_SIZE,
} from './cursor.js';
import type { WorkOrderFilter } from './history.js';
import type { LogLevel } from './show.js';

type FieldErrors = Record<string, string[]>;

const timestamp = z
  .string()
  .refine(isTimestamp, 'must be an ISO 8601 timestamp, e.g. 2026-11-27T00:00:00Z');

/** `state=failed,crashed` or `state=failed&state=crashed`. */
const listOf = <T extends string>(values: readonly T[]) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => item.split(','))
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
    .pipe(z.array(z.enum(values as [T, ...T[]]), { error: `must be among ${values.join(', ')}` }));

const filterFields = {
  project_id: z.guid('must be a UUID').optional(),
  workflow_id: z.guid('must be a UUID').optional(),
  state: listOf(schema.WORK_ORDER_STATES).optional(),
  inserted_after: timestamp.optional(),
  inserted_before: timestamp.optional(),
  last_activity_after: timestamp.optional(),
  last_activity_before: timestamp.optional(),
  search: z
    .string()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    .optional(),
};

const pageFields = {
  page_size: z.coerce
    .number(`must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .int(`must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .min(1, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .max(MAX_PAGE_SIZE, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .optional(),
  cursor: z.string().optional(),
};

const workOrderQuery = z.strictObject({ ...filterFields, ...pageFields });
const bulkRetryBody = z.strictObject({ ...filterFields, cursor: z.string().optional() });
const logLineQuery = z.strictObject({
  level: listOf(schema.LOG_LEVELS).optional(),
  ...pageFields,
});
const retryBody = z.strictObject({ step_id: z.string('must be a string').optional() });

export interface PageParams {
  pageSize: number;
  after?: Cursor;
}

/** `GET /api/work_orders` query; `projectId` comes from the path on the project route. */
export function parseWorkOrderQuery(
  query: unknown,
  projectId?: string,
): { filter: WorkOrderFilter; page: PageParams } {
  const data = parse(workOrderQuery, query ?? {}, 'Invalid query parameters');
  return {
    filter: toFilter(data, projectId),
    page: toPage(data),
  };
}

/** `POST /api/work_orders/retry` body: the same filter (at least a project or workflow), and a cursor. */
export function parseBulkRetryBody(body: unknown): { filter: WorkOrderFilter; after?: Cursor } {
  const data = parse(bulkRetryBody, body ?? {}, 'Invalid bulk retry');
  if (!data.project_id && !data.workflow_id) {
    throw new HttpError(400, 'Invalid bulk retry', {
      errors: { workflow_id: ['project_id or workflow_id is required'] },
    });
  }
  return data.cursor
    ? { filter: toFilter(data), after: decodeCursor(data.cursor) }
    : { filter: toFilter(data) };
}

export function parseRetryBody(body: unknown): { stepId?: string } {
  const data = parse(retryBody, body ?? {}, 'Invalid retry');
  return data.step_id === undefined ? {} : { stepId: data.step_id };
}

export function parseLogLineQuery(query: unknown): { levels?: LogLevel[]; page: PageParams } {
  const data = parse(logLineQuery, query ?? {}, 'Invalid query parameters');
  return { levels: data.level, page: toPage(data) };
}

function toFilter(data: z.infer<typeof bulkRetryBody>, projectId?: string): WorkOrderFilter {
  return {
    projectId: projectId ?? data.project_id,
    workflowId: data.workflow_id,
    states: data.state,
    insertedAfter: data.inserted_after,
    insertedBefore: data.inserted_before,
    lastActivityAfter: data.last_activity_after,
    lastActivityBefore: data.last_activity_before,
    search: data.search,
  };
}

function toPage(data: { page_size?: number; cursor?: string }): PageParams {
  const pageSize = data.page_size ?? DEFAULT_PAGE_SIZE;
  return data.cursor ? { pageSize, after: decodeCursor(data.cursor) } : { pageSize };
}

function parse<T extends z.ZodType>(type: T, value: unknown, message: string): z.infer<T> {
  const result = type.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldErrors = emptyFieldErrors();
  const add = (path: string, text: string) => {
    errors[path] ??= [];
    errors[path].push(text);
  };
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(key, 'is not a known parameter');
    } else {
      add(issue.path.length > 0 ? String(issue.path[0]) : '(body)', issue.message);
    }
  }
  throw new HttpError(400, message, { errors });
}
