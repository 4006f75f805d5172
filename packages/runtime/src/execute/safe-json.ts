// JSON that never throws: functions and symbols are dropped (as JSON.stringify does), a
// reference back to an enclosing object (a cycle) is dropped instead of throwing, and a
// bigint becomes its decimal string. Used for every state that leaves a step.

export function toSafeJson(value: unknown): string {
  // Objects enclosing the value being serialised right now: only these make a cycle.
  // (A shared, non-cyclic reference is serialised in each place it appears.)
  const ancestors: object[] = [];
  const json = JSON.stringify(value, function (this: unknown, _key: string, current: unknown) {
    if (typeof current === 'bigint') return current.toString();
    if (typeof current !== 'object' || current === null) return current;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(current)) return undefined;
    ancestors.push(current);
    return current;
  });
  return json ?? 'null';
}

/** A deep, JSON-safe copy. */
export function safeClone<T>(value: T): T {
  return JSON.parse(toSafeJson(value)) as T;
}
