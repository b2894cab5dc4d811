/**
 * Per-student subject averages of one class subject, from its stored cells, through the rules engine
 * (no arithmetic here). An average is shown only when the marks that carry the big coefficients exist
 * (mid-term/periodic and final); empty regular cells are not yet entered and are left out, which the
 * grid flags with a "fewer regular assessments than required" warning.
 */
import {
  computeCommentSemester,
  computeCommentYear,
  computeSemesterAverage,
  computeYearAverage,
  isRulesError,
  renderExplanationVi,
  type CommentSemesterResult,
  type FormMark,
  type Regime,
  type SubjectSemesterAverage,
} from '../rules';
import { regularFormOf } from './column-layout';
import type { ColumnRow, TermRow } from './grid-repository';
import type { CellValue } from './score-input';

export interface AverageCell {
  /** "6,5", "Đạt", "Đ" — or null while not computable. */
  readonly text: string | null;
  /** The formula with the numbers and the clause, or why there is no average yet. */
  readonly explanationVi: string;
}

export interface RowAverages {
  readonly enrolmentId: number;
  readonly terms: Partial<Record<'HK1' | 'HK2', AverageCell>>;
  readonly year: AverageCell;
  /** Regular assessments recorded per term code. */
  readonly regularCount: Partial<Record<'HK1' | 'HK2', number>>;
}

export interface SubjectFacts {
  readonly regime: Regime;
  readonly assessment: 'scored' | 'comment';
  readonly subjectName: string;
  readonly requiredRegular: number;
}

const comma = (s: string): string => s.replace('.', ',');
const SEM_VI = { HK1: 'học kỳ I', HK2: 'học kỳ II' } as const;

type TermResult = { cell: AverageCell; scored?: SubjectSemesterAverage; comment?: CommentSemesterResult };

function termResult(f: SubjectFacts, term: TermRow, cols: readonly ColumnRow[], cells: ReadonlyMap<number, CellValue>): TermResult {
  const present = (c: ColumnRow) => {
    const v = cells.get(c.id);
    return v && (v.tenths !== null || v.rating !== null) ? v : null;
  };
  const mark = (c: ColumnRow, v: CellValue): FormMark | string => {
    if (v.rating !== null) return v.rating === 'D' ? 'Đ' : 'CĐ';
    const form = c.kind === 'regular' ? regularFormOf(c.form) : undefined;
    return form ? { value: { tenths: v.tenths! }, form } : { value: { tenths: v.tenths! } };
  };
  const of = (k: ColumnRow['kind']) => cols.filter((c) => c.kind === k).flatMap((c) => (present(c) ? [mark(c, present(c)!)] : []));
  const regular = of('regular');
  const periodic = f.regime === 'TT58' ? of('periodic') : of('midterm');
  const finals = of('final');
  const sem = SEM_VI[term.code];
  if (!finals.length) return { cell: { text: null, explanationVi: `Chưa tính được trung bình ${sem}: chưa có điểm ${f.regime === 'TT58' ? 'kiểm tra học kỳ' : 'cuối kỳ'}.` } };
  if (f.regime !== 'TT58' && periodic.length !== 1) return { cell: { text: null, explanationVi: `Chưa tính được trung bình ${sem}: chưa có điểm giữa kỳ.` } };
  const marks = { regular, periodic, final: finals[0]! };
  try {
    if (f.assessment === 'comment') {
      const periodicRequired = f.regime === 'TT58' ? cols.filter((c) => c.kind === 'periodic').length : 1;
      const r = computeCommentSemester(f.regime, marks, { regular: f.requiredRegular, periodic: periodicRequired }, undefined, { subject: f.subjectName, semester: term.code });
      return { cell: { text: r.label, explanationVi: renderExplanationVi(r.explanation) }, comment: r };
    }
    const r = computeSemesterAverage(f.regime, marks, undefined, { subject: f.subjectName, semester: term.code });
    return { cell: { text: comma(r.averageText), explanationVi: renderExplanationVi(r.explanation) }, scored: r };
  } catch (e) {
    if (isRulesError(e)) return { cell: { text: null, explanationVi: e.vi } };
    throw e;
  }
}

export function computeRowAverages(
  f: SubjectFacts,
  enrolmentId: number,
  terms: readonly TermRow[],
  columns: readonly ColumnRow[],
  cells: ReadonlyMap<number, CellValue>,
): RowAverages {
  const out: Partial<Record<'HK1' | 'HK2', TermResult>> = {};
  const regularCount: Partial<Record<'HK1' | 'HK2', number>> = {};
  for (const t of terms) {
    const cols = columns.filter((c) => c.termId === t.id);
    regularCount[t.code] = cols.filter((c) => c.kind === 'regular' && cells.has(c.id) && (cells.get(c.id)!.tenths !== null || cells.get(c.id)!.rating !== null)).length;
    out[t.code] = termResult(f, t, cols, cells);
  }
  const h1 = out.HK1;
  const h2 = out.HK2;
  let year: AverageCell;
  if (f.assessment === 'comment' && h1?.comment && h2?.comment) {
    const y = computeCommentYear(f.regime, h1.comment, h2.comment, { subject: f.subjectName });
    year = { text: y.label, explanationVi: renderExplanationVi(y.explanation) };
  } else if (f.assessment === 'scored' && h1?.scored && h2?.scored) {
    const y = computeYearAverage(f.regime, h1.scored, h2.scored, undefined, { subject: f.subjectName });
    year = { text: comma(y.averageText), explanationVi: renderExplanationVi(y.explanation) };
  } else {
    year = { text: null, explanationVi: 'Chưa tính được trung bình cả năm: cần kết quả của cả hai học kỳ.' };
  }
  const terms_: Partial<Record<'HK1' | 'HK2', AverageCell>> = {};
  if (h1) terms_.HK1 = h1.cell;
  if (h2) terms_.HK2 = h2.cell;
  return { enrolmentId, terms: terms_, year, regularCount };
}

/**
 * Vietnamese order: by given name, then middle name(s), then family name. Moodle's given_name holds
 * middle + given ("Văn An"), so the key is its last word, then the rest, then the family name.
 */
const collator = new Intl.Collator('vi', { sensitivity: 'base' });
const accentCollator = new Intl.Collator('vi');
export function vietnameseNameKey(familyName: string, givenName: string): [string, string, string] {
  const words = givenName.trim().split(/\s+/).filter(Boolean);
  const given = words.pop() ?? '';
  return [given, words.join(' '), familyName.trim()];
}
export function compareVietnameseNames(a: { familyName: string; givenName: string }, b: { familyName: string; givenName: string }): number {
  const ka = vietnameseNameKey(a.familyName, a.givenName);
  const kb = vietnameseNameKey(b.familyName, b.givenName);
  for (let i = 0; i < 3; i++) {
    const c = collator.compare(ka[i]!, kb[i]!) || accentCollator.compare(ka[i]!, kb[i]!);
    if (c) return c;
  }
  return 0;
}
