import { startHarness, seedFixtureCourse, type Harness } from '../support/harness';
import { launchAs, auditActions, type Client } from '../support/school-factory';

/** The principal configures the school year over real HTTP; every bad input is refused and changes nothing. */
let h: Harness;
let principal: Client;
let teacherId: number;
const db = () => h.db.db;

const YEAR = { name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', hk1_start: '2024-09-05', hk1_end: '2025-01-15', hk2_start: '2025-01-20', hk2_end: '2025-05-31' };

async function snapshot() {
  const count = async (t: 'school_year' | 'term' | 'class' | 'subject' | 'class_subject' | 'update_point' | 'audit_log') =>
    Number((await db().selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const years = await db().selectFrom('school_year').select(['start_date', 'end_date', 'regime_overrides']).orderBy('id').execute();
  const terms = await db().selectFrom('term').select(['start_date', 'end_date']).orderBy('id').execute();
  return { counts: [await count('school_year'), await count('term'), await count('class'), await count('subject'), await count('class_subject'), await count('update_point'), await count('audit_log')], years, terms };
}

async function refused(res: { status: number; html: string }, code: string, vi: RegExp | string, before: Awaited<ReturnType<typeof snapshot>>) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.html).toContain(code);
  if (typeof vi === 'string') expect(res.html).toContain(vi);
  else expect(res.html).toMatch(vi);
  expect(await snapshot()).toEqual(before);
}

let yearId: number;

beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  await db().insertInto('staff_designation').values({ school_id: h.schoolId, role: 'principal', person_code: 'HT001', lms_user_id: null }).execute();
  const t = await launchAs(h, '3');
  expect(t.finalUrl).toContain('/course/setup');
  teacherId = Number((await db().selectFrom('person').select('id').where('lms_user_id', '=', '3').executeTakeFirstOrThrow()).id);
  principal = await launchAs(h, '10');
});
afterAll(async () => {
  await h?.close();
});

describe('school years and terms', () => {
  it('creates a year with its two terms (audited)', async () => {
    const page = await principal.get('/school/years');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Chưa có năm học nào');
    const res = await principal.post('/school/years', YEAR);
    expect(res.status).toBe(303);
    yearId = Number(/\/school\/years\/(\d+)/.exec(res.location!)![1]);
    const terms = await db().selectFrom('term').selectAll().where('school_year_id', '=', yearId).execute();
    expect(terms.map((t) => t.code).sort()).toEqual(['HK1', 'HK2']);
    expect((await auditActions(db(), 'school_year.create')).length).toBe(1);
    const yp = await principal.get(`/school/years/${yearId}`);
    expect(yp.status).toBe(200);
    expect(yp.html).toContain('Năm học 2024-2025');
  });

  it.each([
    ['year dates out of order', { ...YEAR, name: '2025-2026', start_date: '2026-05-31', end_date: '2025-09-05' }, 'SCHOOL_DATES_ORDER', 'phải trước ngày kết thúc'],
    ['term dates out of order', { ...YEAR, name: '2025-2026', start_date: '2025-09-05', end_date: '2026-05-31', hk1_start: '2026-01-15', hk1_end: '2025-09-05', hk2_start: '2026-01-20', hk2_end: '2026-05-31' }, 'SCHOOL_DATES_ORDER', 'Học kỳ I'],
    ['a term outside its year', { ...YEAR, name: '2025-2026', start_date: '2025-09-05', end_date: '2026-05-31', hk1_start: '2025-08-01', hk1_end: '2026-01-15', hk2_start: '2026-01-20', hk2_end: '2026-05-31' }, 'SCHOOL_TERM_OUTSIDE_YEAR', 'nằm ngoài năm học'],
    ['overlapping terms', { ...YEAR, name: '2025-2026', start_date: '2025-09-05', end_date: '2026-05-31', hk1_start: '2025-09-05', hk1_end: '2026-02-01', hk2_start: '2026-01-20', hk2_end: '2026-05-31' }, 'SCHOOL_TERMS_OVERLAP', 'Học kỳ I phải kết thúc'],
    ['a duplicate year', YEAR, 'SCHOOL_YEAR_EXISTS', 'đã có'],
    ['a malformed year name', { ...YEAR, name: '2024-2026' }, 'SCHOOL_YEAR_NAME_INVALID', 'không hợp lệ'],
    ['a missing date', { ...YEAR, name: '2025-2026', hk2_end: '' }, 'SCHOOL_INPUT_INVALID', 'ngày kết thúc học kỳ II'],
  ])('refuses %s', async (_what, form, code, vi) => {
    const before = await snapshot();
    await refused(await principal.post('/school/years', form), code, vi, before);
  });

  it('edits the dates; a term moved outside the year is refused', async () => {
    const ok = await principal.post(`/school/years/${yearId}`, { ...YEAR, hk2_start: '2025-01-18' });
    expect(ok.status).toBe(303);
    const before = await snapshot();
    await refused(await principal.post(`/school/years/${yearId}`, { ...YEAR, hk2_end: '2025-06-30' }), 'SCHOOL_TERM_OUTSIDE_YEAR', 'Học kỳ II', before);
  });
});

describe('update time points', () => {
  it('adds a point inside its term; a deadline outside the term is refused', async () => {
    const hk1 = await db().selectFrom('term').select('id').where('school_year_id', '=', yearId).where('code', '=', 'HK1').executeTakeFirstOrThrow();
    const ok = await principal.post(`/school/years/${yearId}/update-points`, { term_id: String(hk1.id), label: 'Giữa học kỳ I', deadline: '2024-11-15T17:00' });
    expect(ok.status).toBe(303);
    const p = await db().selectFrom('update_point').selectAll().executeTakeFirstOrThrow();
    expect(p.deadline.toISOString()).toBe('2024-11-15T10:00:00.000Z');
    const before = await snapshot();
    await refused(await principal.post(`/school/years/${yearId}/update-points`, { term_id: String(hk1.id), label: 'Cuối kỳ', deadline: '2025-02-01T17:00' }), 'SCHOOL_DEADLINE_OUTSIDE_TERM', 'phải nằm trong học kỳ I', before);
    await refused(await principal.post(`/school/years/${yearId}/update-points`, { term_id: String(hk1.id), label: 'x', deadline: 'tomorrow' }), 'SCHOOL_INPUT_INVALID', 'hạn cập nhật', before);
  });
});

describe('regime per grade', () => {
  it('shows the roadmap per grade with its reason and stores an audited override', async () => {
    const page = await principal.get(`/school/years/${yearId}`);
    // THCS school: grades 6–9 only; in 2024-2025 all of them are on TT22.
    expect(page.html).toContain('TT22 Điều 21: khối 9 áp dụng TT22 từ năm học 2024-2025.');
    expect(page.html).not.toContain('name="grade_10"');
    const res = await principal.post(`/school/years/${yearId}/regimes`, { grade_6: '', grade_7: '', grade_8: '', grade_9: 'TT58_TT26' });
    expect(res.status).toBe(303);
    const y = await db().selectFrom('school_year').select('regime_overrides').where('id', '=', yearId).executeTakeFirstOrThrow();
    expect(y.regime_overrides).toEqual({ '9': 'TT58_TT26' });
    const a = (await auditActions(db(), 'school_year.regime_overrides'))[0]!;
    expect([a.old_value, a.new_value]).toEqual([{}, { '9': 'TT58_TT26' }]);
    expect((await principal.get(`/school/years/${yearId}`)).html).toMatch(/<option value="TT58_TT26" selected>/);
  });

  it('refuses a regime that does not exist and a grade outside the school level', async () => {
    const before = await snapshot();
    await refused(await principal.post(`/school/years/${yearId}/regimes`, { grade_6: 'TT99' }), 'SCHOOL_REGIME_UNKNOWN', 'không tồn tại', before);
    await refused(await principal.post(`/school/years/${yearId}/regimes`, { grade_10: 'TT22' }), 'SCHOOL_GRADE_OUTSIDE_LEVEL', 'THCS', before);
  });
});

describe('classes, subjects and teaching assignments', () => {
  it('adds a class with its homeroom teacher and changes it (audited)', async () => {
    const res = await principal.post(`/school/years/${yearId}/classes`, { name: '6a', grade: '6', homeroom_person_id: String(teacherId) });
    expect(res.status).toBe(303);
    const c = await db().selectFrom('class').selectAll().where('name', '=', '6A').executeTakeFirstOrThrow();
    expect(Number(c.homeroom_person_id)).toBe(teacherId);
    expect((await principal.post(`/school/years/${yearId}/classes`, { name: '9A', grade: '9', homeroom_person_id: '' })).status).toBe(303);
    const c9 = await db().selectFrom('class').select('id').where('name', '=', '9A').executeTakeFirstOrThrow();
    expect((await principal.post(`/school/classes/${c9.id}/homeroom`, { homeroom_person_id: String(teacherId) })).status).toBe(303);
    expect((await auditActions(db(), 'class.homeroom')).length).toBe(1);
    const page = await principal.get(`/school/years/${yearId}`);
    expect(page.html).toContain('Trần Thị Hoa');
  });

  it.each([
    ['a duplicate class name', { name: '6A', grade: '6' }, 'SCHOOL_CLASS_EXISTS', 'Lớp 6A đã có'],
    ['a grade outside 6–12', { name: '13A', grade: '13' }, 'SCHOOL_GRADE_OUT_OF_RANGE', 'từ khối 6 đến khối 12'],
    ['a grade outside the school level (THCS)', { name: '10A1', grade: '10' }, 'SCHOOL_GRADE_OUTSIDE_LEVEL', 'không thuộc cấp học'],
    ['an unknown person as homeroom teacher', { name: '7A', grade: '7', homeroom_person_id: '999999' }, 'SCHOOL_UNKNOWN_PERSON', 'giáo viên chủ nhiệm'],
  ])('refuses %s', async (_w, form, code, vi) => {
    const before = await snapshot();
    await refused(await principal.post(`/school/years/${yearId}/classes`, form as Record<string, string>), code, vi, before);
  });

  it('keeps a subject catalogue and refuses a duplicate code', async () => {
    expect((await principal.post('/school/subjects', { code: 'toan', name: 'Toán' })).status).toBe(303);
    expect((await principal.post('/school/subjects', { code: 'AM_NHAC', name: 'Âm nhạc' })).status).toBe(303);
    expect((await principal.get('/school/subjects')).html).toContain('Âm nhạc');
    const before = await snapshot();
    await refused(await principal.post('/school/subjects', { code: 'TOAN', name: 'Toán 2' }), 'SCHOOL_SUBJECT_EXISTS', 'đã có', before);
    await refused(await principal.post('/school/subjects', { code: 'Toán', name: 'Toán' }), 'SCHOOL_SUBJECT_CODE_INVALID', 'không hợp lệ', before);
  });

  it('assigns teachers: comment-only from the regime, periods per year under TT22, per week under TT58', async () => {
    const ids = async (cls: string, code: string) => ({
      class_id: String((await db().selectFrom('class').select('id').where('name', '=', cls).executeTakeFirstOrThrow()).id),
      subject_id: String((await db().selectFrom('subject').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id),
    });
    expect((await principal.post(`/school/years/${yearId}/assignments`, { ...(await ids('6A', 'AM_NHAC')), teacher_person_id: String(teacherId), assessment: '', periods: '35' })).status).toBe(303);
    expect((await principal.post(`/school/years/${yearId}/assignments`, { ...(await ids('9A', 'TOAN')), teacher_person_id: String(teacherId), assessment: '', periods: '4' })).status).toBe(303);
    const rows = await db()
      .selectFrom('class_subject')
      .innerJoin('class', 'class.id', 'class_subject.class_id')
      .select(['class.name', 'class_subject.assessment', 'class_subject.periods_per_week', 'class_subject.periods_per_year'])
      .orderBy('class.name')
      .execute();
    expect(rows).toEqual([
      { name: '6A', assessment: 'comment', periods_per_week: null, periods_per_year: 35 },
      { name: '9A', assessment: 'scored', periods_per_week: '4.0', periods_per_year: null },
    ]);
    const before = await snapshot();
    await refused(await principal.post(`/school/years/${yearId}/assignments`, { ...(await ids('9A', 'TOAN')), teacher_person_id: '999999' }), 'SCHOOL_UNKNOWN_PERSON', 'giáo viên bộ môn', before);
    await refused(await principal.post(`/school/years/${yearId}/assignments`, { ...(await ids('6A', 'TOAN')), periods: '2.5' }), 'SCHOOL_PERIODS_INVALID', 'Số tiết/năm', before);
  });

  it('a subject teacher may not configure the school (server-side rule)', async () => {
    const t = await launchAs(h, '3');
    const res = await t.get('/school/years');
    expect(res.status).toBe(403);
    expect(res.html).toContain('AUTH_NOT_PERMITTED');
    const before = await snapshot();
    await refused(await t.post('/school/years', { ...YEAR, name: '2026-2027' }), 'AUTH_NOT_PERMITTED', 'quy chế', before);
  });
});
