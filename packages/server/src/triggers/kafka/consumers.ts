// Keeps this node's Kafka consumers in step with the enabled kafka triggers: one pipeline per
// trigger (pipeline.ts), started when a trigger is enabled or created, restarted when its settings
// change, stopped when it is disabled or deleted or its workflow is. Every node does this, so each
// trigger's consumer group has members on every node and the group spreads partitions over them.
//
// The triggers are read again whenever a workflow is saved (the bus carries that to every node)
// and every few seconds besides (provisioning, other nodes' saves on PGlite-less clusters whose
// bus was briefly down): the database is the source of truth, the bus only a hint.
import type { Logger } from 'pino';
import type { Bus } from '../../cluster/index.js';
import { startRepeatingTask } from '../../cluster/repeating-task.js';
import type { Database } from '../../db/index.js';
import type { createWorkOrder } from '../../runs/index.js';
import type { Vault } from '../../vault/index.js';
import { listEnabledKafkaTargets } from '../../workflows/index.js';
import {
  type KafkaPipeline,
  type KafkaPipelineSettings,
  type KafkaTriggerState,
  startKafkaPipeline,
} from './pipeline.js';

export interface KafkaConsumersDependencies {
  db: Database;
  vault: Vault;
  bus: Bus;
  logger: Logger;
  createWorkOrder: typeof createWorkOrder;
  settings: KafkaPipelineSettings;
  /** How often the triggers are read again without a hint (default 5 s). */
  pollIntervalMs?: number;
}

export interface KafkaConsumers {
  /** Reads the triggers and starts/stops/restarts pipelines to match; resolves when done. */
  reconcile(): Promise<void>;
  /** This node's state of a trigger's consumers, or undefined when none run here. */
  state(triggerId: string): KafkaTriggerState | undefined;
  stop(): Promise<void>;
}

export function startKafkaConsumers(deps: KafkaConsumersDependencies): KafkaConsumers {
  const logger = deps.logger.child({ component: 'kafka' });
  const pipelines = new Map<string, { version: string; pipeline: KafkaPipeline }>();
  let stopped = false;
  let queue: Promise<void> = Promise.resolve();

  async function apply(): Promise<void> {
    if (stopped) return;
    const targets = await listEnabledKafkaTargets(deps.db, deps.vault);
    const wanted = new Map(targets.map((target) => [target.triggerId, target]));
    for (const [triggerId, running] of pipelines) {
      const target = wanted.get(triggerId);
      if (target && target.version === running.version) continue;
      pipelines.delete(triggerId);
      logger.info({ trigger_id: triggerId }, 'stopping kafka consumers');
      await running.pipeline.stop();
    }
    for (const target of targets) {
      if (pipelines.has(target.triggerId) || stopped) continue;
      logger.info(
        { trigger_id: target.triggerId, topics: target.config.topics },
        'starting kafka consumers',
      );
      const pipeline = startKafkaPipeline(
        target,
        { db: deps.db, bus: deps.bus, createWorkOrder: deps.createWorkOrder, logger },
        deps.settings,
      );
      pipelines.set(target.triggerId, { version: target.version, pipeline });
    }
  }

  const reconcile = () => {
    // One reconciliation at a time, in order: the last one always sees the latest triggers.
    queue = queue.then(apply).catch((error) => {
      logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'kafka consumers could not be updated',
      );
    });
    return queue;
  };

  const unsubscribe = deps.bus.subscribe((event) => {
    if (event.type === 'workflow_updated') void reconcile();
  });
  const poller = startRepeatingTask({
    round: reconcile,
    intervalMs: deps.pollIntervalMs ?? 5000,
    initialDelayMs: 0,
  });

  return {
    reconcile,
    state: (triggerId) => pipelines.get(triggerId)?.pipeline.state(),
    stop: async () => {
      stopped = true;
      unsubscribe();
      await poller.stop();
      await queue;
      await Promise.all([...pipelines.values()].map(({ pipeline }) => pipeline.stop()));
      pipelines.clear();
    },
  };
}
