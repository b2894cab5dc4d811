import { startHarness, seedFixtureCourse, TOOL_CLIENT_ID, type Harness } from '../support/harness';
import { seedSchoolYear, launchAs, auditActions } from '../support/school-factory';
import { prefillFrom } from '../../src/courses/course-setup';

let h: Harness;
let seed: Awaited<ReturnType<typeof seedSchoolYear>>;
let other: Awaited<ReturnType<typeof seedSchoolYear>>;
const db = () => h.db.db;
const link = (contextId: string) => db().selectFrom('course_link').selectAll().where('context_id', '=', contextId).executeTakeFirstOrThrow();

beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  seed = await seedSchoolYear(db(), h.schoolId, { classes: [{ name: '6A', grade: 6 }, { name: '6B', grade: 6 }], subjects: [{ code: 'TOAN', name: 'Toán' }, { code: 'VAN', name: 'Ngữ văn' }] });
  other = await seedSchoolYear(db(), h.schoolId, { name: '2025-2026', classes: [{ name: '6A', grade: 6 }] });
  // A homeroom course for 6B (no subject in its idnumber) with its own activity.
  h.platform.addCourse({ id: '3', shortname: '6B-CN', fullname: 'Lop 6B - Chu nhiem', idnumber: '2024-2025-6B', category: 'Khối 6' });
  h.platform.enrol('3', '3', 'editingteacher');
  h.platform.enrol('3', '5', 'student');
  h.platform.addActivity('3', { toolClientId: TOOL_CLIENT_ID, instanceId: '2', cmid: '5', title: 'Sổ điểm 6B', gradeMax: 10 });
});
afterAll(async () => {
  await h?.close();
});

describe('pre-fill from what the launch carries', () => {
  it('reads the course idnumber, the short name and the custom parameters', () => {
    expect(prefillFrom({ courseIdnumber: '2024-2025-6A-TOAN', contextLabel: 'x', custom: {} })).toEqual({ yearName: '2024-2025', className: '6A', grade: 6, subjectCode: 'TOAN' });
    expect(prefillFrom({ courseIdnumber: null, contextLabel: '7C-VAN', custom: {} })).toEqual({ yearName: null, className: '7C', grade: 7, subjectCode: 'VAN' });
    expect(prefillFrom({ courseIdnumber: '2024-2025-6B', contextLabel: '6B-CN', custom: {} })).toEqual({ yearName: '2024-2025', className: '6B', grade: 6, subjectCode: null });
    // Custom parameters win: the school set them on purpose.
    expect(prefillFrom({ courseIdnumber: '2023-2024-6A-TOAN', contextLabel: '', custom: { lop: '10a1', khoi: '10', nam_hoc: '2024-2025' } })).toEqual({ yearName: '2024-2025', className: '10A1', grade: 10, subjectCode: 'TOAN' });
    expect(prefillFrom({ courseIdnumber: 'free text', contextLabel: 'Toán nâng cao', custom: {} })).toEqual({ yearName: null, className: null, grade: null, subjectCode: null });
  });
});

describe('first launch of an unlinked course', () => {
  it('a student never sees the set-up form, only a friendly notice, and cannot post it', async () => {
    const st = await launchAs(h, '5');
    expect(st.finalUrl).toContain('/course/setup');
    expect(st.body).toContain('Giáo viên chưa thiết lập sổ điểm');
    expect(st.body).not.toContain('<form');
    const c = await link('2');
    const res = await st.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(seed.classIds['6A']), subject_id: String(seed.subjectIds.TOAN) });
    expect(res.status).toBe(403);
    expect((await link('2')).class_id).toBeNull();
    expect(await db().selectFrom('class_subject').select('id').where('course_link_id', '=', c.id).execute()).toHaveLength(0);
  });

  it('a teacher is sent to the set-up page with year, class and subject pre-selected', async () => {
    const t = await launchAs(h, '3');
    expect(t.finalUrl).toContain('/course/setup');
    expect(t.body).toContain('Thiết lập khoá học');
    expect(t.body).toMatch(new RegExp(`<option value="${seed.yearId}" selected>2024-2025`));
    expect(t.body).toMatch(new RegExp(`<option value="${seed.classIds['6A']}" selected>6A`));
    expect(t.body).toMatch(new RegExp(`<option value="${seed.subjectIds.TOAN}" selected>Toán`));
  });

  it('refuses a class of another school year, and unknown ids; nothing changes', async () => {
    const t = await launchAs(h, '3');
    const wrong = await t.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(other.classIds['6A']), subject_id: String(seed.subjectIds.TOAN) });
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain('COURSE_SETUP_UNKNOWN_CLASS');
    expect(wrong.html).toContain('không thuộc năm học');
    const bad = await t.post('/course/setup', { school_year_id: 'abc', class_id: '', subject_id: '' });
    expect(bad.status).toBe(400);
    const badSubject = await t.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(seed.classIds['6A']), subject_id: '999999' });
    expect(badSubject.html).toContain('COURSE_SETUP_UNKNOWN_SUBJECT');
    expect((await auditActions(db(), 'course.')).length).toBe(0);
  });

  it('linking creates the teaching assignment with the launching teacher, audited; then home opens normally', async () => {
    const t = await launchAs(h, '3');
    const res = await t.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(seed.classIds['6A']), subject_id: String(seed.subjectIds.TOAN) });
    expect(res.status).toBe(303);
    expect(res.location).toContain('/home');
    const c = await link('2');
    const cs = await db().selectFrom('class_subject').selectAll().where('course_link_id', '=', c.id).executeTakeFirstOrThrow();
    const hoa = await db().selectFrom('person').select('id').where('lms_user_id', '=', '3').executeTakeFirstOrThrow();
    expect(Number(cs.teacher_person_id)).toBe(Number(hoa.id));
    expect(Number(cs.class_id)).toBe(seed.classIds['6A']);
    expect(cs.assessment).toBe('scored');
    const a = await auditActions(db(), 'course.link');
    expect(a.map((x) => x.action)).toEqual(['course.link_subject']);
    const home = await t.get('/home');
    expect(home.status).toBe(200);
    expect(home.html).toContain('Danh sách lớp');
    // One time only.
    const again = await t.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(seed.classIds['6B']), subject_id: String(seed.subjectIds.TOAN) });
    expect(again.status).toBe(409);
    expect(again.html).toContain('COURSE_SETUP_ALREADY_LINKED');
    expect((await t.get('/course/setup')).status).toBe(303);
  });

  it('a homeroom-class course links to the class itself', async () => {
    const t = await launchAs(h, '3', '5');
    expect(t.finalUrl).toContain('/course/setup');
    expect(t.body).toMatch(new RegExp(`<option value="${seed.classIds['6B']}" selected>6B`));
    expect(t.body).toMatch(/<option value="" selected>Không có môn/);
    const res = await t.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(seed.classIds['6B']), subject_id: '' });
    expect(res.status).toBe(303);
    const c = await link('3');
    expect(Number(c.class_id)).toBe(seed.classIds['6B']);
    expect(await db().selectFrom('class_subject').select('id').where('course_link_id', '=', c.id).execute()).toHaveLength(0);
    expect((await auditActions(db(), 'course.link_class')).length).toBe(1);
  });
});
