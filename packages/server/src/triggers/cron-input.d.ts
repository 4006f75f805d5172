import { type Database } from '../db/index.js';
/** The id of the dataclip to start a cron run with, or undefined for `{}`. */
export declare function findCronInputDataclip(
  db: Database,
  workflowId: string,
): Promise<string | undefined>;
