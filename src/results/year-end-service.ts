/**
 * Year-end lists (issue 6.4): the homeroom teacher proposes, the principal approves; approval freezes the
 * per-student payload with the rule options used (later changes go through a correction). Round 'main'
 * is computed from the scores; round 'after_retest' from the approved main round plus the re-test scores
 * (student re-ranked by applyRetest) and summer-training outcomes (summerTrainingOutcome).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { requirePermission } from '../auth/permissions';
import { applyRetest, summerTrainingOutcome, isRulesError, renderExplanationVi, parseScore, parseRating, formatScore, scoreFromTenths } from '../rules';
import { authoriseClassView, authoriseHomeroomWrite, classFor, type ClassContext } from './class-context';
import { loadClassData, missingMarks, rankingInput, studentResult, subjectIdOf, OUTCOME_VI, type ClassData } from './results-service';
import { err } from './errors';
import { queueApprovedAverages } from '../lms-sync/averages';

export type Round = 'main' | 'after_retest';

export interface DecisionStudent {
  enrolmentId: number;
  name: string;
  learning: string | null;
  learningStrict: string | null;
  adjustedBy: string | null;
  overall: string | null;
  conduct: string | null;
  absences: number;
  outcome: string;
  outcomeVi: string;
  title: string | null;
  retestEligible: string[];
  override: boolean;
  explanationVi: string;
  retested?: Array<{ subject: string; before: string; after: string }>;
}

export interface DecisionPayload { regime: string; students: DecisionStudent[] }

export interface DecisionRow { id: number; round: Round; state: string; payload: DecisionPayload; options: Record<string, string>; proposedAt: Date; approvedAt: Date | null; version: number }

async function loadDecisions(db: Kysely<DB>, classId: number): Promise<DecisionRow[]> {
  const rows = await db.selectFrom('year_decision').selectAll().where('class_id', '=', classId).orderBy('round').execute();
  return rows.map((r) => ({ id: Number(r.id), round: r.round, state: r.state, payload: r.payload as unknown as DecisionPayload, options: r.options as Record<string, string>, proposedAt: r.proposed_at, approvedAt: r.approved_at, version: r.version }));
}

const active = (c: ClassContext) => c.students.filter((s) => s.leftOn === null);

/** Round 'main': everything from the scores, conduct and roll-call; refused while anything is missing. */
function computeMain(d: ClassData): DecisionStudent[] {
  const missing = missingMarks(d);
  if (missing.length) {
    const list = missing.map((m) => `${m.student} — ${m.subject}: ${m.columns.join(', ')}`);
    throw err('YEAR_END_INCOMPLETE', 'conflict', `Chưa thể lập danh sách cuối năm: còn thiếu điểm. ${list.join('; ')}.`, 'Scores are incomplete.', { missing });
  }
  const out: DecisionStudent[] = [];
  const pendingConduct: string[] = [];
  for (const st of active(d.c)) {
    const r = studentResult(d, st, 'CN');
    if (!r.outcome || r.outcome.code === 'pending') { pendingConduct.push(`${st.displayName} (${r.outcome?.explanationVi ?? 'chưa xét'})`); continue; }
    out.push({
      enrolmentId: st.enrolmentId,
      name: st.displayName,
      learning: r.learning.text,
      learningStrict: r.learningStrict.text,
      adjustedBy: r.learning.adjustedBy,
      overall: r.overall?.text ?? null,
      conduct: r.conduct.text,
      absences: r.absences,
      outcome: r.outcome.code,
      outcomeVi: r.outcome.text ?? '',
      title: r.title.text,
      retestEligible: r.retestEligible,
      override: r.override !== null,
      explanationVi: [r.learning.explanationVi, r.outcome.explanationVi].join('\n'),
    });
  }
  if (pendingConduct.length) {
    throw err('YEAR_END_INCOMPLETE', 'conflict', `Chưa thể lập danh sách cuối năm: chưa xét được ${pendingConduct.join('; ')}.`, 'Year results are incomplete.', { pending: pendingConduct });
  }
  return out;
}

/** Round 'after_retest': re-rank re-tested students, settle summer training; others keep the approved main result. */
async function computeAfterRetest(db: Kysely<DB>, d: ClassData, main: DecisionRow): Promise<DecisionStudent[]> {
  const ids = main.payload.students.map((s) => s.enrolmentId);
  const [retests, summers] = await Promise.all([
    ids.length ? db.selectFrom('retest_score as r').innerJoin('subject as s', 's.id', 'r.subject_id').select(['r.enrolment_id', 's.name', 'r.tenths', 'r.rating']).where('r.enrolment_id', 'in', ids).execute() : Promise.resolve([]),
    ids.length ? db.selectFrom('summer_training').selectAll().where('enrolment_id', 'in', ids).execute() : Promise.resolve([]),
  ]);
  const problems: string[] = [];
  const out: DecisionStudent[] = [];
  for (const s of main.payload.students) {
    if (s.outcome === 'retest') {
      const mine = retests.filter((r) => Number(r.enrolment_id) === s.enrolmentId);
      if (!mine.length) { problems.push(`${s.name}: chưa có điểm kiểm tra lại`); continue; }
      const given: Record<string, string> = {};
      for (const r of mine) given[r.name] = retestText(r).replace(',', '.');
      const { subjects } = rankingInput(d, s.enrolmentId, 'CN');
      try {
        const r = applyRetest({ regime: d.c.regime, subjects, period: 'year', options: d.c.options, retests: given });
        out.push({ ...s, learning: r.rank.final, learningStrict: r.rank.strict, adjustedBy: r.rank.adjustedBy, outcome: r.outcome, outcomeVi: OUTCOME_VI[r.outcome]!, retested: r.retested.map((x) => ({ ...x })), explanationVi: renderExplanationVi(r.explanation) });
      } catch (e) {
        if (!isRulesError(e)) throw e;
        problems.push(`${s.name}: ${e.vi}`);
      }
    } else if (s.outcome === 'summer-training') {
      const st = summers.find((x) => Number(x.enrolment_id) === s.enrolmentId);
      if (!st) { problems.push(`${s.name}: chưa có kết quả rèn luyện hè`); continue; }
      const o = summerTrainingOutcome({ regime: d.c.regime, completed: st.completed, reEvaluated: st.re_evaluated, ...(s.learning ? { learning: s.learning } : {}), options: d.c.options });
      out.push({ ...s, conduct: st.re_evaluated ?? s.conduct, outcome: o.outcome, outcomeVi: OUTCOME_VI[o.outcome] ?? o.outcome, explanationVi: renderExplanationVi(o.explanation) });
    } else out.push(s);
  }
  if (problems.length) throw err('YEAR_END_INCOMPLETE', 'conflict', `Chưa thể lập danh sách sau kiểm tra lại: ${problems.join('; ')}.`, 'Re-test / summer results are incomplete.', { problems });
  return out;
}

export interface YearEndView {
  classId: number;
  className: string;
  regime: string;
  canPropose: boolean;
  canApprove: boolean;
  decisions: DecisionRow[];
  missing: ReturnType<typeof missingMarks>;
  /** Re-test scores entered by the subject teachers on the approved re-test list (empty line = not yet entered). */
  retests: RetestEntry[];
}

export async function loadYearEnd(db: Kysely<DB>, session: Session, classId: number): Promise<YearEndView> {
  const c = await classFor(db, session, classId);
  authoriseClassView(session, c);
  const d = await loadClassData(db, c);
  const decisions = await loadDecisions(db, classId);
  return { classId, className: c.className, regime: c.regime, canPropose: c.homeroomPersonId === session.personId, canApprove: session.roles.includes('principal'), decisions, missing: missingMarks(d), retests: await retestEntries(db, decisions.find((x) => x.round === 'main')) };
}

export async function propose(db: Kysely<DB>, session: Session, classId: number, round: Round): Promise<DecisionRow> {
  const c = await classFor(db, session, classId);
  await authoriseHomeroomWrite(db, session, c, 'year_end.propose');
  const decisions = await loadDecisions(db, classId);
  const current = decisions.find((x) => x.round === round);
  if (current?.state === 'approved') throw err('YEAR_END_FROZEN', 'conflict', 'Danh sách đã được hiệu trưởng duyệt và đã khoá; thay đổi phải qua đề nghị sửa (đính chính).', 'Approved and frozen; changes go through a correction.');
  const d = await loadClassData(db, c);
  let students: DecisionStudent[];
  if (round === 'main') students = computeMain(d);
  else {
    const main = decisions.find((x) => x.round === 'main');
    if (main?.state !== 'approved') throw err('YEAR_END_MAIN_NOT_APPROVED', 'conflict', 'Danh sách cuối năm chưa được duyệt, chưa thể lập danh sách sau kiểm tra lại.', 'The main list is not approved yet.');
    students = await computeAfterRetest(db, d, main);
  }
  const payload: DecisionPayload = { regime: c.regime, students };
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('year_decision')
      .values({ class_id: c.classId, school_year_id: c.schoolYearId, round, state: 'proposed', payload: JSON.stringify(payload), options: JSON.stringify(c.options), proposed_by: session.personId })
      .onConflict((oc) => oc.columns(['class_id', 'round']).doUpdateSet({ state: 'proposed', payload: JSON.stringify(payload), options: JSON.stringify(c.options), proposed_by: session.personId, proposed_at: new Date(), version: sql`year_decision.version + 1` }).where('year_decision.state', '<>', 'approved'))
      .returningAll()
      .executeTakeFirst();
    if (!row) throw err('YEAR_END_FROZEN', 'conflict', 'Danh sách vừa được duyệt và đã khoá.', 'Approved meanwhile.');
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'homeroom_teacher' }, action: 'year_end.propose', entity: 'year_decision', entityId: Number(row.id), newValue: { round, students: students.length, outcomes: countOutcomes(students) }, source: 'admin' });
    return { id: Number(row.id), round, state: row.state, payload, options: c.options as unknown as Record<string, string>, proposedAt: row.proposed_at, approvedAt: null, version: row.version };
  });
}

export const countOutcomes = (students: readonly DecisionStudent[]) => students.reduce<Record<string, number>>((m, s) => ({ ...m, [s.outcome]: (m[s.outcome] ?? 0) + 1 }), {});

export async function approve(db: Kysely<DB>, session: Session, classId: number, round: Round, version: number): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  // The regulation names the principal: a school rule widening the permission does not let others approve.
  if (!session.roles.includes('principal')) throw err('YEAR_END_PRINCIPAL_ONLY', 'forbidden', 'Chỉ hiệu trưởng được duyệt danh sách cuối năm.', 'Only the principal approves year-end lists.');
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('year_decision').selectAll().where('class_id', '=', classId).where('round', '=', round).forUpdate().executeTakeFirst();
    if (!row) throw err('YEAR_END_NOT_PROPOSED', 'conflict', 'Giáo viên chủ nhiệm chưa đề xuất danh sách này.', 'Not proposed yet.');
    if (row.state === 'approved') throw err('YEAR_END_FROZEN', 'conflict', 'Danh sách đã được duyệt.', 'Already approved.');
    if (row.version !== version) throw err('YEAR_END_CONFLICT', 'conflict', 'Danh sách vừa được đề xuất lại; hãy xem bản mới trước khi duyệt.', 'Re-proposed meanwhile; review the new version.');
    const now = new Date();
    await trx.updateTable('year_decision').set({ state: 'approved', approved_by: session.personId, approved_at: now, frozen_at: now }).where('id', '=', row.id).execute();
    // LMS (issue 7): each class subject's semester/year averages queued for the LMS in this same transaction.
    await queueApprovedAverages(trx, { classId, round, personId: session.personId });
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'year_end.approve', entity: 'year_decision', entityId: Number(row.id), oldValue: { state: row.state }, newValue: { state: 'approved', round, version: row.version, options: row.options }, source: 'admin' });
  });
}

/**
 * A re-test (thi lại / kiểm tra lại, TT22 "rèn luyện lại" = re-assessment) result for a student the approved main
 * list sent to re-test, in one of their eligible subjects. Entered by the teacher of that subject in the class
 * (teaching assignment + the school's rule 'scores.enter'), like any mark; refused once the after-re-test list
 * is approved (frozen: later changes go through a correction).
 */
export async function enterRetest(db: Kysely<DB>, session: Session, classId: number, input: { enrolmentId: number; subject: string; value: string }): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'scores.enter');
  const d = await loadClassData(db, c);
  const cs = d.subjects.find((x) => x.subjectName === input.subject);
  if (!cs) throw err('YEAR_END_BAD_SUBJECT', 'bad_request', `Lớp ${c.className} không học môn ${input.subject}.`, 'Subject not taught in this class.');
  if (cs.teacherPersonId !== session.personId) throw err('YEAR_END_NOT_SUBJECT_TEACHER', 'forbidden', `Chỉ giáo viên dạy môn ${input.subject} của lớp ${c.className} được nhập điểm kiểm tra lại môn này.`, 'Only the teacher of this subject in this class enters its re-test scores.');
  const decisions = await loadDecisions(db, classId);
  const main = decisions.find((x) => x.round === 'main');
  if (main?.state !== 'approved') throw err('YEAR_END_MAIN_NOT_APPROVED', 'conflict', 'Danh sách cuối năm chưa được duyệt.', 'The main list is not approved yet.');
  if (decisions.find((x) => x.round === 'after_retest')?.state === 'approved') throw err('YEAR_END_FROZEN', 'conflict', 'Danh sách sau kiểm tra lại đã được duyệt và khoá; thay đổi phải qua đề nghị sửa (đính chính).', 'The after-re-test list is approved and frozen.');
  const s = main.payload.students.find((x) => x.enrolmentId === input.enrolmentId);
  if (!s || s.outcome !== 'retest') throw err('YEAR_END_NOT_RETEST', 'bad_request', 'Học sinh này không thuộc danh sách kiểm tra lại.', 'Student is not on the re-test list.');
  if (!s.retestEligible.includes(input.subject)) throw err('YEAR_END_NOT_ELIGIBLE', 'bad_request', `Môn ${input.subject} không thuộc các môn được kiểm tra lại của học sinh (${s.retestEligible.join(', ')}).`, 'Subject not eligible.');
  let tenths: number | null = null;
  let rating: 'D' | 'CD' | null = null;
  try {
    if (cs.assessment === 'comment') rating = parseRating(input.value) === 'Đ' ? 'D' : 'CD';
    else tenths = parseScore(input.value).tenths;
  } catch (e) {
    if (isRulesError(e)) throw err('YEAR_END_BAD_SCORE', 'bad_request', e.vi, e.en);
    throw e;
  }
  await db.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('retest_score').select(['tenths', 'rating']).where('enrolment_id', '=', input.enrolmentId).where('subject_id', '=', subjectIdOf(cs)).executeTakeFirst();
    await trx.insertInto('retest_score').values({ enrolment_id: input.enrolmentId, subject_id: subjectIdOf(cs), tenths, rating, entered_by: session.personId })
      .onConflict((oc) => oc.columns(['enrolment_id', 'subject_id']).doUpdateSet({ tenths, rating, entered_by: session.personId, entered_at: new Date() })).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'subject_teacher' }, action: 'year_end.retest', entity: 'retest_score', entityId: `${input.enrolmentId}/${subjectIdOf(cs)}`, oldValue: old ?? null, newValue: { tenths, rating }, source: 'grid' });
  });
}

export interface RetestEntry { enrolmentId: number; name: string; subject: string; value: string | null }
export const retestText = (r: { tenths: number | null; rating: string | null }): string => (r.tenths !== null ? formatScore(scoreFromTenths(r.tenths), ',') : r.rating === 'D' ? 'Đ' : 'CĐ');

/** The re-test scores entered so far for a class's approved re-test list (one line per student and eligible subject). */
export async function retestEntries(db: Kysely<DB>, main: DecisionRow | undefined): Promise<RetestEntry[]> {
  if (main?.state !== 'approved') return [];
  const list = main.payload.students.filter((s) => s.outcome === 'retest');
  if (!list.length) return [];
  const rows = await db.selectFrom('retest_score as r').innerJoin('subject as s', 's.id', 'r.subject_id').select(['r.enrolment_id', 's.name', 'r.tenths', 'r.rating']).where('r.enrolment_id', 'in', list.map((s) => s.enrolmentId)).execute();
  return list.flatMap((s) => s.retestEligible.map((subject) => {
    const r = rows.find((x) => Number(x.enrolment_id) === s.enrolmentId && x.name === subject);
    return { enrolmentId: s.enrolmentId, name: s.name, subject, value: r ? retestText(r) : null };
  }));
}

export interface RetestWork { classId: number; className: string; schoolYearName: string; regime: string; subject: string; assessment: 'scored' | 'comment'; frozen: boolean; students: Array<{ enrolmentId: number; name: string; yearResult: string | null; value: string | null }> }

/**
 * The subject teacher's re-test work: in each class subject they teach (open years) whose main year-end list is
 * approved, the students sent to re-test in that subject, with the year result and any score entered.
 */
export async function loadRetestWork(db: Kysely<DB>, session: Session): Promise<RetestWork[]> {
  const mine = await db.selectFrom('class_subject as cs').innerJoin('class as k', 'k.id', 'cs.class_id').innerJoin('school_year as y', 'y.id', 'k.school_year_id')
    .select(['cs.class_id']).where('cs.teacher_person_id', '=', session.personId).where('k.school_id', '=', session.schoolId).where('y.status', '=', 'open').execute();
  const out: RetestWork[] = [];
  for (const classId of [...new Set(mine.map((m) => Number(m.class_id)))].sort((a, b) => a - b)) {
    const decisions = await loadDecisions(db, classId);
    const main = decisions.find((x) => x.round === 'main');
    if (main?.state !== 'approved' || !main.payload.students.some((s) => s.outcome === 'retest')) continue;
    const c = await classFor(db, session, classId);
    const d = await loadClassData(db, c);
    const entries = await retestEntries(db, main);
    for (const cs of d.subjects.filter((x) => x.teacherPersonId === session.personId)) {
      const students = entries.filter((e) => e.subject === cs.subjectName).map((e) => ({ enrolmentId: e.enrolmentId, name: e.name, yearResult: d.averages(cs, e.enrolmentId).CN.text, value: e.value }));
      if (students.length) out.push({ classId, className: c.className, schoolYearName: c.schoolYearName, regime: c.regime, subject: cs.subjectName, assessment: cs.assessment, frozen: decisions.find((x) => x.round === 'after_retest')?.state === 'approved', students });
    }
  }
  return out;
}

export async function enterSummer(db: Kysely<DB>, session: Session, classId: number, input: { enrolmentId: number; completed: boolean; reEvaluated: string | null }): Promise<void> {
  const c = await classFor(db, session, classId);
  await authoriseHomeroomWrite(db, session, c, 'year_end.propose');
  const main = (await loadDecisions(db, classId)).find((x) => x.round === 'main');
  const s = main?.state === 'approved' ? main.payload.students.find((x) => x.enrolmentId === input.enrolmentId) : undefined;
  if (!s || s.outcome !== 'summer-training') throw err('YEAR_END_NOT_SUMMER', 'bad_request', 'Học sinh này không thuộc danh sách rèn luyện hè (đã duyệt).', 'Student is not on the approved summer-training list.');
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('summer_training').values({ enrolment_id: input.enrolmentId, completed: input.completed, re_evaluated: input.reEvaluated, entered_by: session.personId })
      .onConflict((oc) => oc.column('enrolment_id').doUpdateSet({ completed: input.completed, re_evaluated: input.reEvaluated, entered_by: session.personId, entered_at: new Date() })).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'homeroom_teacher' }, action: 'year_end.summer', entity: 'summer_training', entityId: input.enrolmentId, newValue: { completed: input.completed, reEvaluated: input.reEvaluated }, source: 'grid' });
  });
}

/**
 * The principal reopens an approved list (a correction after approval, with its reason): the frozen payload
 * stays in the audit log, the homeroom teacher proposes again and the principal approves the new version.
 */
export async function reopen(db: Kysely<DB>, session: Session, classId: number, round: Round, reason: string): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  if (!session.roles.includes('principal')) throw err('YEAR_END_PRINCIPAL_ONLY', 'forbidden', 'Chỉ hiệu trưởng được mở lại danh sách đã duyệt.', 'Only the principal reopens an approved list.');
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('year_decision').selectAll().where('class_id', '=', classId).where('round', '=', round).forUpdate().executeTakeFirst();
    if (row?.state !== 'approved') throw err('YEAR_END_NOT_APPROVED', 'conflict', 'Chỉ mở lại được danh sách đã duyệt.', 'Only an approved list can be reopened.');
    await trx.updateTable('year_decision').set({ state: 'reopened', frozen_at: null }).where('id', '=', row.id).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'year_end.reopen', entity: 'year_decision', entityId: Number(row.id), oldValue: { state: 'approved', version: row.version, payload: row.payload, options: row.options }, newValue: { state: 'reopened', reason }, source: 'correction' });
  });
}
