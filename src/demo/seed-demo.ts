import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { appendAudit } from '../audit/audit-log';
import { registerPlatform } from '../lti/platform-registry';
import { LTI_MOUNT, type LtijsProvider } from '../lti/provider';
import { seedDemoScores } from './demo-scores';
import { DEMO_ASSIGNMENTS, DEMO_INSPECTOR, DEMO_PRINCIPAL, DEMO_SUBJECTS, DEMO_TEACHERS, DEMO_YEAR, demoClasses, type DemoPerson } from './demo-data';

/** The slice of the test platform (test/support/platform) that the demo needs. */
export interface DemoLms {
  readonly url: string;
  addUser(u: { id: string; username: string; givenName: string; familyName: string; email?: string; idnumber?: string; siteAdmin?: boolean }): void;
  addCourse(c: { id: string; shortname: string; fullname: string; idnumber?: string; category?: string }): void;
  enrol(courseId: string, userId: string, role: 'editingteacher' | 'teacher' | 'student'): void;
  addCategoryManager(userId: string, opts?: { ltiAdminCapability?: boolean }): void;
  registerTool(t: { clientId?: string; deploymentId?: string; loginUrl: string; redirectUris: string[]; targetLinkUri: string; jwksUrl: string; customParams?: Record<string, string> }): unknown;
  addActivity(courseId: string, a: { toolClientId: string; instanceId: string; cmid: string; title: string; gradeMax?: number | null; custom?: Record<string, string> }): void;
}

export const DEMO_SCHOOL_CODE = 'DEMO-THCS';
export const DEMO_CLIENT_ID = 'SoDiemDemo00001';
export const DEMO_DEPLOYMENT_ID = '1';

interface DemoCourse {
  id: string;
  shortname: string;
  fullname: string;
  idnumber: string;
  className: string;
  subjectCode: string | null;
}

function demoCourses(): DemoCourse[] {
  const out: DemoCourse[] = [];
  let id = 2;
  for (const [className, subjects] of Object.entries(DEMO_ASSIGNMENTS)) {
    out.push({ id: String(id++), shortname: `${className}-CN`, fullname: `Lớp ${className} - Chủ nhiệm`, idnumber: `${DEMO_YEAR.name}-${className}`, className, subjectCode: null });
    for (const code of Object.keys(subjects)) {
      const subject = DEMO_SUBJECTS.find((s) => s.code === code)!;
      out.push({ id: String(id++), shortname: `${className}-${code}`, fullname: `Lớp ${className} - ${subject.name}`, idnumber: `${DEMO_YEAR.name}-${className}-${code}`, className, subjectCode: code });
    }
  }
  return out;
}

const email = (p: DemoPerson) => `${p.username}@demo.sodiem.test`;

/** Every start: the in-memory demo LMS gets its users, courses and the Sổ Điểm activity. */
export function populateDemoLms(lms: DemoLms, toolUrl: string): void {
  const base = `${toolUrl}${LTI_MOUNT}`;
  lms.registerTool({
    clientId: DEMO_CLIENT_ID,
    deploymentId: DEMO_DEPLOYMENT_ID,
    loginUrl: `${base}/login`,
    redirectUris: [`${base}/`],
    targetLinkUri: `${base}/`,
    jwksUrl: `${base}/keys`,
    customParams: { person_sourcedid: '$Person.sourcedId', course_idnumber: '$CourseSection.sourcedId', user_username: '$User.username' },
  });
  const people = [...DEMO_TEACHERS, DEMO_PRINCIPAL, DEMO_INSPECTOR];
  for (const p of people) lms.addUser({ id: p.lmsUserId, username: p.username, givenName: p.givenName, familyName: p.familyName, email: email(p), idnumber: p.code });
  lms.addCategoryManager(DEMO_PRINCIPAL.lmsUserId);
  const classes = demoClasses();
  for (const c of classes) for (const s of c.students) lms.addUser({ id: s.lmsUserId, username: s.username, givenName: s.givenName, familyName: s.familyName, email: email(s), idnumber: s.code });
  let instance = 1;
  for (const course of demoCourses()) {
    lms.addCourse({ id: course.id, shortname: course.shortname, fullname: course.fullname, idnumber: course.idnumber, category: `Khối ${course.className.slice(0, -1)}` });
    const klass = classes.find((c) => c.name === course.className)!;
    const teacherCode = course.subjectCode ? DEMO_ASSIGNMENTS[course.className]![course.subjectCode]! : klass.homeroom;
    const teacher = DEMO_TEACHERS.find((t) => t.code === teacherCode)!;
    lms.enrol(course.id, teacher.lmsUserId, 'editingteacher');
    for (const s of klass.students) lms.enrol(course.id, s.lmsUserId, 'student');
    if (course.className === '6A' && course.subjectCode === 'TOAN') lms.enrol(course.id, DEMO_INSPECTOR.lmsUserId, 'teacher');
    const n = instance++;
    lms.addActivity(course.id, {
      toolClientId: DEMO_CLIENT_ID,
      instanceId: String(n),
      cmid: String(100 + n),
      title: 'Sổ điểm điện tử',
      gradeMax: 10,
      custom: { lop: course.className, khoi: course.className.slice(0, -1), nam_hoc: DEMO_YEAR.name },
    });
  }
}

/**
 * First start: the demo school, its year, classes, subjects, teaching assignments, enrolments,
 * the principal designation, and the demo LMS registered as an active platform.
 * Later starts only re-register the platform if the demo LMS moved (another port).
 */
export async function seedDemoSchool(db: Kysely<DB>, lti: LtijsProvider, lmsUrl: string): Promise<{ created: boolean }> {
  const existing = await db.selectFrom('school').select('id').where('code', '=', DEMO_SCHOOL_CODE).executeTakeFirst();
  if (existing) {
    const platform = await db.selectFrom('lti_platform').select('id').where('issuer', '=', lmsUrl).where('client_id', '=', DEMO_CLIENT_ID).executeTakeFirst();
    if (!platform) await registerDemoPlatform(db, lti, Number(existing.id), lmsUrl);
    return { created: false };
  }
  const school = await db
    .insertInto('school')
    .values({ code: DEMO_SCHOOL_CODE, name: 'Trường THCS Thử Nghiệm', level: 'THCS', province: 'Hà Nội', settings: JSON.stringify({ receivingLevel: 'so_gddt' }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const schoolId = Number(school.id);
  const deploymentId = await registerDemoPlatform(db, lti, schoolId, lmsUrl);
  await db.transaction().execute(async (trx) => {
    const personId = new Map<string, number>();
    const addPerson = async (p: DemoPerson) => {
      const row = await trx
        .insertInto('person')
        .values({
          school_id: schoolId,
          deployment_id: deploymentId,
          lms_user_id: p.lmsUserId,
          family_name: p.familyName,
          given_name: p.givenName,
          display_name: `${p.familyName} ${p.givenName}`,
          email: email(p),
          person_code: p.code,
          date_of_birth: p.dateOfBirth ?? null,
          gender: p.gender ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      personId.set(p.code, Number(row.id));
    };
    for (const p of [...DEMO_TEACHERS, DEMO_PRINCIPAL]) await addPerson(p);
    await trx.insertInto('staff_designation').values({ school_id: schoolId, role: 'principal', person_code: DEMO_PRINCIPAL.code, lms_user_id: null }).execute();
    // The inspection period must include the day the demo is tried; the demo year itself (2024-2025) is past.
    const today = new Date();
    const inAYear = new Date(today.getTime() + 365 * 86_400_000);
    const isoDay = (d: Date) => d.toISOString().slice(0, 10);
    await addPerson(DEMO_INSPECTOR);
    await trx
      .insertInto('staff_designation')
      .values({ school_id: schoolId, role: 'inspector', person_code: DEMO_INSPECTOR.code, lms_user_id: null, valid_from: isoDay(today), valid_until: isoDay(inAYear), note: 'Demo: QĐ số 01/QĐ-PGDĐT kiểm tra sổ điểm' })
      .execute();
    const year = await trx
      .insertInto('school_year')
      .values({ school_id: schoolId, name: DEMO_YEAR.name, start_date: DEMO_YEAR.start, end_date: DEMO_YEAR.end, regime_overrides: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('term')
      .values([
        { school_year_id: year.id, code: 'HK1', start_date: DEMO_YEAR.hk1[0], end_date: DEMO_YEAR.hk1[1] },
        { school_year_id: year.id, code: 'HK2', start_date: DEMO_YEAR.hk2[0], end_date: DEMO_YEAR.hk2[1] },
      ])
      .execute();
    const subjectId = new Map<string, number>();
    for (const s of DEMO_SUBJECTS) {
      const row = await trx.insertInto('subject').values({ school_id: schoolId, code: s.code, name: s.name }).returning('id').executeTakeFirstOrThrow();
      subjectId.set(s.code, Number(row.id));
    }
    const courses = demoCourses();
    for (const c of demoClasses()) {
      const klass = await trx
        .insertInto('class')
        .values({ school_id: schoolId, school_year_id: year.id, name: c.name, grade: c.grade, homeroom_person_id: personId.get(c.homeroom)! })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const s of c.students) {
        await addPerson(s);
        await trx.insertInto('enrolment').values({ class_id: klass.id, person_id: personId.get(s.code)!, joined_on: DEMO_YEAR.start }).execute();
      }
      for (const subject of DEMO_SUBJECTS) {
        const teacherCode = DEMO_ASSIGNMENTS[c.name]?.[subject.code];
        const course = courses.find((k) => k.className === c.name && k.subjectCode === subject.code);
        const link = course
          ? await trx
              .insertInto('course_link')
              .values({ school_id: schoolId, deployment_id: deploymentId, context_id: course.id, context_label: course.shortname, context_title: course.fullname, course_idnumber: course.idnumber, custom: JSON.stringify({}), class_id: klass.id })
              .returning('id')
              .executeTakeFirstOrThrow()
          : null;
        await trx
          .insertInto('class_subject')
          .values({
            class_id: klass.id,
            subject_id: subjectId.get(subject.code)!,
            teacher_person_id: teacherCode ? personId.get(teacherCode)! : null,
            assessment: subject.assessment,
            periods_per_year: subject.periodsPerYear,
            periods_per_week: null,
            course_link_id: link ? link.id : null,
          })
          .execute();
      }
      const homeroomCourse = courses.find((k) => k.className === c.name && k.subjectCode === null)!;
      await trx
        .insertInto('course_link')
        .values({ school_id: schoolId, deployment_id: deploymentId, context_id: homeroomCourse.id, context_label: homeroomCourse.shortname, context_title: homeroomCourse.fullname, course_idnumber: homeroomCourse.idnumber, custom: JSON.stringify({}), class_id: klass.id })
        .execute();
    }
    await appendAudit(trx, { schoolId, action: 'demo.seed', entity: 'school', entityId: schoolId, newValue: { classes: ['6A', '9A'], year: DEMO_YEAR.name }, source: 'system' });
  });
  await seedDemoScores(db, schoolId);
  return { created: true };
}

async function registerDemoPlatform(db: Kysely<DB>, lti: LtijsProvider, schoolId: number, lmsUrl: string): Promise<number> {
  const { platformId } = await registerPlatform(
    lti,
    db,
    {
      schoolId,
      issuer: lmsUrl,
      clientId: DEMO_CLIENT_ID,
      name: 'LMS mô phỏng (demo)',
      authEndpoint: `${lmsUrl}/mod/lti/auth.php`,
      tokenEndpoint: `${lmsUrl}/mod/lti/token.php`,
      jwksUrl: `${lmsUrl}/mod/lti/certs.php`,
      deploymentIds: [DEMO_DEPLOYMENT_ID],
    },
    { via: 'demo', active: true, actor: null },
  );
  const dep = await db.selectFrom('lti_deployment').select('id').where('platform_id', '=', platformId).where('deployment_id', '=', DEMO_DEPLOYMENT_ID).executeTakeFirstOrThrow();
  return Number(dep.id);
}
