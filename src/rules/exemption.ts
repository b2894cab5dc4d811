/**
 * What an approved exemption changes, per semester and for the year, from its scope and its period.
 *
 * TT58 Điều 12 (also under TT26): Thể dục, Âm nhạc, Mỹ thuật exempted for a semester or the whole year (12.4).
 *   Whole year → the subject takes no part in any ranking and needs no marks. One semester → the subject's year
 *   result is the result of the semester actually studied, and the exempted semester's ranking leaves it out
 *   (A-58-EXEMPT-SEM = exclude; 'keep' ranks that semester with the subject's year result, as computeStudentYear does).
 *   GDQP-AN practical part (12.5): tested on theory to complete the required number of marks.
 * TT22 Điều 10: only the practical part of GDTC / GDQP-AN; the student is assessed on theory content instead,
 *   so every column stays required and the subject stays in every ranking (assessment-rules.md §4.5).
 *
 * The period: an exemption covers a semester when its dates [from, to] overlap that semester's dates; a
 * semester-scoped exemption covers at most its own semester. So an exemption granted from the first day of
 * HK II to the end of the year exempts HK II only, whatever its scope says, and never reaches back into HK I.
 * Dates are ISO strings (YYYY-MM-DD) supplied by the caller: no clock here.
 */
import { RulesError } from './errors';
import { clause, type Explanation } from './explanation';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import type { Regime } from './regime';
import { foldName } from './subjects';
import type { Semester } from './subject-average';

export type ExemptionScope = 'HK1' | 'HK2' | 'year' | 'practical';

export interface ExemptionRecord {
  readonly scope: ExemptionScope;
  /** First and last day of the exemption (inclusive), YYYY-MM-DD. */
  readonly from: string;
  readonly to: string;
}

export interface TermSpan {
  readonly code: Semester;
  readonly start: string;
  readonly end: string;
}

/** How a semester's ranking sees the subject: its own semester result, the subject's year result, or not at all. */
export type SemesterRanking = 'own' | 'year-result' | 'excluded';

export interface ExemptionEffect {
  readonly subject: string;
  /** Semesters in which the whole subject is exempted (TT58 Điều 12.4). */
  readonly wholeSemesters: readonly Semester[];
  /** Semesters in which only the practical part is exempted (TT22 Điều 10, TT58 Điều 12.5). */
  readonly practicalSemesters: readonly Semester[];
  readonly ranking: { readonly HK1: SemesterRanking; readonly HK2: SemesterRanking; readonly year: 'included' | 'excluded' };
  /** The semesters the subject's year result is made from: both (normal), one (TT58 12.4), none (whole year). */
  readonly yearFrom: readonly Semester[];
  /** Whether the semester's assessment columns are required for this student. */
  readonly columnsRequired: { readonly HK1: boolean; readonly HK2: boolean };
  /** What the marks of the semester assess: the normal content, or theory in place of the practical part. */
  readonly evaluation: { readonly HK1: 'normal' | 'theory'; readonly HK2: 'normal' | 'theory' };
  readonly explanation: Explanation;
}

const EXEMPT_WHOLE_58 = new Set(['the duc', 'am nhac', 'my thuat', 'mi thuat']);
const GDQP = new Set(['giao duc quoc phong va an ninh', 'giao duc quoc phong an ninh', 'gdqp an', 'gdqp']);
const EXEMPT_PRACTICAL_22 = new Set(['giao duc the chat', 'gdtc', ...GDQP]);

const ISO = /^\d{4}-\d{2}-\d{2}$/;
function checkDate(d: string, what: string): void {
  if (!ISO.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
    throw new RulesError('RULES_INVALID_DATE', `Ngày ${what} "${d}" không hợp lệ (dạng YYYY-MM-DD)`, `Invalid ${what} date "${d}"`, { date: d });
  }
}

/** Whether the regulation lets `subject` be exempted with `scope` under `regime` (TT58 Điều 12.1/12.5, TT22 Điều 10). */
export function exemptionAllowed(regime: Regime, subject: string, scope: ExemptionScope): boolean {
  const f = foldName(subject);
  if (regime === 'TT22') return scope === 'practical' && EXEMPT_PRACTICAL_22.has(f);
  return scope === 'practical' ? GDQP.has(f) : EXEMPT_WHOLE_58.has(f);
}

function notAllowed(regime: Regime, subject: string, scope: ExemptionScope): RulesError {
  return new RulesError(
    'RULES_EXEMPTION_NOT_ALLOWED',
    regime === 'TT22'
      ? `TT22 Điều 10: chỉ miễn phần thực hành môn GDTC, GDQP-AN (môn ${subject}, miễn "${scope}")`
      : `TT58 Điều 12: chỉ miễn học Thể dục, Âm nhạc, Mỹ thuật theo học kỳ hoặc cả năm, hoặc phần thực hành GDQP-AN (môn ${subject}, miễn "${scope}")`,
    regime === 'TT22'
      ? `TT22 Art. 10 only exempts the practical part of GDTC/GDQP-AN (${subject}, "${scope}")`
      : `TT58 Art. 12 only exempts PE, music, fine arts for a semester or the year, or the GDQP-AN practical part (${subject}, "${scope}")`,
    { subject, scope },
  );
}

const overlaps = (r: ExemptionRecord, t: TermSpan) => r.from <= t.end && r.to >= t.start;

/** The semesters one exemption record covers: its scope, cut to the semesters its dates overlap. */
export function coveredSemesters(r: ExemptionRecord, terms: readonly TermSpan[]): Semester[] {
  checkDate(r.from, 'bắt đầu');
  checkDate(r.to, 'kết thúc');
  if (r.to < r.from) throw new RulesError('RULES_INVALID_DATE', `Thời gian miễn không hợp lệ: ngày kết thúc ${r.to} trước ngày bắt đầu ${r.from}`, `Exemption ends (${r.to}) before it starts (${r.from})`, { from: r.from, to: r.to });
  return terms
    .filter((t) => (r.scope === 'HK1' || r.scope === 'HK2' ? t.code === r.scope : true) && overlaps(r, t))
    .map((t) => t.code)
    .sort();
}

const SEM_VI: Record<Semester, string> = { HK1: 'học kỳ I', HK2: 'học kỳ II' };
const other = (s: Semester): Semester => (s === 'HK1' ? 'HK2' : 'HK1');

/**
 * The combined effect of a student's approved exemptions in one subject (several records may exist, e.g. one
 * per semester). Throws RULES_EXEMPTION_NOT_ALLOWED for a subject/scope the regulation does not allow and
 * RULES_INVALID_DATE for a bad period.
 */
export function exemptionEffect(
  regime: Regime,
  subject: string,
  records: readonly ExemptionRecord[],
  terms: readonly TermSpan[],
  options?: PartialRuleOptions | RuleOptions,
): ExemptionEffect {
  const o = resolveOptions(options);
  const whole = new Set<Semester>();
  const practical = new Set<Semester>();
  for (const r of records) {
    if (!exemptionAllowed(regime, subject, r.scope)) throw notAllowed(regime, subject, r.scope);
    for (const s of coveredSemesters(r, terms)) (r.scope === 'practical' ? practical : whole).add(s);
  }
  const wholeSemesters = (['HK1', 'HK2'] as const).filter((s) => whole.has(s));
  const practicalSemesters = (['HK1', 'HK2'] as const).filter((s) => practical.has(s) && !whole.has(s));
  const yearFrom = (['HK1', 'HK2'] as const).filter((s) => !whole.has(s));
  const keep = o['A-58-EXEMPT-SEM'] === 'keep';
  const semRank = (s: Semester): SemesterRanking => (!whole.has(s) ? 'own' : yearFrom.length && keep ? 'year-result' : 'excluded');
  const doc = regime === 'TT22' ? 'TT22' : 'TT58';
  const parts: string[] = [];
  let cl = regime === 'TT22' ? clause('TT22', 10) : clause('TT58', 12, 4);
  if (wholeSemesters.length === 2) parts.push(`Miễn học môn ${subject} cả năm: môn này không tham gia xếp loại học kỳ và cả năm, không cần điểm.`);
  else if (wholeSemesters.length === 1) {
    const ex = wholeSemesters[0]!;
    parts.push(
      `Miễn học môn ${subject} ${SEM_VI[ex]}: kết quả cả năm của môn là kết quả ${SEM_VI[other(ex)]} (học kỳ thực học); ` +
        (keep ? `xếp loại ${SEM_VI[ex]} dùng kết quả cả năm của môn (tuỳ chọn A-58-EXEMPT-SEM = keep).` : `môn này không tham gia xếp loại ${SEM_VI[ex]}; không cần điểm ${SEM_VI[ex]}.`),
    );
  }
  if (practicalSemesters.length) {
    if (regime !== 'TT22') cl = clause('TT58', 12, 5);
    parts.push(
      `Miễn phần thực hành môn ${subject} (${practicalSemesters.map((s) => SEM_VI[s]).join(', ')}): học sinh được đánh giá bằng nội dung lý thuyết thay cho thực hành, ` +
        'vẫn đủ số lần kiểm tra, đánh giá và môn vẫn tham gia xếp loại.',
    );
  }
  if (!parts.length) parts.push(records.length ? `Thời gian miễn môn ${subject} không trùng học kỳ nào: không ảnh hưởng kết quả.` : `Không miễn môn ${subject}.`);
  return {
    subject,
    wholeSemesters,
    practicalSemesters,
    ranking: { HK1: semRank('HK1'), HK2: semRank('HK2'), year: yearFrom.length ? 'included' : 'excluded' },
    yearFrom,
    columnsRequired: { HK1: !whole.has('HK1'), HK2: !whole.has('HK2') },
    evaluation: { HK1: practicalSemesters.includes('HK1') ? 'theory' : 'normal', HK2: practicalSemesters.includes('HK2') ? 'theory' : 'normal' },
    explanation: {
      code: 'EXEMPTION_EFFECT',
      clause: records.length ? cl : null,
      summaryVi: parts.join(' '),
      ...(doc !== 'TT22' && wholeSemesters.length === 1 ? { options: [{ id: 'A-58-EXEMPT-SEM', value: o['A-58-EXEMPT-SEM'] }] } : {}),
    },
  };
}
