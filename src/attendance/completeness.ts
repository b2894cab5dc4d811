/**
 * Roll-call completeness for the principal's dashboard (issue 9.1): per class of a school year, the school
 * days of the current month up to today (Vietnam) and how many of them have the roll-call of every session
 * held that day taken (roll_call_taken). A school day follows the class's week plan, the terms and the
 * school's days off — the same rule the roll-call sheet uses (school-days.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { SessionCode } from '../rules/attendance-plan';
import { holidaysBetween, plansForYear } from './calendar-service';
import { daysOfMonth, sessionsOfDay, vnToday } from './school-days';

export interface RollCallClassRow {
  readonly classId: number;
  readonly className: string;
  readonly homeroomName: string | null;
  /** School days of the month so far (up to and including today). */
  readonly schoolDays: number;
  /** Of those, days whose roll-call was taken for every session held. */
  readonly taken: number;
  /** The school days not yet taken, 'YYYY-MM-DD', oldest first. */
  readonly missing: readonly string[];
}

export interface RollCallCompleteness {
  /** 'YYYY-MM' of the month shown and its "MM/YYYY" label. */
  readonly month: string;
  readonly label: string;
  readonly today: string;
  readonly rows: readonly RollCallClassRow[];
  readonly totals: { readonly schoolDays: number; readonly taken: number };
}

const collator = new Intl.Collator('vi', { numeric: true });

export async function rollCallCompleteness(db: Kysely<DB>, schoolId: number, schoolYearId: number, now: Date): Promise<RollCallCompleteness> {
  const today = vnToday(now);
  const month = today.slice(0, 7);
  const days = daysOfMonth(month).filter((d) => d <= today);
  const from = days[0]!;
  const label = `${month.slice(5)}/${month.slice(0, 4)}`;
  const classes = await db
    .selectFrom('class as c')
    .leftJoin('person as p', 'p.id', 'c.homeroom_person_id')
    .select(['c.id', 'c.name', 'p.display_name'])
    .where('c.school_year_id', '=', schoolYearId)
    .where('c.school_id', '=', schoolId)
    .execute();
  if (!classes.length) return { month, label, today, rows: [], totals: { schoolDays: 0, taken: 0 } };
  const terms = (
    await db
      .selectFrom('term')
      .select(['id', 'code', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start'), sql<string>`to_char(end_date, 'YYYY-MM-DD')`.as('end')])
      .where('school_year_id', '=', schoolYearId)
      .execute()
  ).map((t) => ({ id: Number(t.id), code: t.code as 'HK1' | 'HK2', start: t.start, end: t.end }));
  const [plans, holidays, takenRows] = await Promise.all([
    plansForYear(db, schoolId, schoolYearId),
    holidaysBetween(db, schoolId, from, today),
    db
      .selectFrom('roll_call_taken')
      .select(['class_id', sql<string>`to_char(day, 'YYYY-MM-DD')`.as('d'), 'session'])
      .where('class_id', 'in', classes.map((c) => c.id))
      .where('day', '>=', from)
      .where('day', '<=', today)
      .execute(),
  ]);
  const taken = new Map<string, Set<SessionCode>>();
  for (const t of takenRows) {
    const k = `${Number(t.class_id)}|${t.d}`;
    taken.set(k, (taken.get(k) ?? new Set<SessionCode>()).add(t.session));
  }
  const rows: RollCallClassRow[] = classes.map((c) => {
    const id = Number(c.id);
    const plan = plans.get(id)!;
    let schoolDays = 0;
    const missing: string[] = [];
    for (const d of days) {
      const held = sessionsOfDay(d, terms, plan, holidays);
      if (!held.length) continue;
      schoolDays += 1;
      const done = taken.get(`${id}|${d}`);
      if (!held.every((s) => done?.has(s))) missing.push(d);
    }
    return { classId: id, className: c.name, homeroomName: c.display_name ?? null, schoolDays, taken: schoolDays - missing.length, missing };
  });
  // Least complete first, so the classes to chase are on top.
  rows.sort((a, b) => b.missing.length - a.missing.length || collator.compare(a.className, b.className));
  return { month, label, today, rows, totals: { schoolDays: rows.reduce((s, r) => s + r.schoolDays, 0), taken: rows.reduce((s, r) => s + r.taken, 0) } };
}
