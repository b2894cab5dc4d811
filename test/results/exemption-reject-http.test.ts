import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, P_LAN, type GradebookFixture, type Client, type Person } from '../support/gradebook-factory';
import { seedResults, openGrids, fill, type ResultsFixture } from '../support/results-factory';
import { fingerprint as fp } from '../corrections/db-fingerprint';

/**
 * The principal rejects a pending exemption or disability override (with a required comment), the nav and the
 * results home lead the board and the school admin to what waits, and read-only roles get pages without forms.
 * Class 8A (TT58 + TT26), homeroom Minh, principal Lan, Hoa a subject teacher of 8A (later also school admin).
 * S1 has 9.0 in Toán, Ngữ văn, Tiếng Anh and CĐ in Thể dục in semester I: with a CĐ comment subject S1 cannot be
 * Giỏi in HK I (TT58 Điều 13.1: every comment subject Đ) — only an APPROVED Thể dục exemption would make it Giỏi
 * (Điều 12.4), so a rejected one must leave HK I below Giỏi.
 */
const INSPECTOR: Person = { id: '41', username: 'tt.binh', givenName: 'Thanh Bình', familyName: 'Ngô', idnumber: 'TT02' };

let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let minh: Client;
let lan: Client;
let hoa: Client;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  [minh, lan, hoa] = await Promise.all([launchAs(h, T_MINH.id), launchAs(h, P_LAN.id), launchAs(h, T_HOA.id)]);
  await openGrids(hoa, r.cs8A.values());
  for (const k of ['S1', 'S2', 'S3', 'S4']) for (const n of ['Toán', 'Ngữ văn', 'Tiếng Anh']) await fill(h, r.cs8A.get(n)!, r.enrolment8A.get(k)!, 90);
  for (const k of ['S1', 'S2', 'S3', 'S4']) await fill(h, r.cs8A.get('Thể dục')!, r.enrolment8A.get(k)!, k === 'S1' ? 'CD' : 'D');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const json = async (res: Response) => (await res.json()) as any;
const fingerprint = () => fp(h.db.db);
const s1 = () => r.enrolment8A.get('S1')!;
const s2 = () => r.enrolment8A.get('S2')!;
const hk1 = async () => (await json(await lan.get(`/results/class/${r.class8A}?period=HK1`))).rows.find((x: any) => x.enrolmentId === s1());
const cn = async (enrolmentId: number) => (await json(await lan.get(`/results/class/${r.class8A}?period=CN`))).rows.find((x: any) => x.enrolmentId === enrolmentId);
/** A browser form post: url-encoded, CSRF token as the `_csrf` field (none when csrf is null). */
const postForm = (c: Client, path: string, fields: Record<string, string | number>, csrf: string | null = c.csrf) =>
  fetch(`${h.toolUrl}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: c.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])), ...(csrf ? { _csrf: csrf } : {}) }) });
const exemptionBody = () => ({ enrolmentId: s1(), classSubjectId: r.cs8A.get('Thể dục')!, scope: 'HK1', dossierRef: 'Giấy khám sức khoẻ số 12/2024', validFrom: '2024-09-05', validTo: '2025-01-15' });
const overrideBody = () => ({ enrolmentId: s2(), learning: 'Khá', outcome: 'promoted', reason: 'Học sinh khuyết tật, đánh giá theo kế hoạch giáo dục cá nhân', dossierRef: 'KHGDCN-03' });

describe('rejecting an exemption', () => {
  let id: number;

  it('only the principal rejects: the homeroom teacher and a subject teacher get 403 and nothing changes', async () => {
    const rec = await minh.post(`/results/class/${r.class8A}/exemptions`, exemptionBody());
    expect(rec.status).toBe(200);
    id = (await json(rec)).id;
    const before = await fingerprint();
    for (const c of [minh, hoa]) {
      const res = await c.post(`/results/class/${r.class8A}/exemptions/${id}/reject`, { comment: 'Thiếu giấy xác nhận' });
      expect(res.status).toBe(403);
    }
    expect(await fingerprint()).toBe(before);
  });

  it('a rejection needs a comment (Vietnamese message, nothing changed)', async () => {
    const before = await fingerprint();
    for (const comment of [undefined, '', '   ']) {
      const res = await lan.post(`/results/class/${r.class8A}/exemptions/${id}/reject`, comment === undefined ? {} : { comment });
      expect(res.status).toBe(400);
      const e = (await json(res)).error;
      expect(e.code).toBe('RESULTS_REJECT_COMMENT_REQUIRED');
      expect(e.message).toMatch(/Phải ghi lý do từ chối/);
    }
    expect(await fingerprint()).toBe(before);
  });

  it('the principal rejects: the record stays (rejected, who, when, comment), is audited, waits no more and is not counted', async () => {
    const levelBefore = (await hk1()).learning.text;
    expect(levelBefore).not.toBe('Giỏi');
    const res = await lan.post(`/results/class/${r.class8A}/exemptions/${id}/reject`, { comment: '  Giấy khám không ghi thời gian miễn  ' });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, state: 'rejected' });
    const row = await h.db.db.selectFrom('exemption').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect([Number(row.rejected_by), row.reject_comment, row.approved_at, row.dossier_ref]).toEqual([f.person.get(P_LAN.id), 'Giấy khám không ghi thời gian miễn', null, 'Giấy khám sức khoẻ số 12/2024']);
    expect(Math.abs(row.rejected_at!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await auditCount(h, 'exemption.reject')).toBe(1);
    const audit = await h.db.db.selectFrom('audit_log').select(['actor_role', 'new_value', 'entity_id']).where('action', '=', 'exemption.reject').executeTakeFirstOrThrow();
    expect(audit.actor_role).toBe('principal');
    expect(audit.new_value).toMatchObject({ subject: 'Thể dục', scope: 'HK1', comment: 'Giấy khám không ghi thời gian miễn' });
    // Not waiting any more, and the computation ignores it: Thể dục CĐ still keeps S1 below Giỏi in HK I.
    expect((await json(await lan.get('/results/pending'))).exemptions.map((x: any) => x.id)).not.toContain(id);
    const after = await hk1();
    expect(after.learning.text).toBe(levelBefore);
    expect(after.subjects.map((x: any) => x.text)).not.toContain('Miễn');
    // The audit trail reads it in Vietnamese.
    expect(await (await lan.get('/audit', 'html')).text()).toContain('Từ chối hồ sơ miễn học');
  });

  it('rejecting twice, or approving a rejected one, is refused with a clear Vietnamese message; nothing changed', async () => {
    const before = await fingerprint();
    const again = await lan.post(`/results/class/${r.class8A}/exemptions/${id}/reject`, { comment: 'Lần hai' });
    expect(again.status).toBe(409);
    const e = (await json(again)).error;
    expect(e.code).toBe('RESULTS_ALREADY_REJECTED');
    expect(e.message).toMatch(/đã bị hiệu trưởng từ chối/);
    const approve = await lan.post(`/results/class/${r.class8A}/exemptions/${id}/approve`, {});
    expect(approve.status).toBe(409);
    expect((await json(approve)).error.code).toBe('RESULTS_ALREADY_REJECTED');
    // Through the form: the page comes back with the message.
    const form = await postForm(lan, `/results/class/${r.class8A}/exemptions/${id}/reject`, { comment: 'Lần ba' });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('đã bị hiệu trưởng từ chối');
    expect(await fingerprint()).toBe(before);
  });

  it('the recorder sees the rejection with its comment (results home and the class entry page)', async () => {
    const home = await (await minh.get('/results', 'html')).text();
    expect(home).toContain('Hiệu trưởng đã từ chối hồ sơ bạn ghi');
    expect(home).toContain('Giấy khám không ghi thời gian miễn');
    const page = await (await minh.get(`/results/class/${r.class8A}/exemptions`, 'html')).text();
    expect(page).toContain('Bị từ chối (không tính)');
    expect(page).toContain('Giấy khám không ghi thời gian miễn');
    // Somebody who recorded nothing sees no such notice.
    expect(await (await lan.get('/results', 'html')).text()).not.toContain('Hiệu trưởng đã từ chối hồ sơ bạn ghi');
  });

  it('a corrected dossier is a new record (the rejected one stays); once approved it counts; an approved one cannot be rejected', async () => {
    const rec = await minh.post(`/results/class/${r.class8A}/exemptions`, { ...exemptionBody(), dossierRef: 'Giấy khám số 12/2024, miễn 05/09/2024–15/01/2025' });
    expect(rec.status).toBe(200);
    const id2 = (await json(rec)).id;
    expect(id2).not.toBe(id);
    const rows = await h.db.db.selectFrom('exemption').select(['id', 'rejected_at', 'approved_at']).where('enrolment_id', '=', s1()).orderBy('id').execute();
    expect(rows.map((x) => [Number(x.id), x.rejected_at !== null, x.approved_at !== null])).toEqual([[id, true, false], [id2, false, false]]);
    expect((await lan.post(`/results/class/${r.class8A}/exemptions/${id2}/approve`, {})).status).toBe(200);
    // Without Thể dục in HK I: Toán, Ngữ văn, Tiếng Anh 9.0 → ĐTB 9,0, Toán ≥ 8.0, none below 6.5 → Giỏi.
    expect((await hk1()).learning.text).toBe('Giỏi');
    const before = await fingerprint();
    const res = await lan.post(`/results/class/${r.class8A}/exemptions/${id2}/reject`, { comment: 'Đổi ý' });
    expect(res.status).toBe(409);
    const e = (await json(res)).error;
    expect(e.code).toBe('RESULTS_ALREADY_APPROVED');
    expect(e.message).toMatch(/đã được duyệt, không thể từ chối/);
    expect(await fingerprint()).toBe(before);
  });
});

describe('rejecting a disability override', () => {
  it('through the form: CSRF required, principal only, the record kept and audited, the computed result stands', async () => {
    expect(await json(await minh.post(`/results/class/${r.class8A}/overrides`, overrideBody()))).toEqual({ ok: true, approved: false });
    const before = await fingerprint();
    expect((await postForm(lan, `/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: 'Chưa có kế hoạch giáo dục cá nhân' }, null)).status).toBe(403);
    expect((await postForm(lan, `/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: 'Chưa có kế hoạch giáo dục cá nhân' }, 'not-the-token')).status).toBe(403);
    expect((await postForm(minh, `/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: 'Tự rút' })).status).toBe(403);
    expect(await fingerprint()).toBe(before);
    const empty = await postForm(lan, `/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Phải ghi lý do từ chối');
    expect(await fingerprint()).toBe(before);

    const ok = await postForm(lan, `/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: 'Chưa có kế hoạch giáo dục cá nhân' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toContain(`/results/class/${r.class8A}/exemptions`);
    const row = await h.db.db.selectFrom('disability_override').selectAll().where('enrolment_id', '=', s2()).executeTakeFirstOrThrow();
    expect([Number(row.rejected_by), row.reject_comment, row.approved_at, row.learning]).toEqual([f.person.get(P_LAN.id), 'Chưa có kế hoạch giáo dục cá nhân', null, 'Khá']);
    expect(await auditCount(h, 'disability_override.reject')).toBe(1);
    // Not an override: S2 (9.0 in three subjects, Thể dục Đ all year) is Giỏi by the table (TT58 Điều 13.1).
    const s2row = await cn(s2());
    expect(s2row.override).toBeNull();
    expect(s2row.learning.text).toBe('Giỏi');
    expect((await json(await lan.get('/results/pending'))).overrides).toEqual([]);
    const page = await (await minh.get(`/results/class/${r.class8A}/exemptions`, 'html')).text();
    expect(page).toContain('Chưa có kế hoạch giáo dục cá nhân');
    expect(await (await minh.get('/results', 'html')).text()).toContain('Ghi đè kết quả (học sinh khuyết tật) — Học Sinh S2');
  });

  it('rejecting twice is refused (409, Vietnamese); a new proposal is a new record; an approved one cannot be rejected', async () => {
    const before = await fingerprint();
    const again = await lan.post(`/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: 'Lần hai' });
    expect(again.status).toBe(409);
    expect((await json(again)).error).toMatchObject({ code: 'RESULTS_ALREADY_REJECTED', message: expect.stringMatching(/đã bị hiệu trưởng từ chối/) });
    expect((await lan.post(`/results/class/${r.class8A}/overrides/${s2()}/approve`, {})).status).toBe(409);
    expect(await fingerprint()).toBe(before);

    expect(await json(await minh.post(`/results/class/${r.class8A}/overrides`, { ...overrideBody(), dossierRef: 'KHGDCN-03 (bổ sung)' }))).toEqual({ ok: true, approved: false });
    expect((await h.db.db.selectFrom('disability_override').select('id').where('enrolment_id', '=', s2()).execute()).length).toBe(2);
    expect((await lan.post(`/results/class/${r.class8A}/overrides/${s2()}/approve`, {})).status).toBe(200);
    expect((await cn(s2())).override).toEqual({ learning: 'Khá', outcome: 'promoted', reason: overrideBody().reason });
    const b2 = await fingerprint();
    const late = await lan.post(`/results/class/${r.class8A}/overrides/${s2()}/reject`, { comment: 'Đổi ý' });
    expect(late.status).toBe(409);
    expect((await json(late)).error).toMatchObject({ code: 'RESULTS_ALREADY_APPROVED', message: expect.stringMatching(/đã được duyệt, không thể từ chối/) });
    expect(await fingerprint()).toBe(b2);
  });
});

describe('the pending list from the nav and the results home', () => {
  let admin: Client;
  it('the principal and the school admin get a nav item and a link with the count; a homeroom teacher does not', async () => {
    // Two new records waiting: an exemption for S3 (HK II) and an override for S4.
    expect((await minh.post(`/results/class/${r.class8A}/exemptions`, { enrolmentId: r.enrolment8A.get('S3')!, classSubjectId: r.cs8A.get('Thể dục')!, scope: 'HK2', dossierRef: 'Đơn số 3', validFrom: '2025-01-20', validTo: '2025-05-31' })).status).toBe(200);
    expect((await minh.post(`/results/class/${r.class8A}/overrides`, { ...overrideBody(), enrolmentId: r.enrolment8A.get('S4')! })).status).toBe(200);
    await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'school_admin', person_code: T_HOA.idnumber, lms_user_id: null }).execute();
    admin = await launchAs(h, T_HOA.id);
    const navOf = (html: string) => /<nav class="tabs"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
    for (const c of [lan, admin]) {
      // In the menu of any page (here the statistics page), not only reachable by typing the URL.
      expect(navOf(await (await c.get('/results/statistics', 'html')).text())).toContain('href="/results/pending"');
      const results = await (await c.get('/results', 'html')).text();
      expect(results).toMatch(/<a href="\/results\/pending"[^>]*>Hồ sơ chờ duyệt \(2\)<\/a>/);
      expect((await c.get('/results/pending', 'html')).status).toBe(200);
    }
    const minhNav = navOf(await (await minh.get('/results/statistics', 'html')).text());
    expect(minhNav).toContain('href="/results"');
    expect(minhNav).not.toContain('href="/results/pending"');
    expect(await (await minh.get('/results', 'html')).text()).not.toContain('/results/pending');
  });

  it('the principal rejects from the pending page (a form with a required comment); the admin sees no decision forms', async () => {
    const page = await (await lan.get('/results/pending', 'html')).text();
    expect(page).toContain('/reject"');
    expect(page).toMatch(/<textarea name="comment" required/);
    const adminPage = await (await admin.get('/results/pending', 'html')).text();
    expect(adminPage).not.toContain('<form method="post"');
  });
});

describe('forms only for those who may submit them', () => {
  it('the principal\'s class entry page offers the override form but not the exemption form (the server refuses that one)', async () => {
    const page = await (await lan.get(`/results/class/${r.class8A}/exemptions`, 'html')).text();
    expect(page).toContain('Ghi và duyệt (hiệu trưởng)');
    expect(page).not.toContain('Ghi hồ sơ miễn học');
    // The check the page used is the server's: recording an exemption as the principal is refused.
    const res = await lan.post(`/results/class/${r.class8A}/exemptions`, { ...exemptionBody(), enrolmentId: r.enrolment8A.get('S4')! });
    expect(res.status).toBe(403);
    // The homeroom teacher keeps both forms.
    const mine = await (await minh.get(`/results/class/${r.class8A}/exemptions`, 'html')).text();
    expect(mine).toContain('Ghi hồ sơ miễn học');
    expect(mine).toContain('Đề nghị hiệu trưởng duyệt');
  });

  it('an inspector\'s results, class results and print pages contain no POST form and no link to pages closed to them', async () => {
    const vn = async (days: number) => (await sql<{ d: string }>`SELECT to_char((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + ${days}::int, 'YYYY-MM-DD') AS d`.execute(h.db.db)).rows[0]!.d;
    h.platform.addUser({ ...INSPECTOR, email: 'tt.binh@example.test' });
    h.platform.enrol('2', INSPECTOR.id, 'editingteacher');
    expect((await lan.post('/admin/staff', { role: 'inspector', person_code: INSPECTOR.idnumber, valid_from: await vn(0), valid_until: await vn(9), note: 'QĐ 7/QĐ-PGDĐT' })).status).toBe(303);
    const insp = await launchAs(h, INSPECTOR.id);
    const before = await fingerprint();
    const pages = ['/results', `/results/class/${r.class8A}`, `/results/class/${r.class8A}?period=CN`, '/print', `/print/classes/${r.class8A}`];
    for (const p of pages) {
      const res = await insp.get(p, 'html');
      expect({ p, status: res.status }).toEqual({ p, status: 200 });
      const html = await res.text();
      expect({ p, form: html.includes('<form method="post"') }).toEqual({ p, form: false });
      for (const closed of ['/exemptions"', '/attendance/class/', '/conduct/class/', '/year-end/class/']) expect({ p, closed, found: html.includes(closed) }).toEqual({ p, closed, found: false });
    }
    // The class results are still there to read (the rejected and approved exemptions listed).
    const cls = await (await insp.get(`/results/class/${r.class8A}`, 'html')).text();
    expect(cls).toContain('Bị từ chối (không tính)');
    expect(await fingerprint()).toBe(before);
    // The same pages do carry forms/links for the roles that may use them.
    expect(await (await lan.get(`/print/classes/${r.class8A}`, 'html')).text()).toContain('<form method="post"');
    expect(await (await minh.get(`/results/class/${r.class8A}`, 'html')).text()).toContain(`/results/class/${r.class8A}/exemptions"`);
  });
});
