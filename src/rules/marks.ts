/**
 * One recorded assessment as entered: a score/rating, a missing one (with or without make-up),
 * or a regular test with its form (TT58 Điều 8.4 precision).
 */
import { RulesError } from './errors';
import type { RatingInput } from './rating';
import type { RegularForm, ScoreInput } from './score';

export interface MissingMark {
  readonly missing: true;
  /** The make-up result (kiểm tra bù), when the student sat it (TT58 Điều 8.5; TT26 Điều 8.3; TT22 Điều 7). */
  readonly makeUp?: ScoreInput | RatingInput;
}

export interface FormMark {
  readonly value: ScoreInput | RatingInput;
  readonly form?: RegularForm;
}

/** `null` means "missed, no make-up". */
export type MarkInput = ScoreInput | RatingInput | MissingMark | FormMark | null;

export interface SemesterMarks {
  /** KTtx (TT58) / ĐĐGtx (TT26, TT22), coefficient 1. */
  readonly regular: readonly MarkInput[];
  /** TT58: KTđk of ≥ 1 period excluding the semester test (×2, any number); TT26/TT22: exactly one ĐĐGgk (×2). */
  readonly periodic: readonly MarkInput[];
  /** KThk (TT58) / ĐĐGck (TT26, TT22), coefficient 3. */
  readonly final: MarkInput;
}

export type Resolved<T> = { readonly status: 'present'; readonly value: T; readonly form?: RegularForm } | { readonly status: 'made-up'; readonly value: T } | { readonly status: 'missing' };

export function resolveMark(m: MarkInput | undefined): Resolved<ScoreInput | RatingInput> {
  if (m === null || m === undefined) return { status: 'missing' };
  if (typeof m === 'object' && 'missing' in m) {
    if (m.missing !== true) throw new RulesError('RULES_INVALID_INPUT', 'Dữ liệu bài kiểm tra vắng không hợp lệ', 'Invalid missing-mark record');
    return m.makeUp === undefined || m.makeUp === null ? { status: 'missing' } : { status: 'made-up', value: m.makeUp };
  }
  if (typeof m === 'object' && 'value' in m) {
    return m.form !== undefined ? { status: 'present', value: m.value, form: m.form } : { status: 'present', value: m.value };
  }
  return { status: 'present', value: m };
}
