// The one way the app talks to the server: JSON over fetch with the session cookie. Failures become
// an `ApiError` carrying the status, the server's message and its field errors (`errors: {field:
// [messages]}`) so forms can show them beside the field. A 401 on anything but the sign-in calls
// sends the browser to the sign-in page, remembering where it was.

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  readonly status: number;
  readonly errors: FieldErrors;
  /** The whole error body, for callers that need an extra flag (e.g. `confirmation_required`). */
  readonly body: Record<string, unknown>;

  constructor(status: number, message: string, errors: FieldErrors = {}, body = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.errors = errors;
    this.body = body;
  }

  /** The messages for one field (joined), or undefined. */
  fieldError(field: string): string | undefined {
    const messages = this.errors[field];
    return messages && messages.length > 0 ? messages.join('; ') : undefined;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Do not redirect to sign-in on 401 (the sign-in screens themselves, the "who am I" probe). */
  allowUnauthorized?: boolean;
  headers?: Record<string, string>;
}

/** Paths the 401 redirect leaves alone: the user is already where they would be sent. */
const PUBLIC_PAGES = ['/sign-in', '/sign-up', '/users/'];

let onUnauthorized: (() => void) | null = () => {
  const here = window.location.pathname + window.location.search;
  if (PUBLIC_PAGES.some((page) => here.startsWith(page))) return;
  window.location.assign(`/sign-in?next=${encodeURIComponent(here)}`);
};

/** Replaces the 401 behaviour (the app uses the router instead of a full page load). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

function messageFor(status: number): string {
  if (status === 401) return 'Please sign in.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found.';
  if (status === 413) return 'That is too large.';
  if (status === 429) return 'Too many attempts; please wait a moment and try again.';
  if (status >= 500) return 'The server had a problem; please try again.';
  return `The request failed (${status}).`;
}

/** Calls the API; resolves to the parsed JSON body (undefined for 204) or rejects with ApiError. */
export async function api<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'Could not reach the server; check your connection and try again.');
  }
  const text = await response.text();
  let parsed: unknown;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (response.ok) return parsed as T;

  const errorBody = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const message =
    typeof errorBody.error === 'string' && errorBody.error
      ? errorBody.error
      : messageFor(response.status);
  const errors = isFieldErrors(errorBody.errors) ? errorBody.errors : {};
  if (response.status === 401 && !options.allowUnauthorized) onUnauthorized?.();
  throw new ApiError(response.status, message, errors, errorBody);
}

function isFieldErrors(value: unknown): value is FieldErrors {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.values(value).every(
    (messages) => Array.isArray(messages) && messages.every((m) => typeof m === 'string'),
  );
}

/** A readable message for anything thrown (never a stack trace). */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong; please try again.';
}
