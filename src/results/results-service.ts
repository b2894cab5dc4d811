/**
 * Class results per term: every student's subject averages (the grid's own computation), overall average
 * (TT58 regimes), learning level strict/final with the adjustment clause, conduct/training, absences,
 * titles and (for the year) the outcome — all from the rules engine, each with its explanation.
 * Approved exemptions act through the rules engine's exemptionEffect, from their scope AND their period (the
 * dates decide which semesters they cover): TT58 Điều 12.4 (whole subject: out of the exempted semester's
 * ranking, year result = the semester studied, no marks required), TT22 Điều 10 / TT58 Điều 12.5 (practical
 * part: marks assess theory, the subject stays in every ranking). A principal-approved disability override
 * replaces the computed level and outcome and is always flagged.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import {
  rankLearning,
  decideYearOutcome,
  title58,
  award22,
  eligibleRetestSubjects,
  renderExplanationVi,
  isRulesError,
  exemptionEffect,
  type ExemptionEffect,
  type ExemptionScope,
  type LearningRank,
  type RankingSubjectInput,
  type Regime,
} from '../rules';
import { loadClassSubjectsOfClass, loadColumns, loadScores, type ClassSubjectContext, type TermRow } from '../gradebook/grid-repository';
import { averagesFor, cellMaps } from '../gradebook/grid-view-model';
import type { AverageCell } from '../gradebook/averages';
import { authoriseClassView, classFor, type ClassContext } from './class-context';
import { loadConduct, yearConductOf, type ConductTerm } from '../conduct/conduct-service';
import { yearAbsences } from '../attendance/attendance-service';

export type Period = 'HK1' | 'HK2' | 'CN';
export interface Figure { text: string | null; explanationVi: string }
export interface SubjectCell extends Figure {
  exempt: boolean;
  /** Practical part exempted (TT22 Điều 10 / TT58 Điều 12.5): the marks of this period assessed theory instead. */
  theory?: boolean;
}

export interface StudentResult {
  enrolmentId: number;
  personId: number;
  name: string;
  left: boolean;
  subjects: SubjectCell[];
  overall: Figure | null;
  learningStrict: Figure;
  learning: Figure & { adjustedBy: string | null };
  conduct: Figure;
  absences: number;
  title: Figure;
  outcome: (Figure & { code: string }) | null;
  retestEligible: string[];
  override: { learning: string; outcome: string; reason: string } | null;
}

export interface ClassResults {
  classId: number;
  className: string;
  grade: number;
  schoolYearName: string;
  regime: Regime;
  period: Period;
  subjects: Array<{ id: number; name: string }>;
  rows: StudentResult[];
  options: Record<string, string>;
}

const dot = (t: string) => t.replace(',', '.');
const pending = (why: string): Figure => ({ text: null, explanationVi: why });
const fig = (text: string | null, explanationVi: string): Figure => ({ text, explanationVi });

export interface ClassData {
  c: ClassContext;
  subjects: ClassSubjectContext[];
  averages: (cs: ClassSubjectContext, enrolmentId: number) => { HK1: AverageCell | null; HK2: AverageCell | null; CN: AverageCell };
  conduct: Awaited<ReturnType<typeof loadConduct>>;
  absences: Map<number, number>;
  /** Approved exemptions as recorded (scope and period), by enrolment. */
  exemptions: Map<number, Array<{ subjectId: number; scope: string; from: string; to: string }>>;
  /** Their effect per enrolment and subject id (rules engine); a subject without one is not exempted. */
  effects: Map<number, Map<number, ExemptionEffect>>;
  overrides: Map<number, { learning: string; outcome: string; reason: string }>;
  columns: Awaited<ReturnType<typeof loadColumns>>;
  scores: Map<number, Map<number, { tenths: number | null; rating: string | null }>>;
}

/** Everything the class's results depend on, in one pass of queries (a few statements for the whole class). */
export async function loadClassData(db: Kysely<DB>, c: ClassContext): Promise<ClassData> {
  const subjects = await loadClassSubjectsOfClass(db, c.classId);
  const terms: TermRow[] = c.terms.map((t) => ({ id: t.id, code: t.code }));
  const ids = c.students.map((s) => s.enrolmentId);
  const [columns, conduct, absences, ex, ov] = await Promise.all([
    loadColumns(db, subjects.map((s) => s.id)),
    loadConduct(db, ids),
    yearAbsences(db, c),
    ids.length
      ? db.selectFrom('exemption').select(['enrolment_id', 'subject_id', 'scope', sql<string>`to_char(valid_from, 'YYYY-MM-DD')`.as('from'), sql<string>`to_char(valid_to, 'YYYY-MM-DD')`.as('to')]).where('enrolment_id', 'in', ids).where('approved_at', 'is not', null).orderBy('id').execute()
      : Promise.resolve([]),
    ids.length ? db.selectFrom('disability_override').select(['enrolment_id', 'learning', 'outcome', 'reason']).where('enrolment_id', 'in', ids).where('approved_at', 'is not', null).execute() : Promise.resolve([]),
  ]);
  const scoreRows = await loadScores(db, columns.map((x) => x.id));
  const byEnrolment = cellMaps(scoreRows);
  const colsBySubject = new Map<number, typeof columns>();
  for (const col of columns) colsBySubject.set(col.classSubjectId, [...(colsBySubject.get(col.classSubjectId) ?? []), col]);
  const exemptions = new Map<number, Array<{ subjectId: number; scope: string; from: string; to: string }>>();
  for (const e of ex) exemptions.set(Number(e.enrolment_id), [...(exemptions.get(Number(e.enrolment_id)) ?? []), { subjectId: Number(e.subject_id), scope: e.scope, from: e.from, to: e.to }]);
  const subjectIdOf = new Map<number, number>();
  const rawSubjects = subjects.length ? await db.selectFrom('class_subject').select(['id', 'subject_id']).where('id', 'in', subjects.map((s) => s.id)).execute() : [];
  for (const r of rawSubjects) subjectIdOf.set(Number(r.id), Number(r.subject_id));
  Object.assign(subjects, subjects.map((s) => Object.assign(s, { subjectId: subjectIdOf.get(s.id) })));
  const effects = new Map<number, Map<number, ExemptionEffect>>();
  for (const [enrolmentId, list] of exemptions) {
    const bySubject = new Map<number, ExemptionEffect>();
    for (const cs of subjects) {
      const mine = list.filter((e) => e.subjectId === subjectIdOf.get(cs.id));
      if (!mine.length) continue;
      try {
        bySubject.set(subjectIdOf.get(cs.id)!, exemptionEffect(c.regime, cs.subjectName, mine.map((e) => ({ scope: e.scope as ExemptionScope, from: e.from, to: e.to })), c.terms, c.options));
      } catch (e) {
        // Recorded under another regime setting (e.g. the grade's regime was changed since): it cannot apply now;
        // the subject is computed as if not exempted and the exemptions list still shows the record.
        if (!isRulesError(e)) throw e;
      }
    }
    effects.set(enrolmentId, bySubject);
  }
  return {
    c,
    subjects,
    averages: (cs, enrolmentId) => {
      const a = averagesFor(cs, terms, colsBySubject.get(cs.id) ?? [], enrolmentId, byEnrolment.get(enrolmentId));
      return { HK1: a.terms.HK1 ?? null, HK2: a.terms.HK2 ?? null, CN: a.year };
    },
    conduct,
    absences,
    exemptions,
    effects,
    overrides: new Map(ov.map((o) => [Number(o.enrolment_id), { learning: o.learning, outcome: o.outcome, reason: o.reason }])),
    columns,
    scores: byEnrolment as ClassData['scores'],
  };
}

export const subjectIdOf = (cs: ClassSubjectContext): number => (cs as ClassSubjectContext & { subjectId?: number }).subjectId ?? -1;

const SEM_VI = { HK1: 'học kỳ I', HK2: 'học kỳ II' } as const;

/**
 * The subject's figure for `period` under its exemption effect (rules engine): left out, the year result taking
 * the place of an exempted semester (A-58-EXEMPT-SEM = keep), the year made of the one semester studied (TT58
 * Điều 12.4), or the normal figure — annotated when the marks assessed theory instead of practice.
 * Other readers of a subject's period figure (LMS averages, exports) should use this, not the raw scope.
 */
export function exemptFigure(d: ClassData, cs: ClassSubjectContext, enrolmentId: number, period: Period): { exempt: boolean; cell: AverageCell | null; theory?: boolean } {
  const e = d.effects.get(enrolmentId)?.get(subjectIdOf(cs));
  const a = d.averages(cs, enrolmentId);
  if (!e) return { exempt: false, cell: a[period] };
  const why = e.explanation.summaryVi + (e.explanation.clause ? ` (${e.explanation.clause.doc} Điều ${e.explanation.clause.article}${e.explanation.clause.clause ? ` khoản ${e.explanation.clause.clause}` : ''})` : '');
  const yearCell = (): AverageCell | null => {
    if (e.yearFrom.length === 2) return a.CN;
    if (e.yearFrom.length === 0) return null;
    const s = a[e.yearFrom[0]!];
    return { text: s?.text ?? null, explanationVi: `Cả năm = kết quả ${SEM_VI[e.yearFrom[0]!]}: ${why}\n${s?.explanationVi ?? 'Chưa có điểm.'}` };
  };
  if (period === 'CN') {
    if (e.ranking.year === 'excluded') return { exempt: true, cell: { text: 'Miễn', explanationVi: why } };
    const y = yearCell();
    return { exempt: false, cell: e.practicalSemesters.length && y ? { text: y.text, explanationVi: `${why}\n${y.explanationVi}` } : y, theory: e.practicalSemesters.length > 0 };
  }
  const r = e.ranking[period];
  if (r === 'excluded') return { exempt: true, cell: { text: 'Miễn', explanationVi: why } };
  if (r === 'year-result') {
    const y = yearCell();
    return { exempt: false, cell: { text: y?.text ?? null, explanationVi: `${why}\n${y?.explanationVi ?? ''}` } };
  }
  const own = a[period];
  return { exempt: false, cell: e.evaluation[period] === 'theory' && own ? { text: own.text, explanationVi: `${why}\n${own.explanationVi}` } : own, theory: e.evaluation[period] === 'theory' };
}

/** One student's ranking input for a period, or the subjects still without a result. */
export function rankingInput(d: ClassData, enrolmentId: number, period: Period, retests: Record<string, string> = {}): { subjects: RankingSubjectInput[]; missing: string[]; cells: SubjectCell[] } {
  const subjects: RankingSubjectInput[] = [];
  const missing: string[] = [];
  const cells: SubjectCell[] = [];
  for (const cs of d.subjects) {
    const { exempt, cell: a, theory } = exemptFigure(d, cs, enrolmentId, period);
    if (exempt) {
      cells.push({ text: 'Miễn', explanationVi: a?.explanationVi ?? '', exempt: true });
      subjects.push({ name: cs.subjectName, exempt: true, ...(cs.assessment === 'comment' ? { result: 'Đ' } : { average: '0' }) });
      continue;
    }
    cells.push({ text: a?.text ?? null, explanationVi: a?.explanationVi ?? 'Chưa có điểm.', exempt: false, ...(theory ? { theory: true } : {}) });
    const text = retests[cs.subjectName] ?? (a?.text ? dot(a.text) : null);
    if (!text) { missing.push(cs.subjectName); continue; }
    subjects.push(cs.assessment === 'comment' ? { name: cs.subjectName, result: text } : { name: cs.subjectName, average: text });
  }
  return { subjects, missing, cells };
}

export function studentResult(d: ClassData, st: ClassContext['students'][number], period: Period, retests: Record<string, string> = {}): StudentResult & { rank: LearningRank | null } {
  const { c } = d;
  const { subjects, missing, cells } = rankingInput(d, st.enrolmentId, period, retests);
  const enginePeriod = period === 'CN' ? 'year' : period;
  let rank: LearningRank | null = null;
  let rankError: string | null = missing.length ? `Chưa xếp loại được: chưa có kết quả môn ${missing.join(', ')}.` : null;
  if (!rankError) {
    try {
      rank = rankLearning({ regime: c.regime, subjects, period: enginePeriod, options: c.options });
    } catch (e) {
      if (!isRulesError(e)) throw e;
      rankError = e.vi;
    }
  }
  const entries = d.conduct.get(st.enrolmentId);
  const yc = yearConductOf(c.regime, entries, c.options);
  const conductLevel = period === 'CN' ? yc.level : entries?.[period as ConductTerm]?.level ?? null;
  const conduct = period === 'CN' ? fig(yc.level, yc.explanationVi) : fig(conductLevel, conductLevel ? `${c.regime === 'TT22' ? 'Rèn luyện' : 'Hạnh kiểm'} ${period === 'HK1' ? 'học kỳ I' : 'học kỳ II'}: ${conductLevel} — do giáo viên chủ nhiệm đánh giá.` : 'Giáo viên chủ nhiệm chưa đánh giá.');
  const absences = d.absences.get(st.enrolmentId) ?? 0;
  const learningStrict = rank ? fig(rank.strict, renderExplanationVi(rank.explanation)) : pending(rankError!);
  const learning = rank ? { ...fig(rank.final, renderExplanationVi(rank.explanation)), adjustedBy: rank.adjustedBy } : { ...pending(rankError!), adjustedBy: null };
  const overall = c.regime !== 'TT22' ? (rank && rank.regime !== 'TT22' ? fig(dot(rank.overallAverage.averageText).replace('.', ','), renderExplanationVi(rank.overallAverage.explanation)) : pending(rankError ?? '')) : null;
  let title: Figure = pending('Chưa đủ học lực và hạnh kiểm để xét danh hiệu.');
  let outcome: StudentResult['outcome'] = null;
  let retestEligible: string[] = [];
  try {
    if (rank && conductLevel) {
      if (c.regime === 'TT22') {
        if (period === 'CN') {
          const yearAverages = subjects.filter((s) => s.average !== undefined && !s.exempt).map((s) => s.average as string);
          const a = award22(conductLevel, rank.final, yearAverages);
          title = fig(a.title, renderExplanationVi(a.explanation));
        } else title = fig(null, 'TT22: danh hiệu chỉ xét cuối năm học (Điều 15).');
      } else {
        const t = title58(conductLevel, rank.final, enginePeriod);
        title = fig(t.title, renderExplanationVi(t.explanation));
      }
    }
    if (period === 'CN' && rank && conductLevel) {
      const o = c.regime === 'TT22'
        ? decideYearOutcome({ regime: 'TT22', learning: rank.final, training: conductLevel, absences, grade: c.grade, options: c.options })
        : decideYearOutcome({ regime: c.regime, learning: rank.final, conduct: conductLevel, absences, options: c.options });
      outcome = { code: o.outcome, text: OUTCOME_VI[o.outcome] ?? o.outcome, explanationVi: renderExplanationVi(o.explanation) };
      if (o.outcome === 'retest') retestEligible = eligibleRetestSubjects({ regime: c.regime, subjects, period: 'year', options: c.options }).map((e) => e.name);
    } else if (period === 'CN') {
      outcome = { code: 'pending', text: 'Chưa xét', explanationVi: rankError ?? 'Chưa có hạnh kiểm / kết quả rèn luyện cả năm.' };
    }
  } catch (e) {
    if (!isRulesError(e)) throw e;
    title = pending(e.vi);
  }
  const ov = d.overrides.get(st.enrolmentId) ?? null;
  if (ov && period === 'CN') {
    // Disabled students are not ranked by the engine (A-58-DISABLED / A-22-DISABLED = manual-override): the principal's decision stands in.
    learning.text = ov.learning;
    learning.explanationVi = `Quyết định của hiệu trưởng (học sinh khuyết tật): ${ov.reason}`;
    outcome = { code: ov.outcome, text: OUTCOME_VI[ov.outcome] ?? ov.outcome, explanationVi: `Quyết định của hiệu trưởng (học sinh khuyết tật), không do quy tắc tính: ${ov.reason}` };
  }
  return { enrolmentId: st.enrolmentId, personId: st.personId, name: st.displayName, left: st.leftOn !== null, subjects: cells, overall, learningStrict, learning, conduct, absences, title, outcome, retestEligible, override: period === 'CN' ? ov : null, rank };
}

export const OUTCOME_VI: Record<string, string> = {
  promoted: 'Lên lớp',
  repeat: 'Ở lại lớp',
  retest: 'Kiểm tra lại',
  'summer-training': 'Rèn luyện trong hè',
  pending: 'Chưa xét',
};

/**
 * Per-student memo: a student's figures depend only on their own marks, conduct, absences, exemptions and
 * override plus the class's subjects, regime and options. The key is exactly those inputs, so after one
 * score change only that student is recomputed (the others' keys are unchanged) and nothing can be stale.
 * Bounded FIFO so a large school cannot grow it without limit.
 */
const memo = new Map<string, { key: string; result: StudentResult }>();
const MEMO_MAX = 20_000;
function remember(k: string, key: string, result: StudentResult): void {
  memo.delete(k);
  memo.set(k, { key, result });
  if (memo.size > MEMO_MAX) memo.delete(memo.keys().next().value as string);
}

function inputKey(d: ClassData, enrolmentId: number, period: Period): string {
  const cells = d.scores.get(enrolmentId);
  // Term dates are part of the key: an exemption's effect depends on which semesters its period overlaps.
  const parts: string[] = [period, d.c.regime, String(d.c.grade), JSON.stringify(d.c.options), JSON.stringify(d.c.terms), d.subjects.map((s) => `${s.id}:${s.assessment}:${s.subjectName}`).join(',')];
  for (const col of d.columns) {
    const v = cells?.get(col.id);
    parts.push(`${col.id}/${col.kind}/${col.termId}/${col.form ?? ''}=${v ? `${v.tenths ?? ''}${v.rating ?? ''}` : ''}`);
  }
  parts.push(JSON.stringify(d.conduct.get(enrolmentId) ?? null), String(d.absences.get(enrolmentId) ?? 0), JSON.stringify(d.exemptions.get(enrolmentId) ?? null), JSON.stringify(d.overrides.get(enrolmentId) ?? null));
  return parts.join('|');
}

export async function loadClassResults(db: Kysely<DB>, session: Session, classId: number, period: Period): Promise<ClassResults> {
  const c = await classFor(db, session, classId);
  authoriseClassView(session, c);
  const d = await loadClassData(db, c);
  return {
    classId: c.classId,
    className: c.className,
    grade: c.grade,
    schoolYearName: c.schoolYearName,
    regime: c.regime,
    period,
    subjects: d.subjects.map((s) => ({ id: s.id, name: s.subjectName })),
    rows: c.students.map((st) => {
      const key = `${st.displayName}|${st.leftOn ?? ''}|${inputKey(d, st.enrolmentId, period)}`;
      const memoKey = `${c.classId}|${st.enrolmentId}`;
      const hit = memo.get(memoKey);
      if (hit && hit.key === key) return hit.result;
      const { rank: _rank, ...r } = studentResult(d, st, period);
      remember(memoKey, key, r);
      return r;
    }),
    options: { ...c.options } as Record<string, string>,
  };
}

/** Which active students lack which marks (by subject and column) — refused year decisions name them. */
export function missingMarks(d: ClassData): Array<{ student: string; subject: string; columns: string[] }> {
  const out: Array<{ student: string; subject: string; columns: string[] }> = [];
  const termCode = new Map(d.c.terms.map((t) => [t.id, t.code === 'HK1' ? 'HK I' : 'HK II']));
  for (const st of d.c.students) {
    if (st.leftOn !== null) continue;
    const effects = d.effects.get(st.enrolmentId);
    for (const cs of d.subjects) {
      // A whole-subject exemption (TT58 Điều 12.4) needs no marks in the semesters it covers; a practical-part one needs all.
      const e = effects?.get(subjectIdOf(cs));
      if (e && !e.columnsRequired.HK1 && !e.columnsRequired.HK2) continue;
      const required = (termId: number) => { const code = d.c.terms.find((t) => t.id === termId)?.code; return !e || !code || e.columnsRequired[code]; };
      const cols = d.columns.filter((col) => col.classSubjectId === cs.id && required(col.termId));
      if (!cols.length) { out.push({ student: st.displayName, subject: cs.subjectName, columns: ['(chưa có cột điểm)'] }); continue; }
      const cells = d.scores.get(st.enrolmentId);
      const gaps = cols.filter((col) => { const v = cells?.get(col.id); return !v || (v.tenths === null && v.rating === null); }).map((col) => `${col.label} ${termCode.get(col.termId) ?? ''}`.trim());
      if (gaps.length) out.push({ student: st.displayName, subject: cs.subjectName, columns: gaps });
    }
  }
  return out;
}

