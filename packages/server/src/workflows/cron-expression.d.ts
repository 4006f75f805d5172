import { Cron } from 'croner';
/** A paused schedule for `expression`; throws with croner's message when it is not valid. */
export declare function parseCronExpression(expression: string): Cron;
/** Why `expression` is not a valid cron expression, or undefined when it is. */
export declare function describeCronError(expression: string): string | undefined;
