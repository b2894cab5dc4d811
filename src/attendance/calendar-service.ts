/**
 * The school's calendar for roll-call, per school year: the week plan (which weekdays have a morning and/or
 * an afternoon session, each main — buổi chính khoá — or extra — buổi học thêm), a class's own plan where it
 * differs, and the days off (Tết, national holidays, the school's own days; school_holiday, by date).
 * Kept by whoever the school's rules allow to configure the school (principal, school admin by default);
 * the board may read it. Every change is audited; a change that would leave recorded absences on a day or
 * session the calendar no longer holds is refused (delete those marks first), so the roll-call never holds
 * marks its own calendar calls impossible.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { allowed, loadPermissions, requirePermission } from '../auth/permissions';
import { isBoard } from '../auth/roles';
import { appendAudit } from '../audit/audit-log';
import { retryTransaction } from '../db/retry';
import { AppError } from '../shared/errors';
import { isRulesError } from '../rules';
import { defaultWeekPlan, kindOf, parseWeekPlan, weekdayOfDate, type SessionCode, type WeekPlan } from '../rules/attendance-plan';
import type { ClassContext } from '../results/class-context';

type Q = Kysely<DB> | Transaction<DB>;

export const calendarErrors = {
  forbidden: () => new AppError('CALENDAR_FORBIDDEN', 'forbidden', 'Chỉ người được cấu hình nhà trường (hiệu trưởng, quản trị nhà trường) và Ban giám hiệu xem được lịch học của trường.', 'Only school configurers and the board may see the school calendar.'),
  noYear: () => new AppError('CALENDAR_NO_YEAR', 'not_found', 'Không tìm thấy năm học.', 'School year not found.'),
  noClass: () => new AppError('CALENDAR_NO_CLASS', 'not_found', 'Không tìm thấy lớp trong năm học này.', 'Class not found in this school year.'),
  badPlan: (vi: string, en: string) => new AppError('CALENDAR_BAD_PLAN', 'bad_request', `Lịch học trong tuần không hợp lệ: ${vi}`, `Invalid week plan: ${en}`),
  badRange: (vi: string, en: string) => new AppError('CALENDAR_BAD_RANGE', 'bad_request', vi, en),
  conflicts: (what: string, samples: string[], n: number) =>
    new AppError(
      'CALENDAR_CONFLICTS_ATTENDANCE',
      'conflict',
      `Không lưu: ${what} đã có ${n} lượt vắng được ghi (ví dụ ${samples.join(', ')}). Hãy xoá các lượt điểm danh đó trước.`,
      `Not saved: ${n} recorded absences fall on days or sessions this change removes.`,
      { count: n, samples },
    ),
};

export interface SchoolYearRef { readonly id: number; readonly name: string; readonly start: string; readonly end: string }

const dmy = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;
const SESSION_VI: Record<SessionCode, string> = { sang: 'sáng', chieu: 'chiều' };

/** The plan a school without a calendar row follows: its settings (schoolWeekdays, twoSessions), every session main. */
export function settingsPlan(settings: unknown): WeekPlan {
  const s = (typeof settings === 'string' ? JSON.parse(settings) : settings ?? {}) as Record<string, unknown>;
  const wd = Array.isArray(s.schoolWeekdays) ? (s.schoolWeekdays as unknown[]).filter((d): d is number => typeof d === 'number' && d >= 0 && d <= 6) : [1, 2, 3, 4, 5, 6];
  return defaultWeekPlan(wd, s.twoSessions === true);
}

const storedPlan = (raw: unknown): WeekPlan => parseWeekPlan(typeof raw === 'string' ? JSON.parse(raw) : raw);

/** The week plan a class follows: its own, else its school year's, else the school's settings. */
export async function planForClass(db: Q, c: ClassContext): Promise<WeekPlan> {
  const own = await db.selectFrom('class_session_plan').select('plan').where('class_id', '=', c.classId).executeTakeFirst();
  if (own) return storedPlan(own.plan);
  const year = await db.selectFrom('school_calendar').select('plan').where('school_year_id', '=', c.schoolYearId).executeTakeFirst();
  if (year) return storedPlan(year.plan);
  return defaultWeekPlan(c.weekdays, c.twoSessions);
}

/** Every class of a school year with the plan it follows (one query per table, for the dashboard). */
export async function plansForYear(db: Q, schoolId: number, yearId: number): Promise<Map<number, WeekPlan>> {
  const school = await db.selectFrom('school').select('settings').where('id', '=', schoolId).executeTakeFirstOrThrow();
  const year = await db.selectFrom('school_calendar').select('plan').where('school_year_id', '=', yearId).executeTakeFirst();
  const base = year ? storedPlan(year.plan) : settingsPlan(school.settings);
  const classes = await db.selectFrom('class as c').leftJoin('class_session_plan as p', 'p.class_id', 'c.id').select(['c.id', 'p.plan']).where('c.school_year_id', '=', yearId).execute();
  return new Map(classes.map((c) => [Number(c.id), c.plan ? storedPlan(c.plan) : base]));
}

/** The school's days off between two dates, day → label. */
export async function holidaysBetween(db: Q, schoolId: number, from: string, to: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('school_holiday')
    .select([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'label'])
    .where('school_id', '=', schoolId)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .orderBy('day')
    .execute();
  return new Map(rows.map((r) => [r.d, r.label]));
}

async function yearOf(db: Q, schoolId: number, yearId: number): Promise<SchoolYearRef> {
  const y = await db
    .selectFrom('school_year')
    .select(['id', 'name', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start'), sql<string>`to_char(end_date, 'YYYY-MM-DD')`.as('end')])
    .where('id', '=', yearId)
    .where('school_id', '=', schoolId)
    .executeTakeFirst();
  if (!y) throw calendarErrors.noYear();
  return { id: Number(y.id), name: y.name, start: y.start, end: y.end };
}

export interface HolidayRange { readonly from: string; readonly to: string; readonly label: string; readonly days: number }

/** Consecutive days with the same label read as one range (Tết is a week, not seven lines). */
export function groupHolidays(h: ReadonlyMap<string, string>): HolidayRange[] {
  const out: Array<{ from: string; to: string; label: string; days: number }> = [];
  const next = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
  for (const [day, label] of [...h].sort((a, b) => a[0].localeCompare(b[0]))) {
    const last = out[out.length - 1];
    if (last && last.label === label && next(last.to) === day) {
      last.to = day;
      last.days += 1;
    } else out.push({ from: day, to: day, label, days: 1 });
  }
  return out;
}

export interface CalendarPage {
  readonly years: readonly SchoolYearRef[];
  readonly year: SchoolYearRef;
  readonly plan: WeekPlan;
  readonly planIsDefault: boolean;
  readonly holidays: readonly HolidayRange[];
  readonly classes: ReadonlyArray<{ id: number; name: string; grade: number; plan: WeekPlan | null }>;
  readonly canEdit: boolean;
}

export async function loadCalendarPage(db: Kysely<DB>, session: Session, yearId: number | undefined): Promise<CalendarPage> {
  const canEdit = allowed(await loadPermissions(db, session.schoolId), session.roles, 'school.configure');
  if (!canEdit && !isBoard(session.roles)) throw calendarErrors.forbidden();
  const years = (
    await db
      .selectFrom('school_year')
      .select(['id', 'name', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start'), sql<string>`to_char(end_date, 'YYYY-MM-DD')`.as('end')])
      .where('school_id', '=', session.schoolId)
      .orderBy('start_date', 'desc')
      .execute()
  ).map((y) => ({ id: Number(y.id), name: y.name, start: y.start, end: y.end }));
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  // Default: the year asked for, else the year under way (the latest that has started), else the newest.
  const year = (yearId ? years.find((y) => y.id === yearId) : years.find((y) => y.start <= today) ?? years[0]) ?? null;
  if (!year) throw calendarErrors.noYear();
  const row = await db.selectFrom('school_calendar').select('plan').where('school_year_id', '=', year.id).executeTakeFirst();
  const school = await db.selectFrom('school').select('settings').where('id', '=', session.schoolId).executeTakeFirstOrThrow();
  const classes = await db.selectFrom('class as c').leftJoin('class_session_plan as p', 'p.class_id', 'c.id').select(['c.id', 'c.name', 'c.grade', 'p.plan']).where('c.school_year_id', '=', year.id).orderBy('c.grade').orderBy('c.name').execute();
  return {
    years,
    year,
    plan: row ? storedPlan(row.plan) : settingsPlan(school.settings),
    planIsDefault: !row,
    holidays: groupHolidays(await holidaysBetween(db, session.schoolId, year.start, year.end)),
    classes: classes.map((c) => ({ id: Number(c.id), name: c.name, grade: c.grade, plan: c.plan ? storedPlan(c.plan) : null })),
    canEdit,
  };
}

function checkPlan(raw: unknown): WeekPlan {
  try {
    return parseWeekPlan(raw);
  } catch (e) {
    if (isRulesError(e)) throw calendarErrors.badPlan(e.vi, e.en);
    throw e;
  }
}

const actorOf = (s: Session) => ({ personId: s.personId, role: s.roles.includes('school_admin') ? 'school_admin' : s.roles[0] ?? 'staff' });

/** Absences recorded in some classes on days/sessions the plan would no longer hold (or on `days`). */
async function conflicting(trx: Q, classIds: readonly number[], test: (day: string, session: SessionCode) => boolean): Promise<{ n: number; samples: string[] }> {
  if (!classIds.length) return { n: 0, samples: [] };
  const rows = await trx
    .selectFrom('attendance as a')
    .innerJoin('enrolment as e', 'e.id', 'a.enrolment_id')
    .select([sql<string>`to_char(a.day, 'YYYY-MM-DD')`.as('d'), 'a.session', (eb) => eb.fn.countAll<number>().as('n')])
    .where('e.class_id', 'in', classIds)
    .groupBy(['a.day', 'a.session'])
    .orderBy('a.day')
    .execute();
  const bad = rows.filter((r) => test(r.d, r.session));
  return { n: bad.reduce((s, r) => s + Number(r.n), 0), samples: bad.slice(0, 5).map((r) => `${dmy(r.d)} buổi ${SESSION_VI[r.session]}`) };
}

const notHeld = (plan: WeekPlan) => (day: string, session: SessionCode) => kindOf(plan, weekdayOfDate(day), session) === null;

/**
 * The stored main flag of each absence follows the plan (read-time counting uses the plan itself; the column
 * is kept in step so exports and prints that read it agree).
 */
async function restampMain(trx: Q, classIds: readonly number[], plan: WeekPlan): Promise<void> {
  if (!classIds.length) return;
  await sql`
    UPDATE attendance a SET main = (${JSON.stringify(plan)}::jsonb -> extract(dow from a.day)::int::text ->> a.session) IS DISTINCT FROM 'extra'
    FROM enrolment e
    WHERE e.id = a.enrolment_id AND e.class_id IN (${sql.join(classIds)})
  `.execute(trx);
}

export async function saveYearPlan(db: Kysely<DB>, session: Session, yearId: number, raw: unknown): Promise<WeekPlan> {
  await requirePermission(db, session, 'school.configure');
  const year = await yearOf(db, session.schoolId, yearId);
  const plan = checkPlan(raw);
  return retryTransaction(() =>
    db.transaction().execute(async (trx) => {
      const old = await trx.selectFrom('school_calendar').select('plan').where('school_year_id', '=', year.id).forUpdate().executeTakeFirst();
      // Classes with their own plan do not follow the year's.
      const classIds = (await trx.selectFrom('class as c').leftJoin('class_session_plan as p', 'p.class_id', 'c.id').select('c.id').where('c.school_year_id', '=', year.id).where('p.class_id', 'is', null).execute()).map((c) => Number(c.id));
      const c = await conflicting(trx, classIds, notHeld(plan));
      if (c.n) throw calendarErrors.conflicts('lịch mới bỏ những buổi', c.samples, c.n);
      if (old) await trx.updateTable('school_calendar').set({ plan: JSON.stringify(plan), version: sql`version + 1`, updated_by: session.personId, updated_at: new Date() }).where('school_year_id', '=', year.id).execute();
      else await trx.insertInto('school_calendar').values({ school_year_id: year.id, school_id: session.schoolId, plan: JSON.stringify(plan), updated_by: session.personId }).execute();
      await restampMain(trx, classIds, plan);
      await appendAudit(trx, { schoolId: session.schoolId, actor: actorOf(session), action: 'calendar.plan', entity: 'school_calendar', entityId: String(year.id), oldValue: old ? { plan: old.plan } : null, newValue: { plan }, source: 'admin' });
      return plan;
    }),
  );
}

/** A class's own plan (null: follow the school year's again). */
export async function saveClassPlan(db: Kysely<DB>, session: Session, yearId: number, classId: number, raw: unknown | null): Promise<void> {
  await requirePermission(db, session, 'school.configure');
  const year = await yearOf(db, session.schoolId, yearId);
  const cls = await db.selectFrom('class').select(['id', 'name']).where('id', '=', classId).where('school_year_id', '=', year.id).where('school_id', '=', session.schoolId).executeTakeFirst();
  if (!cls) throw calendarErrors.noClass();
  const own = raw === null ? null : checkPlan(raw);
  await retryTransaction(() =>
    db.transaction().execute(async (trx) => {
      const old = await trx.selectFrom('class_session_plan').select('plan').where('class_id', '=', classId).forUpdate().executeTakeFirst();
      const yearRow = await trx.selectFrom('school_calendar').select('plan').where('school_year_id', '=', year.id).executeTakeFirst();
      const school = await trx.selectFrom('school').select('settings').where('id', '=', session.schoolId).executeTakeFirstOrThrow();
      const effective = own ?? (yearRow ? storedPlan(yearRow.plan) : settingsPlan(school.settings));
      const c = await conflicting(trx, [classId], notHeld(effective));
      if (c.n) throw calendarErrors.conflicts(`lịch mới của lớp ${cls.name} bỏ những buổi`, c.samples, c.n);
      if (own === null) await trx.deleteFrom('class_session_plan').where('class_id', '=', classId).execute();
      else if (old) await trx.updateTable('class_session_plan').set({ plan: JSON.stringify(own), updated_by: session.personId, updated_at: new Date() }).where('class_id', '=', classId).execute();
      else await trx.insertInto('class_session_plan').values({ class_id: classId, plan: JSON.stringify(own), updated_by: session.personId }).execute();
      await restampMain(trx, [classId], effective);
      await appendAudit(trx, { schoolId: session.schoolId, actor: actorOf(session), action: 'calendar.class_plan', entity: 'class', entityId: String(classId), oldValue: old ? { plan: old.plan } : null, newValue: own ? { plan: own } : null, source: 'admin' });
    }),
  );
}

const MAX_RANGE_DAYS = 62;

function daysFromTo(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && out.length <= MAX_RANGE_DAYS; t += 86400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function checkRange(year: SchoolYearRef, from: string, to: string): string[] {
  const real = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
  if (!real(from) || !real(to)) throw calendarErrors.badRange('Ngày không hợp lệ.', 'Invalid date.');
  if (from > to) throw calendarErrors.badRange(`Ngày bắt đầu (${dmy(from)}) sau ngày kết thúc (${dmy(to)}).`, 'The start is after the end.');
  if (from < year.start || to > year.end) throw calendarErrors.badRange(`Ngày nghỉ phải nằm trong năm học ${year.name} (${dmy(year.start)} – ${dmy(year.end)}).`, 'Days off must fall inside the school year.');
  const days = daysFromTo(from, to);
  if (days.length > MAX_RANGE_DAYS) throw calendarErrors.badRange(`Một lần thêm tối đa ${MAX_RANGE_DAYS} ngày nghỉ.`, `At most ${MAX_RANGE_DAYS} days at once.`);
  return days;
}

async function classesOfYear(db: Q, yearId: number): Promise<number[]> {
  return (await db.selectFrom('class').select('id').where('school_year_id', '=', yearId).execute()).map((c) => Number(c.id));
}

/** Days off from `from` to `to` (one day when equal), with a label; a day already off takes the new label. */
export async function addHolidays(db: Kysely<DB>, session: Session, yearId: number, from: string, to: string, label: string): Promise<number> {
  await requirePermission(db, session, 'school.configure');
  const year = await yearOf(db, session.schoolId, yearId);
  const days = checkRange(year, from, to);
  const text = label.trim();
  if (!text || text.length > 120) throw calendarErrors.badRange('Hãy ghi tên ngày nghỉ (tối đa 120 ký tự), ví dụ "Tết Nguyên đán".', 'Give the day off a name (at most 120 characters).');
  await retryTransaction(() =>
    db.transaction().execute(async (trx) => {
      const set = new Set(days);
      const c = await conflicting(trx, await classesOfYear(trx, year.id), (d) => set.has(d));
      if (c.n) throw calendarErrors.conflicts('những ngày này', c.samples, c.n);
      await trx
        .insertInto('school_holiday')
        .values(days.map((day) => ({ school_id: session.schoolId, day, label: text })))
        .onConflict((oc) => oc.columns(['school_id', 'day']).doUpdateSet({ label: text }))
        .execute();
      await appendAudit(trx, { schoolId: session.schoolId, actor: actorOf(session), action: 'calendar.holiday.add', entity: 'school_holiday', entityId: from === to ? from : `${from}..${to}`, oldValue: null, newValue: { from, to, label: text, days: days.length }, source: 'admin' });
    }),
  );
  return days.length;
}

/** Days off removed again from `from` to `to`: those days become school days if the week plan holds them. */
export async function removeHolidays(db: Kysely<DB>, session: Session, yearId: number, from: string, to: string): Promise<number> {
  await requirePermission(db, session, 'school.configure');
  const year = await yearOf(db, session.schoolId, yearId);
  checkRange(year, from, to);
  return retryTransaction(() =>
    db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('school_holiday').where('school_id', '=', session.schoolId).where('day', '>=', from).where('day', '<=', to).returning([sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'label']).execute();
      if (!gone.length) throw calendarErrors.badRange(`Không có ngày nghỉ nào từ ${dmy(from)} đến ${dmy(to)}.`, 'No days off in that range.');
      await appendAudit(trx, { schoolId: session.schoolId, actor: actorOf(session), action: 'calendar.holiday.remove', entity: 'school_holiday', entityId: from === to ? from : `${from}..${to}`, oldValue: { days: gone.map((g) => ({ day: g.d, label: g.label })) }, newValue: null, source: 'admin' });
      return gone.length;
    }),
  );
}

