// Data hooks over the API client: `useApi` loads a path (and reloads on demand), `useAction` runs a
// mutation and keeps its pending state and ApiError for the form to show.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from '../api/client';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  /** Replace the loaded value locally (after a mutation returned the new one). */
  setData: (data: T) => void;
}

/**
 * GETs `path` (null: nothing yet) and unwraps `{data}`. Data belongs to the path it was loaded
 * for: when the path changes, the old data is not shown for the new path while it loads.
 */
export function useApi<T>(path: string | null): Loaded<T> {
  const [loaded, setLoaded] = useState<{ path: string | null; data: T | undefined }>({
    path: null,
    data: undefined,
  });
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [generation, setGeneration] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation is the reload trigger
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    api<{ data: T }>(path, { signal: controller.signal })
      .then((body) => {
        setLoaded({ path, data: body?.data });
        setLoading(false);
      })
      .catch((reason: unknown) => {
        if (controller.signal.aborted) return;
        setError(reason);
        setLoading(false);
      });
    return () => controller.abort();
  }, [path, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((data: T) => setLoaded({ path, data }), [path]);
  const data = loaded.path === path ? loaded.data : undefined;
  return {
    data,
    error,
    loading: loading || (path !== null && loaded.path !== path && !error),
    reload,
    setData,
  };
}

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  pending: boolean;
  error: ApiError | null;
  /** Shortcut: the message for one field of the last error. */
  fieldError: (field: string) => string | undefined;
  /** The error's message (shown above the form; field errors also show beside their field). */
  formError: string | undefined;
  /**
   * The error's message unless every field it names is among `shown` (its messages already stand
   * beside those fields), so one problem is said once, not above the form and again beside it.
   */
  formErrorBesides: (shown: string[]) => string | undefined;
  reset: () => void;
}

/**
 * Wraps an async call: resolves to its result, or to undefined after keeping the error. For calls
 * answering 204, map the result to `true` (`api(...).then(() => true)`) to tell success apart.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setPending(true);
      setError(null);
      try {
        return await fn(...args);
      } catch (reason) {
        setError(
          reason instanceof ApiError
            ? reason
            : new ApiError(0, 'Something went wrong; please try again.'),
        );
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [fn],
  );
  return {
    run,
    pending,
    error,
    fieldError: (field) => error?.fieldError(field),
    formError: error?.message,
    formErrorBesides: (shown) => {
      if (!error) return undefined;
      const named = Object.keys(error.errors);
      return named.length > 0 && named.every((field) => shown.includes(field))
        ? undefined
        : error.message;
    },
    reset: () => setError(null),
  };
}
