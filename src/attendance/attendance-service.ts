/**
 * Roll-call: the month sheet (school days × sessions, P/K marks), monthly and semester totals and the
 * running count against the 45-buổi limit as the rules engine counts it (countAbsences with the school's
 * A-22-ABS choice), and the one write path (a batch of marks: all valid or nothing written, audited).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { countAbsences, MAX_ABSENCES, type AbsenceRecord } from '../rules';
import { authoriseClassView, classFor, type ClassContext } from '../results/class-context';
import { requirePermission } from '../auth/permissions';
import { classErrors } from '../results/errors';
import { err } from '../results/errors';
import { daysOfMonth, enrolledOn, isSchoolDay, monthsBetween, termOf } from './school-days';

export type SessionCode = 'sang' | 'chieu';
export type Mark = 'P' | 'K';
/** Warn the homeroom teacher from this many counted absences on (the limit is 45). */
export const WARN_AT = 35;

export interface AttendanceRow { enrolmentId: number; day: string; session: SessionCode; mark: Mark; main: boolean }

export async function loadHolidays(db: Kysely<DB>, schoolId: number): Promise<Set<string>> {
  const rows = await db.selectFrom('school_holiday').select(sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d')).where('school_id', '=', schoolId).execute();
  return new Set(rows.map((r) => r.d));
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

/** One student's absence records for the rules engine: one record per day with the sessions missed. */
export function absenceRecords(rows: readonly AttendanceRow[]): AbsenceRecord[] {
  const byDay = new Map<string, { sessions: number; main: boolean }>();
  for (const r of rows) {
    const d = byDay.get(r.day) ?? { sessions: 0, main: false };
    d.sessions += 1;
    d.main = d.main || r.main;
    byDay.set(r.day, d);
  }
  return [...byDay].map(([date, d]) => ({ date, sessions: d.sessions, main: d.main }));
}

export interface Totals { P: number; K: number; counted: number }

export function totalsOf(c: ClassContext, rows: readonly AttendanceRow[]): Totals {
  return { P: rows.filter((r) => r.mark === 'P').length, K: rows.filter((r) => r.mark === 'K').length, counted: countAbsences(c.regime, absenceRecords(rows), c.options) };
}

/** Counted absences per enrolment for the whole year (what decides promotion). */
export async function yearAbsences(db: Kysely<DB>, c: ClassContext): Promise<Map<number, number>> {
  const rows = await loadAttendance(db, c.students.map((s) => s.enrolmentId));
  const out = new Map<number, number>();
  for (const s of c.students) out.set(s.enrolmentId, totalsOf(c, rows.filter((r) => r.enrolmentId === s.enrolmentId)).counted);
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
  readonly days: ReadonlyArray<{ day: string; dow: number; school: boolean }>;
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

export async function loadMonthSheet(db: Kysely<DB>, session: Session, classId: number, month: string | undefined): Promise<MonthSheet> {
  const c = await classFor(db, session, classId);
  const writer = await mayTakeRollCall(db, session, c);
  if (!writer) authoriseClassView(session, c);
  const yearStart = c.terms[0]?.start ?? '2000-01-01';
  const yearEnd = c.terms[c.terms.length - 1]?.end ?? yearStart;
  const months = monthsBetween(yearStart, yearEnd);
  const m = month && months.includes(month) ? month : months[0]!;
  const holidays = await loadHolidays(db, c.schoolId);
  const rows = await loadAttendance(db, c.students.map((s) => s.enrolmentId));
  const inTerm = (code: 'HK1' | 'HK2') => (r: AttendanceRow) => termOf(r.day, c.terms)?.code === code;
  return {
    classId: c.classId,
    className: c.className,
    schoolYearName: c.schoolYearName,
    regime: c.regime,
    month: m,
    months,
    sessions: c.twoSessions ? ['sang', 'chieu'] : ['sang'],
    countingVi: !c.twoSessions
      ? 'Trường học 1 buổi/ngày: mỗi buổi nghỉ (có phép hay không phép) tính là 1 buổi.'
      : c.regime === 'TT22' ? COUNTING_VI[c.options['A-22-ABS']]! : 'TT58: mỗi buổi nghỉ (có phép hay không phép) tính là 1 buổi.',
    days: daysOfMonth(m).map((d) => ({ day: d, dow: new Date(`${d}T00:00:00Z`).getUTCDay(), school: isSchoolDay(d, c.terms, c.weekdays, holidays) })),
    canWrite: writer,
    limit: MAX_ABSENCES,
    warnAt: WARN_AT,
    rows: c.students.map((s) => {
      const mine = rows.filter((r) => r.enrolmentId === s.enrolmentId);
      const year = totalsOf(c, mine);
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
        month: totalsOf(c, mine.filter((r) => r.day.startsWith(m))),
        HK1: totalsOf(c, mine.filter(inTerm('HK1'))),
        HK2: totalsOf(c, mine.filter(inTerm('HK2'))),
        year,
        warningVi,
      };
    }),
  };
}

export interface MarkChange { enrolmentId: number; day: string; session: SessionCode; mark: Mark | '' }

/**
 * Saves a batch of marks. Every change is checked first (school day, student in the class that day,
 * session offered); one bad change refuses the whole batch, so nothing is half-written.
 */
export async function saveMarks(db: Kysely<DB>, session: Session, classId: number, changes: readonly MarkChange[]): Promise<{ saved: number }> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'attendance.enter');
  if (!(await mayTakeRollCall(db, session, c))) throw classErrors.notHomeroom();
  const holidays = await loadHolidays(db, c.schoolId);
  const students = new Map(c.students.map((s) => [s.enrolmentId, s]));
  const problems: string[] = [];
  for (const ch of changes) {
    const st = students.get(ch.enrolmentId);
    if (!st) { problems.push(`Học sinh (mã ghi danh ${ch.enrolmentId}) không thuộc lớp ${c.className}.`); continue; }
    if (!isSchoolDay(ch.day, c.terms, c.weekdays, holidays)) problems.push(`Ngày ${ch.day} không phải ngày học của trường.`);
    else if (!enrolledOn(ch.day, st.joinedOn, st.leftOn)) problems.push(`${st.displayName} không học ở lớp vào ngày ${ch.day}${st.leftOn ? ` (đã chuyển đi từ ${st.leftOn})` : ''}.`);
    if (ch.session === 'chieu' && !c.twoSessions) problems.push(`Trường không học buổi chiều (ngày ${ch.day}).`);
  }
  if (problems.length) {
    const code = problems.some((p) => p.includes('không phải ngày học')) ? 'ATTENDANCE_NOT_SCHOOL_DAY' : problems.some((p) => p.includes('không học ở lớp') || p.includes('không thuộc lớp')) ? 'ATTENDANCE_NOT_ENROLLED' : 'ATTENDANCE_BAD_SESSION';
    throw err(code, 'bad_request', `Không lưu điểm danh: ${problems.join(' ')}`, 'Roll-call not saved: invalid day, session or student.', { problems });
  }
  await db.transaction().execute(async (trx) => {
    for (const ch of changes) {
      const old = await trx.selectFrom('attendance').select(['id', 'mark']).where('enrolment_id', '=', ch.enrolmentId).where('day', '=', ch.day).where('session', '=', ch.session).forUpdate().executeTakeFirst();
      if ((old?.mark ?? '') === ch.mark) continue;
      if (ch.mark === '') await trx.deleteFrom('attendance').where('id', '=', old!.id).execute();
      else if (old) await trx.updateTable('attendance').set({ mark: ch.mark, version: sql`version + 1`, updated_by: session.personId, updated_at: new Date() }).where('id', '=', old.id).execute();
      else await trx.insertInto('attendance').values({ enrolment_id: ch.enrolmentId, day: ch.day, session: ch.session, mark: ch.mark, updated_by: session.personId }).execute();
      await appendAudit(trx, {
        schoolId: c.schoolId,
        actor: { personId: session.personId, role: c.homeroomPersonId === session.personId ? 'homeroom_teacher' : 'subject_teacher' },
        action: 'attendance.mark',
        entity: 'attendance',
        entityId: `${ch.enrolmentId}/${ch.day}/${ch.session}`,
        oldValue: old ? { mark: old.mark } : null,
        newValue: ch.mark ? { mark: ch.mark } : null,
        source: 'grid',
      });
    }
  });
  return { saved: changes.length };
}
