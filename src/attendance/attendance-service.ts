/**
 * Roll-call: the month sheet (school days × sessions, P/K marks), monthly and semester totals and the
 * running count against the 45-buổi limit as the rules engine counts it (countAbsences with the school's
 * A-22-ABS choice), and the one write path (a batch of marks: all valid or nothing written, audited).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit, type AuditEntry } from '../audit/audit-log';
import { retryTransaction } from '../db/retry';
import { countAbsences, MAX_ABSENCES } from '../rules';
import { absenceRecordsByPlan, kindOf, planSessions, type WeekPlan } from '../rules/attendance-plan';
import { assertYearNotFrozen, authoriseClassView, classFor, type ClassContext } from '../results/class-context';
import { requirePermission } from '../auth/permissions';
import { classErrors } from '../results/errors';
import { err } from '../results/errors';
import { daysOfMonth, enrolledOn, isSchoolDay, monthsBetween, sessionsOfDay, termOf, vnToday, weekdayOf } from './school-days';
import { holidaysBetween, planForClass } from './calendar-service';

export type SessionCode = 'sang' | 'chieu';
export type Mark = 'P' | 'K';
/** Warn the homeroom teacher from this many counted absences on (the limit is 45). */
export const WARN_AT = 35;

export interface AttendanceRow { enrolmentId: number; day: string; session: SessionCode; mark: Mark; main: boolean }

/** The school's days off within the class's terms, day → label. */
export async function loadHolidays(db: Kysely<DB> | Transaction<DB>, c: ClassContext): Promise<Map<string, string>> {
  const start = c.terms[0]?.start ?? '2000-01-01';
  const end = c.terms[c.terms.length - 1]?.end ?? start;
  return holidaysBetween(db, c.schoolId, start, end);
}

export async function loadAttendance(db: Kysely<DB>, enrolmentIds: readonly number[]): Promise<AttendanceRow[]> {
  if (!enrolmentIds.length) return [];
  const rows = await db
    .selectFrom('attendance')
    .select(['enrolment_id', sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'session', 'mark', 'main'])
    .where('enrolment_id', 'in', enrolmentIds)
    .execute();
  return rows.map((r) => ({ enrolmentId: Number(r.enrolment_id), day: r.d, session: r.session, mark: r.mark, main: r.main }));
}

export interface Totals { P: number; K: number; counted: number }

/**
 * P and K marks, and the absences counted against the 45-buổi limit: the class's week plan says which
 * sessions are main (A-22-ABS = main-sessions-only), the rules engine counts (src/rules).
 */
export function totalsOf(c: ClassContext, plan: WeekPlan, rows: readonly AttendanceRow[]): Totals {
  const records = absenceRecordsByPlan(plan, rows.map((r) => ({ date: r.day, session: r.session })));
  return { P: rows.filter((r) => r.mark === 'P').length, K: rows.filter((r) => r.mark === 'K').length, counted: countAbsences(c.regime, records, c.options) };
}

/** Counted absences per enrolment for the whole year (what decides promotion). */
export async function yearAbsences(db: Kysely<DB>, c: ClassContext): Promise<Map<number, number>> {
  const [rows, plan] = await Promise.all([loadAttendance(db, c.students.map((s) => s.enrolmentId)), planForClass(db, c)]);
  const out = new Map<number, number>();
  for (const s of c.students) out.set(s.enrolmentId, totalsOf(c, plan, rows.filter((r) => r.enrolmentId === s.enrolmentId)).counted);
  return out;
}

/** Which sessions of which days of a month the roll-call of a class was taken, 'YYYY-MM-DD' → sessions. */
export async function loadTaken(db: Kysely<DB> | Transaction<DB>, classId: number, from: string, to: string): Promise<Map<string, SessionCode[]>> {
  const rows = await db
    .selectFrom('roll_call_taken')
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'session'])
    .where('class_id', '=', classId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .execute();
  const out = new Map<string, SessionCode[]>();
  for (const r of rows) out.set(r.d, [...(out.get(r.d) ?? []), r.session]);
  return out;
}

export interface MonthSheet {
  readonly classId: number;
  readonly className: string;
  readonly schoolYearName: string;
  readonly regime: string;
  readonly month: string;
  readonly months: readonly string[];
  readonly sessions: readonly SessionCode[];
  readonly countingVi: string;
  readonly days: ReadonlyArray<{
    day: string;
    dow: number;
    school: boolean;
    /** The day off's name (Tết, Quốc khánh…) when the school calendar lists it. */
    holiday: string | null;
    /** Sessions held that day (none on a non-school day), and those whose roll-call was taken. */
    held: readonly SessionCode[];
    taken: readonly SessionCode[];
    /** A school day up to today (Vietnam) whose roll-call is not complete: shown highlighted. */
    missing: boolean;
    /** Main (chính khoá) or extra (học thêm) per session held. */
    kinds: Partial<Record<SessionCode, 'main' | 'extra'>>;
  }>;
  /** School days of the month up to today, and how many of them have every session's roll-call taken. */
  readonly completeness: { due: number; taken: number };
  readonly today: string;
  readonly canWrite: boolean;
  readonly limit: number;
  readonly warnAt: number;
  readonly rows: ReadonlyArray<{
    enrolmentId: number;
    name: string;
    joinedOn: string;
    leftOn: string | null;
    marks: Record<string, Mark>;
    month: Totals;
    HK1: Totals;
    HK2: Totals;
    year: Totals;
    warningVi: string | null;
  }>;
}

const COUNTING_VI: Record<string, string> = {
  'one-per-day': 'Trường học 2 buổi/ngày: nghỉ một hay hai buổi trong một ngày tính là 1 buổi nghỉ (A-22-ABS = một buổi mỗi ngày).',
  'every-session': 'Mỗi buổi nghỉ tính là 1 buổi (A-22-ABS = mọi buổi).',
  'main-sessions-only': 'Chỉ tính ngày nghỉ buổi học chính khoá, 1 buổi mỗi ngày (A-22-ABS = chỉ buổi chính khoá).',
};

async function teachesIn(db: Kysely<DB>, session: Session, classId: number): Promise<boolean> {
  const r = await db.selectFrom('class_subject').select('id').where('class_id', '=', classId).where('teacher_person_id', '=', session.personId).executeTakeFirst();
  return r !== undefined;
}

/**
 * Who takes roll-call: the homeroom teacher; and, where the school enables it, the subject teachers of the
 * class (their marks go into the same per-session sheet — we do not record individual periods).
 */
async function mayTakeRollCall(db: Kysely<DB>, session: Session, c: ClassContext): Promise<boolean> {
  if (c.homeroomPersonId === session.personId) return true;
  return c.subjectTeacherRollCall && session.roles.includes('subject_teacher') && (await teachesIn(db, session, c.classId));
}

export async function loadMonthSheet(db: Kysely<DB>, session: Session, classId: number, month: string | undefined, now: Date = new Date()): Promise<MonthSheet> {
  const c = await classFor(db, session, classId);
  const writer = await mayTakeRollCall(db, session, c);
  if (!writer) authoriseClassView(session, c);
  const yearStart = c.terms[0]?.start ?? '2000-01-01';
  const yearEnd = c.terms[c.terms.length - 1]?.end ?? yearStart;
  const months = monthsBetween(yearStart, yearEnd);
  const m = month && months.includes(month) ? month : months[0]!;
  const monthDays = daysOfMonth(m);
  const [holidays, plan, rows, taken] = await Promise.all([
    loadHolidays(db, c),
    planForClass(db, c),
    loadAttendance(db, c.students.map((s) => s.enrolmentId)),
    loadTaken(db, c.classId, monthDays[0]!, monthDays[monthDays.length - 1]!),
  ]);
  const today = vnToday(now);
  const inTerm = (code: 'HK1' | 'HK2') => (r: AttendanceRow) => termOf(r.day, c.terms)?.code === code;
  const days = monthDays.map((d) => {
    const held = sessionsOfDay(d, c.terms, plan, holidays);
    // In the plan's order (morning first), whatever order the rows came in.
    const done = held.filter((x) => (taken.get(d) ?? []).includes(x));
    const kinds: Partial<Record<SessionCode, 'main' | 'extra'>> = {};
    for (const x of held) kinds[x] = kindOf(plan, weekdayOf(d), x)!;
    return { day: d, dow: weekdayOf(d), school: held.length > 0, holiday: holidays.get(d) ?? null, held, taken: done, missing: held.length > 0 && d <= today && done.length < held.length, kinds };
  });
  const due = days.filter((d) => d.school && d.day <= today);
  const twoSessions = planSessions(plan).length > 1;
  return {
    classId: c.classId,
    className: c.className,
    schoolYearName: c.schoolYearName,
    regime: c.regime,
    month: m,
    months,
    sessions: planSessions(plan),
    countingVi: !twoSessions
      ? 'Trường học 1 buổi/ngày: mỗi buổi nghỉ (có phép hay không phép) tính là 1 buổi.'
      : c.regime === 'TT22' ? COUNTING_VI[c.options['A-22-ABS']]! : 'TT58: mỗi buổi nghỉ (có phép hay không phép) tính là 1 buổi.',
    days,
    completeness: { due: due.length, taken: due.filter((d) => !d.missing).length },
    today,
    canWrite: writer,
    limit: MAX_ABSENCES,
    warnAt: WARN_AT,
    rows: c.students.map((s) => {
      const mine = rows.filter((r) => r.enrolmentId === s.enrolmentId);
      const year = totalsOf(c, plan, mine);
      const marks: Record<string, Mark> = {};
      for (const r of mine) if (r.day.startsWith(m)) marks[`${r.day}|${r.session}`] = r.mark;
      const warningVi = year.counted > MAX_ABSENCES
        ? `Đã nghỉ ${year.counted} buổi, quá ${MAX_ABSENCES} buổi: không đủ điều kiện lên lớp.`
        : year.counted >= WARN_AT ? `Đã nghỉ ${year.counted}/${MAX_ABSENCES} buổi: sắp đến giới hạn lên lớp.` : null;
      return {
        enrolmentId: s.enrolmentId,
        name: s.displayName,
        joinedOn: s.joinedOn,
        leftOn: s.leftOn,
        marks,
        month: totalsOf(c, plan, mine.filter((r) => r.day.startsWith(m))),
        HK1: totalsOf(c, plan, mine.filter(inTerm('HK1'))),
        HK2: totalsOf(c, plan, mine.filter(inTerm('HK2'))),
        year,
        warningVi,
      };
    }),
  };
}

export interface MarkChange { enrolmentId: number; day: string; session: SessionCode; mark: Mark | '' }

const actorRole = (session: Session, c: ClassContext) => (c.homeroomPersonId === session.personId ? 'homeroom_teacher' : 'subject_teacher');

/**
 * Records that the roll-call of (day, session) pairs was taken, inside the caller's transaction; returns the
 * audit entries for the pairs newly taken (the caller appends them last). Days after today are not marked:
 * a P entered ahead for an announced absence does not mean that day's roll-call was taken.
 */
async function markTaken(trx: Transaction<DB>, session: Session, c: ClassContext, pairs: ReadonlyArray<{ day: string; session: SessionCode }>, today: string, source: AuditEntry['source']): Promise<AuditEntry[]> {
  const byDay = new Map<string, Set<SessionCode>>();
  for (const p of pairs) if (p.day <= today) byDay.set(p.day, (byDay.get(p.day) ?? new Set()).add(p.session));
  const audits: AuditEntry[] = [];
  for (const [day, set] of [...byDay].sort((a, b) => a[0].localeCompare(b[0]))) {
    const added = await trx
      .insertInto('roll_call_taken')
      .values([...set].map((x) => ({ class_id: c.classId, day, session: x, taken_by: session.personId })))
      .onConflict((oc) => oc.columns(['class_id', 'day', 'session']).doNothing())
      .returning('session')
      .execute();
    if (added.length) {
      audits.push({ schoolId: c.schoolId, actor: { personId: session.personId, role: actorRole(session, c) }, action: 'attendance.taken', entity: 'roll_call', entityId: `${c.classId}/${day}`, oldValue: null, newValue: { sessions: added.map((a) => a.session).sort() }, source });
    }
  }
  return audits;
}

/**
 * Saves a batch of marks. Every change is checked first (school day, student in the class that day,
 * session held that day); one bad change refuses the whole batch, so nothing is half-written. Saving marks
 * a day/session's roll-call as taken (clearing a mark too: the teacher looked at that session).
 */
export async function saveMarks(db: Kysely<DB>, session: Session, classId: number, changes: readonly MarkChange[], now: Date = new Date()): Promise<{ saved: number }> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'attendance.enter');
  if (!(await mayTakeRollCall(db, session, c))) throw classErrors.notHomeroom();
  await assertYearNotFrozen(db, c);
  const [holidays, plan] = await Promise.all([loadHolidays(db, c), planForClass(db, c)]);
  const students = new Map(c.students.map((s) => [s.enrolmentId, s]));
  const problems: string[] = [];
  let code = '';
  const problem = (k: string, text: string) => {
    problems.push(text);
    // The first kind of problem names the error (a batch mixing kinds is rare: the sheet sends one cell).
    code ||= k;
  };
  for (const ch of changes) {
    const st = students.get(ch.enrolmentId);
    if (!st) { problem('ATTENDANCE_NOT_ENROLLED', `Học sinh (mã ghi danh ${ch.enrolmentId}) không thuộc lớp ${c.className}.`); continue; }
    if (!isSchoolDay(ch.day, c.terms, plan, holidays)) {
      const off = holidays.get(ch.day);
      problem('ATTENDANCE_NOT_SCHOOL_DAY', `Ngày ${ch.day} không phải ngày học của trường${off ? ` (nghỉ: ${off})` : ''}.`);
    } else if (!enrolledOn(ch.day, st.joinedOn, st.leftOn)) problem('ATTENDANCE_NOT_ENROLLED', `${st.displayName} không học ở lớp vào ngày ${ch.day}${st.leftOn ? ` (đã chuyển đi từ ${st.leftOn})` : ''}.`);
    else if (!sessionsOfDay(ch.day, c.terms, plan, holidays).includes(ch.session)) problem('ATTENDANCE_BAD_SESSION', `Lớp không học buổi ${ch.session === 'sang' ? 'sáng' : 'chiều'} ngày ${ch.day}.`);
  }
  if (problems.length) {
    // Keep the historical precedence: a non-school day names the error over the other kinds.
    if (problems.some((p) => p.includes('không phải ngày học'))) code = 'ATTENDANCE_NOT_SCHOOL_DAY';
    throw err(code, 'bad_request', `Không lưu điểm danh: ${problems.join(' ')}`, 'Roll-call not saved: invalid day, session or student.', { problems });
  }
  const today = vnToday(now);
  await retryTransaction(() =>
    db.transaction().execute(async (trx) => {
      const audits: AuditEntry[] = [];
      for (const ch of changes) {
        const old = await trx.selectFrom('attendance').select(['id', 'mark']).where('enrolment_id', '=', ch.enrolmentId).where('day', '=', ch.day).where('session', '=', ch.session).forUpdate().executeTakeFirst();
        if ((old?.mark ?? '') === ch.mark) continue;
        const main = kindOf(plan, weekdayOf(ch.day), ch.session) !== 'extra';
        if (ch.mark === '') await trx.deleteFrom('attendance').where('id', '=', old!.id).execute();
        else if (old) await trx.updateTable('attendance').set({ mark: ch.mark, main, version: sql`version + 1`, updated_by: session.personId, updated_at: new Date() }).where('id', '=', old.id).execute();
        else await trx.insertInto('attendance').values({ enrolment_id: ch.enrolmentId, day: ch.day, session: ch.session, mark: ch.mark, main, updated_by: session.personId }).execute();
        audits.push({
          schoolId: c.schoolId,
          actor: { personId: session.personId, role: actorRole(session, c) },
          action: 'attendance.mark',
          entity: 'attendance',
          entityId: `${ch.enrolmentId}/${ch.day}/${ch.session}`,
          oldValue: old ? { mark: old.mark } : null,
          newValue: ch.mark ? { mark: ch.mark } : null,
          source: 'grid',
        });
      }
      audits.push(...(await markTaken(trx, session, c, changes, today, 'grid')));
      // Audit records last: the school's chain head is the contended row (see src/db/retry.ts).
      for (const a of audits) await appendAudit(trx, a);
    }),
  );
  return { saved: changes.length };
}

/**
 * "Đã điểm danh, không vắng": the homeroom teacher confirms the roll-call of a whole school day was taken
 * (every session held that day). Absences already recorded that day stay as they are. Not for a day after
 * today nor a non-school day. Already complete: nothing written, `taken` 0.
 */
export async function confirmDayTaken(db: Kysely<DB>, session: Session, classId: number, day: string, now: Date = new Date()): Promise<{ day: string; taken: number; sessions: SessionCode[]; absences: number }> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'attendance.enter');
  if (!(await mayTakeRollCall(db, session, c))) throw classErrors.notHomeroom();
  await assertYearNotFrozen(db, c);
  const [holidays, plan] = await Promise.all([loadHolidays(db, c), planForClass(db, c)]);
  const held = sessionsOfDay(day, c.terms, plan, holidays);
  if (!held.length) {
    const off = holidays.get(day);
    throw err('ATTENDANCE_NOT_SCHOOL_DAY', 'bad_request', `Ngày ${day} không phải ngày học của trường${off ? ` (nghỉ: ${off})` : ''}.`, 'Not a school day.');
  }
  const today = vnToday(now);
  if (day > today) throw err('ATTENDANCE_FUTURE_DAY', 'bad_request', `Chưa thể xác nhận điểm danh ngày ${day}: ngày này chưa đến.`, 'That day has not come yet.');
  const ids = c.students.map((s) => s.enrolmentId);
  return retryTransaction(() =>
    db.transaction().execute(async (trx) => {
      const audits = await markTaken(trx, session, c, held.map((x) => ({ day, session: x })), today, 'grid');
      const absences = ids.length ? Number((await trx.selectFrom('attendance').select((eb) => eb.fn.countAll<number>().as('n')).where('enrolment_id', 'in', ids).where('day', '=', day).executeTakeFirstOrThrow()).n) : 0;
      for (const a of audits) await appendAudit(trx, { ...a, newValue: { ...(a.newValue as Record<string, unknown>), confirmed: true, absences } });
      return { day, taken: audits.length ? (audits[0]!.newValue as { sessions: SessionCode[] }).sessions.length : 0, sessions: held, absences };
    }),
  );
}
