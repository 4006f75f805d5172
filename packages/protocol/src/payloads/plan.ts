// The run plan: Lightning's reply to `fetch:plan` (spec §5), built from the workflow snapshot the
// run was created with. Objects are loose so keys added by newer servers (`globals`, limiter
// extras) pass through to the worker untouched. `null` for an optional key reads as absent.

import { z } from 'zod';
import { requiredString } from './fields.js';

const absentIfNull = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((value) => value ?? undefined);

export const EDGE_CONDITIONS = ['always', 'on_job_success', 'on_job_failure'] as const;

export const planTriggerSchema = z.looseObject({
  id: requiredString,
  /** `webhook` | `cron` | `kafka`. */
  type: absentIfNull(z.string()),
});

export const planJobSchema = z.looseObject({
  id: requiredString,
  name: absentIfNull(z.string()),
  body: z.string(),
  /** Always a concrete version, e.g. `@openfn/language-http@7.2.10`. */
  adaptor: requiredString,
  credential_id: z.string().nullish(),
  /** Default state merged under the step's input. */
  state: absentIfNull(z.record(z.string(), z.unknown())),
});
export type PlanJob = z.output<typeof planJobSchema>;

export const planEdgeSchema = z
  .looseObject({
    id: requiredString,
    source_trigger_id: z.string().nullish(),
    source_job_id: z.string().nullish(),
    target_job_id: requiredString,
    /** One of `EDGE_CONDITIONS`, or a JavaScript expression over `state`. */
    condition: z.string().nullish(),
    enabled: absentIfNull(z.boolean()),
  })
  .superRefine((edge, ctx) => {
    if (!edge.source_trigger_id === !edge.source_job_id) {
      ctx.addIssue({
        code: 'custom',
        path: ['source_job_id'],
        message: 'exactly one of source_trigger_id and source_job_id must be set',
      });
    }
  });
export type PlanEdge = z.output<typeof planEdgeSchema>;

export const planOptionsSchema = z.looseObject({
  run_timeout_ms: absentIfNull(z.number().positive()),
  run_memory_limit_mb: absentIfNull(z.number().positive()),
  payload_limit_mb: absentIfNull(z.number().positive()),
  log_payload_limit_mb: absentIfNull(z.number().positive()),
  output_dataclips: absentIfNull(z.boolean()),
  sanitize: absentIfNull(z.enum(['none', 'remove', 'summarize', 'obfuscate'])),
  /** `none` when the project turned job logs off. */
  job_log_level: absentIfNull(z.string()),
});
export type PlanOptions = z.output<typeof planOptionsSchema>;

export const runPlanSchema = z
  .looseObject({
    /** The run id. */
    id: requiredString,
    name: absentIfNull(z.string()),
    project_id: absentIfNull(z.string()),
    /** The run's input dataclip, fetched with `fetch:dataclip`. */
    dataclip_id: requiredString,
    /** The trigger for a fresh work order, or the job to retry from. */
    starting_node_id: requiredString,
    triggers: z.array(planTriggerSchema),
    jobs: z.array(planJobSchema),
    edges: z.array(planEdgeSchema),
    options: absentIfNull(planOptionsSchema),
  })
  .superRefine((plan, ctx) => {
    const jobIds = new Set(plan.jobs.map((job) => job.id));
    const triggerIds = new Set(plan.triggers.map((trigger) => trigger.id));
    if (!jobIds.has(plan.starting_node_id) && !triggerIds.has(plan.starting_node_id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['starting_node_id'],
        message: 'must be the id of a trigger or a job of the plan',
      });
    }
    plan.edges.forEach((edge, i) => {
      if (!jobIds.has(edge.target_job_id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['edges', i, 'target_job_id'],
          message: 'must be the id of a job of the plan',
        });
      }
      if (edge.source_job_id && !jobIds.has(edge.source_job_id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['edges', i, 'source_job_id'],
          message: 'must be the id of a job of the plan',
        });
      }
      if (edge.source_trigger_id && !triggerIds.has(edge.source_trigger_id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['edges', i, 'source_trigger_id'],
          message: 'must be the id of a trigger of the plan',
        });
      }
    });
  });
export type RunPlan = z.output<typeof runPlanSchema>;
