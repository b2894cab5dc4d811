/**
 * One class as roll-call, conduct, results and year-end see it: its school year, terms with dates,
 * regime (the same selection the grid uses), students in Vietnamese order and the school's rule options.
 * Authorisation is here so every route decides it the same way: the school's rules (role → action)
 * AND the class assignment (homeroom teacher of this class; the board reads every class).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { isBoard } from '../auth/roles';
import { requirePermission, type Action } from '../auth/permissions';
import { loadStudents, regimeOf, type StudentRow } from '../gradebook/grid-repository';
import { compareVietnameseNames } from '../gradebook/averages';
import { resolveOptions, isRulesError, type Regime, type RuleOptions, type PartialRuleOptions } from '../rules';
import { classErrors, err } from './errors';

type Q = Kysely<DB> | Transaction<DB>;

export type ClassStudent = StudentRow & { readonly joinedOn: string };

export interface TermDates {
  readonly id: number;
  readonly code: 'HK1' | 'HK2';
  readonly start: string;
  readonly end: string;
}

export interface ClassContext {
  readonly classId: number;
  readonly schoolId: number;
  readonly className: string;
  readonly grade: number;
  readonly homeroomPersonId: number | null;
  readonly schoolYearId: number;
  readonly schoolYearName: string;
  readonly regime: Regime;
  readonly terms: readonly TermDates[];
  readonly students: readonly ClassStudent[];
  /** The school's choices for the §8 ambiguities (school.settings.ruleOptions), defaults otherwise. */
  readonly options: RuleOptions;
  /** Two sessions a day (sáng + chiều) are recorded when the school says so (school.settings.twoSessions). */
  readonly twoSessions: boolean;
  /** The school lets subject teachers take roll-call in the classes they teach (school.settings.subjectTeacherRollCall). */
  readonly subjectTeacherRollCall: boolean;
  /** School days Monday–Saturday unless the school lists fewer weekdays (school.settings.schoolWeekdays, 1 = Monday). */
  readonly weekdays: readonly number[];
}

function settingsOf(raw: unknown): { options: RuleOptions; twoSessions: boolean; subjectTeacherRollCall: boolean; weekdays: number[] } {
  const s = (typeof raw === 'string' ? JSON.parse(raw) : raw ?? {}) as Record<string, unknown>;
  let options: RuleOptions;
  try {
    options = resolveOptions((s.ruleOptions ?? {}) as PartialRuleOptions);
  } catch (e) {
    // A bad stored option must not silently fall back to defaults: the figures would differ from what the school chose.
    if (isRulesError(e)) throw err('RESULTS_BAD_SETTINGS', 'unavailable', `Cấu hình quy tắc của trường không hợp lệ: ${e.vi}`, `Invalid school rule options: ${e.en}`);
    throw e;
  }
  const wd = Array.isArray(s.schoolWeekdays) ? (s.schoolWeekdays as unknown[]).filter((d): d is number => typeof d === 'number' && d >= 0 && d <= 6) : [1, 2, 3, 4, 5, 6];
  return { options, twoSessions: s.twoSessions === true, subjectTeacherRollCall: s.subjectTeacherRollCall === true, weekdays: wd };
}

export async function loadClassContext(db: Q, classId: number): Promise<ClassContext | null> {
  const k = await db
    .selectFrom('class as c')
    .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
    .innerJoin('school as s', 's.id', 'c.school_id')
    .select(['c.id', 'c.school_id', 'c.name', 'c.grade', 'c.homeroom_person_id', 'y.id as year_id', 'y.name as year_name', 'y.regime_overrides', 's.settings'])
    .where('c.id', '=', classId)
    .executeTakeFirst();
  if (!k) return null;
  const overrides = (typeof k.regime_overrides === 'string' ? JSON.parse(k.regime_overrides) : k.regime_overrides) as Record<string, string> | null;
  const terms = await db
    .selectFrom('term')
    .select(['id', 'code', sql<string>`to_char(start_date, 'YYYY-MM-DD')`.as('start'), sql<string>`to_char(end_date, 'YYYY-MM-DD')`.as('end')])
    .where('school_year_id', '=', Number(k.year_id))
    .orderBy('code')
    .execute();
  const students = (await loadStudents(db, classId)).sort(compareVietnameseNames);
  const joined = await db.selectFrom('enrolment').select(['id', sql<string>`to_char(joined_on, 'YYYY-MM-DD')`.as('joined')]).where('class_id', '=', classId).execute();
  const joinedOn = new Map(joined.map((j) => [Number(j.id), j.joined]));
  return {
    classId: Number(k.id),
    schoolId: Number(k.school_id),
    className: k.name,
    grade: k.grade,
    homeroomPersonId: k.homeroom_person_id === null ? null : Number(k.homeroom_person_id),
    schoolYearId: Number(k.year_id),
    schoolYearName: k.year_name,
    regime: regimeOf(k.year_name, k.grade, overrides ?? {}).regime,
    terms: terms.map((t) => ({ id: Number(t.id), code: t.code as 'HK1' | 'HK2', start: t.start, end: t.end })),
    students: students.map((s) => ({ ...s, joinedOn: joinedOn.get(s.enrolmentId) ?? '0000-00-00' })),
    ...settingsOf(k.settings),
  };
}

/** Another school's class is answered like a missing one (ids must not leak across schools). */
export async function classFor(db: Q, session: Session, classId: number): Promise<ClassContext> {
  const c = await loadClassContext(db, classId);
  if (!c || c.schoolId !== session.schoolId) throw classErrors.notFound();
  return c;
}

/** Writes: the school's rule for `action` AND being this class's homeroom teacher. */
export async function authoriseHomeroomWrite(db: Kysely<DB>, session: Session, c: ClassContext, action: Action): Promise<void> {
  await requirePermission(db, session, action);
  if (c.homeroomPersonId !== session.personId) throw classErrors.notHomeroom();
}

/**
 * Approval freezes a class's year (issue 6.4): once the principal has approved a year-end list (and not reopened
 * it), its roll-call and conduct no longer change directly — the principal reopens the list (a traced correction).
 */
export async function assertYearNotFrozen(db: Q, c: ClassContext): Promise<void> {
  const frozen = await db.selectFrom('year_decision').select('round').where('class_id', '=', c.classId).where('state', '=', 'approved').executeTakeFirst();
  if (frozen) {
    throw err(
      'YEAR_END_FROZEN',
      'conflict',
      `Danh sách cuối năm của lớp ${c.className} đã được hiệu trưởng duyệt và khoá: điểm danh và hạnh kiểm không sửa trực tiếp được nữa. Muốn sửa, hiệu trưởng mở lại danh sách (có ghi lý do).`,
      `Class ${c.className}'s year-end list is approved and frozen; the principal must reopen it first.`,
    );
  }
}

/** Reads: the class's homeroom teacher or the board. */
export function authoriseClassView(session: Session, c: ClassContext): void {
  if (isBoard(session.roles)) return;
  if (session.roles.includes('homeroom_teacher') && c.homeroomPersonId === session.personId) return;
  throw classErrors.notViewer();
}

export const canWriteHomeroom = (session: Session, c: ClassContext) => c.homeroomPersonId === session.personId;
