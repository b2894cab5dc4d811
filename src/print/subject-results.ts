/**
 * Pure: one student's marks and averages in one class subject, as the book writes them. Averages
 * come from the rules engine (exact rationals, rounded once); nothing is computed with floats here.
 * An average is written only when the marks with the big coefficients exist (mid-term for
 * TT26/TT22, the semester test for all); an empty regular cell is "not entered", not a zero —
 * the same reading as the grid.
 */
import {
  computeCommentSemester,
  computeCommentYear,
  computeSemesterAverage,
  computeYearAverage,
  isRulesError,
  type CommentSemesterResult,
  type FormMark,
  type Regime,
  type RegularForm,
  type SubjectSemesterAverage,
} from '../rules';
import type { ColumnData, ScoreData } from './book-data';

export type Term = 'HK1' | 'HK2';

/** A component mark as written on paper: "7", "7,5", "Đ", "CĐ". Averages always keep one decimal ("7,0"). */
export function markText(s: Pick<ScoreData, 'tenths' | 'rating'> | undefined): string {
  if (!s) return '';
  if (s.rating) return s.rating === 'D' ? 'Đ' : 'CĐ';
  if (s.tenths === null) return '';
  return s.tenths % 10 === 0 ? String(s.tenths / 10) : `${Math.floor(s.tenths / 10)},${s.tenths % 10}`;
}

export const averageText = (tenths: number): string => `${Math.floor(tenths / 10)},${tenths % 10}`;

export type ScoreIndex = ReadonlyMap<number, ReadonlyMap<number, ScoreData>>;

/** columnId → enrolmentId → score. */
export function indexScores(scores: readonly ScoreData[]): ScoreIndex {
  const out = new Map<number, Map<number, ScoreData>>();
  for (const s of scores) {
    let m = out.get(s.columnId);
    if (!m) out.set(s.columnId, (m = new Map()));
    m.set(s.enrolmentId, s);
  }
  return out;
}

const FORMS: readonly RegularForm[] = ['essay', 'oral', 'practical', 'multiple-choice'];
/** The grid stores '15min' for a 15-minute written test: an essay under TT58 Điều 8.4. */
function regularForm(form: string | null): RegularForm | undefined {
  if (form === 'oral') return 'oral';
  if (form === '15min') return 'essay';
  return FORMS.includes(form as RegularForm) ? (form as RegularForm) : undefined;
}

interface TermOutcome {
  text: string;
  scored?: SubjectSemesterAverage;
  comment?: CommentSemesterResult;
}

function present(idx: ScoreIndex, col: ColumnData, enrolmentId: number): ScoreData | null {
  const s = idx.get(col.id)?.get(enrolmentId);
  return s && (s.tenths !== null || s.rating !== null) ? s : null;
}

function termOutcome(regime: Regime, assessment: 'scored' | 'comment', cols: readonly ColumnData[], idx: ScoreIndex, enrolmentId: number, term: Term): TermOutcome | null {
  if (!cols.length) return null;
  const mark = (c: ColumnData, s: ScoreData): FormMark | string => {
    if (s.rating !== null) return s.rating === 'D' ? 'Đ' : 'CĐ';
    const form = c.kind === 'regular' ? regularForm(c.form) : undefined;
    return form ? { value: { tenths: s.tenths! }, form } : { value: { tenths: s.tenths! } };
  };
  const of = (kinds: readonly ColumnData['kind'][]) =>
    cols.filter((c) => kinds.includes(c.kind)).flatMap((c) => {
      const s = present(idx, c, enrolmentId);
      return s ? [mark(c, s)] : [];
    });
  const regular = of(['regular']);
  const periodic = regime === 'TT58' ? of(['periodic']) : of(['midterm']);
  const finals = of(['final']);
  if (!finals.length) return { text: '' };
  if (regime !== 'TT58' && periodic.length !== 1) return { text: '' };
  const marks = { regular, periodic, final: finals[0]! };
  try {
    if (assessment === 'comment') {
      // The columns the school opened for the term are the required assessments.
      const required = { regular: cols.filter((c) => c.kind === 'regular').length, periodic: cols.filter((c) => c.kind === (regime === 'TT58' ? 'periodic' : 'midterm')).length };
      const r = computeCommentSemester(regime, marks, required, undefined, { semester: term });
      return { text: r.result, comment: r };
    }
    const r = computeSemesterAverage(regime, marks, undefined, { semester: term });
    return { text: averageText(r.average.tenths), scored: r };
  } catch (e) {
    // An invalid stored mark (should not happen: the grid validates) leaves the average blank.
    if (isRulesError(e)) return { text: '' };
    throw e;
  }
}

export interface StudentSubjectResult {
  readonly HK1: string;
  readonly HK2: string;
  readonly year: string;
}

/** ĐTBmhkI, ĐTBmhkII and ĐTBmcn (or Đ/CĐ) of one student in one class subject. */
export function subjectResult(regime: Regime, assessment: 'scored' | 'comment', columns: readonly ColumnData[], idx: ScoreIndex, enrolmentId: number): StudentSubjectResult {
  const c1 = columns.filter((c) => c.term === 'HK1');
  const c2 = columns.filter((c) => c.term === 'HK2');
  const h1 = termOutcome(regime, assessment, c1, idx, enrolmentId, 'HK1');
  const h2 = termOutcome(regime, assessment, c2, idx, enrolmentId, 'HK2');
  let year = '';
  try {
    if (assessment === 'comment') {
      // Year = semester II (TT58 10.2, TT22 9.1.a); a subject with no HK II columns takes HK I.
      if (h2?.comment || (h2 === null && h1?.comment)) year = computeCommentYear(regime, h1?.comment ?? null, h2?.comment ?? null).result;
    } else if (h1?.scored && h2?.scored) {
      year = averageText(computeYearAverage(regime, h1.scored, h2.scored).average.tenths);
    } else if ((h1 === null && h2?.scored) || (h2 === null && h1?.scored)) {
      // Taught in one semester only (TT58 Điều 10.3).
      year = averageText(computeYearAverage(regime, h1?.scored ?? null, h2?.scored ?? null).average.tenths);
    }
  } catch (e) {
    if (!isRulesError(e)) throw e;
  }
  return { HK1: h1?.text ?? '', HK2: h2?.text ?? '', year };
}
