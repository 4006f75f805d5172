import { type Database } from '../db/index.js';
import type { Snapshot, WorkflowGraph } from './types.js';
/** Writes the snapshot of `graph` at `lockVersion`; call inside the transaction of the save. */
export declare function insertSnapshot(
  db: Database,
  workflowId: string,
  lockVersion: number,
  graph: WorkflowGraph,
): Promise<Snapshot>;
export declare function getSnapshot(db: Database, id: string): Promise<Snapshot>;
/** Every snapshot of a workflow, oldest first. */
export declare function listSnapshots(db: Database, workflowId: string): Promise<Snapshot[]>;
/**
 * The snapshot matching the workflow's current lock_version. Saves made through this context always
 * write one; for a workflow written some other way it is created here, as Lightning does lazily
 * when a run needs one (concurrent callers converge on one row through the unique index).
 */
export declare function getCurrentSnapshot(db: Database, workflowId: string): Promise<Snapshot>;
