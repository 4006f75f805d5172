import { z } from 'zod';
import type { Edge, FieldErrors, Job, Trigger, WorkflowGraph } from './types.js';
export declare const jobInputSchema: z.ZodObject<
  {
    id: z.ZodOptional<z.ZodGUID>;
    name: z.ZodString;
    body: z.ZodOptional<z.ZodString>;
    adaptor: z.ZodOptional<z.ZodString>;
    project_credential_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
  },
  z.core.$strict
>;
export declare const triggerInputSchema: z.ZodObject<
  {
    id: z.ZodOptional<z.ZodGUID>;
    type: z.ZodOptional<
      z.ZodEnum<{
        webhook: 'webhook';
        cron: 'cron';
        kafka: 'kafka';
      }>
    >;
    enabled: z.ZodOptional<z.ZodBoolean>;
    cron_expression: z.ZodOptional<z.ZodNullable<z.ZodString>>;
    webhook_reply: z.ZodOptional<
      z.ZodEnum<{
        custom: 'custom';
        before_start: 'before_start';
        after_completion: 'after_completion';
      }>
    >;
    custom_path: z.ZodOptional<z.ZodNullable<z.ZodString>>;
  },
  z.core.$strict
>;
export declare const edgeInputSchema: z.ZodObject<
  {
    id: z.ZodOptional<z.ZodGUID>;
    source_job_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
    source_trigger_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
    target_job_id: z.ZodGUID;
    condition_type: z.ZodOptional<
      z.ZodEnum<{
        always: 'always';
        on_job_success: 'on_job_success';
        on_job_failure: 'on_job_failure';
        js_expression: 'js_expression';
      }>
    >;
    condition_expression: z.ZodOptional<z.ZodNullable<z.ZodString>>;
    condition_label: z.ZodOptional<z.ZodNullable<z.ZodString>>;
    enabled: z.ZodOptional<z.ZodBoolean>;
  },
  z.core.$strict
>;
export declare const workflowFieldsSchema: {
  name: z.ZodString;
  concurrency: z.ZodOptional<z.ZodNullable<z.ZodNumber>>;
  enable_job_logs: z.ZodOptional<z.ZodBoolean>;
  jobs: z.ZodOptional<
    z.ZodArray<
      z.ZodObject<
        {
          id: z.ZodOptional<z.ZodGUID>;
          name: z.ZodString;
          body: z.ZodOptional<z.ZodString>;
          adaptor: z.ZodOptional<z.ZodString>;
          project_credential_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
        },
        z.core.$strict
      >
    >
  >;
  triggers: z.ZodOptional<
    z.ZodArray<
      z.ZodObject<
        {
          id: z.ZodOptional<z.ZodGUID>;
          type: z.ZodOptional<
            z.ZodEnum<{
              webhook: 'webhook';
              cron: 'cron';
              kafka: 'kafka';
            }>
          >;
          enabled: z.ZodOptional<z.ZodBoolean>;
          cron_expression: z.ZodOptional<z.ZodNullable<z.ZodString>>;
          webhook_reply: z.ZodOptional<
            z.ZodEnum<{
              custom: 'custom';
              before_start: 'before_start';
              after_completion: 'after_completion';
            }>
          >;
          custom_path: z.ZodOptional<z.ZodNullable<z.ZodString>>;
        },
        z.core.$strict
      >
    >
  >;
  edges: z.ZodOptional<
    z.ZodArray<
      z.ZodObject<
        {
          id: z.ZodOptional<z.ZodGUID>;
          source_job_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
          source_trigger_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
          target_job_id: z.ZodGUID;
          condition_type: z.ZodOptional<
            z.ZodEnum<{
              always: 'always';
              on_job_success: 'on_job_success';
              on_job_failure: 'on_job_failure';
              js_expression: 'js_expression';
            }>
          >;
          condition_expression: z.ZodOptional<z.ZodNullable<z.ZodString>>;
          condition_label: z.ZodOptional<z.ZodNullable<z.ZodString>>;
          enabled: z.ZodOptional<z.ZodBoolean>;
        },
        z.core.$strict
      >
    >
  >;
};
declare const workflowInputSchema: z.ZodObject<
  {
    lock_version: z.ZodOptional<z.ZodNumber>;
    id: z.ZodOptional<z.ZodGUID>;
    project_id: z.ZodOptional<z.ZodString>;
    inserted_at: z.ZodOptional<z.ZodString>;
    updated_at: z.ZodOptional<z.ZodString>;
    deleted_at: z.ZodOptional<z.ZodNullable<z.ZodString>>;
    name: z.ZodString;
    concurrency: z.ZodOptional<z.ZodNullable<z.ZodNumber>>;
    enable_job_logs: z.ZodOptional<z.ZodBoolean>;
    jobs: z.ZodOptional<
      z.ZodArray<
        z.ZodObject<
          {
            id: z.ZodOptional<z.ZodGUID>;
            name: z.ZodString;
            body: z.ZodOptional<z.ZodString>;
            adaptor: z.ZodOptional<z.ZodString>;
            project_credential_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
          },
          z.core.$strict
        >
      >
    >;
    triggers: z.ZodOptional<
      z.ZodArray<
        z.ZodObject<
          {
            id: z.ZodOptional<z.ZodGUID>;
            type: z.ZodOptional<
              z.ZodEnum<{
                webhook: 'webhook';
                cron: 'cron';
                kafka: 'kafka';
              }>
            >;
            enabled: z.ZodOptional<z.ZodBoolean>;
            cron_expression: z.ZodOptional<z.ZodNullable<z.ZodString>>;
            webhook_reply: z.ZodOptional<
              z.ZodEnum<{
                custom: 'custom';
                before_start: 'before_start';
                after_completion: 'after_completion';
              }>
            >;
            custom_path: z.ZodOptional<z.ZodNullable<z.ZodString>>;
          },
          z.core.$strict
        >
      >
    >;
    edges: z.ZodOptional<
      z.ZodArray<
        z.ZodObject<
          {
            id: z.ZodOptional<z.ZodGUID>;
            source_job_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
            source_trigger_id: z.ZodOptional<z.ZodNullable<z.ZodGUID>>;
            target_job_id: z.ZodGUID;
            condition_type: z.ZodOptional<
              z.ZodEnum<{
                always: 'always';
                on_job_success: 'on_job_success';
                on_job_failure: 'on_job_failure';
                js_expression: 'js_expression';
              }>
            >;
            condition_expression: z.ZodOptional<z.ZodNullable<z.ZodString>>;
            condition_label: z.ZodOptional<z.ZodNullable<z.ZodString>>;
            enabled: z.ZodOptional<z.ZodBoolean>;
          },
          z.core.$strict
        >
      >
    >;
  },
  z.core.$strict
>;
export type WorkflowInput = z.infer<typeof workflowInputSchema>;
type JobInput = z.infer<typeof jobInputSchema>;
type TriggerInput = z.infer<typeof triggerInputSchema>;
type EdgeInput = z.infer<typeof edgeInputSchema>;
/** `["jobs", 1, "adaptor"]` → `jobs[1].adaptor`. */
export declare function formatPath(path: readonly PropertyKey[], prefix?: string): string;
export declare function zodFieldErrors(error: z.ZodError, prefix?: string): FieldErrors;
export declare function addError(errors: FieldErrors, path: string, message: string): void;
/** Stage 1: parses a request body into a workflow input, or throws 400 naming each bad field. */
export declare function parseWorkflowInput(body: unknown): WorkflowInput;
/** Fills defaults (Lightning's) and generates ids the client did not choose. */
export declare function normalizeGraph(input: {
  name: string;
  concurrency?: number | null;
  enable_job_logs?: boolean;
  jobs?: JobInput[];
  triggers?: TriggerInput[];
  edges?: EdgeInput[];
}): WorkflowGraph;
export declare function normalizeJob(job: JobInput): Job;
export declare function normalizeTrigger(trigger: TriggerInput): Trigger;
export declare function normalizeEdge(edge: EdgeInput): Edge;
/**
 * Stage 2: Lightning's rules over the whole graph. Returns every problem, keyed by field path
 * (`prefix` is prepended, e.g. `workflows[0].`), so a client can show each one where it belongs.
 */
export declare function validateWorkflowGraph(graph: WorkflowGraph, prefix?: string): FieldErrors;
/** Throws 422 with every problem when `errors` is not empty. */
export declare function assertNoErrors(errors: FieldErrors, message: string): void;
