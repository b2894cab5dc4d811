import path from 'node:path';
import ejs from 'ejs';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { loadDashboard } from '../../src/dashboard/dashboard';
import { STATE_VI } from '../../src/web/routes/dashboard';
import { formatDeadlineVi } from '../../src/gradebook/locks';
import type { Session } from '../../src/auth/session';

/**
 * Roll-call completeness on the principal's dashboard, counted by hand. NOW = 10/11/2024 10:00 in Vietnam
 * (a Sunday). November 2024 up to the 10th: Fri 1, Sat 2, Sun 3, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8, Sat 9,
 * Sun 10; the school makes Monday 4 a day off → school days 1, 2, 5, 6, 7, 8, 9 = 7 for every class.
 * - 6A: confirmed 1 and 2, a mark saved on 5 → 3/7 (a confirmation of 12 Nov is after NOW: not counted).
 * - 9A: its own plan has a Tuesday afternoon (extra); taken: 5 morning only (incomplete), 6 morning → 1/7.
 * - 7A: nothing → 0/7.  School: 4 of 21.
 */
let h: Harness;
let f: GradebookFixture;
let tuan: Client;
let lan: Client;
let board: Session;
const NOW = new Date('2024-11-10T03:00:00Z');

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [tuan, lan] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  board = { tokenHash: 'x', schoolId: h.schoolId, personId: f.person.get(P_LAN.id)!, courseLinkId: null, roles: ['principal'], ltiRoles: [], csrfToken: 'x', expiresAt: new Date(Date.now() + 3600_000) };
  expect((await lan.post(`/attendance/calendar/${f.schoolYearId}/holidays`, { from: '2024-11-04', label: 'Nghỉ bù' })).status).toBe(200);
  for (const day of ['2024-11-01', '2024-11-02', '2024-11-12']) expect((await tuan.post(`/attendance/class/${f.class6A}/taken`, { day })).status).toBe(200);
  const an = f.enrolment.get(STUDENTS[0]!.id)!;
  expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [{ enrolmentId: an, day: '2024-11-05', session: 'sang', mark: 'K' }] })).status).toBe(200);
  const plan9A = { 1: { sang: 'main' }, 2: { sang: 'main', chieu: 'extra' }, 3: { sang: 'main' }, 4: { sang: 'main' }, 5: { sang: 'main' }, 6: { sang: 'main' } };
  expect((await lan.post(`/attendance/calendar/${f.schoolYearId}/class-plan`, { class_id: f.class9A, plan: plan9A })).status).toBe(200);
  // 9A has no homeroom teacher in the fixture: its taken sessions are set up directly.
  await h.db.db.insertInto('roll_call_taken').values([
    { class_id: f.class9A, day: '2024-11-05', session: 'sang', taken_by: null },
    { class_id: f.class9A, day: '2024-11-06', session: 'sang', taken_by: null },
  ]).execute();
});
afterAll(async () => {
  await h?.close();
});

describe('dashboard: roll-call completeness', () => {
  it('per class: school days so far this month vs days taken, least complete first', async () => {
    const d = await loadDashboard(h.db.db, board, { now: NOW });
    expect(d.rollCall.month).toBe('2024-11');
    expect(d.rollCall.label).toBe('11/2024');
    expect(d.rollCall.rows.map((r) => ({ name: r.className, days: r.schoolDays, taken: r.taken, missing: r.missing }))).toEqual([
      { name: '7A', days: 7, taken: 0, missing: ['2024-11-01', '2024-11-02', '2024-11-05', '2024-11-06', '2024-11-07', '2024-11-08', '2024-11-09'] },
      { name: '9A', days: 7, taken: 1, missing: ['2024-11-01', '2024-11-02', '2024-11-05', '2024-11-07', '2024-11-08', '2024-11-09'] },
      { name: '6A', days: 7, taken: 3, missing: ['2024-11-06', '2024-11-07', '2024-11-08', '2024-11-09'] },
    ]);
    expect(d.rollCall.rows.find((r) => r.className === '6A')!.homeroomName).toBe('Hoàng Anh Tuấn');
    expect(d.rollCall.totals).toEqual({ schoolDays: 21, taken: 4 });
    expect(d.notYet).toEqual([]);
  });

  it('on the 1st of a month only that day counts (Friday 1 Nov 2024: 6A 1/1)', async () => {
    const d = await loadDashboard(h.db.db, board, { now: new Date('2024-11-01T09:00:00Z') });
    expect(d.rollCall.rows.find((r) => r.className === '6A')).toMatchObject({ schoolDays: 1, taken: 1, missing: [] });
    expect(d.rollCall.totals).toEqual({ schoolDays: 3, taken: 1 });
  });

  it('the dashboard page shows the section with a drill-down link to the roll-call month', async () => {
    const d = await loadDashboard(h.db.db, board, { now: NOW });
    const html = await ejs.renderFile(path.resolve(__dirname, '../../views/dashboard/index.ejs'), { title: 'Bảng theo dõi', d, STATE_VI, formatDeadlineVi, signOff: null, canSign: false, csrf: 'x', u: (p: string) => p });
    expect(html).toContain('Điểm danh tháng 11/2024 (đến 10/11)');
    expect(html).toContain('<strong>4/21</strong>');
    expect(html).toContain(`<a href="/attendance/class/${f.class6A}?month=2024-11">6A</a>`);
    expect(html).toContain('06/11, 07/11, 08/11, 09/11');
    // Over HTTP (today's month is outside the 2024-2025 terms): the section is there, no school days yet.
    const res = await lan.get('/dashboard', 'html');
    expect(res.status).toBe(200);
    const live = await res.text();
    expect(live).toContain('id="roll-call"');
    expect(live).toContain('Tháng này chưa có ngày học nào.');
  });
});
