/**
 * The principal's dashboard (issue 9.1), read-only, board only (principal, vice-principal):
 * - per teacher and class subject, marks entered vs required in the term (the rules engine's counts:
 *   regular + periodic/mid-term + final, per student still in the class; extra marks beyond the
 *   requirement do not make up for missing ones);
 * - columns still incomplete whose update point falls within the next 14 days (or passed within 3);
 * - correction requests created this month (Vietnam calendar), by state;
 * - marks the LMS refused or conflicting with it (grade sync outbox), per class subject;
 * - roll-call completeness per class this month (school days so far vs days taken; src/attendance/completeness);
 * each class subject drills down to its grid (the board reads every grid).
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { isBoard } from '../auth/roles';
import { AppError } from '../shared/errors';
import { regimeOf } from '../gradebook/grid-repository';
import { requiredRegular } from '../gradebook/column-layout';
import { requiredAssessments } from '../rules';
import { rollCallCompleteness, type RollCallCompleteness } from '../attendance/completeness';

export const dashboardErrors = {
  forbidden: () => new AppError('DASHBOARD_FORBIDDEN', 'forbidden', 'Bảng theo dõi chỉ dành cho Ban giám hiệu (hiệu trưởng, phó hiệu trưởng).', 'The dashboard is for the principal and vice-principals.'),
  noYear: () => new AppError('DASHBOARD_NO_YEAR', 'not_found', 'Trường chưa có năm học nào.', 'The school has no school year.'),
};

export interface ProgressRow {
  readonly classSubjectId: number;
  readonly className: string;
  readonly subjectName: string;
  readonly teacherName: string;
  readonly students: number;
  readonly requiredPerStudent: number;
  readonly required: number;
  readonly entered: number;
  readonly percent: number;
  /** Marks the LMS refused or that conflict with it (ags_outbox 'failed' / 'conflict'). */
  readonly lmsFailures: number;
}

export interface TeacherGroup {
  readonly teacherName: string;
  readonly required: number;
  readonly entered: number;
  readonly percent: number;
  readonly rows: ProgressRow[];
}

export interface PendingColumn {
  readonly classSubjectId: number;
  readonly className: string;
  readonly subjectName: string;
  readonly teacherName: string;
  readonly column: string;
  readonly filled: number;
  readonly students: number;
  readonly pointLabel: string;
  readonly deadline: Date;
  readonly overdue: boolean;
}

export interface Dashboard {
  readonly schoolYear: string;
  readonly term: 'HK1' | 'HK2';
  readonly terms: ReadonlyArray<'HK1' | 'HK2'>;
  readonly teachers: TeacherGroup[];
  readonly totals: { required: number; entered: number; percent: number; lmsFailures: number };
  readonly pending: PendingColumn[];
  readonly corrections: { month: string; byState: Array<{ state: string; count: number }>; total: number };
  /** Roll-call completeness this month (Vietnam calendar), per class of the school year. */
  readonly rollCall: RollCallCompleteness;
  readonly notYet: readonly string[];
}

const collator = new Intl.Collator('vi', { numeric: true });
/** Percent to one decimal, rounded; never shows 100 % while something is missing. */
const pct = (e: number, r: number) => (r === 0 ? 100 : e < r ? Math.min(99.9, Math.round((e * 1000) / r) / 10) : 100);
const DAY = 86400_000;

/** The first day of `now`'s month in Vietnam (UTC+7), as an instant; and its "MM/YYYY" label. */
export function vnMonth(now: Date): { start: Date; label: string } {
  const vn = new Date(now.getTime() + 7 * 3600_000);
  const y = vn.getUTCFullYear();
  const m = vn.getUTCMonth();
  return { start: new Date(Date.UTC(y, m, 1) - 7 * 3600_000), label: `${String(m + 1).padStart(2, '0')}/${y}` };
}

export async function loadDashboard(db: Kysely<DB>, session: Session, opts: { term?: 'HK1' | 'HK2'; now?: Date } = {}): Promise<Dashboard> {
  if (!isBoard(session.roles)) throw dashboardErrors.forbidden();
  const now = opts.now ?? new Date();
  const today = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
  // The school year under way (or the latest that has started; else the earliest).
  const years = await db.selectFrom('school_year').select(['id', 'name', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start'), 'regime_overrides']).where('school_id', '=', session.schoolId).orderBy('start_date', 'desc').execute();
  const year = years.find((y) => y.start <= today) ?? years[years.length - 1];
  if (!year) throw dashboardErrors.noYear();
  const termRows = await db.selectFrom('term').select(['id', 'code', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start')]).where('school_year_id', '=', year.id).orderBy('code').execute();
  const started = termRows.filter((t) => t.start <= today);
  const term = termRows.find((t) => t.code === opts.term) ?? started[started.length - 1] ?? termRows[0];
  if (!term) throw dashboardErrors.noYear();
  const overrides = (typeof year.regime_overrides === 'string' ? JSON.parse(year.regime_overrides) : year.regime_overrides) as Record<string, string> | null;

  const css = await db
    .selectFrom('class_subject as cs')
    .innerJoin('class as c', 'c.id', 'cs.class_id')
    .innerJoin('subject as s', 's.id', 'cs.subject_id')
    .leftJoin('person as t', 't.id', 'cs.teacher_person_id')
    .select(['cs.id', 'c.id as class_id', 'c.name as class_name', 'c.grade', 's.name as subject_name', 't.display_name as teacher_name', 'cs.assessment', 'cs.periods_per_week', 'cs.periods_per_year'])
    .where('c.school_year_id', '=', year.id)
    .execute();
  const classIds = [...new Set(css.map((c) => Number(c.class_id)))];
  const active = classIds.length
    ? await db.selectFrom('enrolment').select(['class_id', (eb) => eb.fn.countAll<number>().as('n')]).where('class_id', 'in', classIds).where('left_on', 'is', null).groupBy('class_id').execute()
    : [];
  const activeBy = new Map(active.map((a) => [Number(a.class_id), Number(a.n)]));
  const cols = css.length
    ? await db
        .selectFrom('assessment_column as a')
        .leftJoin('score as sc', (j) => j.onRef('sc.column_id', '=', 'a.id').on((eb) => eb.or([eb('sc.tenths', 'is not', null), eb('sc.rating', 'is not', null)])))
        .leftJoin('enrolment as e', (j) => j.onRef('e.id', '=', 'sc.enrolment_id').on('e.left_on', 'is', null))
        .select(['a.id', 'a.class_subject_id', 'a.kind', 'a.label', 'a.position', (eb) => eb.fn.count<number>('e.id').as('filled')])
        .where('a.class_subject_id', 'in', css.map((c) => c.id))
        .where('a.term_id', '=', term.id)
        .groupBy(['a.id', 'a.class_subject_id', 'a.kind', 'a.label', 'a.position'])
        .execute()
    : [];
  const colsBy = new Map<number, typeof cols>();
  for (const c of cols) colsBy.set(Number(c.class_subject_id), [...(colsBy.get(Number(c.class_subject_id)) ?? []), c]);

  const lms = css.length
    ? await db.selectFrom('ags_outbox').select(['class_subject_id', (eb) => eb.fn.countAll<number>().as('n')]).where('school_id', '=', session.schoolId).where('class_subject_id', 'in', css.map((c) => c.id)).where('state', 'in', ['failed', 'conflict']).groupBy('class_subject_id').execute()
    : [];
  const lmsBy = new Map(lms.map((x) => [Number(x.class_subject_id), Number(x.n)]));
  const rows: ProgressRow[] = css.map((c) => {
    const regime = regimeOf(year.name, c.grade, overrides ?? {}).regime;
    const mine = colsBy.get(Number(c.id)) ?? [];
    const reqRegular = requiredRegular(regime, c.assessment, c.periods_per_week, c.periods_per_year).regular;
    let reqPeriodic = mine.filter((x) => x.kind === 'periodic' || x.kind === 'midterm').length;
    try {
      const r = requiredAssessments({ regime, assessment: c.assessment, ...(c.periods_per_week ? { periodsPerWeek: c.periods_per_week } : {}), ...(c.periods_per_year ? { periodsPerYear: c.periods_per_year } : {}) });
      if (r.periodic !== null) reqPeriodic = r.periodic;
    } catch {
      // Missing periods: keep the columns the teacher has (the grid says which minimum applies).
    }
    reqPeriodic = Math.max(reqPeriodic, regime === 'TT58' ? 1 : reqPeriodic);
    const students = activeBy.get(Number(c.class_id)) ?? 0;
    // Per student, capped per kind: extra regular marks do not stand in for a missing final.
    const filled = (kinds: readonly string[]) => mine.filter((x) => kinds.includes(x.kind)).map((x) => Number(x.filled));
    const capped = (counts: number[], need: number) => {
      // The `need` fullest columns of the kind: exact when marks go into the first columns (the usual
      // case); a student with marks scattered over more columns than required may be counted short.
      return counts.sort((a, b) => b - a).slice(0, need).reduce((s, n) => s + Math.min(n, students), 0);
    };
    const entered = capped(filled(['regular']), reqRegular) + capped(filled(['periodic', 'midterm']), reqPeriodic) + capped(filled(['final']), 1);
    const perStudent = reqRegular + reqPeriodic + 1;
    return { classSubjectId: Number(c.id), className: c.class_name, subjectName: c.subject_name, teacherName: c.teacher_name ?? '(chưa phân công)', students, requiredPerStudent: perStudent, required: perStudent * students, entered, percent: pct(entered, perStudent * students), lmsFailures: lmsBy.get(Number(c.id)) ?? 0 };
  });
  const groups = new Map<string, ProgressRow[]>();
  for (const r of rows) groups.set(r.teacherName, [...(groups.get(r.teacherName) ?? []), r]);
  const teachers: TeacherGroup[] = [...groups.entries()]
    .map(([teacherName, rs]) => {
      const required = rs.reduce((s, r) => s + r.required, 0);
      const entered = rs.reduce((s, r) => s + r.entered, 0);
      return { teacherName, required, entered, percent: pct(entered, required), rows: rs.sort((a, b) => collator.compare(a.className, b.className) || collator.compare(a.subjectName, b.subjectName)) };
    })
    .sort((a, b) => a.percent - b.percent || collator.compare(a.teacherName, b.teacherName));
  const required = rows.reduce((s, r) => s + r.required, 0);
  const entered = rows.reduce((s, r) => s + r.entered, 0);

  // Update points near: deadline within [now − 3 days, now + 14 days].
  const points = await db.selectFrom('update_point').select(['label', 'deadline', 'kinds']).where('term_id', '=', term.id).where('deadline', '>=', new Date(now.getTime() - 3 * DAY)).where('deadline', '<=', new Date(now.getTime() + 14 * DAY)).orderBy('deadline').execute();
  const pending: PendingColumn[] = [];
  const csById = new Map(rows.map((r) => [r.classSubjectId, r]));
  for (const p of points) {
    for (const c of cols) {
      if (!p.kinds.includes(c.kind)) continue;
      const r = csById.get(Number(c.class_subject_id))!;
      if (Number(c.filled) >= r.students) continue;
      pending.push({ classSubjectId: r.classSubjectId, className: r.className, subjectName: r.subjectName, teacherName: r.teacherName, column: c.label, filled: Number(c.filled), students: r.students, pointLabel: p.label, deadline: new Date(p.deadline), overdue: new Date(p.deadline) < now });
    }
  }
  pending.sort((a, b) => a.deadline.getTime() - b.deadline.getTime() || a.filled / Math.max(a.students, 1) - b.filled / Math.max(b.students, 1) || collator.compare(a.className, b.className));

  const month = vnMonth(now);
  const corr = await db
    .selectFrom('correction_request')
    .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('school_id', '=', session.schoolId)
    .where('created_at', '>=', month.start)
    .where('created_at', '<=', now)
    .groupBy('state')
    .orderBy('state')
    .execute();
  const byState = corr.map((c) => ({ state: c.state, count: Number(c.n) }));
  return {
    schoolYear: year.name,
    term: term.code,
    terms: termRows.map((t) => t.code),
    teachers,
    totals: { required, entered, percent: pct(entered, required), lmsFailures: rows.reduce((n, r) => n + r.lmsFailures, 0) },
    pending,
    corrections: { month: month.label, byState, total: byState.reduce((s, c) => s + c.count, 0) },
    rollCall: await rollCallCompleteness(db, session.schoolId, Number(year.id), now),
    notYet: [],
  };
}
