// The workflow graph of a plan: nodes (triggers and jobs), their outgoing enabled edges with
// compiled conditions, checked once before anything runs.
import { RuntimeCrash } from '../errors.js';
import type { ExecutionPlan, PlanEdge, PlanJob } from '../types.js';
import { compileEdgeCondition, type EdgeTest } from './edge-conditions.js';

export interface GraphEdge {
  edge: PlanEdge;
  target: string;
  test: EdgeTest;
}

export interface PlanGraph {
  jobs: Map<string, PlanJob>;
  triggers: Set<string>;
  /** Enabled edges leaving each node. */
  outgoing: Map<string, GraphEdge[]>;
  start: string;
}

function invalid(message: string): never {
  throw new RuntimeCrash('ValidationError', message);
}

export function buildPlanGraph(plan: ExecutionPlan): PlanGraph {
  const jobs = new Map(plan.jobs.map((job) => [job.id, job]));
  const triggers = new Set(plan.triggers.map((t) => t.id));
  const outgoing = new Map<string, GraphEdge[]>();

  if (!jobs.has(plan.starting_node_id) && !triggers.has(plan.starting_node_id)) {
    invalid(
      `the starting node ${plan.starting_node_id} is neither a trigger nor a job of the plan`,
    );
  }
  for (const edge of plan.edges) {
    const source = edge.source_job_id ?? edge.source_trigger_id;
    if (!source || (!jobs.has(source) && !triggers.has(source))) {
      invalid(`edge ${edge.id} starts at an unknown node (${source ?? 'none'})`);
    }
    if (!jobs.has(edge.target_job_id)) {
      invalid(`edge ${edge.id} leads to an unknown job (${edge.target_job_id})`);
    }
    if (edge.enabled === false) continue;
    const list = outgoing.get(source) ?? [];
    list.push({
      edge,
      target: edge.target_job_id,
      test: compileEdgeCondition(edge.condition, `${source}->${edge.target_job_id}`),
    });
    outgoing.set(source, list);
  }

  assertNoCycle(plan.starting_node_id, outgoing);
  return { jobs, triggers, outgoing, start: plan.starting_node_id };
}

/** A cycle would run forever; OpenFn's runtime refuses such plans too. */
function assertNoCycle(start: string, outgoing: Map<string, GraphEdge[]>): void {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): void => {
    if (done.has(node)) return;
    if (path.includes(node)) {
      invalid(
        `the workflow has a cycle: ${[...path.slice(path.indexOf(node)), node].join(' -> ')}`,
      );
    }
    path.push(node);
    for (const { target } of outgoing.get(node) ?? []) visit(target);
    path.pop();
    done.add(node);
  };
  visit(start);
}
