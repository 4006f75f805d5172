import { type Database } from '../db/index.js';
import type { Workflow } from './types.js';
import { type WorkflowInput } from './validation.js';
/**
 * Creates a workflow with its graph in `projectId`; version 1 and its snapshot are written in the
 * same transaction.
 *
 * @example
 * const workflow = await createWorkflow(db, projectId, { name: 'intake', jobs: [...], triggers: [...], edges: [...] });
 */
export declare function createWorkflow(
  db: Database,
  projectId: string,
  input: WorkflowInput & {
    id?: string;
  },
): Promise<Workflow>;
/**
 * Replaces a workflow's fields and graph. `input.lock_version` must be the version the client
 * read: a stale one is refused with 409. A save that changes nothing returns the workflow as is.
 */
export declare function updateWorkflow(
  db: Database,
  id: string,
  input: WorkflowInput,
): Promise<Workflow>;
/**
 * Deletes a workflow the way Lightning does: it is kept for its history (work orders, runs) but
 * marked deleted, renamed `<name>_del<n>` so the name is free again, and its triggers disabled.
 */
export declare function deleteWorkflow(
  db: Database,
  id: string,
  expectedLockVersion?: number,
): Promise<void>;
/** Marks a locked workflow deleted (inside the caller's transaction) and snapshots the result. */
export declare function softDeleteWorkflow(tx: Database, id: string): Promise<void>;
