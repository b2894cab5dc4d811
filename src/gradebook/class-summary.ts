/**
 * Read-only views built from the same rules: the homeroom teacher's / board's class summary
 * (every subject, per-student averages) and a student's own averages.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { isBoard } from '../auth/roles';
import { authoriseClassRead } from './access';
import { compareVietnameseNames, type AverageCell } from './averages';
import { loadClassSubjectsOfClass, loadColumns, loadScores, loadStudents, loadTerms, loadUpdatePoints, type ClassSubjectContext, type TermRow } from './grid-repository';
import { averagesFor, cellMaps } from './grid-view-model';
import { formatDeadlineVi } from './locks';
import { AppError } from '../shared/errors';

export interface ClassSummary {
  readonly classId: number;
  readonly className: string;
  readonly schoolYearName: string;
  readonly regime: string;
  readonly subjects: ReadonlyArray<{ id: number; name: string }>;
  readonly rows: ReadonlyArray<{ enrolmentId: number; name: string; left: boolean; cells: ReadonlyArray<{ HK1: AverageCell | null; HK2: AverageCell | null; year: AverageCell }> }>;
}

async function averagesByStudent(db: Kysely<DB>, subjects: readonly ClassSubjectContext[], terms: readonly TermRow[], enrolmentIds?: readonly number[]) {
  const columns = await loadColumns(db, subjects.map((s) => s.id));
  const scores = await loadScores(db, columns.map((c) => c.id), enrolmentIds);
  const byEnrolment = cellMaps(scores);
  return (cs: ClassSubjectContext, enrolmentId: number) => averagesFor(cs, terms, columns.filter((c) => c.classSubjectId === cs.id), enrolmentId, byEnrolment.get(enrolmentId));
}

export async function loadClassSummary(db: Kysely<DB>, session: Session, classId: number): Promise<ClassSummary> {
  const klass = await db.selectFrom('class').select(['id', 'school_id', 'name', 'homeroom_person_id', 'school_year_id']).where('id', '=', classId).executeTakeFirst();
  await authoriseClassRead(db, session, klass ? { schoolId: Number(klass.school_id), homeroomPersonId: klass.homeroom_person_id === null ? null : Number(klass.homeroom_person_id) } : null);
  const subjects = await loadClassSubjectsOfClass(db, classId);
  const terms = await loadTerms(db, Number(klass!.school_year_id));
  const students = (await loadStudents(db, classId)).sort(compareVietnameseNames);
  const avg = await averagesByStudent(db, subjects, terms);
  const year = await db.selectFrom('school_year').select('name').where('id', '=', Number(klass!.school_year_id)).executeTakeFirstOrThrow();
  return {
    classId,
    className: klass!.name,
    schoolYearName: year.name,
    regime: subjects[0]?.regime ?? '',
    subjects: subjects.map((s) => ({ id: s.id, name: s.subjectName })),
    rows: students.map((st) => ({
      enrolmentId: st.enrolmentId,
      name: st.displayName,
      left: st.leftOn !== null,
      cells: subjects.map((s) => {
        const a = avg(s, st.enrolmentId);
        return { HK1: a.terms.HK1 ?? null, HK2: a.terms.HK2 ?? null, year: a.year };
      }),
    })),
  };
}

/** Classes a session may open read-only: the board sees all of the school's open years, a homeroom teacher theirs. */
export async function listVisibleClasses(db: Kysely<DB>, session: Session) {
  let q = db
    .selectFrom('class as c')
    .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
    .select(['c.id', 'c.name', 'c.grade', 'y.name as year'])
    .where('c.school_id', '=', session.schoolId)
    .where('y.status', '=', 'open');
  if (!isBoard(session.roles)) q = q.where('c.homeroom_person_id', '=', session.personId);
  return (await q.orderBy('y.name').orderBy('c.grade').orderBy('c.name').execute()).map((r) => ({ id: Number(r.id), name: r.name, grade: r.grade, year: r.year }));
}

export async function listMyClassSubjects(db: Kysely<DB>, session: Session) {
  const rows = await db
    .selectFrom('class_subject as cs')
    .innerJoin('class as c', 'c.id', 'cs.class_id')
    .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
    .innerJoin('subject as s', 's.id', 'cs.subject_id')
    .select(['cs.id', 'c.name as class_name', 's.name as subject_name', 'y.name as year'])
    .where('cs.teacher_person_id', '=', session.personId)
    .where('c.school_id', '=', session.schoolId)
    .where('y.status', '=', 'open')
    .orderBy('c.name')
    .orderBy('s.name')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), className: r.class_name, subjectName: r.subject_name, year: r.year }));
}

export interface StudentAverages {
  readonly className: string;
  readonly schoolYearName: string;
  readonly published: Partial<Record<'HK1' | 'HK2', { published: boolean; noteVi: string }>>;
  readonly subjects: ReadonlyArray<{ name: string; HK1: AverageCell | null; HK2: AverageCell | null; year: AverageCell | null }>;
}

/**
 * A student's own averages. Published rule (kept simple on purpose): a term's averages show once the
 * last update point of that term has passed; the year shows once both terms are published.
 */
export async function loadStudentAverages(db: Kysely<DB>, session: Session, now = new Date()): Promise<StudentAverages[]> {
  if (!session.roles.includes('student')) throw new AppError('GRID_STUDENT_ONLY', 'forbidden', 'Trang này dành cho học sinh.', 'This page is for students.');
  const enrolments = await db
    .selectFrom('enrolment as e')
    .innerJoin('class as c', 'c.id', 'e.class_id')
    .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
    .select(['e.id', 'c.id as class_id', 'c.name as class_name', 'y.id as year_id', 'y.name as year'])
    .where('e.person_id', '=', session.personId)
    .where('c.school_id', '=', session.schoolId)
    .orderBy('y.name', 'desc')
    .execute();
  const out: StudentAverages[] = [];
  for (const e of enrolments) {
    const subjects = await loadClassSubjectsOfClass(db, Number(e.class_id));
    const terms = await loadTerms(db, Number(e.year_id));
    const points = await loadUpdatePoints(db, terms.map((t) => t.id));
    const published: StudentAverages['published'] = {};
    for (const t of terms) {
      const mine = points.filter((p) => p.termId === t.id);
      const last = mine.reduce<Date | null>((m, p) => (m === null || p.deadline > m ? p.deadline : m), null);
      const sem = t.code === 'HK1' ? 'Học kỳ I' : 'Học kỳ II';
      published[t.code] = last === null
        ? { published: false, noteVi: `${sem}: nhà trường chưa đặt thời điểm cập nhật điểm, nên điểm chưa được công bố.` }
        : last <= now
          ? { published: true, noteVi: `${sem}: đã công bố (hạn cập nhật cuối cùng ${formatDeadlineVi(last)} đã qua).` }
          : { published: false, noteVi: `${sem}: điểm sẽ công bố sau hạn cập nhật cuối cùng ${formatDeadlineVi(last)}.` };
    }
    const avg = await averagesByStudent(db, subjects, terms, [Number(e.id)]);
    const yearPublished = !!published.HK1?.published && !!published.HK2?.published;
    out.push({
      className: e.class_name,
      schoolYearName: e.year,
      published,
      subjects: subjects.map((s) => {
        const a = avg(s, Number(e.id));
        return {
          name: s.subjectName,
          HK1: published.HK1?.published ? a.terms.HK1 ?? null : null,
          HK2: published.HK2?.published ? a.terms.HK2 ?? null : null,
          year: yearPublished ? a.year : null,
        };
      }),
    });
  }
  return out;
}
