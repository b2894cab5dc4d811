import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_TUAN, P_LAN, STUDENTS, LEAVER, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * Roll-call over real HTTP (class 6A, TT22, homeroom teacher Tuấn). Terms: HK I 2024-09-05 → 2025-01-15,
 * HK II 2025-01-16 → 2025-05-31. 2024-09-09 is a Monday, 2024-09-08 a Sunday. Expected totals are counted by hand.
 */
let h: Harness;
let f: GradebookFixture;
let tuan: Client;
let hoa: Client;
let lan: Client;

interface Totals { P: number; K: number; counted: number }
interface Sheet { month: string; sessions: string[]; rows: Array<{ enrolmentId: number; marks: Record<string, string>; month: Totals; HK1: Totals; HK2: Totals; year: Totals; warningVi: string | null }> }

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [tuan, hoa, lan] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, T_HOA.id), launchAs(h, P_LAN.id)]);
});
afterAll(async () => {
  await h?.close();
});

const enr = (userId: string) => f.enrolment.get(userId)!;
const A = STUDENTS[0]!.id;
const B = STUDENTS[1]!.id;
const C = STUDENTS[2]!.id;
const mark = (userId: string, day: string, m: 'P' | 'K' | '', session: 'sang' | 'chieu' = 'sang') => ({ enrolmentId: enr(userId), day, session, mark: m });
async function sheet(c: Client, month: string): Promise<Sheet> {
  const res = await c.get(`/attendance/class/${f.class6A}?month=${month}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Sheet;
}
const rowOf = (s: Sheet, userId: string) => s.rows.find((r) => r.enrolmentId === enr(userId))!;
const attendanceCount = async () => Number((await h.db.db.selectFrom('attendance').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
/** Monday–Saturday from `from`, `n` of them, as 'YYYY-MM-DD'. */
function schoolDays(from: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  while (out.length < n) {
    if (d.getUTCDay() !== 0) out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

describe('roll-call', () => {
  it('the homeroom teacher records P and K; month, semester and year totals follow', async () => {
    const before = await auditCount(h, 'attendance.mark');
    const res = await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(A, '2024-09-09', 'P'), mark(A, '2024-09-10', 'K'), mark(A, '2025-02-03', 'K')] });
    expect(res.status).toBe(200);
    expect(await auditCount(h, 'attendance.mark')).toBe(before + 3);
    const s = rowOf(await sheet(tuan, '2024-09'), A);
    expect(s.marks).toEqual({ '2024-09-09|sang': 'P', '2024-09-10|sang': 'K' });
    // September: 1 P + 1 K; HK I the same; HK II 1 K (3 Feb); year: 3 absences counted.
    expect(s.month).toEqual({ P: 1, K: 1, counted: 2 });
    expect(s.HK1).toEqual({ P: 1, K: 1, counted: 2 });
    expect(s.HK2).toEqual({ P: 0, K: 1, counted: 1 });
    expect(s.year.counted).toBe(3);
    // Blank clears a mark.
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(A, '2025-02-03', '')] })).status).toBe(200);
    expect(rowOf(await sheet(tuan, '2024-09'), A).year.counted).toBe(2);
  });

  it('refuses a Sunday, a holiday, a day outside the terms — nothing written', async () => {
    await h.db.db.insertInto('school_holiday').values({ school_id: h.schoolId, day: '2024-11-20', label: 'Ngày Nhà giáo' }).execute();
    const n = await attendanceCount();
    for (const day of ['2024-09-08', '2024-11-20', '2025-07-01']) {
      // A valid change in the same batch is not saved either.
      const res = await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(C, '2024-09-11', 'P'), mark(C, day, 'K')] });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.code).toBe('ATTENDANCE_NOT_SCHOOL_DAY');
    }
    expect(await attendanceCount()).toBe(n);
  });

  it('refuses a mark for a student after they left (left 2024-10-20), accepts the day before', async () => {
    const res = await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(LEAVER.id, '2024-10-21', 'K')] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('ATTENDANCE_NOT_ENROLLED');
    expect(body.error.message).toContain('đã chuyển đi');
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(LEAVER.id, '2024-10-19', 'K')] })).status).toBe(200);
  });

  it('only the homeroom teacher of the class writes; the principal reads; CSRF required', async () => {
    const n = await attendanceCount();
    const byHoa = await hoa.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(C, '2024-09-12', 'K')] });
    expect(byHoa.status).toBe(403);
    const byLan = await lan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(C, '2024-09-12', 'K')] });
    expect(byLan.status).toBe(403);
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(C, '2024-09-12', 'K')] }, { csrf: null })).status).toBe(403);
    expect(await attendanceCount()).toBe(n);
    expect((await lan.get(`/attendance/class/${f.class6A}?month=2024-09`)).status).toBe(200);
    expect((await hoa.get(`/attendance/class/${f.class6A}?month=2024-09`)).status).toBe(403);
  });

  it('subject teachers take roll-call in their classes only where the school enables it (and its rules allow)', async () => {
    const body = { changes: [mark(C, '2024-09-13', 'P')] };
    // Default: Hoa teaches Toán in 6A but is not its homeroom teacher → refused.
    expect((await hoa.post(`/attendance/class/${f.class6A}/marks`, body)).status).toBe(403);
    await h.db.db.insertInto('school_permission').values({ school_id: h.schoolId, action: 'attendance.enter', roles: ['homeroom_teacher', 'subject_teacher'] }).execute();
    // The rule alone is not enough: the school setting must be on.
    expect((await hoa.post(`/attendance/class/${f.class6A}/marks`, body)).status).toBe(403);
    await h.db.db.updateTable('school').set({ settings: JSON.stringify({ subjectTeacherRollCall: true }) }).where('id', '=', h.schoolId).execute();
    expect((await hoa.post(`/attendance/class/${f.class6A}/marks`, body)).status).toBe(200);
    expect((await hoa.get(`/attendance/class/${f.class6A}?month=2024-09`)).status).toBe(200);
    await h.db.db.updateTable('school').set({ settings: JSON.stringify({}) }).where('id', '=', h.schoolId).execute();
    await h.db.db.deleteFrom('school_permission').where('school_id', '=', h.schoolId).where('action', '=', 'attendance.enter').execute();
  });

  it('two sessions a day: A-22-ABS decides whether a full day away counts 1 or 2', async () => {
    const setSettings = (v: Record<string, unknown>) => h.db.db.updateTable('school').set({ settings: JSON.stringify(v) }).where('id', '=', h.schoolId).execute();
    // An afternoon is refused while the school runs one session.
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(B, '2024-09-09', 'P', 'chieu')] })).status).toBe(400);
    await setSettings({ twoSessions: true, ruleOptions: { 'A-22-ABS': 'one-per-day' } });
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [mark(B, '2024-09-09', 'P'), mark(B, '2024-09-09', 'P', 'chieu'), mark(B, '2024-09-10', 'K', 'chieu')] })).status).toBe(200);
    const s1 = await sheet(tuan, '2024-09');
    expect(s1.sessions).toEqual(['sang', 'chieu']);
    // one-per-day: 9 Sep (two sessions) = 1, 10 Sep = 1 → 2; marks: 2 P, 1 K.
    expect(rowOf(s1, B).year).toEqual({ P: 2, K: 1, counted: 2 });
    await setSettings({ twoSessions: true, ruleOptions: { 'A-22-ABS': 'every-session' } });
    // every-session: 3 sessions → 3.
    expect(rowOf(await sheet(tuan, '2024-09'), B).year.counted).toBe(3);
    await setSettings({});
  });

  it('warns from 35 counted absences and flags more than 45', async () => {
    const D = STUDENTS[3]!.id;
    // 35 school days (Mon–Sat) from 16 Sep 2024; 20 Nov is a holiday and falls after them (16 Sep + 35 school days ends 26 Oct).
    const days35 = schoolDays('2024-09-16', 35);
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: days35.map((d) => mark(D, d, 'P')) })).status).toBe(200);
    let r = rowOf(await sheet(tuan, '2024-09'), D);
    expect(r.year.counted).toBe(35);
    expect(r.warningVi).toContain('35/45');
    // 11 more (28 Oct – 8 Nov, Mon–Sat) → 46 > 45.
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: schoolDays('2024-10-28', 11).map((d) => mark(D, d, 'K')) })).status).toBe(200);
    r = rowOf(await sheet(tuan, '2024-10'), D);
    expect(r.year.counted).toBe(46);
    expect(r.warningVi).toContain('quá 45');
  });

  it('the page renders for the homeroom teacher with the keyboard sheet', async () => {
    const res = await tuan.get(`/attendance/class/${f.class6A}?month=2024-09`, 'html');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="att"');
    expect(html).toContain('data-day="2024-09-09"');
    expect(html).not.toContain('data-day="2024-09-08"');
  });
});
