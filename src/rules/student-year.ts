/**
 * The whole year of one student, from marks to outcome: semester and year subject results, rankings
 * (HK I, HK II, year) with adjustment, conduct/training, outcome, titles — every piece explained.
 * Exemptions: TT58 Điều 12.4 (whole year → out of every ranking; one semester → year = the semester studied,
 * left out of the exempted semester's ranking, A-58-EXEMPT-SEM); TT22 Điều 10 (practical part only: the
 * subject keeps its assessments and stays in the ranking).
 */
import type { AbsenceInput } from './absences';
import { computeCommentSemester, computeCommentYear, type CommentRequired, type CommentSemesterResult, type CommentYearResult } from './comment-subject';
import { yearConduct58, yearTraining22, type YearConduct58, type YearTraining22 } from './conduct';
import { RulesError } from './errors';
import type { Explanation } from './explanation';
import type { Conduct58, Level22 } from './levels';
import type { SemesterMarks } from './marks';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import type { RankingSubjectInput } from './ranking-input';
import { rankLearning, type LearningRank } from './ranking';
import type { LearningRank22 } from './ranking-tt22';
import type { LearningRank58 } from './ranking-tt58';
import type { Regime } from './regime';
import { assessmentModeOf, isExemptable, type SubjectRef } from './subjects';
import { exemptionAllowed } from './exemption';
import { computeSemesterAverage, computeYearAverage, type Semester, type SubjectSemesterAverage, type SubjectYearAverage } from './subject-average';
import { award22, title58, type TitleResult, type Title22, type Title58 } from './titles';
import { decideYearOutcome, type YearOutcomeResult } from './year-outcome';

export interface SubjectYearInput extends SubjectRef {
  readonly hk1?: SemesterMarks | null;
  readonly hk2?: SemesterMarks | null;
  /** TT58 Điều 12: 'year' or one semester. TT22 Điều 10: only 'practical' (GDTC, GDQP-AN). */
  readonly exempt?: 'year' | Semester | 'practical';
  /** Comment subjects: required numbers for completeness (TT58 Điều 10.2 / TT22 Điều 9.1.a). */
  readonly required?: CommentRequired;
}

export interface StudentYearInput {
  readonly regime: Regime;
  readonly studentId?: string;
  readonly grade?: number;
  readonly chuyenSubject?: string;
  readonly subjects: readonly SubjectYearInput[];
  /** TT58: hạnh kiểm HK I, HK II and the year (human input); TT22: rèn luyện HK I and HK II. */
  readonly conduct?: { readonly hk1?: string | null; readonly hk2?: string | null; readonly year?: string | null };
  readonly absences?: AbsenceInput;
  readonly options?: PartialRuleOptions | RuleOptions;
}

export interface SubjectYearOutcome {
  readonly subject: string;
  readonly kind: 'scored' | 'comment';
  readonly hk1: SubjectSemesterAverage | CommentSemesterResult | null;
  readonly hk2: SubjectSemesterAverage | CommentSemesterResult | null;
  readonly year: SubjectYearAverage | CommentYearResult | null;
  readonly exempt: SubjectYearInput['exempt'] | null;
}

interface Common {
  readonly studentId?: string;
  readonly subjects: readonly SubjectYearOutcome[];
  readonly outcome: YearOutcomeResult;
  readonly options: RuleOptions;
  readonly explanation: Explanation;
}

export interface StudentYear58 extends Common {
  readonly regime: 'TT58' | 'TT58_TT26';
  readonly rankings: { readonly hk1: LearningRank58 | null; readonly hk2: LearningRank58 | null; readonly year: LearningRank58 };
  readonly conduct: YearConduct58;
  readonly titles: { readonly hk1: TitleResult<Title58> | null; readonly hk2: TitleResult<Title58> | null; readonly year: TitleResult<Title58> | null };
}

export interface StudentYear22 extends Common {
  readonly regime: 'TT22';
  readonly rankings: { readonly hk1: LearningRank22 | null; readonly hk2: LearningRank22 | null; readonly year: LearningRank22 };
  readonly training: YearTraining22 | null;
  readonly award: (TitleResult<Title22> & { readonly subjectsAtLeast9: number }) | null;
}

export type StudentYearResult = StudentYear58 | StudentYear22;

function checkExemption(s: SubjectYearInput, regime: Regime): void {
  if (!s.exempt) return;
  // TT58 Điều 12.5 also lets the GDQP-AN practical part be exempted (theory instead: no change to the marks).
  const ok = regime === 'TT22' ? s.exempt === 'practical' && isExemptable(s.name, regime) : s.exempt === 'practical' ? exemptionAllowed(regime, s.name, 'practical') : isExemptable(s.name, regime);
  if (!ok) {
    throw new RulesError(
      'RULES_EXEMPTION_NOT_ALLOWED',
      regime === 'TT22' ? `TT22 Điều 10: chỉ miễn phần thực hành môn GDTC, GDQP-AN (môn ${s.name}, miễn "${s.exempt}")` : `TT58 Điều 12: chỉ miễn học Thể dục, Âm nhạc, Mỹ thuật theo học kỳ hoặc cả năm, hoặc phần thực hành GDQP-AN (môn ${s.name}, miễn "${s.exempt}")`,
      regime === 'TT22' ? `TT22 Art. 10 only exempts the practical part of GDTC/GDQP-AN (${s.name}, "${s.exempt}")` : `TT58 Art. 12 only exempts PE, music, fine arts for a semester or the year, or the GDQP-AN practical part (${s.name}, "${s.exempt}")`,
      { subject: s.name, exempt: s.exempt },
    );
  }
}

export function computeStudentYear(input: StudentYearInput): StudentYearResult {
  const o = resolveOptions(input.options);
  const { regime } = input;
  const results: SubjectYearOutcome[] = [];
  const rank1: RankingSubjectInput[] = [];
  const rank2: RankingSubjectInput[] = [];
  const rankY: RankingSubjectInput[] = [];
  const keepSemester = regime !== 'TT22' && o['A-58-EXEMPT-SEM'] === 'keep';
  for (const s of input.subjects) {
    checkExemption(s, regime);
    const kind = assessmentModeOf(s, regime);
    const ref = { name: s.name, ...(s.key ? { key: s.key } : {}), assessment: kind };
    const yearExempt = s.exempt === 'year';
    const m1 = yearExempt || s.exempt === 'HK1' ? null : s.hk1 ?? null;
    const m2 = yearExempt || s.exempt === 'HK2' ? null : s.hk2 ?? null;
    let r1: SubjectSemesterAverage | CommentSemesterResult | null = null;
    let r2: SubjectSemesterAverage | CommentSemesterResult | null = null;
    let ry: SubjectYearAverage | CommentYearResult | null = null;
    if (kind === 'scored') {
      const a1 = m1 ? computeSemesterAverage(regime, m1, o, { subject: s.name, semester: 'HK1' }) : null;
      const a2 = m2 ? computeSemesterAverage(regime, m2, o, { subject: s.name, semester: 'HK2' }) : null;
      r1 = a1;
      r2 = a2;
      if (!yearExempt) ry = computeYearAverage(regime, a1, a2, o, { subject: s.name });
      if (a1) rank1.push({ ...ref, average: a1 });
      if (a2) rank2.push({ ...ref, average: a2 });
      if (ry) rankY.push({ ...ref, average: ry });
    } else {
      const c1 = m1 ? computeCommentSemester(regime, m1, s.required, o, { subject: s.name, semester: 'HK1' }) : null;
      const c2 = m2 ? computeCommentSemester(regime, m2, s.required, o, { subject: s.name, semester: 'HK2' }) : null;
      r1 = c1;
      r2 = c2;
      if (!yearExempt && (c1 || c2)) ry = computeCommentYear(regime, c1, c2, { subject: s.name });
      if (c1) rank1.push({ ...ref, result: c1 });
      if (c2) rank2.push({ ...ref, result: c2 });
      if (ry) rankY.push({ ...ref, result: ry });
    }
    if (keepSemester && s.exempt === 'HK1' && ry) rank1.push(kind === 'scored' ? { ...ref, average: ry as SubjectYearAverage } : { ...ref, result: ry as CommentYearResult });
    if (keepSemester && s.exempt === 'HK2' && ry) rank2.push(kind === 'scored' ? { ...ref, average: ry as SubjectYearAverage } : { ...ref, result: ry as CommentYearResult });
    results.push({ subject: s.name, kind, hk1: r1, hk2: r2, year: ry, exempt: s.exempt ?? null });
  }
  const chuyen = input.chuyenSubject !== undefined ? { chuyenSubject: input.chuyenSubject } : {};
  const rk = (subjects: RankingSubjectInput[], period: 'HK1' | 'HK2' | 'year'): LearningRank | null =>
    subjects.length === 0 ? null : rankLearning({ regime, subjects, period, options: o, ...chuyen });
  const hk1 = rk(rank1, 'HK1');
  const hk2 = rk(rank2, 'HK2');
  const year = rk(rankY, 'year');
  if (!year) throw new RulesError('RULES_MISSING_RESULT', 'Không có kết quả môn học nào để xếp loại cả năm', 'No subject result to rank the year');

  if (regime === 'TT22') {
    const tr = input.conduct?.hk1 && input.conduct?.hk2 ? yearTraining22(input.conduct.hk1, input.conduct.hk2) : null;
    const yr = year as LearningRank22;
    const outcome = tr
      ? decideYearOutcome({ regime, learning: yr.final, training: tr.value, ...(input.absences !== undefined ? { absences: input.absences } : {}), ...(input.grade !== undefined ? { grade: input.grade } : {}), options: o })
      : pendingOutcome(regime, o);
    const yearAverages = results.filter((r) => r.kind === 'scored' && r.year).map((r) => r.year as SubjectYearAverage);
    const award = tr ? award22(tr.value, yr.final as Level22, yearAverages) : null;
    return {
      regime,
      ...(input.studentId !== undefined ? { studentId: input.studentId } : {}),
      subjects: results,
      rankings: { hk1: hk1 as LearningRank22 | null, hk2: hk2 as LearningRank22 | null, year: yr },
      training: tr,
      award,
      outcome,
      options: o,
      explanation: { code: 'STUDENT_YEAR', clause: null, summaryVi: `Kết quả năm học${input.studentId ? ` của học sinh ${input.studentId}` : ''}.`, steps: [yr.explanation, ...(tr ? [tr.explanation] : []), outcome.explanation, ...(award ? [award.explanation] : [])] },
    };
  }
  const conduct = yearConduct58({ hk1: input.conduct?.hk1 ?? null, hk2: input.conduct?.hk2 ?? null, year: input.conduct?.year ?? null }, o, regime);
  const yr = year as LearningRank58;
  const outcome = decideYearOutcome({ regime, learning: yr.final, conduct: conduct.value, ...(input.absences !== undefined ? { absences: input.absences } : {}), options: o });
  const t = (c: string | null | undefined, r: LearningRank | null, p: 'HK1' | 'HK2' | 'year'): TitleResult<Title58> | null => (c && r ? title58(c as Conduct58, (r as LearningRank58).final, p) : null);
  const titles = { hk1: t(input.conduct?.hk1, hk1, 'HK1'), hk2: t(input.conduct?.hk2, hk2, 'HK2'), year: t(conduct.value, yr, 'year') };
  return {
    regime,
    ...(input.studentId !== undefined ? { studentId: input.studentId } : {}),
    subjects: results,
    rankings: { hk1: hk1 as LearningRank58 | null, hk2: hk2 as LearningRank58 | null, year: yr },
    conduct,
    titles,
    outcome,
    options: o,
    explanation: { code: 'STUDENT_YEAR', clause: null, summaryVi: `Kết quả năm học${input.studentId ? ` của học sinh ${input.studentId}` : ''}.`, steps: [yr.explanation, conduct.explanation, outcome.explanation, ...(titles.year ? [titles.year.explanation] : [])] },
  };
}

function pendingOutcome(regime: 'TT22', o: RuleOptions): YearOutcomeResult {
  return {
    regime,
    outcome: 'pending',
    absences: 0,
    promotionPossible: true,
    retestAfterSummer: false,
    completesProgramme: false,
    clause: { doc: 'TT22', article: 8, clause: 2 },
    explanation: { code: 'YEAR_OUTCOME_PENDING', clause: { doc: 'TT22', article: 8, clause: 2 }, summaryVi: 'Chưa xét lên lớp: thiếu kết quả rèn luyện học kỳ.' },
    options: o,
  };
}
