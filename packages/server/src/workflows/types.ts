// The shapes of a workflow as the API and the snapshots carry it: snake_case, the same field names
// as OpenFn Lightning's JSON and provisioning documents, ids chosen by the client or generated.
import type { schema } from '../db/index.js';
import type { KafkaConfiguration } from './kafka-configuration.js';

type TriggerType = (typeof schema.TRIGGER_TYPES)[number];
type WebhookReply = (typeof schema.WEBHOOK_REPLIES)[number];
type EdgeCondition = (typeof schema.EDGE_CONDITIONS)[number];

export interface Job {
  id: string;
  name: string;
  body: string;
  adaptor: string;
  project_credential_id: string | null;
}

export interface Trigger {
  id: string;
  type: TriggerType;
  enabled: boolean;
  cron_expression: string | null;
  webhook_reply: WebhookReply;
  custom_path: string | null;
  comment: string | null;
  /** Kafka triggers only (kafka-configuration.ts); null for the others. */
  kafka_configuration: KafkaConfiguration | null;
}

export interface Edge {
  id: string;
  source_job_id: string | null;
  source_trigger_id: string | null;
  target_job_id: string;
  condition_type: EdgeCondition;
  condition_expression: string | null;
  condition_label: string | null;
  enabled: boolean;
}

/** What a save writes: the workflow's own fields and its whole graph. */
export interface WorkflowGraph {
  name: string;
  concurrency: number | null;
  enable_job_logs: boolean;
  jobs: Job[];
  triggers: Trigger[];
  edges: Edge[];
}

export interface Workflow extends WorkflowGraph {
  id: string;
  project_id: string;
  lock_version: number;
  inserted_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A row of workflow_snapshots as other contexts read it (the run plan is built from it). */
export interface Snapshot {
  id: string;
  workflow_id: string;
  name: string;
  lock_version: number;
  jobs: Job[];
  triggers: Trigger[];
  edges: Edge[];
  inserted_at: string;
}

/** Field path → what is wrong there, e.g. `{"jobs[1].adaptor": ["must look like name@version"]}`. */
export type FieldErrors = Record<string, string[]>;
