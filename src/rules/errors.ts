/**
 * Typed rule errors with stable codes. This module imports nothing of ours (architecture: `rules`
 * depends on nothing), so it carries its own error class; the web layer maps `code` to HTTP.
 * The message is Vietnamese first, English second.
 */
export type RulesErrorCode =
  | 'RULES_INVALID_SCORE'
  | 'RULES_INVALID_RATING'
  | 'RULES_INVALID_INPUT'
  | 'RULES_INVALID_LEVEL'
  | 'RULES_REGIME_UNSUPPORTED'
  | 'RULES_MISSING_RESULT'
  | 'RULES_EXEMPTION_NOT_ALLOWED'
  | 'RULES_RETEST_NOT_ELIGIBLE'
  | 'RULES_RETEST_INCOMPLETE'
  | 'RULES_INVALID_OPTION'
  | 'RULES_INVALID_DATE';

export class RulesError extends Error {
  readonly code: RulesErrorCode;
  readonly vi: string;
  readonly en: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: RulesErrorCode, vi: string, en: string, details?: Record<string, unknown>) {
    super(`${vi} / ${en}`);
    this.name = 'RulesError';
    this.code = code;
    this.vi = vi;
    this.en = en;
    this.details = details;
  }
}

export const isRulesError = (e: unknown): e is RulesError => e instanceof RulesError;

/** Typed result for callers that prefer not to catch (validation of a whole grid, for instance). */
export type RulesResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RulesError };

export function attempt<T>(f: () => T): RulesResult<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (isRulesError(e)) return { ok: false, error: e };
    throw e;
  }
}
