/**
 * The school-day rule used by roll-call: a day is a school day when it falls inside a term, on a weekday the
 * class's week plan holds a session on (Monday–Saturday mornings by default; the school calendar page sets
 * it) and is not one of the school's days off. Dates are plain 'YYYY-MM-DD' strings handled in UTC so the
 * server's time zone cannot shift a day.
 */
import type { TermDates } from '../results/class-context';
import { sessionsOn, type WeekPlan } from '../rules/attendance-plan';

export const weekdayOf = (day: string): number => new Date(`${day}T00:00:00Z`).getUTCDay();

export function termOf(day: string, terms: readonly TermDates[]): TermDates | null {
  return terms.find((t) => t.start <= day && day <= t.end) ?? null;
}

export function isSchoolDay(day: string, terms: readonly TermDates[], plan: WeekPlan, holidays: { has(day: string): boolean }): boolean {
  return termOf(day, terms) !== null && sessionsOn(plan, weekdayOf(day)).length > 0 && !holidays.has(day);
}

/** The sessions a class holds that day (none on a non-school day). */
export function sessionsOfDay(day: string, terms: readonly TermDates[], plan: WeekPlan, holidays: { has(day: string): boolean }) {
  return isSchoolDay(day, terms, plan, holidays) ? sessionsOn(plan, weekdayOf(day)) : [];
}

/** Today's date in Vietnam (UTC+7), 'YYYY-MM-DD': roll-call days are Vietnamese calendar days. */
export const vnToday = (now: Date): string => new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);

/** Every day of a month 'YYYY-MM' as 'YYYY-MM-DD'. */
export function daysOfMonth(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** Months 'YYYY-MM' a range of dates covers, in order. */
export function monthsBetween(start: string, end: string): string[] {
  const out: string[] = [];
  let [y, m] = start.slice(0, 7).split('-').map(Number) as [number, number];
  const last = end.slice(0, 7);
  for (;;) {
    const k = `${y}-${String(m).padStart(2, '0')}`;
    out.push(k);
    if (k >= last) break;
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

/** Whether the student belonged to the class that day (joined on or before it; left after it). */
export const enrolledOn = (day: string, joinedOn: string, leftOn: string | null): boolean => joinedOn <= day && (leftOn === null || day < leftOn);

/** Why a day is not a school day: a day off, outside both terms, or a weekday the class holds no session on. */
export type NonSchoolReason = 'holiday' | 'outside-term' | 'no-session';

/**
 * The reason isSchoolDay says no, null on a school day (same rule, same order of precedence as a printed
 * book names it: a named day off first, even on a Sunday). Terms only need their dates, so a print's
 * plain data can ask without loading the class context.
 */
export function nonSchoolReason(day: string, terms: readonly { readonly start: string; readonly end: string }[], plan: WeekPlan, holidays: { has(day: string): boolean }): NonSchoolReason | null {
  if (holidays.has(day)) return 'holiday';
  if (!terms.some((t) => t.start <= day && day <= t.end)) return 'outside-term';
  if (sessionsOn(plan, weekdayOf(day)).length === 0) return 'no-session';
  return null;
}
