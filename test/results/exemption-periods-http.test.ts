import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { seedResults, openGrids, fill, EXTRA_6A, type ResultsFixture } from '../support/results-factory';

/**
 * Exemptions through their period and the TT22 practical part, over HTTP with PostgreSQL, plus the HTML entry forms.
 * School year 2024-2025: HK I 05/09/2024–15/01/2025, HK II 16/01/2025–31/05/2025.
 *  - 8A (TT58 + TT26): S1 has 9.0 in Toán, Ngữ văn, Tiếng Anh and CĐ in every Thể dục rating of HK I; no HK II
 *    Thể dục marks. The principal grants a Thể dục exemption recorded as "cả năm" but dated 16/01–31/05/2025:
 *    the dates cover HK II only, so HK I keeps Thể dục (TT58 Điều 12.4 — HK II only does not exempt HK I).
 *  - 6A (TT22): Giáo dục thể chất (comment) added; a practical-part exemption keeps every column and the ranking.
 */
let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let minh: Client;
let lan: Client;
let hoa: Client;
let gdtc6A: number;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  [minh, lan, hoa] = await Promise.all([launchAs(h, T_MINH.id), launchAs(h, P_LAN.id), launchAs(h, T_HOA.id)]);
  const db = h.db.db;
  const subj = await db.insertInto('subject').values({ school_id: h.schoolId, code: 'GDTC', name: 'Giáo dục thể chất' }).returning('id').executeTakeFirstOrThrow();
  gdtc6A = Number((await db.insertInto('class_subject').values({ class_id: f.class6A, subject_id: subj.id, teacher_person_id: f.person.get(T_HOA.id)!, assessment: 'comment', periods_per_week: '2', periods_per_year: 70 }).returning('id').executeTakeFirstOrThrow()).id);
  await openGrids(hoa, [...r.cs8A.values(), f.math6A, ...EXTRA_6A.map((n) => r.cs6A.get(n)!), gdtc6A]);
  await openGrids(minh, [f.lit6A, f.music6A]);
  for (const k of ['S1', 'S2', 'S3', 'S4']) for (const n of ['Toán', 'Ngữ văn', 'Tiếng Anh']) await fill(h, r.cs8A.get(n)!, r.enrolment8A.get(k)!, 90);
  for (const k of ['S2', 'S3', 'S4']) await fill(h, r.cs8A.get('Thể dục')!, r.enrolment8A.get(k)!, 'D');
  await fill(h, r.cs8A.get('Thể dục')!, r.enrolment8A.get('S1')!, 'CD', { termId: f.terms.HK1 });
});
afterAll(async () => {
  await h?.close();
});

const json = async (res: Response) => (await res.json()) as any;
const s1 = () => r.enrolment8A.get('S1')!;
const row = async (period: string) => (await json(await lan.get(`/results/class/${r.class8A}?period=${period}`))).rows.find((x: any) => x.enrolmentId === s1());
const theDuc = (x: any) => x.subjects[1]; // subjects in catalogue order: Ngữ văn, Thể dục, Tiếng Anh, Toán
/** A browser form post: url-encoded, CSRF token as the `_csrf` field. */
const postForm = (c: Client, path: string, fields: Record<string, string | number>, csrf: string | null = c.csrf) =>
  fetch(`${h.toolUrl}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: c.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])), ...(csrf ? { _csrf: csrf } : {}) }) });

describe('TT58: the period decides the semesters', () => {
  const base = () => ({ enrolmentId: s1(), classSubjectId: r.cs8A.get('Thể dục')!, dossierRef: 'Đơn + giấy xác nhận BV huyện số 45/2025' });

  it('refuses periods outside the school year, outside the chosen semester or reversed; nothing stored', async () => {
    for (const [scope, validFrom, validTo] of [['year', '2025-06-01', '2025-08-31'], ['HK1', '2025-02-01', '2025-03-01'], ['HK2', '2025-03-01', '2025-02-01'], ['HK2', '2025-02-30', '2025-03-01']]) {
      const res = await minh.post(`/results/class/${r.class8A}/exemptions`, { ...base(), scope, validFrom, validTo });
      expect([scope, res.status, (await json(res)).error.code]).toEqual([scope, 400, 'RESULTS_BAD_PERIOD']);
    }
    expect(await h.db.db.selectFrom('exemption').selectAll().execute()).toHaveLength(0);
  });

  it('before approval HK II Thể dục marks are missing; a "cả năm" exemption dated from HK II exempts HK II only', async () => {
    const missingBefore = (await json(await minh.get(`/year-end/class/${r.class8A}`))).missing;
    expect(missingBefore.filter((m: any) => m.student === 'Học Sinh S1').map((m: any) => m.subject)).toEqual(['Thể dục']);
    const res = await minh.post(`/results/class/${r.class8A}/exemptions`, { ...base(), scope: 'year', validFrom: '2025-01-16', validTo: '2025-05-31' });
    expect(res.status).toBe(200);
    const { id } = await json(res);
    expect((await lan.post(`/results/class/${r.class8A}/exemptions/${id}/approve`, {})).status).toBe(200);

    // HK I: Thể dục studied and CĐ → strict Yếu (13.3 needs every comment subject Đ); ĐTB 9,0 at Giỏi level, one
    // subject → 13.6.b → Trung bình. Not "Miễn".
    const hk1 = await row('HK1');
    expect(theDuc(hk1).text).toBe('CĐ');
    expect([hk1.learningStrict.text, hk1.learning.text, hk1.learning.adjustedBy]).toEqual(['Yếu', 'Trung bình', '13.6.b']);
    // HK II: Thể dục exempted → ranked on Toán, Ngữ văn, Tiếng Anh 9.0 → Giỏi (13.1).
    const hk2 = await row('HK2');
    expect([theDuc(hk2).text, hk2.learning.text]).toEqual(['Miễn', 'Giỏi']);
    // Year: the subject's year result is the semester studied, HK I = CĐ (Điều 12.4) → again Yếu → 13.6.b Trung bình.
    const cn = await row('CN');
    expect(theDuc(cn).text).toBe('CĐ');
    expect(theDuc(cn).explanationVi).toContain('kết quả học kỳ I');
    expect([cn.learningStrict.text, cn.learning.text]).toEqual(['Yếu', 'Trung bình']);
    // No HK II Thể dục marks are asked of S1 any more.
    const missingAfter = (await json(await minh.get(`/year-end/class/${r.class8A}`))).missing;
    expect(missingAfter.filter((m: any) => m.student === 'Học Sinh S1')).toEqual([]);
  });

  it('with an HK I record too, both semesters are covered: out of every ranking, Giỏi in HK I and for the year', async () => {
    const res = await minh.post(`/results/class/${r.class8A}/exemptions`, { ...base(), scope: 'HK1', validFrom: '2024-09-05', validTo: '2025-01-15' });
    const { id } = await json(res);
    // Re-recorded → pending: still the HK II-only effect until approved.
    expect((await row('HK1')).learning.text).toBe('Trung bình');
    expect((await lan.post(`/results/class/${r.class8A}/exemptions/${id}/approve`, {})).status).toBe(200);
    const [hk1, cn] = [await row('HK1'), await row('CN')];
    expect([theDuc(hk1).text, hk1.learning.text, theDuc(cn).text, cn.learning.text]).toEqual(['Miễn', 'Giỏi', 'Miễn', 'Giỏi']);
    expect(await auditCount(h, 'exemption.approve')).toBe(2);
  });
});

describe('TT22: practical part of GDTC (Điều 10)', () => {
  const A = STUDENTS[0]!.id;
  const enrA = () => f.enrolment.get(A)!;
  it('only the practical scope is allowed; the subject keeps its columns and its place in the ranking', async () => {
    for (const [name, csId] of [...r.cs6A, ['GDTC', gdtc6A] as const]) await fill(h, csId, enrA(), name === 'Âm nhạc' || name === 'GDTC' ? 'D' : 80);
    const body = { enrolmentId: enrA(), classSubjectId: gdtc6A, dossierRef: 'BV tỉnh 2024/118', validFrom: '2024-09-05', validTo: '2025-05-31' };
    expect((await json(await lan.post(`/results/class/${f.class6A}/exemptions`, { ...body, scope: 'year' }))).error.code).toBe('AUTH_NOT_PERMITTED');
    const tuan = await launchAs(h, '11');
    expect((await json(await tuan.post(`/results/class/${f.class6A}/exemptions`, { ...body, scope: 'year' }))).error.code).toBe('RESULTS_EXEMPTION_NOT_ALLOWED');
    const before = (await json(await lan.get(`/results/class/${f.class6A}?period=CN`))).rows.find((x: any) => x.enrolmentId === enrA());
    const { id } = await json(await tuan.post(`/results/class/${f.class6A}/exemptions`, { ...body, scope: 'practical' }));
    expect((await lan.post(`/results/class/${f.class6A}/exemptions/${id}/approve`, {})).status).toBe(200);
    const after = (await json(await lan.get(`/results/class/${f.class6A}?period=CN`))).rows.find((x: any) => x.enrolmentId === enrA());
    const gdtc = after.subjects.find((x: any) => x.explanationVi.includes('Giáo dục thể chất'));
    // Seven scored subjects at 8.0 (≥ 6 at 8.0, none < 6.5), Âm nhạc and GDTC Đạt → Tốt (TT22 Điều 9.2.a), as before:
    // the practical-part exemption changes what the marks assess, not the ranking.
    expect([after.learning.text, before.learning.text]).toEqual(['Tốt', 'Tốt']);
    expect(gdtc.exempt).toBe(false);
    expect(gdtc.text).not.toBe('Miễn');
    expect(gdtc.explanationVi).toContain('nội dung lý thuyết');
    expect(gdtc.theory).toBe(true);
    expect(await (await lan.get(`/results/class/${f.class6A}?period=CN`, 'html')).text()).toContain('title="Miễn phần thực hành: đánh giá bằng nội dung lý thuyết">LT</small>');
    // Every GDTC column is still required of A: one deleted theory mark is reported missing.
    const col = await h.db.db.selectFrom('assessment_column').select('id').where('class_subject_id', '=', gdtc6A).where('term_id', '=', f.terms.HK2).where('kind', '=', 'final').executeTakeFirstOrThrow();
    await h.db.db.deleteFrom('score').where('column_id', '=', col.id).where('enrolment_id', '=', enrA()).execute();
    const missing = (await json(await tuan.get(`/year-end/class/${f.class6A}`))).missing;
    expect(missing.filter((m: any) => m.subject === 'Giáo dục thể chất' && m.student === 'Trần Văn An').map((m: any) => m.columns.length)).toEqual([1]);
  });
});

describe('entry forms (HTML, CSRF, Vietnamese)', () => {
  it('the homeroom teacher records through the form; a refusal comes back on the page in Vietnamese; no CSRF → refused', async () => {
    const page = await (await minh.get(`/results/class/${r.class8A}/exemptions`, 'html')).text();
    expect(page).toContain('Ghi hồ sơ miễn học');
    expect(page).toContain('name="_csrf"');
    expect(page).toContain('Đề nghị hiệu trưởng duyệt');
    const fields = { enrolmentId: r.enrolment8A.get('S3')!, classSubjectId: r.cs8A.get('Thể dục')!, scope: 'HK2', validFrom: '2025-01-20', validTo: '2025-05-31', dossierRef: 'Đơn số 3' };
    expect((await postForm(minh, `/results/class/${r.class8A}/exemptions`, fields, null)).status).toBe(403);
    const bad = await postForm(minh, `/results/class/${r.class8A}/exemptions`, { ...fields, validFrom: '2025-06-10', validTo: '2025-06-20' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('Không lưu được.');
    expect(html).toContain('phải nằm trong năm học 2024-2025');
    expect(html).toContain('value="Đơn số 3"'); // what was typed is kept
    const ok = await postForm(minh, `/results/class/${r.class8A}/exemptions`, fields);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toContain(`/results/class/${r.class8A}/exemptions`);
    // The principal sees it pending on the results home and the pending page, and approves it there.
    const home = await (await lan.get('/results', 'html')).text();
    expect(home).toContain('Chờ hiệu trưởng duyệt:');
    const pending = await json(await lan.get('/results/pending'));
    const x = pending.exemptions.find((e: any) => e.student === 'Học Sinh S3');
    expect([x.subject, x.scopeVi, x.validFrom, x.validTo, x.approved]).toEqual(['Thể dục', 'Học kỳ II', '2025-01-20', '2025-05-31', false]);
    expect(await (await lan.get('/results/pending', 'html')).text()).toContain('Duyệt');
    expect((await postForm(lan, `/results/class/${r.class8A}/exemptions/${x.id}/approve`, {})).status).toBe(303);
    expect((await json(await lan.get('/results/pending'))).exemptions.find((e: any) => e.student === 'Học Sinh S3')).toBeUndefined();
  });

  it('the school admin (not the homeroom teacher) records too; a subject teacher cannot', async () => {
    // Hoa teaches 8A; as a plain teacher she may not record for 8A (Minh is its homeroom teacher).
    const body = { enrolmentId: r.enrolment8A.get('S2')!, classSubjectId: r.cs8A.get('Thể dục')!, scope: 'HK1', validFrom: '2024-09-05', validTo: '2025-01-15', dossierRef: 'Đơn số 9' };
    expect((await hoa.post(`/results/class/${r.class8A}/exemptions`, body)).status).toBe(403);
    // Named school admin in Ban giám hiệu (by Moodle idnumber), she launches again and may record (rule 'school.configure').
    await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'school_admin', person_code: T_HOA.idnumber, lms_user_id: null }).execute();
    const admin = await launchAs(h, T_HOA.id);
    // Her way in: the pending page lists every class of the open years with its entry page.
    expect(await (await admin.get('/results/pending', 'html')).text()).toContain(`/results/class/${r.class8A}/exemptions`);
    expect((await admin.get(`/results/class/${r.class8A}/exemptions`, 'html')).status).toBe(200);
    const res = await admin.post(`/results/class/${r.class8A}/exemptions`, body);
    expect(res.status).toBe(200);
    const audit = await h.db.db.selectFrom('audit_log').select('actor_role').where('action', '=', 'exemption.record').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.actor_role).toBe('school_admin');
    // Still only the principal approves.
    expect((await admin.post(`/results/class/${r.class8A}/exemptions/${(await json(res)).id}/approve`, {})).status).toBe(403);
  });

  it('disability override by form: pending until the principal approves; then shown as an override', async () => {
    const s4 = r.enrolment8A.get('S4')!;
    const fields = { enrolmentId: s4, learning: 'Khá', outcome: 'promoted', reason: 'Theo kế hoạch giáo dục cá nhân', dossierRef: 'KHGDCN-07' };
    expect((await postForm(minh, `/results/class/${r.class8A}/overrides`, { ...fields, learning: 'Tốt' })).status).toBe(400);
    expect((await postForm(minh, `/results/class/${r.class8A}/overrides`, fields)).status).toBe(303);
    let cn = (await json(await lan.get(`/results/class/${r.class8A}?period=CN`))).rows.find((x: any) => x.enrolmentId === s4);
    expect(cn.override).toBeNull();
    expect((await postForm(lan, `/results/class/${r.class8A}/overrides/${s4}/approve`, {})).status).toBe(303);
    cn = (await json(await lan.get(`/results/class/${r.class8A}?period=CN`))).rows.find((x: any) => x.enrolmentId === s4);
    expect(cn.override).toEqual({ learning: 'Khá', outcome: 'promoted', reason: fields.reason });
    const page = await (await lan.get(`/results/class/${r.class8A}/exemptions`, 'html')).text();
    expect(page).toContain('Đã duyệt (ghi đè)');
  });
});
