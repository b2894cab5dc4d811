import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, T_MINH, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { loadDashboard, vnMonth } from '../../src/dashboard/dashboard';
import type { Session } from '../../src/auth/session';

/** Principal's dashboard: counts computed by hand from the rules engine's requirements. */
let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let minh: Client;
let lan: Client;
let board: Session;
const NOW = new Date('2024-11-10T03:00:00Z'); // 10/11/2024 10:00 in Vietnam, inside HK1

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, minh, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_MINH.id), launchAs(h, P_LAN.id)]);
  // Hoa: Trần Văn An's six HK1 marks, Lê Thị Bình's ĐĐGtx 1.
  const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as any;
  const an = f.enrolment.get(STUDENTS[0]!.id)!;
  const binh = f.enrolment.get(STUDENTS[1]!.id)!;
  const vals = ['8', '7', '9', '6', '7,5', '8'];
  const changes = [...v.columns.map((c: any, i: number) => ({ columnId: c.id, enrolmentId: an, value: vals[i], version: 0 })), { columnId: v.columns[0].id, enrolmentId: binh, value: '9', version: 0 }];
  expect((await hoa.post(`/grid/${f.math6A}/scores`, { changes })).status).toBe(200);
  // An update point for HK1 regular marks on 15/11/2024 (5 days after NOW), added after the saves.
  await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Cập nhật giữa HK1', deadline: new Date('2024-11-15T10:00:00Z'), kinds: ['regular'] }).execute();
  // Corrections: one in November 2024 (counted), one in October (not counted).
  const mk = (at: string) =>
    h.db.db.insertInto('correction_request').values({ school_id: h.schoolId, column_id: v.columns[0].id, enrolment_id: an, old_tenths: 80, old_rating: null, new_tenths: 85, new_rating: null, score_version: 1, reason_code: 'typo', requested_by: f.person.get(T_HOA.id)!, created_at: new Date(at) } as any).execute();
  await mk('2024-11-05T02:00:00Z');
  await mk('2024-10-30T02:00:00Z');
  board = { tokenHash: 'x', schoolId: h.schoolId, personId: f.person.get(P_LAN.id)!, courseLinkId: null, roles: ['principal'], ltiRoles: [], csrfToken: 'x', expiresAt: new Date(Date.now() + 3600_000) };
});
afterAll(async () => {
  await h?.close();
});

describe('dashboard', () => {
  it('entered vs required per class subject and teacher (TT22, 140 periods → 4 ĐĐGtx + gk + ck)', async () => {
    const d = await loadDashboard(h.db.db, board, { now: NOW });
    expect(d.term).toBe('HK1');
    const math = d.teachers.flatMap((t) => t.rows).find((r) => r.classSubjectId === f.math6A)!;
    // 6 students still in 6A (the leaver does not count) × (4 + 1 + 1) = 36 required.
    // Entered: regular 2 (tx1: An, Bình) + 1 + 1 + 1 = 5; gk 1; ck 1 → 7. 7/36 = 19.44…% → 19.4.
    expect(math).toMatchObject({ students: 6, requiredPerStudent: 6, required: 36, entered: 7, percent: 19.4 });
    expect(d.teachers.find((t) => t.teacherName === 'Trần Thị Hoa')!.rows.map((r) => r.className)).toEqual(['6A', '7A']);
  });

  it('columns still incomplete near the update point, with filled/students', async () => {
    const d = await loadDashboard(h.db.db, board, { now: NOW });
    const m = d.pending.filter((p) => p.classSubjectId === f.math6A);
    expect(m.map((p) => `${p.column} ${p.filled}/${p.students}`)).toEqual(['ĐĐGtx 2 1/6', 'ĐĐGtx 3 1/6', 'ĐĐGtx 4 1/6', 'ĐĐGtx 1 2/6']);
    expect(m.every((p) => !p.overdue)).toBe(true);
    // A month later the point is long past: no longer listed.
    expect((await loadDashboard(h.db.db, board, { now: new Date('2024-12-10T03:00:00Z') })).pending).toHaveLength(0);
  });

  it('LMS sync failures per class subject (failed and conflict, not pending or sent)', async () => {
    const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as any;
    const an = f.enrolment.get(STUDENTS[0]!.id)!;
    const row = (state: string) => ({ school_id: h.schoolId, class_subject_id: f.math6A, column_id: v.columns[0].id, enrolment_id: an, lms_user_id: STUDENTS[0]!.id, lineitem_url: 'https://lms.test/li/1', payload: JSON.stringify({}), state });
    await h.db.db.insertInto('ags_outbox').values([row('failed'), row('conflict'), row('sent'), row('pending')] as any).execute();
    const d = await loadDashboard(h.db.db, board, { now: NOW });
    expect(d.teachers.flatMap((t) => t.rows).find((r) => r.classSubjectId === f.math6A)!.lmsFailures).toBe(2);
    expect(d.totals.lmsFailures).toBe(2);
  });

  it('corrections this month (Vietnam calendar), by state', async () => {
    const d = await loadDashboard(h.db.db, board, { now: NOW });
    expect(d.corrections).toEqual({ month: '11/2024', byState: [{ state: 'requested', count: 1 }], total: 1 });
    // 31/10 23:30 in Vietnam is still October; 1/11 00:00 Vietnam = 31/10 17:00 UTC.
    expect(vnMonth(new Date('2024-10-31T16:30:00Z')).label).toBe('10/2024');
    expect(vnMonth(new Date('2024-10-31T17:00:00Z')).start.toISOString()).toBe('2024-10-31T17:00:00.000Z');
  });

  it('monthly sign-off: the principal signs once per month (hash-chained audit record with the snapshot SHA-256)', async () => {
    const r1 = await fetch(`${h.toolUrl}/dashboard/sign`, { method: 'POST', headers: { cookie: lan.cookie, 'x-csrf-token': lan.csrf, accept: 'application/json' } });
    expect(r1.status).toBe(201);
    const out = (await r1.json()) as any;
    expect(out.sha256).toMatch(/^[0-9a-f]{64}$/);
    const rec = await h.db.db.selectFrom('audit_log').select(['entity_id', 'new_value', 'actor_person_id']).where('action', '=', 'dashboard.snapshot.sign').executeTakeFirstOrThrow();
    expect(rec.entity_id).toBe(out.month);
    expect(Number(rec.actor_person_id)).toBe(f.person.get(P_LAN.id));
    expect((rec.new_value as any).sha256).toBe(out.sha256);
    const r2 = await fetch(`${h.toolUrl}/dashboard/sign`, { method: 'POST', headers: { cookie: lan.cookie, 'x-csrf-token': lan.csrf, accept: 'application/json' } });
    expect(r2.status).toBe(409);
    expect(((await r2.json()) as any).error.code).toBe('DASHBOARD_ALREADY_SIGNED');
    const html = await (await fetch(`${h.toolUrl}/dashboard`, { headers: { cookie: lan.cookie, accept: 'text/html' } })).text();
    expect(html).toContain('đã được ký bởi Vũ Thị Lan');
    // A teacher cannot sign.
    const r3 = await fetch(`${h.toolUrl}/dashboard/sign`, { method: 'POST', headers: { cookie: hoa.cookie, 'x-csrf-token': hoa.csrf, accept: 'application/json' } });
    expect(r3.status).toBe(403);
  });

  it('over HTTP: the principal sees the page with drill-down links; teachers are refused', async () => {
    const res = await fetch(`${h.toolUrl}/dashboard?term=HK1`, { headers: { cookie: lan.cookie, accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`/grid/${f.math6A}?term=HK1`);
    expect(html).toContain('Trần Thị Hoa');
    for (const c of [hoa, minh]) {
      const r = await fetch(`${h.toolUrl}/dashboard`, { headers: { cookie: c.cookie, accept: 'application/json' } });
      expect(r.status).toBe(403);
      expect(((await r.json()) as any).error.code).toBe('DASHBOARD_FORBIDDEN');
    }
  });
});
