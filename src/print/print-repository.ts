import { sql, type Kysely } from 'kysely';
import type { DB, PrintKind } from '../db/schema';
import { selectRegime, type Regime } from '../rules';
import { loadAttendance } from '../attendance/attendance-service';
import { holidaysBetween, planForClass } from '../attendance/calendar-service';
import { loadClassContext } from '../results/class-context';
import { loadClassData, studentResult, type Period as ResultPeriod } from '../results/results-service';
import type { DecisionPayload } from '../results/year-end-service';
import type { BookData, ColumnData, DecisionData, PeriodResultData } from './book-data';
import { printNotFound } from './errors';
import { paperSizeOf } from './layout';

/**
 * Loads what a print needs as plain data (BookData). Reads only: the archive writes live in
 * print-service.ts. Every query is scoped to the session's school.
 */
const fullName = (p: { family_name: string; given_name: string } | undefined | null): string | null =>
  p ? [p.family_name, p.given_name].filter(Boolean).join(' ').trim() || null : null;

export async function loadBookData(db: Kysely<DB>, schoolId: number, classId: number): Promise<BookData> {
  const klass = await db
    .selectFrom('class')
    .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
    .innerJoin('school', 'school.id', 'class.school_id')
    .leftJoin('person as hr', 'hr.id', 'class.homeroom_person_id')
    .select([
      'class.id',
      'class.name',
      'class.grade',
      'school_year.id as year_id',
      'school_year.name as year_name',
      sql<string>`school_year.start_date::text`.as('year_start'),
      sql<string>`school_year.end_date::text`.as('year_end'),
      'school_year.regime_overrides',
      'school.name as school_name',
      'school.level',
      'school.province',
      'school.settings',
      'hr.family_name as hr_family',
      'hr.given_name as hr_given',
    ])
    .where('class.id', '=', classId)
    .where('class.school_id', '=', schoolId)
    .executeTakeFirst();
  if (!klass) throw printNotFound('lớp');

  const overrides = (klass.regime_overrides ?? {}) as Record<string, string>;
  const override = overrides[String(klass.grade)] as Regime | undefined;
  const regime = selectRegime({ schoolYear: klass.year_name, grade: klass.grade, ...(override ? { override } : {}) }).regime;
  const settings = (klass.settings ?? {}) as Record<string, unknown>;

  const [terms, principal, students, subjects, columns] = await Promise.all([
    db.selectFrom('term').select(['code', sql<string>`start_date::text`.as('start'), sql<string>`end_date::text`.as('end')]).where('school_year_id', '=', klass.year_id).orderBy('code').execute(),
    // The principal's name under the signature lines: the school's designation list, matched by person code or LMS id.
    db
      .selectFrom('staff_designation as sd')
      .innerJoin('person as p', (j) => j.on('p.school_id', '=', schoolId).on((eb) => eb.or([eb('p.person_code', '=', eb.ref('sd.person_code')), eb('p.lms_user_id', '=', eb.ref('sd.lms_user_id'))])))
      .select(['p.family_name', 'p.given_name'])
      .where('sd.school_id', '=', schoolId)
      .where('sd.role', '=', 'principal')
      .orderBy('sd.id')
      .executeTakeFirst(),
    db
      .selectFrom('enrolment as e')
      .innerJoin('person as p', 'p.id', 'e.person_id')
      .select(['e.id', 'p.family_name', 'p.given_name', sql<string | null>`p.date_of_birth::text`.as('dob'), 'p.gender', 'p.person_code', sql<string>`e.joined_on::text`.as('joined'), sql<string | null>`e.left_on::text`.as('left')])
      .where('e.class_id', '=', classId)
      .execute(),
    db
      .selectFrom('class_subject as cs')
      .innerJoin('subject as s', 's.id', 'cs.subject_id')
      .leftJoin('person as t', 't.id', 'cs.teacher_person_id')
      .select(['cs.id', 's.code', 's.name', 'cs.assessment', 't.family_name', 't.given_name'])
      .where('cs.class_id', '=', classId)
      .orderBy('cs.id')
      .execute(),
    db
      .selectFrom('assessment_column as c')
      .innerJoin('class_subject as cs', 'cs.id', 'c.class_subject_id')
      .innerJoin('term as t', 't.id', 'c.term_id')
      .select(['c.id', 'c.class_subject_id', 't.code', 'c.kind', 'c.position', 'c.coefficient', 'c.value_type', 'c.form'])
      .where('cs.class_id', '=', classId)
      .execute(),
  ]);
  const columnIds = columns.map((c) => Number(c.id));
  const enrolmentIds = students.map((s) => Number(s.id));
  const [scores, corrections, records] = await Promise.all([
    columnIds.length ? db.selectFrom('score').select(['column_id', 'enrolment_id', 'tenths', 'rating']).where('column_id', 'in', columnIds).execute() : Promise.resolve([]),
    // A correction counts on the page once the workflow has written it into the book (state 'applied').
    columnIds.length ? db.selectFrom('correction_request').select(['column_id', 'enrolment_id']).where('column_id', 'in', columnIds).where('state', '=', 'applied').execute() : Promise.resolve([]),
    loadRecords(db, classId, enrolmentIds, { schoolId, from: klass.year_start, to: klass.year_end }),
  ]);

  return {
    school: {
      name: klass.school_name,
      level: klass.level,
      province: klass.province,
      district: typeof settings.district === 'string' ? settings.district : null,
      commune: typeof settings.commune === 'string' ? settings.commune : null,
      paper: paperSizeOf(settings),
    },
    year: { name: klass.year_name, startDate: klass.year_start, endDate: klass.year_end },
    terms: terms.map((t) => ({ code: t.code, startDate: t.start, endDate: t.end })),
    klass: { id: Number(klass.id), name: klass.name, grade: klass.grade, homeroomName: klass.hr_family === null ? null : fullName({ family_name: klass.hr_family, given_name: klass.hr_given ?? '' }) },
    regime,
    principalName: fullName(principal),
    students: students.map((s) => ({
      enrolmentId: Number(s.id),
      familyName: s.family_name,
      givenName: s.given_name,
      dateOfBirth: s.dob,
      gender: s.gender,
      personCode: s.person_code,
      joinedOn: s.joined,
      leftOn: s.left,
    })),
    subjects: subjects.map((s) => ({
      classSubjectId: Number(s.id),
      subjectCode: s.code,
      subjectName: s.name,
      assessment: s.assessment,
      teacherName: s.family_name === null ? null : fullName({ family_name: s.family_name, given_name: s.given_name ?? '' }),
    })),
    columns: columns.map(
      (c): ColumnData => ({ id: Number(c.id), classSubjectId: Number(c.class_subject_id), term: c.code, kind: c.kind, position: c.position, coefficient: c.coefficient, valueType: c.value_type, form: c.form }),
    ),
    scores: scores.map((s) => ({ columnId: Number(s.column_id), enrolmentId: Number(s.enrolment_id), tenths: s.tenths, rating: s.rating })),
    corrections: corrections.map((c) => ({ columnId: Number(c.column_id), enrolmentId: Number(c.enrolment_id) })),
    ...records,
  };
}

/**
 * What the homeroom teacher and the board record beside the scores, read through the modules that
 * own it (read-only): roll-call marks, each period's results as the results module computes them
 * (overall average, learning level, conduct, title — the same figures as its own pages), and the
 * approved year-end lists. A year-end list still being proposed is not printed as decided.
 */
async function loadRecords(
  db: Kysely<DB>,
  classId: number,
  enrolmentIds: readonly number[],
  year: { schoolId: number; from: string; to: string },
): Promise<Pick<BookData, 'attendance' | 'results' | 'decisions' | 'calendar'>> {
  const [ctx, marks, decisions, holidays] = await Promise.all([
    loadClassContext(db, classId),
    loadAttendance(db, enrolmentIds),
    db.selectFrom('year_decision').select(['round', 'payload']).where('class_id', '=', classId).where('state', '=', 'approved').execute(),
    holidaysBetween(db, year.schoolId, year.from, year.to),
  ]);
  const attendance = marks.map((m) => ({ enrolmentId: m.enrolmentId, day: m.day, session: m.session, mark: m.mark }));
  if (!ctx) return { attendance };
  // The plan the roll-call itself follows (class's own, else the year's, else the school's settings).
  const calendar = { plan: await planForClass(db, ctx), holidays: [...holidays].map(([day, label]) => ({ day, label })) };
  const d = await loadClassData(db, ctx);
  const results: Partial<Record<ResultPeriod, PeriodResultData[]>> = {};
  for (const period of ['HK1', 'HK2', 'CN'] as const) {
    results[period] = ctx.students.map((st) => {
      const r = studentResult(d, st, period);
      return { enrolmentId: st.enrolmentId, overall: r.overall?.text ?? null, learning: r.learning.text, conduct: r.conduct.text, title: r.title.text, absences: r.absences };
    });
  }
  const round = (name: 'main' | 'after_retest'): DecisionData[] | null => {
    const row = decisions.find((x) => x.round === name);
    if (!row) return null;
    const payload = row.payload as unknown as DecisionPayload;
    return (payload.students ?? []).map((s) => ({
      enrolmentId: Number(s.enrolmentId),
      learning: s.learning,
      conduct: s.conduct,
      absences: s.absences,
      outcome: s.outcome,
      title: s.title,
      retestEligible: s.retestEligible ?? [],
      ...(s.retested ? { retested: s.retested } : {}),
    }));
  };
  return { attendance, calendar, results, decisions: { main: round('main'), afterRetest: round('after_retest') } };
}

export interface ArchiveEntry {
  readonly id: number;
  readonly kind: PrintKind;
  readonly classId: number;
  readonly classSubjectId: number | null;
  readonly period: string;
  readonly version: number;
  readonly sha256: string;
  readonly dataHash: string;
  readonly paper: 'A4' | 'A3';
  readonly pageCount: number;
  readonly byteSize: number;
  readonly printedBy: number;
  readonly printedByName: string | null;
  readonly printedAt: Date;
  readonly signoffs: readonly { personId: number; name: string | null; role: string; signedAt: Date }[];
}

const ARCHIVE_COLS = ['a.id', 'a.kind', 'a.class_id', 'a.class_subject_id', 'a.period', 'a.version', 'a.sha256', 'a.data_hash', 'a.paper', 'a.page_count', 'a.byte_size', 'a.printed_by', 'a.printed_at', 'p.family_name', 'p.given_name'] as const;

/** The archive of a class (newest first), without the PDF bytes. */
export async function listArchive(db: Kysely<DB>, schoolId: number, classId: number): Promise<ArchiveEntry[]> {
  const rows = await db
    .selectFrom('print_archive as a')
    .leftJoin('person as p', 'p.id', 'a.printed_by')
    .select(ARCHIVE_COLS)
    .where('a.school_id', '=', schoolId)
    .where('a.class_id', '=', classId)
    .orderBy('a.printed_at', 'desc')
    .orderBy('a.id', 'desc')
    .execute();
  const ids = rows.map((r) => Number(r.id));
  const signs = ids.length
    ? await db.selectFrom('print_signoff as s').leftJoin('person as p', 'p.id', 's.person_id').select(['s.archive_id', 's.person_id', 's.role', 's.signed_at', 'p.family_name', 'p.given_name']).where('s.archive_id', 'in', ids).orderBy('s.signed_at').execute()
    : [];
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    classId: Number(r.class_id),
    classSubjectId: r.class_subject_id === null ? null : Number(r.class_subject_id),
    period: r.period,
    version: r.version,
    sha256: r.sha256,
    dataHash: r.data_hash,
    paper: r.paper,
    pageCount: r.page_count,
    byteSize: r.byte_size,
    printedBy: Number(r.printed_by),
    printedByName: r.family_name === null ? null : fullName({ family_name: r.family_name, given_name: r.given_name ?? '' }),
    printedAt: r.printed_at,
    signoffs: signs
      .filter((s) => Number(s.archive_id) === Number(r.id))
      .map((s) => ({ personId: Number(s.person_id), role: s.role, signedAt: s.signed_at, name: s.family_name === null ? null : fullName({ family_name: s.family_name, given_name: s.given_name ?? '' }) })),
  }));
}
