/**
 * Kysely queries of the grid. Ids come back from pg as numbers (bigint parser in db/database.ts).
 * No rules here: rows in, rows out.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { ColumnKind, DB } from '../db/schema';
import { REGIMES, selectRegime, type Regime } from '../rules';

export interface ClassSubjectContext {
  readonly id: number;
  readonly schoolId: number;
  readonly classId: number;
  readonly className: string;
  readonly grade: number;
  readonly homeroomPersonId: number | null;
  readonly schoolYearId: number;
  readonly schoolYearName: string;
  readonly regime: Regime;
  readonly regimeReasonVi: string;
  readonly subjectName: string;
  readonly teacherPersonId: number | null;
  readonly assessment: 'scored' | 'comment';
  readonly periodsPerWeek: string | null;
  readonly periodsPerYear: number | null;
}

export interface TermRow {
  readonly id: number;
  readonly code: 'HK1' | 'HK2';
}

export interface ColumnRow {
  readonly id: number;
  readonly termId: number;
  readonly kind: ColumnKind;
  readonly position: number;
  readonly coefficient: number;
  readonly valueType: 'score' | 'rating';
  readonly form: string | null;
  readonly label: string;
}

export interface StudentRow {
  readonly enrolmentId: number;
  readonly personId: number;
  readonly familyName: string;
  readonly givenName: string;
  readonly displayName: string;
  readonly personCode: string | null;
  readonly leftOn: string | null;
}

export interface ScoreRow {
  readonly columnId: number;
  readonly enrolmentId: number;
  readonly tenths: number | null;
  readonly rating: 'D' | 'CD' | null;
  readonly version: number;
}

export interface UpdatePointRow {
  readonly id: number;
  readonly termId: number;
  readonly label: string;
  readonly deadline: Date;
  readonly kinds: readonly string[];
}

type Q = Kysely<DB> | Transaction<DB>;
const subjectCollator = new Intl.Collator('vi');

export function regimeOf(schoolYearName: string, grade: number, overrides: Record<string, string>): { regime: Regime; reasonVi: string } {
  const o = overrides[String(grade)];
  const override = o !== undefined && (REGIMES as readonly string[]).includes(o) ? (o as Regime) : undefined;
  const sel = selectRegime({ schoolYear: schoolYearName, grade, ...(override ? { override } : {}) });
  return { regime: sel.regime, reasonVi: sel.reasonVi };
}

const csSelect = (db: Q) =>
  db
    .selectFrom('class_subject as cs')
    .innerJoin('class as c', 'c.id', 'cs.class_id')
    .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
    .innerJoin('subject as s', 's.id', 'cs.subject_id')
    .select([
      'cs.id',
      'c.school_id',
      'c.id as class_id',
      'c.name as class_name',
      'c.grade',
      'c.homeroom_person_id',
      'y.id as year_id',
      'y.name as year_name',
      'y.regime_overrides',
      's.name as subject_name',
      'cs.teacher_person_id',
      'cs.assessment',
      'cs.periods_per_week',
      'cs.periods_per_year',
    ]);

type CsRaw = Awaited<ReturnType<ReturnType<typeof csSelect>['executeTakeFirstOrThrow']>>;

function toContext(r: CsRaw): ClassSubjectContext {
  const overrides = (typeof r.regime_overrides === 'string' ? JSON.parse(r.regime_overrides) : r.regime_overrides) as Record<string, string>;
  const { regime, reasonVi } = regimeOf(r.year_name, r.grade, overrides ?? {});
  return {
    id: Number(r.id),
    schoolId: Number(r.school_id),
    classId: Number(r.class_id),
    className: r.class_name,
    grade: r.grade,
    homeroomPersonId: r.homeroom_person_id === null ? null : Number(r.homeroom_person_id),
    schoolYearId: Number(r.year_id),
    schoolYearName: r.year_name,
    regime,
    regimeReasonVi: reasonVi,
    subjectName: r.subject_name,
    teacherPersonId: r.teacher_person_id === null ? null : Number(r.teacher_person_id),
    assessment: r.assessment,
    periodsPerWeek: r.periods_per_week,
    periodsPerYear: r.periods_per_year,
  };
}

export async function loadClassSubject(db: Q, id: number): Promise<ClassSubjectContext | null> {
  const r = await csSelect(db).where('cs.id', '=', id).executeTakeFirst();
  return r ? toContext(r) : null;
}

export async function loadClassSubjectsOfClass(db: Q, classId: number): Promise<ClassSubjectContext[]> {
  const rows = await csSelect(db).where('cs.class_id', '=', classId).execute();
  // Vietnamese order ("Âm nhạc" before "Ngữ văn"), which the database's C collation does not give.
  return rows.map(toContext).sort((a, b) => subjectCollator.compare(a.subjectName, b.subjectName));
}

export async function loadTerms(db: Q, schoolYearId: number): Promise<TermRow[]> {
  const rows = await db.selectFrom('term').select(['id', 'code']).where('school_year_id', '=', schoolYearId).orderBy('code').execute();
  return rows.map((r) => ({ id: Number(r.id), code: r.code }));
}

export async function loadColumns(db: Q, classSubjectIds: readonly number[]): Promise<Array<ColumnRow & { classSubjectId: number }>> {
  if (!classSubjectIds.length) return [];
  const rows = await db
    .selectFrom('assessment_column')
    .select(['id', 'class_subject_id', 'term_id', 'kind', 'position', 'coefficient', 'value_type', 'form', 'label'])
    .where('class_subject_id', 'in', classSubjectIds)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    classSubjectId: Number(r.class_subject_id),
    termId: Number(r.term_id),
    kind: r.kind,
    position: r.position,
    coefficient: r.coefficient,
    valueType: r.value_type,
    form: r.form,
    label: r.label,
  }));
}

export async function loadStudents(db: Q, classId: number): Promise<StudentRow[]> {
  const rows = await db
    .selectFrom('enrolment as e')
    .innerJoin('person as p', 'p.id', 'e.person_id')
    .select(['e.id', 'p.id as person_id', 'p.family_name', 'p.given_name', 'p.display_name', 'p.person_code', sql<string | null>`to_char(e.left_on, 'YYYY-MM-DD')`.as('left_on')])
    .where('e.class_id', '=', classId)
    .execute();
  return rows.map((r) => ({
    enrolmentId: Number(r.id),
    personId: Number(r.person_id),
    familyName: r.family_name,
    givenName: r.given_name,
    displayName: r.display_name || `${r.family_name} ${r.given_name}`.trim(),
    personCode: r.person_code,
    leftOn: r.left_on,
  }));
}

export async function loadScores(db: Q, columnIds: readonly number[], enrolmentIds?: readonly number[]): Promise<ScoreRow[]> {
  if (!columnIds.length || (enrolmentIds && !enrolmentIds.length)) return [];
  let q = db.selectFrom('score').select(['column_id', 'enrolment_id', 'tenths', 'rating', 'version']).where('column_id', 'in', columnIds);
  if (enrolmentIds) q = q.where('enrolment_id', 'in', enrolmentIds);
  const rows = await q.execute();
  return rows.map((r) => ({ columnId: Number(r.column_id), enrolmentId: Number(r.enrolment_id), tenths: r.tenths, rating: r.rating, version: r.version }));
}

export async function loadUpdatePoints(db: Q, termIds: readonly number[]): Promise<UpdatePointRow[]> {
  if (!termIds.length) return [];
  const rows = await db.selectFrom('update_point').select(['id', 'term_id', 'label', 'deadline', 'kinds']).where('term_id', 'in', termIds).orderBy('deadline').execute();
  return rows.map((r) => ({ id: Number(r.id), termId: Number(r.term_id), label: r.label, deadline: new Date(r.deadline), kinds: r.kinds }));
}
