import { type Database } from '../db/index.js';
import type { FieldErrors, Workflow, WorkflowGraph } from './types.js';

declare const workflows: import('drizzle-orm/pg-core').PgTableWithColumns<{
  name: 'workflows';
  schema: undefined;
  columns: {
    id: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'id';
        tableName: 'workflows';
        dataType: 'string';
        columnType: 'PgUUID';
        data: string;
        driverParam: string;
        notNull: true;
        hasDefault: true;
        isPrimaryKey: true;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    projectId: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'project_id';
        tableName: 'workflows';
        dataType: 'string';
        columnType: 'PgUUID';
        data: string;
        driverParam: string;
        notNull: true;
        hasDefault: false;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    name: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'name';
        tableName: 'workflows';
        dataType: 'string';
        columnType: 'PgText';
        data: string;
        driverParam: string;
        notNull: true;
        hasDefault: false;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: [string, ...string[]];
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    concurrency: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'concurrency';
        tableName: 'workflows';
        dataType: 'number';
        columnType: 'PgInteger';
        data: number;
        driverParam: string | number;
        notNull: false;
        hasDefault: false;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    enableJobLogs: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'enable_job_logs';
        tableName: 'workflows';
        dataType: 'boolean';
        columnType: 'PgBoolean';
        data: boolean;
        driverParam: boolean;
        notNull: true;
        hasDefault: true;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    positions: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'positions';
        tableName: 'workflows';
        dataType: 'json';
        columnType: 'PgJsonb';
        data: Record<
          string,
          {
            x: number;
            y: number;
          }
        >;
        driverParam: unknown;
        notNull: false;
        hasDefault: false;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {
        $type: Record<
          string,
          {
            x: number;
            y: number;
          }
        >;
      }
    >;
    lockVersion: import('drizzle-orm/pg-core').PgColumn<
      {
        name: 'lock_version';
        tableName: 'workflows';
        dataType: 'number';
        columnType: 'PgInteger';
        data: number;
        driverParam: string | number;
        notNull: true;
        hasDefault: true;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    deletedAt: import('drizzle-orm/pg-core').PgColumn<
      {
        name: string;
        tableName: 'workflows';
        dataType: 'date';
        columnType: 'PgTimestamp';
        data: Date;
        driverParam: string;
        notNull: false;
        hasDefault: false;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    insertedAt: import('drizzle-orm/pg-core').PgColumn<
      {
        name: string;
        tableName: 'workflows';
        dataType: 'string';
        columnType: 'PgTimestampString';
        data: string;
        driverParam: string;
        notNull: true;
        hasDefault: true;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
    updatedAt: import('drizzle-orm/pg-core').PgColumn<
      {
        name: string;
        tableName: 'workflows';
        dataType: 'string';
        columnType: 'PgTimestampString';
        data: string;
        driverParam: string;
        notNull: true;
        hasDefault: true;
        isPrimaryKey: false;
        isAutoincrement: false;
        hasRuntimeDefault: false;
        enumValues: undefined;
        baseColumn: never;
        identity: undefined;
        generated: undefined;
      },
      {},
      {}
    >;
  };
  dialect: 'pg';
}>;
type WorkflowRow = typeof workflows.$inferSelect;
/** Sorted, canonical text of a graph: equal texts mean a save would change nothing. */
export declare function graphFingerprint(graph: WorkflowGraph): string;
/** The live graph of a stored workflow, in the shape a save carries. */
export declare function toGraph(workflow: Workflow): WorkflowGraph;
/** Locks and loads a workflow row inside the caller's transaction. */
export declare function lockWorkflow(db: Database, id: string): Promise<WorkflowRow | undefined>;
/**
 * The rules that need the database: ids not taken by another workflow, credentials of this project,
 * a workflow name unique in the project. Errors are keyed with `prefix` like the static ones.
 */
export declare function checkGraphAgainstDatabase(
  db: Database,
  projectId: string,
  workflowId: string,
  graph: WorkflowGraph,
  prefix?: string,
): Promise<FieldErrors>;
export interface WriteWorkflowOptions {
  projectId: string;
  /** Existing workflow (already locked with `lockWorkflow`), or undefined to create one. */
  existing: WorkflowRow | undefined;
  /** Id for a new workflow; generated when absent. */
  id?: string;
  graph: WorkflowGraph;
  /** Position among workflows created in the same transaction, to keep their order on reading. */
  position?: number;
}
/**
 * Writes the workflow row (new lock_version), its graph and the snapshot. Must run inside a
 * transaction after validation; returns the new lock version.
 */
export declare function writeWorkflow(db: Database, options: WriteWorkflowOptions): Promise<string>;
/** 404 unless the project exists. */
export declare function assertProjectExists(db: Database, projectId: string): Promise<void>;
/** 409 when the client's version is not the stored one. */
export declare function assertLockVersion(row: WorkflowRow, expected: number | undefined): void;
/**
 * Turns a unique-index violation raised while writing into a 422 (a race the checks before the
 * write could not see, e.g. two jobs swapping names); anything else is rethrown.
 */
export declare function rethrowConstraintError(error: unknown, prefix?: string): never;
/** Loads the saved workflow after a write (inside or outside the transaction). */
export declare function loadWorkflow(db: Database, id: string): Promise<Workflow>;
