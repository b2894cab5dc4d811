/**
 * Pure mapping regime → the columns of one term of the grid (assessment-rules.md §2.2, §3, §4.2).
 * TT58: KTtx ×1 (miệng, 15 phút — essay regular tests are integers, Điều 8.4), KTđk 1 tiết ×2, KThk ×3.
 * TT26 / TT22: ĐĐGtx ×1, ĐĐGgk ×2, ĐĐGck ×3. Comment subjects: every assessment counts once (TT58 7.3.b).
 */
import { requiredAssessments, type Regime, type RegularForm } from '../rules';
import type { ColumnKind } from '../db/schema';

export type AssessmentMode = 'scored' | 'comment';

export interface ColumnSpec {
  readonly kind: ColumnKind;
  readonly position: number;
  readonly coefficient: 1 | 2 | 3;
  readonly valueType: 'score' | 'rating';
  /** TT58 regular tests only: 'oral' | '15min'. */
  readonly form: string | null;
  readonly label: string;
}

/** TT58 plans fix the number of 1-period tests; without a plan in the database we open two (the teacher adds more). */
export const TT58_DEFAULT_PERIODIC = 2;

export function columnSpec(regime: Regime, mode: AssessmentMode, kind: ColumnKind, position: number): ColumnSpec {
  const rating = mode === 'comment';
  const valueType = rating ? 'rating' : 'score';
  const coef = (c: 1 | 2 | 3): 1 | 2 | 3 => (rating ? 1 : c);
  if (regime === 'TT58') {
    switch (kind) {
      case 'regular':
        if (rating) return { kind, position, coefficient: 1, valueType, form: null, label: `KTtx ${position}` };
        // First regular column is the oral test, the others 15-minute written tests (both integers under Điều 8.4).
        return position === 1
          ? { kind, position, coefficient: 1, valueType, form: 'oral', label: 'Miệng' }
          : { kind, position, coefficient: 1, valueType, form: '15min', label: `15 phút ${position - 1}` };
      case 'periodic':
        return { kind, position, coefficient: coef(2), valueType, form: null, label: `1 tiết ${position}` };
      case 'final':
        return { kind, position, coefficient: coef(3), valueType, form: null, label: 'Học kỳ' };
      case 'midterm':
        throw new Error('TT58 has no mid-term column');
    }
  }
  const tt22 = regime === 'TT22';
  switch (kind) {
    case 'regular':
      return { kind, position, coefficient: 1, valueType, form: null, label: `ĐĐGtx ${position}` };
    case 'midterm':
      return { kind, position, coefficient: coef(2), valueType, form: null, label: tt22 ? 'ĐĐGgk' : 'Giữa kỳ' };
    case 'final':
      return { kind, position, coefficient: coef(3), valueType, form: null, label: tt22 ? 'ĐĐGck' : 'Cuối kỳ' };
    case 'periodic':
      throw new Error(`${regime} has no periodic column besides the mid-term`);
  }
}

export interface RequiredRegular {
  readonly regular: number;
  readonly isMinimum: boolean;
  readonly explanationVi: string;
}

/**
 * How many regular assessments a student needs this semester. The rules engine needs periods per
 * week (TT58) or per year (TT26/TT22); one is derived from the other (35 school weeks) when the
 * assignment only recorded one of them, and the legal minimum (2) is used when neither is known.
 */
export function requiredRegular(regime: Regime, mode: AssessmentMode, periodsPerWeek: string | null, periodsPerYear: number | null): RequiredRegular {
  const ppw = periodsPerWeek ?? (periodsPerYear !== null ? String(Math.round((periodsPerYear / 35) * 10) / 10) : null);
  const ppy = periodsPerYear ?? (periodsPerWeek !== null ? Math.round(Number(periodsPerWeek) * 35) : null);
  const needs = regime === 'TT58' ? ppw : regime === 'TT22' && mode === 'comment' ? 'none' : ppy;
  if (needs === null) {
    return { regular: 2, isMinimum: true, explanationVi: 'Chưa có số tiết của môn trong phân công: dùng mức tối thiểu 2 lần đánh giá thường xuyên.' };
  }
  const r = requiredAssessments({
    regime,
    assessment: mode,
    ...(ppw !== null ? { periodsPerWeek: ppw } : {}),
    ...(ppy !== null ? { periodsPerYear: ppy } : {}),
  });
  return { regular: r.regular, isMinimum: r.regularIsMinimum, explanationVi: r.explanation.summaryVi };
}

/** The default set opened the first time a term of the grid is opened. */
export function defaultColumns(regime: Regime, mode: AssessmentMode, regularCount: number): ColumnSpec[] {
  const out: ColumnSpec[] = [];
  for (let p = 1; p <= regularCount; p++) out.push(columnSpec(regime, mode, 'regular', p));
  if (regime === 'TT58') {
    for (let p = 1; p <= TT58_DEFAULT_PERIODIC; p++) out.push(columnSpec(regime, mode, 'periodic', p));
  } else {
    out.push(columnSpec(regime, mode, 'midterm', 1));
  }
  out.push(columnSpec(regime, mode, 'final', 1));
  return out;
}

/** The kinds a teacher may add: regular tests always; TT58 also 1-period tests (the plan may have more). */
export const addableKinds = (regime: Regime): ColumnKind[] => (regime === 'TT58' ? ['regular', 'periodic'] : ['regular']);

/** Column form → the rules engine's RegularForm (decides integer-only entry under TT58). */
export function regularFormOf(form: string | null): RegularForm | undefined {
  switch (form) {
    case 'oral':
      return 'oral';
    case '15min':
    case 'essay':
      return 'essay';
    case 'mcq':
      return 'multiple-choice';
    case 'practical':
      return 'practical';
    default:
      return undefined;
  }
}

/** Column order within a term: regular, periodic/mid-term, final; then position. */
const KIND_ORDER: Record<ColumnKind, number> = { regular: 0, periodic: 1, midterm: 1, final: 2 };
export const compareColumns = (a: { kind: ColumnKind; position: number }, b: { kind: ColumnKind; position: number }): number =>
  KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.position - b.position;
