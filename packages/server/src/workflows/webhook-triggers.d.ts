import { type Database } from '../db/index.js';
import type { Vault } from '../vault/index.js';
import type { Trigger } from './types.js';
export interface WebhookAuthSecret {
  authType: 'basic' | 'api';
  /** Vault ciphertext. */
  username: Buffer | null;
  password: Buffer | null;
  apiKey: Buffer | null;
}
export interface WebhookTarget {
  trigger: Pick<Trigger, 'id' | 'type' | 'enabled' | 'webhook_reply'>;
  workflowId: string;
  projectId: string;
  /** The snapshot a run created now executes. */
  snapshotId: string;
  authMethods: WebhookAuthSecret[];
}
/**
 * The webhook trigger addressed by the first path segment of `/i/<segment>`: a trigger id, or a
 * trigger's custom path. Undefined when there is none (or it is not a webhook trigger).
 */
export declare function findWebhookTarget(
  db: Database,
  segment: string,
): Promise<WebhookTarget | undefined>;
export type WebhookAuthMethodInput =
  | {
      projectId: string;
      name: string;
      authType: 'basic';
      username: string;
      password: string;
    }
  | {
      projectId: string;
      name: string;
      authType: 'api';
      apiKey?: string;
    };
export interface WebhookAuthMethod {
  id: string;
  project_id: string;
  name: string;
  auth_type: 'basic' | 'api';
  /** Shown once, when created: the API key (generated unless given) or the username. */
  api_key?: string;
  username?: string;
}
/**
 * Creates a webhook auth method of a project. Basic: username and a password of 8–72 characters;
 * API key: 32 random bytes in hex unless one is given (Lightning's rules).
 */
export declare function createWebhookAuthMethod(
  db: Database,
  vault: Vault,
  input: WebhookAuthMethodInput,
): Promise<WebhookAuthMethod>;
/** Protects a trigger with an auth method of the same project. */
export declare function addWebhookAuthMethodToTrigger(
  db: Database,
  triggerId: string,
  authMethodId: string,
): Promise<void>;
/** Removes an auth method from a trigger (the method itself stays in the project). */
export declare function removeWebhookAuthMethodFromTrigger(
  db: Database,
  triggerId: string,
  authMethodId: string,
): Promise<void>;
export interface CronTarget {
  triggerId: string;
  cronExpression: string;
  /** When the trigger last changed (created, enabled, rescheduled): nothing before it is due. */
  changedAt: Date;
  workflowId: string;
  projectId: string;
  snapshotId: string | null;
}
/** Every enabled cron trigger of a live workflow, with the workflow's current snapshot. */
export declare function listEnabledCronTargets(db: Database): Promise<CronTarget[]>;
/** A project's webhook auth methods, without their secrets, each with the triggers it protects. */
export declare function listWebhookAuthMethods(
  db: Database,
  projectId: string,
): Promise<
  (WebhookAuthMethod & {
    trigger_ids: string[];
  })[]
>;
