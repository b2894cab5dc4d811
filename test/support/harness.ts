import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config/config';
import { freePort } from '../../src/db/embedded';
import { startServer, type Server } from '../../src/server';
import { registerPlatform } from '../../src/lti/platform-registry';
import { createTestDatabase, type TestDatabase } from './test-db';
import { startPlatform, type TestPlatform } from './platform';

export interface Harness {
  db: TestDatabase;
  server: Server;
  platform: TestPlatform;
  config: Config;
  /** Lines the app logged (to prove no personal data is logged). */
  logs: string[];
  schoolId: number;
  clientId: string;
  deploymentId: string;
  toolUrl: string;
  close(): Promise<void>;
}

export const TOOL_CLIENT_ID = 'KCJRRpECFnVpeqf'; // as in shared/fixtures/moodle-4.5 (manual registration)

/**
 * The real app on a real PostgreSQL database (cloned per test file) and our Moodle-true platform,
 * registered with each other like a school admin would: the tool on `localhost`, the LMS on
 * `127.0.0.1` (different sites, as in the fixtures).
 */
export async function startHarness(opts: { platformActive?: boolean } = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://localhost:${port}`,
    LTI_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    LTI_KEK: randomBytes(32).toString('base64'),
    SODIEM_DEMO: 'false',
  });
  const logs: string[] = [];
  const server = await startServer(config, db, { log: (l) => logs.push(l) });
  const platform = await startPlatform({ host: '127.0.0.1' });
  const toolUrl = `http://localhost:${port}`;
  const reg = platform.registerTool({
    clientId: TOOL_CLIENT_ID,
    deploymentId: '1',
    loginUrl: `${toolUrl}/lti/login`,
    redirectUris: [`${toolUrl}/lti/`],
    targetLinkUri: `${toolUrl}/lti/`,
    jwksUrl: `${toolUrl}/lti/keys`,
    customParams: { khoi: '6', nam_hoc: '2024-2025', user_username: '$User.username', person_sourcedid: '$Person.sourcedId', course_idnumber: '$CourseSection.sourcedId' },
  });
  const school = await db.db
    .insertInto('school')
    .values({ code: 'THCS-TN', name: 'Trường THCS Thử Nghiệm', level: 'THCS', settings: JSON.stringify({}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await registerPlatform(
    server.lti.provider,
    db.db,
    {
      schoolId: Number(school.id),
      issuer: platform.issuer,
      clientId: TOOL_CLIENT_ID,
      name: 'Moodle (test)',
      authEndpoint: platform.endpoints.auth,
      tokenEndpoint: platform.endpoints.token,
      jwksUrl: platform.endpoints.jwks,
      deploymentIds: ['1'],
    },
    { via: 'manual', active: opts.platformActive ?? true, actor: null },
  );
  return {
    db,
    server,
    platform,
    config,
    logs,
    schoolId: Number(school.id),
    clientId: TOOL_CLIENT_ID,
    deploymentId: (reg as { deploymentId?: string })?.deploymentId ?? '1',
    toolUrl,
    async close() {
      await server.close();
      await platform.close();
      await db.close();
    },
  };
}

/** The fixture school's people and course (shared/fixtures/moodle-4.5/README.md). */
export function seedFixtureCourse(p: TestPlatform, toolClientId = TOOL_CLIENT_ID): void {
  const users = [
    { id: '2', username: 'admin', givenName: 'User', familyName: 'Admin', email: 'admin@example.test', siteAdmin: true },
    { id: '3', username: 'gv.hoa', givenName: 'Thị Hoa', familyName: 'Trần', email: 'hoa.tran@example.test', idnumber: 'GV001' },
    { id: '4', username: 'gv.minh', givenName: 'Văn Minh', familyName: 'Lê', email: 'minh.le@example.test', idnumber: 'GV002' },
    { id: '5', username: 'hs.an', givenName: 'Văn An', familyName: 'Nguyễn', email: 'an.nguyen@example.test', idnumber: 'HS2024001' },
    { id: '6', username: 'hs.binh', givenName: 'Thị Bình', familyName: 'Trần', email: 'binh.tran@example.test', idnumber: 'HS2024002' },
    { id: '7', username: 'hs.cuong', givenName: 'Quốc Cường', familyName: 'Phạm', email: 'cuong.pham@example.test', idnumber: 'HS2024003' },
    { id: '8', username: 'hs.dung', givenName: 'Thị Dung', familyName: 'Lê', email: 'dung.le@example.test', idnumber: 'HS2024004' },
    { id: '9', username: 'hs.duc', givenName: 'Minh Đức', familyName: 'Đỗ', email: 'duc.do@example.test', idnumber: 'HS2024005' },
    { id: '10', username: 'ht.lan', givenName: 'Thị Lan', familyName: 'Vũ', email: 'lan.vu@example.test', idnumber: 'HT001' },
  ];
  for (const u of users) p.addUser(u);
  p.addCourse({ id: '2', shortname: '6A-TOAN', fullname: 'Lop 6A - Toan', idnumber: '2024-2025-6A-TOAN', category: 'Khối 6' });
  p.enrol('2', '3', 'editingteacher');
  p.enrol('2', '4', 'teacher');
  for (const s of ['5', '6', '7', '8']) p.enrol('2', s, 'student');
  p.enrol('2', '9', 'student', { suspended: true });
  p.addCategoryManager('10');
  p.addActivity('2', { toolClientId, instanceId: '1', cmid: '3', title: 'Sổ điểm điện tử', gradeMax: 10, custom: { activity_param: 'hello', lop: '6A' } });
}

/**
 * Links the fixture course (context "2", 6A-TOAN) to a class and subject of school year
 * 2024-2025, as a teacher would on first launch, so launches land on the home page.
 */
export async function linkFixtureCourse(h: Harness, opts: { teacherLmsUserId?: string } = {}): Promise<{ classId: number; classSubjectId: number; courseLinkId: number }> {
  const db = h.db.db;
  const year = await db
    .insertInto('school_year')
    .values({ school_id: h.schoolId, name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', regime_overrides: JSON.stringify({}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('term')
    .values([
      { school_year_id: year.id, code: 'HK1', start_date: '2024-09-05', end_date: '2025-01-11' },
      { school_year_id: year.id, code: 'HK2', start_date: '2025-01-13', end_date: '2025-05-31' },
    ])
    .execute();
  const klass = await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: year.id, name: '6A', grade: 6, homeroom_person_id: null }).returning('id').executeTakeFirstOrThrow();
  const subject = await db.insertInto('subject').values({ school_id: h.schoolId, code: 'TOAN', name: 'Toán' }).returning('id').executeTakeFirstOrThrow();
  const dep = await db.selectFrom('lti_deployment').select('id').where('school_id', '=', h.schoolId).where('deployment_id', '=', h.deploymentId).executeTakeFirstOrThrow();
  const link = await db
    .insertInto('course_link')
    .values({ school_id: h.schoolId, deployment_id: dep.id, context_id: '2', context_label: '6A-TOAN', context_title: 'Lop 6A - Toan', course_idnumber: '2024-2025-6A-TOAN', custom: JSON.stringify({}), class_id: klass.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  let teacherId: number | null = null;
  if (opts.teacherLmsUserId) {
    const p = await db.selectFrom('person').select('id').where('lms_user_id', '=', opts.teacherLmsUserId).executeTakeFirst();
    teacherId = p ? Number(p.id) : null;
  }
  const cs = await db
    .insertInto('class_subject')
    .values({ class_id: klass.id, subject_id: subject.id, teacher_person_id: teacherId, assessment: 'scored', periods_per_week: null, periods_per_year: 140, course_link_id: link.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { classId: Number(klass.id), classSubjectId: Number(cs.id), courseLinkId: Number(link.id) };
}
