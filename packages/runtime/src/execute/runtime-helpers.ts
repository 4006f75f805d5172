// What job code gets when it imports `@openfn/runtime` (the compiler imports `defer` from it
// for promise chains, as OpenFn's compiler does).

type Operation = (state: unknown) => unknown;

/**
 * An operation that runs `operation` and hands the promise of its result to `complete`
 * (`p => p.then(f).catch(g)`). A synchronous throw becomes a rejection, so `.catch` sees it.
 */
export function defer(
  operation: Operation,
  complete: (result: Promise<unknown>) => unknown = (p) => p,
  onError?: (error: unknown, state: unknown) => unknown,
): Operation {
  return (state) => {
    const result = new Promise((resolve) => resolve(operation(state)));
    const completed = Promise.resolve(complete(result));
    return onError ? completed.catch((error) => onError(error, state)) : completed;
  };
}

export const runtimeHelpers: Record<string, unknown> = Object.freeze({ defer });
