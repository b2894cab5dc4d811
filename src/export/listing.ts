/** What the export page offers: the class subjects the user may export (own ones, or all with 'export.data'). */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { allowed, loadPermissions } from '../auth/permissions';

export interface ExportableClassSubject {
  readonly id: number;
  readonly year: string;
  readonly className: string;
  readonly subjectName: string;
  readonly teacherName: string | null;
}

const collator = new Intl.Collator('vi', { numeric: true });

export async function listExportable(db: Kysely<DB>, session: Session): Promise<{ classSubjects: ExportableClassSubject[]; canExportSchool: boolean; years: Array<{ id: number; name: string }> }> {
  const canExportSchool = allowed(await loadPermissions(db, session.schoolId), session.roles, 'export.data');
  let q = db
    .selectFrom('class_subject as cs')
    .innerJoin('class as c', 'c.id', 'cs.class_id')
    .innerJoin('school_year as y', 'y.id', 'c.school_year_id')
    .innerJoin('subject as s', 's.id', 'cs.subject_id')
    .leftJoin('person as t', 't.id', 'cs.teacher_person_id')
    .select(['cs.id', 'y.name as year', 'c.name as class_name', 's.name as subject_name', 't.display_name as teacher_name'])
    .where('c.school_id', '=', session.schoolId);
  if (!canExportSchool) q = q.where('cs.teacher_person_id', '=', session.personId);
  const rows = await q.execute();
  const classSubjects = rows
    .map((r) => ({ id: Number(r.id), year: r.year, className: r.class_name, subjectName: r.subject_name, teacherName: r.teacher_name }))
    .sort((a, b) => collator.compare(b.year, a.year) || collator.compare(a.className, b.className) || collator.compare(a.subjectName, b.subjectName));
  const years = canExportSchool ? (await db.selectFrom('school_year').select(['id', 'name']).where('school_id', '=', session.schoolId).orderBy('start_date', 'desc').execute()).map((y) => ({ id: Number(y.id), name: y.name })) : [];
  return { classSubjects, canExportSchool, years };
}
