// Cron expressions as Lightning accepts them: standard five fields (minute hour day-of-month month
// day-of-week), evaluated in UTC, day-of-month and day-of-week combined with OR as in Vixie cron.
import { Cron } from 'croner';
/** A paused schedule for `expression`; throws with croner's message when it is not valid. */
export function parseCronExpression(expression) {
  return new Cron(expression.trim(), {
    paused: true,
    timezone: 'UTC',
    mode: '5-part',
    domAndDow: false,
  });
}
/** Why `expression` is not a valid cron expression, or undefined when it is. */
export function describeCronError(expression) {
  if (expression.trim().split(/\s+/).length !== 5) {
    return `must have five fields (minute hour day-of-month month day-of-week), got "${expression}"`;
  }
  try {
    parseCronExpression(expression);
    return undefined;
  } catch (error) {
    return `is not a valid cron expression ("${expression}"): ${error.message}`;
  }
}
//# sourceMappingURL=cron-expression.js.map
