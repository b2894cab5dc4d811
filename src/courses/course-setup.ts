import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { assessmentModeOf, selectRegime, type Regime } from '../rules';

/**
 * First launch of an LMS course: a teacher links it once to a class (+ subject) of a school year.
 * A course is "linked" when course_link.class_id is set (homeroom course) or a class_subject row
 * references it (subject course).
 */

export interface CourseLinkInfo {
  id: number;
  schoolId: number;
  contextLabel: string;
  contextTitle: string;
  courseIdnumber: string | null;
  custom: Record<string, string>;
  linkedClassId: number | null;
  linkedClassSubjectId: number | null;
}

export async function loadCourseLink(db: Kysely<DB>, courseLinkId: number): Promise<CourseLinkInfo | null> {
  const row = await db
    .selectFrom('course_link')
    .leftJoin('class_subject', 'class_subject.course_link_id', 'course_link.id')
    .select(['course_link.id', 'course_link.school_id', 'course_link.context_label', 'course_link.context_title', 'course_link.course_idnumber', 'course_link.custom', 'course_link.class_id', 'class_subject.id as cs_id'])
    .where('course_link.id', '=', courseLinkId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: Number(row.id),
    schoolId: Number(row.school_id),
    contextLabel: row.context_label,
    contextTitle: row.context_title,
    courseIdnumber: row.course_idnumber,
    custom: (typeof row.custom === 'string' ? JSON.parse(row.custom) : row.custom) ?? {},
    linkedClassId: row.class_id === null ? null : Number(row.class_id),
    linkedClassSubjectId: row.cs_id === null ? null : Number(row.cs_id),
  };
}

export const isLinked = (c: CourseLinkInfo): boolean => c.linkedClassId !== null || c.linkedClassSubjectId !== null;

export interface Prefill {
  yearName: string | null;
  className: string | null;
  grade: number | null;
  subjectCode: string | null;
}

/**
 * What the launch tells us, most explicit first: custom parameters (`nam_hoc`, `lop`, `khoi`), then
 * the course idnumber ("2024-2025-6A-TOAN", or "2024-2025-6A" for a homeroom course), then the short
 * name ("6A-TOAN").
 */
export function prefillFrom(c: Pick<CourseLinkInfo, 'custom' | 'courseIdnumber' | 'contextLabel'>): Prefill {
  const out: Prefill = { yearName: null, className: null, grade: null, subjectCode: null };
  const idn = /^\s*(\d{4})-(\d{4})-([0-9]{1,2}[A-Za-z0-9]*)(?:-([A-Za-z0-9_]+))?\s*$/.exec(c.courseIdnumber ?? '');
  if (idn) {
    out.yearName = `${idn[1]}-${idn[2]}`;
    out.className = idn[3]!.toUpperCase();
    out.subjectCode = idn[4]?.toUpperCase() ?? null;
  }
  const label = /^\s*([0-9]{1,2}[A-Za-z0-9]*)(?:-([A-Za-z0-9_]+))?\s*$/.exec(c.contextLabel ?? '');
  if (label) {
    out.className ??= label[1]!.toUpperCase();
    if (!idn) out.subjectCode ??= label[2]?.toUpperCase() ?? null;
  }
  const custom = c.custom ?? {};
  if (custom.nam_hoc && /^\d{4}-\d{4}$/.test(custom.nam_hoc.trim())) out.yearName = custom.nam_hoc.trim();
  if (custom.lop?.trim()) out.className = custom.lop.trim().toUpperCase();
  const khoi = Number(custom.khoi);
  if (Number.isInteger(khoi) && khoi >= 6 && khoi <= 12) out.grade = khoi;
  if (out.grade === null && out.className) {
    const g = /^(\d{1,2})/.exec(out.className);
    const n = g ? Number(g[1]) : NaN;
    if (n >= 6 && n <= 12) out.grade = n;
  }
  return out;
}

export interface SetupOptions {
  years: { id: number; name: string }[];
  classes: { id: number; name: string; grade: number; schoolYearId: number }[];
  subjects: { id: number; code: string; name: string }[];
  selected: { schoolYearId: number | null; classId: number | null; subjectId: number | null };
}

export async function setupOptions(db: Kysely<DB>, schoolId: number, p: Prefill): Promise<SetupOptions> {
  const years = (await db.selectFrom('school_year').select(['id', 'name']).where('school_id', '=', schoolId).where('status', '=', 'open').orderBy('name', 'desc').execute()).map((y) => ({ id: Number(y.id), name: y.name }));
  const classes = (
    await db.selectFrom('class').select(['id', 'name', 'grade', 'school_year_id']).where('school_id', '=', schoolId).where('school_year_id', 'in', years.length ? years.map((y) => y.id) : [-1]).orderBy('grade').orderBy('name').execute()
  ).map((c) => ({ id: Number(c.id), name: c.name, grade: Number(c.grade), schoolYearId: Number(c.school_year_id) }));
  const subjects = (await db.selectFrom('subject').select(['id', 'code', 'name']).where('school_id', '=', schoolId).orderBy('name').execute()).map((s) => ({ id: Number(s.id), code: s.code, name: s.name }));
  const year = years.find((y) => y.name === p.yearName) ?? (years.length === 1 ? years[0] : undefined);
  const cls = classes.find((c) => c.schoolYearId === year?.id && c.name.toUpperCase() === p.className?.toUpperCase());
  const subj = subjects.find((s) => s.code.toUpperCase() === p.subjectCode?.toUpperCase());
  return { years, classes, subjects, selected: { schoolYearId: year?.id ?? null, classId: cls?.id ?? null, subjectId: subj?.id ?? null } };
}

export interface LinkInput {
  schoolId: number;
  courseLinkId: number;
  schoolYearId: number;
  classId: number;
  subjectId: number | null;
  actor: { personId: number; lmsUserId: string | null; role: string };
}

const err = (code: string, vi: string, en: string, kind: 'bad_request' | 'conflict' = 'bad_request') => new AppError(code, kind, vi, en);

/** Links the course (audited). Creates the teaching assignment when it does not exist yet. */
export async function linkCourse(db: Kysely<DB>, i: LinkInput): Promise<{ classId: number; classSubjectId: number | null }> {
  return db.transaction().execute(async (trx) => {
    const link = await trx.selectFrom('course_link').select(['id', 'school_id', 'class_id']).where('id', '=', i.courseLinkId).forUpdate().executeTakeFirst();
    if (!link || Number(link.school_id) !== i.schoolId) throw err('COURSE_SETUP_NOT_FOUND', 'Không tìm thấy khoá học.', 'Course not found.');
    const already = await trx.selectFrom('class_subject').select('id').where('course_link_id', '=', i.courseLinkId).executeTakeFirst();
    if (link.class_id !== null || already) throw err('COURSE_SETUP_ALREADY_LINKED', 'Khoá học này đã được gắn với lớp rồi.', 'This course is already linked.', 'conflict');
    const year = await trx.selectFrom('school_year').select(['id', 'name', 'regime_overrides']).where('id', '=', i.schoolYearId).where('school_id', '=', i.schoolId).executeTakeFirst();
    if (!year) throw err('COURSE_SETUP_UNKNOWN_YEAR', 'Năm học đã chọn không tồn tại.', 'Unknown school year.');
    const cls = await trx.selectFrom('class').select(['id', 'name', 'grade', 'school_year_id']).where('id', '=', i.classId).where('school_id', '=', i.schoolId).executeTakeFirst();
    if (!cls || Number(cls.school_year_id) !== Number(year.id)) throw err('COURSE_SETUP_UNKNOWN_CLASS', 'Lớp đã chọn không thuộc năm học này.', 'The class does not belong to that school year.');
    const actor = i.actor;
    if (i.subjectId === null) {
      await trx.updateTable('course_link').set({ class_id: cls.id, updated_at: new Date() }).where('id', '=', i.courseLinkId).execute();
      await appendAudit(trx, { schoolId: i.schoolId, actor, action: 'course.link_class', entity: 'course_link', entityId: i.courseLinkId, oldValue: { class_id: null }, newValue: { class_id: Number(cls.id), class: cls.name, year: year.name }, source: 'admin' });
      return { classId: Number(cls.id), classSubjectId: null };
    }
    const subject = await trx.selectFrom('subject').select(['id', 'code', 'name']).where('id', '=', i.subjectId).where('school_id', '=', i.schoolId).executeTakeFirst();
    if (!subject) throw err('COURSE_SETUP_UNKNOWN_SUBJECT', 'Môn học đã chọn không có trong danh mục của trường.', 'Unknown subject.');
    const existing = await trx.selectFrom('class_subject').select(['id', 'course_link_id', 'teacher_person_id']).where('class_id', '=', cls.id).where('subject_id', '=', subject.id).forUpdate().executeTakeFirst();
    let classSubjectId: number;
    if (existing) {
      if (existing.course_link_id !== null) {
        throw err('COURSE_SETUP_ASSIGNMENT_TAKEN', `Môn ${subject.name} của lớp ${cls.name} đã được gắn với một khoá học LMS khác.`, 'That class and subject are already linked to another LMS course.', 'conflict');
      }
      const teacher = existing.teacher_person_id ?? actor.personId;
      await trx.updateTable('class_subject').set({ course_link_id: i.courseLinkId, teacher_person_id: teacher }).where('id', '=', existing.id).execute();
      classSubjectId = Number(existing.id);
      await appendAudit(trx, { schoolId: i.schoolId, actor, action: 'course.link_subject', entity: 'class_subject', entityId: classSubjectId, oldValue: { course_link_id: null, teacher_person_id: existing.teacher_person_id }, newValue: { course_link_id: i.courseLinkId, teacher_person_id: teacher }, source: 'admin' });
    } else {
      const overrides = (year.regime_overrides ?? {}) as Record<string, Regime>;
      const regime = selectRegime({ schoolYear: year.name, grade: Number(cls.grade), override: overrides[String(cls.grade)] }).regime;
      const assessment = assessmentModeOf({ name: subject.name }, regime);
      const row = await trx
        .insertInto('class_subject')
        .values({ class_id: cls.id, subject_id: subject.id, teacher_person_id: actor.personId, assessment, course_link_id: i.courseLinkId })
        .returning('id')
        .executeTakeFirstOrThrow();
      classSubjectId = Number(row.id);
      await appendAudit(trx, { schoolId: i.schoolId, actor, action: 'course.link_subject', entity: 'class_subject', entityId: classSubjectId, oldValue: null, newValue: { class_id: Number(cls.id), subject: subject.code, teacher_person_id: actor.personId, assessment, course_link_id: i.courseLinkId, created: true }, source: 'admin' });
    }
    return { classId: Number(cls.id), classSubjectId };
  });
}
