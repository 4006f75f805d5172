import { type Database } from '../db/index.js';
import type { Edge, Job, Trigger, Workflow } from './types.js';

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
  }>,
  jobs: import('drizzle-orm/pg-core').PgTableWithColumns<{
    name: 'jobs';
    schema: undefined;
    columns: {
      id: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'id';
          tableName: 'jobs';
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
      workflowId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'workflow_id';
          tableName: 'jobs';
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
          tableName: 'jobs';
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
      body: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'body';
          tableName: 'jobs';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: true;
          hasDefault: true;
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
      adaptor: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'adaptor';
          tableName: 'jobs';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: true;
          hasDefault: true;
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
      projectCredentialId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'project_credential_id';
          tableName: 'jobs';
          dataType: 'string';
          columnType: 'PgUUID';
          data: string;
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
          tableName: 'jobs';
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
          tableName: 'jobs';
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
  }>,
  triggers: import('drizzle-orm/pg-core').PgTableWithColumns<{
    name: 'triggers';
    schema: undefined;
    columns: {
      id: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'id';
          tableName: 'triggers';
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
      workflowId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'workflow_id';
          tableName: 'triggers';
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
      type: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'type';
          tableName: 'triggers';
          dataType: 'string';
          columnType: 'PgText';
          data: 'webhook' | 'cron' | 'kafka';
          driverParam: string;
          notNull: true;
          hasDefault: true;
          isPrimaryKey: false;
          isAutoincrement: false;
          hasRuntimeDefault: false;
          enumValues: [string, ...string[]];
          baseColumn: never;
          identity: undefined;
          generated: undefined;
        },
        {},
        {
          $type: 'webhook' | 'cron' | 'kafka';
        }
      >;
      enabled: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'enabled';
          tableName: 'triggers';
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
      comment: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'comment';
          tableName: 'triggers';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: false;
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
      customPath: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'custom_path';
          tableName: 'triggers';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: false;
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
      cronExpression: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'cron_expression';
          tableName: 'triggers';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: false;
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
      webhookReply: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'webhook_reply';
          tableName: 'triggers';
          dataType: 'string';
          columnType: 'PgText';
          data: 'custom' | 'before_start' | 'after_completion';
          driverParam: string;
          notNull: true;
          hasDefault: true;
          isPrimaryKey: false;
          isAutoincrement: false;
          hasRuntimeDefault: false;
          enumValues: [string, ...string[]];
          baseColumn: never;
          identity: undefined;
          generated: undefined;
        },
        {},
        {
          $type: 'custom' | 'before_start' | 'after_completion';
        }
      >;
      kafkaConfiguration: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'kafka_configuration';
          tableName: 'triggers';
          dataType: 'json';
          columnType: 'PgJsonb';
          data: Record<string, unknown>;
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
          $type: Record<string, unknown>;
        }
      >;
      insertedAt: import('drizzle-orm/pg-core').PgColumn<
        {
          name: string;
          tableName: 'triggers';
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
          tableName: 'triggers';
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
  }>,
  workflowEdges: import('drizzle-orm/pg-core').PgTableWithColumns<{
    name: 'workflow_edges';
    schema: undefined;
    columns: {
      id: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'id';
          tableName: 'workflow_edges';
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
      workflowId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'workflow_id';
          tableName: 'workflow_edges';
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
      sourceJobId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'source_job_id';
          tableName: 'workflow_edges';
          dataType: 'string';
          columnType: 'PgUUID';
          data: string;
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
      sourceTriggerId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'source_trigger_id';
          tableName: 'workflow_edges';
          dataType: 'string';
          columnType: 'PgUUID';
          data: string;
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
      targetJobId: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'target_job_id';
          tableName: 'workflow_edges';
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
      conditionType: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'condition_type';
          tableName: 'workflow_edges';
          dataType: 'string';
          columnType: 'PgText';
          data: 'always' | 'on_job_success' | 'on_job_failure' | 'js_expression';
          driverParam: string;
          notNull: true;
          hasDefault: true;
          isPrimaryKey: false;
          isAutoincrement: false;
          hasRuntimeDefault: false;
          enumValues: [string, ...string[]];
          baseColumn: never;
          identity: undefined;
          generated: undefined;
        },
        {},
        {
          $type: 'always' | 'on_job_success' | 'on_job_failure' | 'js_expression';
        }
      >;
      conditionExpression: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'condition_expression';
          tableName: 'workflow_edges';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: false;
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
      conditionLabel: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'condition_label';
          tableName: 'workflow_edges';
          dataType: 'string';
          columnType: 'PgText';
          data: string;
          driverParam: string;
          notNull: false;
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
      enabled: import('drizzle-orm/pg-core').PgColumn<
        {
          name: 'enabled';
          tableName: 'workflow_edges';
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
      insertedAt: import('drizzle-orm/pg-core').PgColumn<
        {
          name: string;
          tableName: 'workflow_edges';
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
          tableName: 'workflow_edges';
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
type JobRow = typeof jobs.$inferSelect;
type TriggerRow = typeof triggers.$inferSelect;
type EdgeRow = typeof workflowEdges.$inferSelect;
export declare const toJob: (row: JobRow) => Job;
export declare const toTrigger: (row: TriggerRow) => Trigger;
export declare const toEdge: (row: EdgeRow) => Edge;
/** Loads the graphs of the given workflow rows (three queries, whatever their number). */
export declare function withGraphs(db: Database, rows: WorkflowRow[]): Promise<Workflow[]>;
/** The workflow with its jobs, triggers and edges; 404 when unknown or deleted. */
export declare function getWorkflow(db: Database, id: string): Promise<Workflow>;
export interface ListWorkflowsOptions {
  projectId?: string;
  includeDeleted?: boolean;
}
/** Workflows (oldest first), of one project or of all; deleted ones only when asked. */
export declare function listWorkflows(
  db: Database,
  options?: ListWorkflowsOptions,
): Promise<Workflow[]>;
