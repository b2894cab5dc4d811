/**
 * Year rollover and history (issue 6.5). The next year's classes are opened from the approved decisions only:
 * promoted students are enrolled in the chosen class of the next grade, students who repeat in a class of the
 * same grade. The final decision is the after-re-test round when the main round sent anyone to re-test or
 * summer training, otherwise the main round. History reads every approved decision of a student, year by year.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { requirePermission } from '../auth/permissions';
import { retryTransaction } from '../db/retry';
import { isBoard } from '../auth/roles';
import { classFor } from './class-context';
import { err } from './errors';
import { isAppError } from '../shared/errors';
import type { DecisionPayload, DecisionStudent } from './year-end-service';

async function finalDecision(db: Kysely<DB>, classId: number): Promise<DecisionPayload> {
  const rows = await db.selectFrom('year_decision').select(['round', 'state', 'payload']).where('class_id', '=', classId).execute();
  const main = rows.find((r) => r.round === 'main');
  if (main?.state !== 'approved') throw err('YEAR_END_NOT_FINAL', 'conflict', 'Danh sách cuối năm của lớp chưa được hiệu trưởng duyệt.', 'The year-end list is not approved.');
  const mp = main.payload as unknown as DecisionPayload;
  if (!mp.students.some((s) => s.outcome === 'retest' || s.outcome === 'summer-training')) return mp;
  const after = rows.find((r) => r.round === 'after_retest');
  if (after?.state !== 'approved') throw err('YEAR_END_NOT_FINAL', 'conflict', 'Còn học sinh kiểm tra lại / rèn luyện hè: danh sách sau kiểm tra lại chưa được duyệt.', 'The after-re-test list is not approved.');
  return after.payload as unknown as DecisionPayload;
}

export async function rollover(db: Kysely<DB>, session: Session, classId: number, input: { promotedToClassId: number; repeatToClassId: number | null }): Promise<{ promoted: number; repeating: number }> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'school.configure');
  const payload = await finalDecision(db, classId);
  const target = async (id: number, grade: number) => {
    const t = await db.selectFrom('class as k').innerJoin('school_year as y', 'y.id', 'k.school_year_id').select(['k.id', 'k.school_id', 'k.grade', 'y.name', sql<string>`to_char(y.start_date, 'YYYY-MM-DD')`.as('start')]).where('k.id', '=', id).executeTakeFirst();
    if (!t || Number(t.school_id) !== c.schoolId) throw err('RESULTS_CLASS_NOT_FOUND', 'not_found', 'Không tìm thấy lớp năm sau.', 'Target class not found.');
    if (t.name <= c.schoolYearName) throw err('ROLLOVER_SAME_YEAR', 'bad_request', `Lớp ${id} không thuộc năm học sau ${c.schoolYearName}.`, 'Target class is not in a later school year.');
    if (t.grade !== grade) throw err('ROLLOVER_WRONG_GRADE', 'bad_request', `Lớp đích phải thuộc khối ${grade}.`, `Target class must be grade ${grade}.`);
    return { id: Number(t.id), start: t.start };
  };
  const up = await target(input.promotedToClassId, c.grade + 1);
  const promoted = payload.students.filter((s) => s.outcome === 'promoted');
  const repeating = payload.students.filter((s) => s.outcome === 'repeat');
  const same = repeating.length ? (input.repeatToClassId ? await target(input.repeatToClassId, c.grade) : null) : null;
  if (repeating.length && !same) throw err('ROLLOVER_REPEAT_CLASS', 'bad_request', `Có ${repeating.length} học sinh ở lại lớp: hãy chọn lớp khối ${c.grade} năm sau cho các em.`, 'Choose a class for repeating students.');
  const persons = new Map((await db.selectFrom('enrolment').select(['id', 'person_id']).where('class_id', '=', classId).execute()).map((e) => [Number(e.id), Number(e.person_id)]));
  await db.transaction().execute(async (trx) => {
    const enrol = async (list: DecisionStudent[], to: { id: number; start: string }) => {
      for (const s of list) {
        const personId = persons.get(s.enrolmentId)!;
        const exists = await trx.selectFrom('enrolment').select('id').where('class_id', '=', to.id).where('person_id', '=', personId).executeTakeFirst();
        if (!exists) await trx.insertInto('enrolment').values({ class_id: to.id, person_id: personId, joined_on: to.start }).execute();
      }
    };
    await enrol(promoted, up);
    if (same) await enrol(repeating, same);
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: session.roles.includes('principal') ? 'principal' : 'school_admin' }, action: 'year_end.rollover', entity: 'class', entityId: classId, newValue: { promotedTo: up.id, repeatTo: same?.id ?? null, promoted: promoted.length, repeating: repeating.length }, source: 'admin' });
  });
  return { promoted: promoted.length, repeating: repeating.length };
}

// ------------------------------------------------------------------ opening the next school year (whole school)

/** Grades whose promoted students leave the school (THCS ends with grade 9, THPT with grade 12): no next class. */
export const GRADUATING_GRADES: ReadonlySet<number> = new Set([9, 12]);

/** "6A" → "7A", "10A1" → "11A1": the class keeps its letters and moves up one grade; names without the grade get it in front. */
export function nextClassName(name: string, grade: number): string {
  const m = /^(\d+)(.*)$/.exec(name);
  return m && Number(m[1]) === grade ? `${grade + 1}${m[2]}` : `${grade + 1}${name}`;
}

const CLASS_NAME = /^[0-9A-Z][0-9A-Z._-]{0,15}$/;

export interface RolloverClassPlan {
  classId: number;
  className: string;
  grade: number;
  /** The final decision is approved (main list, and the after-re-test list when anyone was sent to re-test / summer training). */
  ready: boolean;
  notReadyVi: string | null;
  promoted: number;
  repeating: number;
  graduating: number;
  /** Left during the year: stay in this year's records, never moved. */
  leavers: number;
  /** Outcomes that are not a move (e.g. an override still saying re-test): not moved. */
  unsettled: number;
  promotedTo: string | null;
  repeatTo: string | null;
  /** Whether the target classes already exist in the next year (else they are created on confirmation). */
  promotedToExists: boolean;
  repeatToExists: boolean;
  /** Students of this class already enrolled in the next year (a previous run): counted, not enrolled twice. */
  alreadyMoved: number;
}

export interface RolloverPlan {
  from: { id: number; name: string };
  to: { id: number; name: string };
  classes: RolloverClassPlan[];
}

export interface MappingInput { classId: number; promotedTo?: string | null; repeatTo?: string | null }

async function yearOf(db: Kysely<DB>, session: Session, id: number) {
  const y = await db.selectFrom('school_year').select(['id', 'name', 'school_id', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start')]).where('id', '=', id).executeTakeFirst();
  if (!y || Number(y.school_id) !== session.schoolId) throw err('ROLLOVER_YEAR_NOT_FOUND', 'not_found', 'Không tìm thấy năm học.', 'School year not found.');
  return { id: Number(y.id), name: y.name, start: y.start };
}

/**
 * What opening `toYearId` from `fromYearId` would do, class by class, with the default (or given) mapping of
 * target class names. Reads only. Principal or school admin (school rule 'school.configure').
 */
export async function planRollover(db: Kysely<DB>, session: Session, fromYearId: number, toYearId: number, mapping: readonly MappingInput[] = []): Promise<RolloverPlan> {
  await requirePermission(db, session, 'school.configure');
  const from = await yearOf(db, session, fromYearId);
  const to = await yearOf(db, session, toYearId);
  if (to.name <= from.name) throw err('ROLLOVER_SAME_YEAR', 'bad_request', `Năm học ${to.name} không phải năm học sau ${from.name}.`, 'The target is not a later school year.');
  const classes = await db.selectFrom('class').select(['id', 'name', 'grade']).where('school_year_id', '=', fromYearId).orderBy('grade').orderBy('name').execute();
  const targets = await db.selectFrom('class').select(['id', 'name', 'grade']).where('school_year_id', '=', toYearId).execute();
  const nextPersons = new Set((await db.selectFrom('enrolment as e').innerJoin('class as k', 'k.id', 'e.class_id').select('e.person_id').where('k.school_year_id', '=', toYearId).execute()).map((e) => Number(e.person_id)));
  const out: RolloverClassPlan[] = [];
  for (const k of classes) {
    const classId = Number(k.id);
    const enrolments = await db.selectFrom('enrolment').select(['id', 'person_id', 'left_on']).where('class_id', '=', classId).execute();
    let payload: DecisionPayload | null = null;
    let notReadyVi: string | null = null;
    try {
      payload = await finalDecision(db, classId);
    } catch (e) {
      if (!isAppError(e)) throw e;
      notReadyVi = e.vi;
    }
    const students = payload?.students ?? [];
    const graduating = GRADUATING_GRADES.has(k.grade);
    const promoted = students.filter((s) => s.outcome === 'promoted').length;
    const repeating = students.filter((s) => s.outcome === 'repeat').length;
    const m = mapping.find((x) => x.classId === classId);
    const norm = (v: string | null | undefined) => (v ?? '').trim().toUpperCase() || null;
    const promotedTo = graduating || !promoted ? null : norm(m?.promotedTo) ?? nextClassName(k.name, k.grade);
    const repeatTo = !repeating ? null : norm(m?.repeatTo) ?? k.name.toUpperCase();
    const exists = (n: string | null) => n !== null && targets.some((t) => t.name.toUpperCase() === n);
    const inPayload = new Set(students.map((s) => s.enrolmentId));
    out.push({
      classId,
      className: k.name,
      grade: k.grade,
      ready: payload !== null,
      notReadyVi,
      promoted: graduating ? 0 : promoted,
      repeating,
      graduating: graduating ? promoted : 0,
      leavers: enrolments.filter((e) => e.left_on !== null).length,
      unsettled: students.filter((s) => s.outcome !== 'promoted' && s.outcome !== 'repeat').length,
      promotedTo,
      repeatTo,
      promotedToExists: exists(promotedTo),
      repeatToExists: exists(repeatTo),
      alreadyMoved: enrolments.filter((e) => inPayload.has(Number(e.id)) && nextPersons.has(Number(e.person_id))).length,
    });
  }
  return { from: { id: from.id, name: from.name }, to: { id: to.id, name: to.name }, classes: out };
}

/**
 * Opens the next year from the approved decisions: creates the target classes that do not exist yet (next grade
 * for the promoted, same grade for repeaters, names from the confirmed mapping), enrols promoted students and
 * repeaters from the year's first day, leaves graduates (grade 9 / 12) and leavers in this year's records.
 * Idempotent: a student already enrolled in the next year is not enrolled again and an existing class is reused,
 * so running it twice changes nothing the second time (and writes no audit record for a class without change).
 * Classes whose final list is not approved yet are skipped and reported. One transaction; audits appended last.
 */
export async function confirmRollover(db: Kysely<DB>, session: Session, fromYearId: number, toYearId: number, mapping: readonly MappingInput[]): Promise<{ createdClasses: string[]; enrolled: number; skipped: string[] }> {
  const plan = await planRollover(db, session, fromYearId, toYearId, mapping);
  const to = await yearOf(db, session, toYearId);
  const role = session.roles.includes('principal') ? 'principal' : 'school_admin';
  // Validate every name and grade before writing anything: a bad mapping changes nothing.
  const wanted = new Map<string, number>();
  for (const p of plan.classes.filter((x) => x.ready)) {
    for (const [name, grade] of [[p.promotedTo, p.grade + 1], [p.repeatTo, p.grade]] as const) {
      if (name === null) continue;
      if (!CLASS_NAME.test(name)) throw err('ROLLOVER_CLASS_NAME', 'bad_request', `Tên lớp "${name}" không hợp lệ (ví dụ: 7A, 10A1).`, 'Invalid class name.', { classId: p.classId });
      const prev = wanted.get(name);
      if (prev !== undefined && prev !== grade) throw err('ROLLOVER_WRONG_GRADE', 'bad_request', `Lớp ${name} không thể vừa là lớp khối ${prev} vừa là lớp khối ${grade}.`, 'One class name for two grades.');
      wanted.set(name, grade);
    }
  }
  return retryTransaction(() => db.transaction().execute(async (trx) => {
    const audits: Array<Parameters<typeof appendAudit>[1]> = [];
    // Two confirmations at once must not both create "7A" or enrol a student twice: one rollover per target year at a time.
    await sql`SELECT pg_advisory_xact_lock(hashtext('sodiem.rollover'), ${toYearId}::int)`.execute(trx);
    const existing = await trx.selectFrom('class').select(['id', 'name', 'grade']).where('school_year_id', '=', toYearId).forUpdate().execute();
    const byName = new Map(existing.map((t) => [t.name.toUpperCase(), { id: Number(t.id), grade: t.grade }]));
    const createdClasses: string[] = [];
    for (const [name, grade] of wanted) {
      const t = byName.get(name);
      if (t && t.grade !== grade) throw err('ROLLOVER_WRONG_GRADE', 'bad_request', `Lớp ${name} của năm học ${to.name} thuộc khối ${t.grade}, không phải khối ${grade}.`, `Class ${name} is grade ${t.grade}, not ${grade}.`);
      if (t) continue;
      const row = await trx.insertInto('class').values({ school_id: session.schoolId, school_year_id: toYearId, name, grade, homeroom_person_id: null }).returning('id').executeTakeFirstOrThrow();
      byName.set(name, { id: Number(row.id), grade });
      createdClasses.push(name);
      audits.push({ schoolId: session.schoolId, actor: { personId: session.personId, role }, action: 'class.create', entity: 'class', entityId: Number(row.id), newValue: { name, grade, schoolYear: to.name, by: 'rollover' }, source: 'admin' });
    }
    const inNext = new Set((await trx.selectFrom('enrolment as e').innerJoin('class as k', 'k.id', 'e.class_id').select('e.person_id').where('k.school_year_id', '=', toYearId).execute()).map((e) => Number(e.person_id)));
    let enrolled = 0;
    for (const p of plan.classes.filter((x) => x.ready)) {
      const payload = await finalDecision(trx, p.classId);
      const persons = new Map((await trx.selectFrom('enrolment').select(['id', 'person_id']).where('class_id', '=', p.classId).execute()).map((e) => [Number(e.id), Number(e.person_id)]));
      let moved = { promoted: 0, repeating: 0 };
      for (const s of payload.students) {
        const target = s.outcome === 'promoted' ? p.promotedTo : s.outcome === 'repeat' ? p.repeatTo : null;
        const personId = persons.get(s.enrolmentId);
        if (!target || personId === undefined || inNext.has(personId)) continue;
        await trx.insertInto('enrolment').values({ class_id: byName.get(target)!.id, person_id: personId, joined_on: to.start }).execute();
        inNext.add(personId);
        enrolled++;
        moved = s.outcome === 'promoted' ? { ...moved, promoted: moved.promoted + 1 } : { ...moved, repeating: moved.repeating + 1 };
      }
      if (moved.promoted || moved.repeating) {
        audits.push({ schoolId: session.schoolId, actor: { personId: session.personId, role }, action: 'year_end.rollover', entity: 'class', entityId: p.classId, newValue: { toYear: to.name, promotedTo: p.promotedTo, repeatTo: p.repeatTo, ...moved, graduating: p.graduating, leaversKept: p.leavers }, source: 'admin' });
      }
    }
    for (const a of audits) await appendAudit(trx, a);
    return { createdClasses, enrolled, skipped: plan.classes.filter((x) => !x.ready).map((x) => x.className) };
  }));
}

export interface HistoryEntry { schoolYear: string; className: string; grade: number; regime: string; round: string; learning: string | null; conduct: string | null; absences: number; outcome: string; title: string | null }

/** A student's approved results across the years. Board, or the homeroom teacher of one of the student's classes. */
export async function studentHistory(db: Kysely<DB>, session: Session, personId: number): Promise<{ name: string; entries: HistoryEntry[] }> {
  const person = await db.selectFrom('person').select(['display_name', 'school_id']).where('id', '=', personId).executeTakeFirst();
  if (!person || Number(person.school_id) !== session.schoolId) throw err('RESULTS_NOT_FOUND', 'not_found', 'Không tìm thấy học sinh.', 'Student not found.');
  const enrolments = await db.selectFrom('enrolment as e').innerJoin('class as k', 'k.id', 'e.class_id').innerJoin('school_year as y', 'y.id', 'k.school_year_id')
    .select(['e.id', 'k.id as class_id', 'k.name', 'k.grade', 'k.homeroom_person_id', 'y.name as year']).where('e.person_id', '=', personId).orderBy('y.name').execute();
  if (!isBoard(session.roles) && !enrolments.some((e) => e.homeroom_person_id !== null && Number(e.homeroom_person_id) === session.personId)) {
    throw err('RESULTS_NOT_ALLOWED', 'forbidden', 'Bạn không được xem kết quả của học sinh này.', 'You may not view this student.');
  }
  const entries: HistoryEntry[] = [];
  for (const e of enrolments) {
    let payload: DecisionPayload;
    try {
      payload = await finalDecision(db, Number(e.class_id));
    } catch {
      continue; // no approved decision for that year (yet)
    }
    const s = payload.students.find((x) => x.enrolmentId === Number(e.id));
    if (!s) continue;
    entries.push({ schoolYear: e.year, className: e.name, grade: e.grade, regime: payload.regime, round: s.retested ? 'after_retest' : 'main', learning: s.learning, conduct: s.conduct, absences: s.absences, outcome: s.outcomeVi, title: s.title });
  }
  return { name: person.display_name, entries };
}
