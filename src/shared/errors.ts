/**
 * Typed errors with stable codes. Views, logs and tests match on `code`; the message is
 * Vietnamese first, English second. One translation point turns them into HTTP (web/error-handler).
 */
export type ErrorKind = 'bad_request' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'locked' | 'unavailable';

const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  locked: 423,
  unavailable: 503,
};

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    readonly vi: string,
    readonly en: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(`${vi} / ${en}`);
    this.name = 'AppError';
  }
  get status(): number {
    return STATUS[this.kind];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
