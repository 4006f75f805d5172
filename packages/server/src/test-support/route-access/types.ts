// The row format of the route × role matrix (`projects/route-matrix.test.ts`): every `/api` route
// registered by the server has one row saying who may call it, and how to call it for real.
import type { Database } from '../../db/index.js';
import type { ProjectAction } from '../../projects/policy.js';
import type { Vault } from '../../vault/index.js';
import type { TestUser } from '../actors.js';

/**
 * Who may call a route:
 * - `'public'`: anyone, signed in or not (sign-in, sign-up, instance info, …);
 * - `'authenticated'`: any signed-in user, whatever their projects (own profile, own tokens, …);
 * - `'superuser'`: instance administrators only (403 for everyone else signed in);
 * - `{ project: action }`: members of the resource's project whose role allows the action
 *   (`PROJECT_ACTIONS` in projects/policy.ts); non-members get 404, lower roles 403.
 */
export type RouteAccess = 'public' | 'authenticated' | 'superuser' | { project: ProjectAction };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The callers the matrix tries each row as. */
export const MATRIX_ROLES = [
  'anonymous',
  'non_member',
  'viewer',
  'editor',
  'admin',
  'owner',
  'superuser',
] as const;
export type MatrixRole = (typeof MATRIX_ROLES)[number];

/** The actual request the matrix sends for a row (the headers of the caller are added to these). */
export interface RouteRequest {
  /** The concrete URL (with query string if wanted), e.g. `/api/runs/<id>`. */
  url: string;
  /** A JSON body (objects are sent as JSON). */
  payload?: unknown;
  headers?: Record<string, string>;
}

/**
 * One project, populated once per test file, that every role except `non_member`, `superuser` and
 * `anonymous` belongs to with the role of its name. Rows build their requests from these ids.
 */
export interface RouteFixture {
  db: Database;
  vault: Vault;
  projectId: string;
  workflowId: string;
  /** The workflow's latest snapshot. */
  snapshotId: string;
  /** The webhook trigger of the workflow (`webhook → a → b`). */
  triggerId: string;
  jobIds: [string, string];
  /** A work order of the workflow with one finished run; its input dataclip is `dataclipId`. */
  workOrderId: string;
  runId: string;
  dataclipId: string;
  /** The first step of `runId` (for retry from a step). */
  stepId: string;
  /** A webhook auth method of the project, attached to nothing. */
  webhookAuthMethodId: string;
  /** The callers (anonymous has no user). */
  users: Record<Exclude<MatrixRole, 'anonymous'>, TestUser>;
  /**
   * A brand-new project with the same members in the same roles (and a workflow fixture in it),
   * for rows whose allowed call destroys what it acts on (delete a project, a workflow, a member).
   */
  freshProject(): Promise<{
    projectId: string;
    workflowId: string;
    triggerId: string;
    jobIds: [string, string];
  }>;
  /** Whatever a context's `setup` added, by the context's name: `fixture.extra.credentials.id`. */
  extra: Record<string, Record<string, string>>;
}

export interface RouteAccessRow {
  method: HttpMethod;
  /** The Fastify route pattern exactly as registered, e.g. `/api/projects/:project_id/workflows`. */
  url: string;
  /**
   * For a route with several rows (its access depends on what the body changes, e.g. provisioning's
   * project settings and workflows): what this row's body changes. Unique per route.
   */
  variant?: string;
  access: RouteAccess;
  /**
   * The request to send (called once per role, so it may create a fresh target each time). When
   * omitted, `:project_id` in `url` is replaced with the fixture's project and the row must have no
   * other parameter.
   */
  request?: (fixture: RouteFixture, as: MatrixRole) => RouteRequest | Promise<RouteRequest>;
  /**
   * For mutating routes: a reading of the state the route would change (a row count, an
   * `updated_at`, …). The matrix reads it before and after every denied call and expects no change.
   */
  observe?: (fixture: RouteFixture) => Promise<unknown>;
  /** Rows the matrix cannot call through `inject` (e.g. a WebSocket upgrade): the reason. */
  skip?: string;
}

/** What each `route-access/<context>.ts` file exports as its default. */
export interface RouteAccessFile {
  rows: RouteAccessRow[];
  /** Adds the context's own test data to the fixture (stored under `fixture.extra[<context>]`). */
  setup?: (fixture: RouteFixture) => Promise<Record<string, string>>;
}
