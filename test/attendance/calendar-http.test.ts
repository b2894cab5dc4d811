import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * The school calendar over real HTTP (school year 2024-2025: 2024-09-05 → 2025-05-31; class 6A, TT22,
 * homeroom Tuấn). Minh is designated school admin, Lan is the principal. Calendar facts worked out by hand:
 * 2024-09-09 Monday, 09-10 Tuesday, 09-11 Wednesday, 09-14 Saturday; 2025-01-27 → 2025-02-02 is Monday → Sunday.
 */
let h: Harness;
let f: GradebookFixture;
let tuan: Client;
let minh: Client;
let lan: Client;
let hoa: Client;

const WEEK = { 1: { sang: 'main', chieu: 'extra' }, 2: { sang: 'main', chieu: 'extra' }, 3: { sang: 'main', chieu: 'extra' }, 4: { sang: 'main', chieu: 'extra' }, 5: { sang: 'main', chieu: 'extra' }, 6: { sang: 'main' } };

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'school_admin', person_code: T_MINH.idnumber, lms_user_id: null }).execute();
  [tuan, minh, lan, hoa] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, T_MINH.id), launchAs(h, P_LAN.id), launchAs(h, T_HOA.id)]);
});
afterAll(async () => {
  await h?.close();
});

const enr = (i: number) => f.enrolment.get(STUDENTS[i]!.id)!;
const mark = (i: number, day: string, m: 'P' | 'K' | '', session: 'sang' | 'chieu' = 'sang') => ({ enrolmentId: enr(i), day, session, mark: m });
const marks = (c: Client, ...changes: ReturnType<typeof mark>[]) => c.post(`/attendance/class/${f.class6A}/marks`, { changes });
const y = () => f.schoolYearId;
const snapshot = async () => ({
  cal: await h.db.db.selectFrom('school_calendar').selectAll().execute(),
  cls: await h.db.db.selectFrom('class_session_plan').selectAll().execute(),
  hol: await h.db.db.selectFrom('school_holiday').selectAll().orderBy('day').execute(),
  audit: await auditCount(h),
});
const code = async (res: Response) => ((await res.json()) as any).error.code as string;
async function counted(month = '2024-09', i = 1): Promise<{ P: number; K: number; counted: number }> {
  const s = (await (await tuan.get(`/attendance/class/${f.class6A}?month=${month}`)).json()) as any;
  return s.rows.find((r: any) => r.enrolmentId === enr(i)).year;
}
const setOption = (v: string) => h.db.db.updateTable('school').set({ settings: JSON.stringify({ ruleOptions: { 'A-22-ABS': v } }) }).where('id', '=', h.schoolId).execute();

describe('school calendar page', () => {
  it('the school admin and the principal see it (nav link for them); a teacher is refused', async () => {
    const page = await minh.get('/attendance/calendar', 'html');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Lịch học năm học 2024-2025');
    expect(html).toContain('name="p1_sang"');
    expect(html).toContain('href="/attendance/calendar"');
    expect((await lan.get(`/attendance/calendar?year=${y()}`)).status).toBe(200);
    const byTeacher = await tuan.get('/attendance/calendar');
    expect(byTeacher.status).toBe(403);
    expect(await code(byTeacher)).toBe('CALENDAR_FORBIDDEN');
    // Default before anything is saved: Monday–Saturday mornings, all main.
    const d = (await (await minh.get('/attendance/calendar')).json()) as any;
    expect(d.planIsDefault).toBe(true);
    expect(d.plan).toEqual({ 1: { sang: 'main' }, 2: { sang: 'main' }, 3: { sang: 'main' }, 4: { sang: 'main' }, 5: { sang: 'main' }, 6: { sang: 'main' } });
  });

  it('the week plan (form post): afternoons are extra sessions Monday–Friday, Saturday morning only; audited', async () => {
    const before = await auditCount(h, 'calendar.plan');
    const form = new URLSearchParams({ _csrf: minh.csrf });
    for (const [d, ss] of Object.entries(WEEK)) for (const [s, k] of Object.entries(ss)) form.set(`p${d}_${s}`, k);
    const res = await fetch(`${h.toolUrl}/attendance/calendar/${y()}/plan`, { method: 'POST', redirect: 'manual', headers: { cookie: minh.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/attendance/calendar?year=${y()}`);
    expect(await auditCount(h, 'calendar.plan')).toBe(before + 1);
    const d = (await (await lan.get('/attendance/calendar')).json()) as any;
    expect(d.planIsDefault).toBe(false);
    expect(d.plan).toEqual(WEEK);
    // The roll-call sheet follows: two session columns; Saturday has no afternoon.
    const s = (await (await tuan.get(`/attendance/class/${f.class6A}?month=2024-09`)).json()) as any;
    expect(s.sessions).toEqual(['sang', 'chieu']);
    expect(s.days.find((x: any) => x.day === '2024-09-14')).toMatchObject({ school: true, held: ['sang'] });
    expect(s.days.find((x: any) => x.day === '2024-09-09')).toMatchObject({ held: ['sang', 'chieu'], kinds: { sang: 'main', chieu: 'extra' } });
    const sat = await marks(tuan, mark(0, '2024-09-14', 'K', 'chieu'));
    expect(sat.status).toBe(400);
    expect(await code(sat)).toBe('ATTENDANCE_BAD_SESSION');
  });

  it('A-22-ABS "main sessions only" follows the plan: a day missing only the extra afternoon does not count', async () => {
    // Bình: Monday 9 Sep morning + afternoon, Tuesday 10 Sep afternoon (extra), Wednesday 11 Sep morning.
    expect((await marks(tuan, mark(1, '2024-09-09', 'P'), mark(1, '2024-09-09', 'P', 'chieu'), mark(1, '2024-09-10', 'K', 'chieu'), mark(1, '2024-09-11', 'K'))).status).toBe(200);
    await setOption('main-sessions-only');
    // Days with a main session missed: 9 and 11 → 2.
    expect(await counted()).toEqual({ P: 2, K: 2, counted: 2 });
    await setOption('one-per-day');
    // 9, 10, 11 → 3.
    expect((await counted()).counted).toBe(3);
    await setOption('every-session');
    // 2 + 1 + 1 → 4.
    expect((await counted()).counted).toBe(4);
    // The stored flag follows the plan too (10 Sep afternoon is an extra session).
    const rows = await h.db.db.selectFrom('attendance').select(['session', 'main']).where('enrolment_id', '=', enr(1)).where('day', '=', '2024-09-10').execute();
    expect(rows).toEqual([{ session: 'chieu', main: false }]);
  });

  it("a class's own plan: 6A's Tuesday afternoon is main → 10 Sep counts (3); back to the school's plan → 2", async () => {
    await setOption('main-sessions-only');
    const own = { ...WEEK, 2: { sang: 'main', chieu: 'main' } };
    expect((await minh.post(`/attendance/calendar/${y()}/class-plan`, { class_id: f.class6A, plan: own })).status).toBe(200);
    expect((await counted()).counted).toBe(3);
    const stored = () => h.db.db.selectFrom('attendance').select('main').where('enrolment_id', '=', enr(1)).where('day', '=', '2024-09-10').executeTakeFirstOrThrow();
    // The stored flag is re-stamped with the class's plan (and back again below).
    expect((await stored()).main).toBe(true);
    const d = (await (await minh.get('/attendance/calendar')).json()) as any;
    expect(d.classes.find((c: any) => c.id === f.class6A).plan).toEqual(own);
    expect((await minh.post(`/attendance/calendar/${y()}/class-plan`, { class_id: f.class6A, follow: true })).status).toBe(200);
    expect((await counted()).counted).toBe(2);
    expect((await stored()).main).toBe(false);
    await setOption('one-per-day');
  });

  it('days off (Tết, a week): greyed in the grid with their name, absences refused; removing them reopens the days', async () => {
    const before = await auditCount(h, 'calendar.holiday.add');
    const res = await lan.post(`/attendance/calendar/${y()}/holidays`, { from: '2025-01-27', to: '2025-02-02', label: 'Tết Nguyên đán' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).days).toBe(7);
    expect(await auditCount(h, 'calendar.holiday.add')).toBe(before + 1);
    const d = (await (await lan.get('/attendance/calendar')).json()) as any;
    expect(d.holidays).toEqual([{ from: '2025-01-27', to: '2025-02-02', label: 'Tết Nguyên đán', days: 7 }]);
    const s = (await (await tuan.get(`/attendance/class/${f.class6A}?month=2025-01`)).json()) as any;
    expect(s.days.find((x: any) => x.day === '2025-01-28')).toMatchObject({ school: false, holiday: 'Tết Nguyên đán', held: [] });
    const html = await (await tuan.get(`/attendance/class/${f.class6A}?month=2025-01`, 'html')).text();
    expect(html).toContain('title="Nghỉ: Tết Nguyên đán"');
    expect(html).not.toContain('data-day="2025-01-28"');
    const refused = await marks(tuan, mark(2, '2025-01-28', 'K'));
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as any;
    expect(body.error.code).toBe('ATTENDANCE_NOT_SCHOOL_DAY');
    expect(body.error.message).toContain('Tết Nguyên đán');
    // Remove Friday 31 Jan only: it is a school day again; the rest of Tết stays, split in two ranges.
    expect((await lan.post(`/attendance/calendar/${y()}/holidays/remove`, { from: '2025-01-31' })).status).toBe(200);
    expect((await marks(tuan, mark(2, '2025-01-31', 'K'))).status).toBe(200);
    expect((await marks(tuan, mark(2, '2025-01-31', ''))).status).toBe(200);
    const after = (await (await lan.get('/attendance/calendar')).json()) as any;
    expect(after.holidays.map((x: any) => `${x.from}..${x.to}:${x.days}`)).toEqual(['2025-01-27..2025-01-30:4', '2025-02-01..2025-02-02:2']);
  });

  it('bad input is refused with a Vietnamese message, nothing changed', async () => {
    const before = await snapshot();
    const cases: Array<[Client, string, unknown, number, string, string?]> = [
      [minh, 'holidays', { from: '2025-06-15', label: 'Hè' }, 400, 'CALENDAR_BAD_RANGE', 'phải nằm trong năm học'],
      [minh, 'holidays', { from: '2024-12-31', to: '2024-12-30', label: 'Tết Dương lịch' }, 400, 'CALENDAR_BAD_RANGE', 'sau ngày kết thúc'],
      [minh, 'holidays', { from: '2024-12-02', to: '2025-03-01', label: 'Quá dài' }, 400, 'CALENDAR_BAD_RANGE', 'tối đa'],
      [minh, 'holidays', { from: '2025-01-01', label: '  ' }, 400, 'CALENDAR_BAD_RANGE', 'tên ngày nghỉ'],
      [minh, 'holidays', { from: '2025-1-1', label: 'Tết' }, 400, 'CALENDAR_BAD_REQUEST'],
      [minh, 'holidays', { from: '2025-02-29', label: 'Không có ngày này' }, 400, 'CALENDAR_BAD_REQUEST'],
      // 9 Sep has Bình's absences: a day off there would leave marks on a non-school day.
      [minh, 'holidays', { from: '2024-09-09', label: 'Nghỉ bù' }, 409, 'CALENDAR_CONFLICTS_ATTENDANCE', '09/09/2024'],
      [minh, 'holidays/remove', { from: '2025-03-03' }, 400, 'CALENDAR_BAD_RANGE', 'Không có ngày nghỉ'],
      [minh, 'plan', { plan: { 1: { sang: 'extra' } } }, 400, 'CALENDAR_BAD_PLAN', 'chính khoá'],
      [minh, 'plan', { plan: { 8: { sang: 'main' } } }, 400, 'CALENDAR_BAD_PLAN', 'Thứ trong tuần'],
      // Dropping the afternoons while Bình's afternoon absences exist.
      [minh, 'plan', { plan: { 1: { sang: 'main' }, 2: { sang: 'main' }, 3: { sang: 'main' } } }, 409, 'CALENDAR_CONFLICTS_ATTENDANCE', 'buổi chiều'],
      [minh, 'class-plan', { class_id: f.class6A + 1000, plan: WEEK }, 404, 'CALENDAR_NO_CLASS'],
      // A teacher may not configure the school; the homeroom teacher neither.
      [hoa, 'plan', { plan: WEEK }, 403, 'AUTH_NOT_PERMITTED'],
      [tuan, 'holidays', { from: '2025-01-01', label: 'Tết Dương lịch' }, 403, 'AUTH_NOT_PERMITTED'],
    ];
    for (const [c, path, body, status, errCode, text] of cases) {
      const res = await c.post(`/attendance/calendar/${y()}/${path}`, body);
      expect({ path, status: res.status }).toEqual({ path, status });
      const b = (await res.json()) as any;
      expect({ path, code: b.error.code }).toEqual({ path, code: errCode });
      if (text) expect(b.error.message).toContain(text);
    }
    // Without the CSRF token: refused.
    expect((await minh.post(`/attendance/calendar/${y()}/holidays`, { from: '2025-01-01', label: 'Tết Dương lịch' }, { csrf: null })).status).toBe(403);
    // An unknown school year.
    expect((await minh.post(`/attendance/calendar/${y() + 1000}/plan`, { plan: WEEK })).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});
