// Expected failures, typed, and their HTTP statuses: the one place where errors become responses.
// A user never sees a stack trace; unexpected errors are logged and answered with a bare 500.

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * An empty field → messages map for a ValidationError. It has no prototype, so a field a client
 * names `constructor` or `__proto__` is a key like any other (with `{}` it found Object's own
 * members: `errors.constructor.push` threw, and the client got a 500).
 */
export function emptyFieldErrors(): Record<string, string[]> {
  return Object.create(null) as Record<string, string[]>;
}

/** Bad input: `errors` maps each offending field to what is wrong with it. */
export class ValidationError extends HttpError {
  constructor(
    message: string,
    readonly errors: Record<string, string[]> = {},
  ) {
    super(422, message, { errors });
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'Unauthorized') {
    super(401, message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'Forbidden') {
    super(403, message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Not found') {
    super(404, message);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(409, message, details);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, message);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(message: string) {
    super(415, message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(503, message);
    this.name = 'ServiceUnavailableError';
  }
}
