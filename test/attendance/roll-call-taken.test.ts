import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { confirmDayTaken, saveMarks } from '../../src/attendance/attendance-service';
import type { Session } from '../../src/auth/session';

/**
 * Roll-call completeness (class 6A, homeroom Tuấn; HK I starts Thursday 2024-09-05; default plan Monday–Saturday
 * mornings, no days off). School days of September 2024, counted on a calendar: 5, 6, 7 (Thu–Sat) + 9–14 + 16–21
 * + 23–28 (6 each) + 30 (Mon) = 22; all are in the past for the HTTP requests.
 */
let h: Harness;
let f: GradebookFixture;
let tuan: Client;
let hoa: Client;
let lan: Client;
let tuanSession: Session;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [tuan, hoa, lan] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, T_HOA.id), launchAs(h, P_LAN.id)]);
  tuanSession = { tokenHash: 'x', schoolId: h.schoolId, personId: f.person.get(T_TUAN.id)!, courseLinkId: null, roles: ['homeroom_teacher', 'subject_teacher'], ltiRoles: [], csrfToken: 'x', expiresAt: new Date(Date.now() + 3600_000) };
});
afterAll(async () => {
  await h?.close();
});

const A = () => f.enrolment.get(STUDENTS[0]!.id)!;
interface Day { day: string; school: boolean; held: string[]; taken: string[]; missing: boolean }
interface Sheet { completeness: { due: number; taken: number }; days: Day[] }
const sheet = async (c: Client = tuan) => (await (await c.get(`/attendance/class/${f.class6A}?month=2024-09`)).json()) as Sheet;
const dayOf = (s: Sheet, d: string) => s.days.find((x) => x.day === d)!;
const taken = async () => h.db.db.selectFrom('roll_call_taken').select(['day', 'session']).where('class_id', '=', f.class6A).orderBy('day').orderBy('session').execute();
const confirm = (c: Client, day: string, opts?: { csrf?: string | null }) => c.post(`/attendance/class/${f.class6A}/taken`, { day }, opts);

describe('roll-call taken', () => {
  it('nothing taken yet: 0 of 22 school days, every one highlighted; Sundays are not school days', async () => {
    const s = await sheet();
    expect(s.completeness).toEqual({ due: 22, taken: 0 });
    expect(s.days.filter((d) => d.missing)).toHaveLength(22);
    expect(dayOf(s, '2024-09-08')).toMatchObject({ school: false, missing: false });
    expect(dayOf(s, '2024-09-04')).toMatchObject({ school: false, missing: false });
  });

  it("saving a session's marks takes its roll-call (clearing a mark too); audited once", async () => {
    const before = await auditCount(h, 'attendance.taken');
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [{ enrolmentId: A(), day: '2024-09-09', session: 'sang', mark: 'P' }] })).status).toBe(200);
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [{ enrolmentId: A(), day: '2024-09-09', session: 'sang', mark: '' }] })).status).toBe(200);
    expect(await auditCount(h, 'attendance.taken')).toBe(before + 1);
    const s = await sheet();
    expect(dayOf(s, '2024-09-09')).toMatchObject({ taken: ['sang'], missing: false });
    expect(s.completeness).toEqual({ due: 22, taken: 1 });
  });

  it('"Đã điểm danh, không vắng" for a whole day: taken, audited; a second time changes nothing', async () => {
    const before = await auditCount(h, 'attendance.taken');
    const res = await confirm(tuan, '2024-09-10');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ day: '2024-09-10', taken: 1, sessions: ['sang'], absences: 0 });
    expect(await auditCount(h, 'attendance.taken')).toBe(before + 1);
    expect(await (await confirm(tuan, '2024-09-10')).json()).toEqual({ day: '2024-09-10', taken: 0, sessions: ['sang'], absences: 0 });
    expect(await auditCount(h, 'attendance.taken')).toBe(before + 1);
    // From the page's button (a plain form): back to the month.
    const form = new URLSearchParams({ _csrf: tuan.csrf, day: '2024-09-11' });
    const viaForm = await fetch(`${h.toolUrl}/attendance/class/${f.class6A}/taken`, { method: 'POST', redirect: 'manual', headers: { cookie: tuan.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(viaForm.status).toBe(303);
    expect(viaForm.headers.get('location')).toBe(`/attendance/class/${f.class6A}?month=2024-09`);
    expect((await sheet()).completeness).toEqual({ due: 22, taken: 3 });
  });

  it('refused: a Sunday, a day not yet come, another teacher, the principal, no CSRF — nothing written', async () => {
    const n = (await taken()).length;
    // 31 Sep does not exist (not rolled over to 1 Oct).
    const noSuchDay = await confirm(tuan, '2024-09-31');
    expect(noSuchDay.status).toBe(400);
    expect(((await noSuchDay.json()) as any).error.code).toBe('ATTENDANCE_BAD_REQUEST');
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [{ enrolmentId: A(), day: '2024-09-31', session: 'sang', mark: 'K' }] })).status).toBe(400);
    const sunday = await confirm(tuan, '2024-09-08');
    expect(sunday.status).toBe(400);
    expect(((await sunday.json()) as any).error.code).toBe('ATTENDANCE_NOT_SCHOOL_DAY');
    expect((await confirm(hoa, '2024-09-12')).status).toBe(403);
    expect((await confirm(lan, '2024-09-12')).status).toBe(403);
    expect((await confirm(tuan, '2024-09-12', { csrf: null })).status).toBe(403);
    // On 10 Sep 2024 (Vietnam), 11 Sep has not come yet.
    await expect(confirmDayTaken(h.db.db, tuanSession, f.class6A, '2024-09-12', new Date('2024-09-10T05:00:00Z'))).rejects.toMatchObject({ code: 'ATTENDANCE_FUTURE_DAY' });
    expect((await taken()).length).toBe(n);
  });

  it('an absence entered ahead (a P for an announced absence) does not take that future day', async () => {
    await saveMarks(h.db.db, tuanSession, f.class6A, [{ enrolmentId: A(), day: '2024-09-13', session: 'sang', mark: 'P' }], new Date('2024-09-12T03:00:00Z'));
    expect(dayOf(await sheet(), '2024-09-13')).toMatchObject({ taken: [], missing: true });
  });

  it('two sessions a day: a day is complete only when both sessions are taken', async () => {
    await h.db.db.updateTable('school').set({ settings: JSON.stringify({ twoSessions: true }) }).where('id', '=', h.schoolId).execute();
    // 9 Sep had its morning taken; the afternoon is now due too.
    let s = await sheet();
    expect(dayOf(s, '2024-09-09')).toMatchObject({ held: ['sang', 'chieu'], taken: ['sang'], missing: true });
    expect(s.completeness).toEqual({ due: 22, taken: 0 });
    expect(await (await confirm(tuan, '2024-09-09')).json()).toEqual({ day: '2024-09-09', taken: 1, sessions: ['sang', 'chieu'], absences: 0 });
    s = await sheet();
    expect(dayOf(s, '2024-09-09')).toMatchObject({ taken: ['sang', 'chieu'], missing: false });
    expect(s.completeness).toEqual({ due: 22, taken: 1 });
    await h.db.db.updateTable('school').set({ settings: JSON.stringify({}) }).where('id', '=', h.schoolId).execute();
  });

  it('the month page highlights days not taken with a ✓ button; the principal sees the highlight without buttons', async () => {
    const html = await (await tuan.get(`/attendance/class/${f.class6A}?month=2024-09`, 'html')).text();
    // Taken so far (one session): 9, 10, 11 Sep → 3/22.
    expect(html).toContain('Đã điểm danh <strong>3/22</strong>');
    expect(html).toMatch(/class="missing" data-head="2024-09-12"/);
    expect(html).toMatch(/class="done" data-head="2024-09-10"/);
    expect(html).toContain('data-day="2024-09-12" title="Đã điểm danh ngày 12/09, không vắng thêm"');
    expect(html).not.toContain('class="taken-btn" data-day="2024-09-10"');
    const board = await (await lan.get(`/attendance/class/${f.class6A}?month=2024-09`, 'html')).text();
    expect(board).toMatch(/class="missing" data-head="2024-09-12"/);
    expect(board).not.toContain('taken-btn');
  });
});
