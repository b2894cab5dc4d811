/**
 * The school's week plan for roll-call and how absences recorded per session (buổi) become the per-day
 * records countAbsences counts (A-22-ABS). TT22 counts absences "on the 1-session-per-day plan"; a school
 * running two sessions a day chooses how: ≤ 1 buổi per school day, every session, or only days on which a
 * main-curriculum session (buổi chính khoá) was missed — the last one needs to know which sessions are main,
 * which is what the plan says. Pure: no I/O, no clock; dates are 'YYYY-MM-DD' read in UTC.
 */
import { RulesError } from './errors';
import type { AbsenceRecord } from './absences';

export type SessionCode = 'sang' | 'chieu';
export const SESSION_CODES: readonly SessionCode[] = ['sang', 'chieu'];
/** main = buổi chính khoá; extra = buổi học thêm / buổi thứ hai. */
export type SessionKind = 'main' | 'extra';
/** Weekday (0 = Sunday … 6 = Saturday, as getUTCDay) → the sessions held that day and their kind; absent = no session. */
export type WeekPlan = Readonly<Record<number, Readonly<Partial<Record<SessionCode, SessionKind>>>>>;

export const WEEKDAY_VI = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'] as const;

/** The plan a school has before it sets one: its weekdays, morning only (or morning and afternoon), all main. */
export function defaultWeekPlan(weekdays: readonly number[], twoSessions: boolean): WeekPlan {
  const plan: Record<number, Partial<Record<SessionCode, SessionKind>>> = {};
  for (const d of weekdays) plan[d] = twoSessions ? { sang: 'main', chieu: 'main' } : { sang: 'main' };
  return plan;
}

/**
 * Checks a plan from storage or a form: weekdays 0–6, sessions sáng/chiều, kinds main/extra, at least one
 * main session in the week (a week of extra sessions only would make "main sessions only" count nothing).
 */
export function parseWeekPlan(raw: unknown): WeekPlan {
  const bad = (vi: string, en: string) => new RulesError('RULES_INVALID_INPUT', vi, en);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('Lịch học trong tuần không hợp lệ.', 'Invalid week plan.');
  const plan: Record<number, Partial<Record<SessionCode, SessionKind>>> = {};
  let main = 0;
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const d = Number(k);
    if (!/^[0-6]$/.test(k)) throw bad(`Thứ trong tuần không hợp lệ: ${k}.`, `Invalid weekday: ${k}.`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`Buổi học của ${WEEKDAY_VI[d]} không hợp lệ.`, `Invalid sessions for weekday ${k}.`);
    const day: Partial<Record<SessionCode, SessionKind>> = {};
    for (const [s, kind] of Object.entries(v as Record<string, unknown>)) {
      if (s !== 'sang' && s !== 'chieu') throw bad(`Buổi không hợp lệ: ${s} (chỉ có sáng, chiều).`, `Invalid session: ${s}.`);
      if (kind !== 'main' && kind !== 'extra') throw bad(`Loại buổi không hợp lệ: ${String(kind)} (chính khoá hoặc học thêm).`, `Invalid session kind: ${String(kind)}.`);
      day[s] = kind;
      if (kind === 'main') main += 1;
    }
    if (Object.keys(day).length) plan[d] = day;
  }
  if (main === 0) throw bad('Lịch học phải có ít nhất một buổi chính khoá trong tuần.', 'The week plan needs at least one main session.');
  return plan;
}

export const weekdayOfDate = (day: string): number => new Date(`${day}T00:00:00Z`).getUTCDay();

/** Sessions held on a weekday, morning first. */
export const sessionsOn = (plan: WeekPlan, weekday: number): SessionCode[] => SESSION_CODES.filter((s) => plan[weekday]?.[s] !== undefined);

export const kindOf = (plan: WeekPlan, weekday: number, session: SessionCode): SessionKind | null => plan[weekday]?.[session] ?? null;

/** Every session the plan uses on some weekday (the columns of a roll-call sheet). */
export const planSessions = (plan: WeekPlan): SessionCode[] => SESSION_CODES.filter((s) => Object.values(plan).some((d) => d[s] !== undefined));

export interface SessionAbsence {
  readonly date: string;
  readonly session: SessionCode;
}

/**
 * One record per day with the sessions missed and whether any of them was a main session. A session the
 * plan does not hold that weekday (the plan changed after the absence was recorded) counts as main, so a
 * change of plan can never hide an absence from the 45-buổi count.
 */
export function absenceRecordsByPlan(plan: WeekPlan, absences: readonly SessionAbsence[]): AbsenceRecord[] {
  const byDay = new Map<string, { sessions: Set<SessionCode>; main: boolean }>();
  for (const a of absences) {
    const d = byDay.get(a.date) ?? { sessions: new Set<SessionCode>(), main: false };
    d.sessions.add(a.session);
    d.main = d.main || kindOf(plan, weekdayOfDate(a.date), a.session) !== 'extra';
    byDay.set(a.date, d);
  }
  return [...byDay].map(([date, d]) => ({ date, sessions: d.sessions.size, main: d.main }));
}
