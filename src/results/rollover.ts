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
import { isBoard } from '../auth/roles';
import { classFor } from './class-context';
import { err } from './errors';
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
