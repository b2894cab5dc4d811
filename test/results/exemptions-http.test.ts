import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, P_LAN, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { seedResults, openGrids, fill, type ResultsFixture } from '../support/results-factory';

/**
 * Exemptions and the disability override over HTTP (class 8A, TT58 + TT26, homeroom Minh, principal Lan).
 * S1 has 9.0 in Toán, Ngữ văn, Tiếng Anh and CĐ in Thể dục in semester I: Giỏi needs every comment subject Đ
 * (TT58 Điều 13.1), so S1 is not Giỏi in HK I — until an approved exemption takes Thể dục out (Điều 12.4).
 */
let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let minh: Client;
let lan: Client;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  let hoa: Client;
  [minh, lan, hoa] = await Promise.all([launchAs(h, T_MINH.id), launchAs(h, P_LAN.id), launchAs(h, T_HOA.id)]);
  await openGrids(hoa, r.cs8A.values());
  for (const k of ['S1', 'S2', 'S3', 'S4']) for (const n of ['Toán', 'Ngữ văn', 'Tiếng Anh']) await fill(h, r.cs8A.get(n)!, r.enrolment8A.get(k)!, 90);
  for (const k of ['S1', 'S2', 'S3', 'S4']) await fill(h, r.cs8A.get('Thể dục')!, r.enrolment8A.get(k)!, k === 'S1' ? 'CD' : 'D');
});
afterAll(async () => {
  await h?.close();
});

const s1 = () => r.enrolment8A.get('S1')!;
const hk1Level = async (c: Client) => ((await (await c.get(`/results/class/${r.class8A}?period=HK1`)).json()) as any).rows.find((x: any) => x.enrolmentId === s1());

describe('exemptions', () => {
  it('refuses a subject the regulation does not exempt (Toán) and a TT22-only scope under TT58; nothing stored', async () => {
    const toan = await minh.post(`/results/class/${r.class8A}/exemptions`, { enrolmentId: s1(), classSubjectId: r.cs8A.get('Toán'), scope: 'HK1', dossierRef: 'HS-01', validFrom: '2024-09-05', validTo: '2025-01-15' });
    expect(toan.status).toBe(400);
    expect(((await toan.json()) as any).error.code).toBe('RESULTS_EXEMPTION_NOT_ALLOWED');
    const practical = await minh.post(`/results/class/${r.class8A}/exemptions`, { enrolmentId: s1(), classSubjectId: r.cs8A.get('Thể dục'), scope: 'practical', dossierRef: 'HS-01', validFrom: '2024-09-05', validTo: '2025-01-15' });
    expect(practical.status).toBe(400);
    expect(await h.db.db.selectFrom('exemption').selectAll().execute()).toHaveLength(0);
  });

  it('counts only once the principal approves; the homeroom teacher cannot approve', async () => {
    const before = await hk1Level(minh);
    expect(before.learning.text).not.toBe('Giỏi');
    const res = await minh.post(`/results/class/${r.class8A}/exemptions`, { enrolmentId: s1(), classSubjectId: r.cs8A.get('Thể dục'), scope: 'HK1', dossierRef: 'Giấy khám sức khoẻ số 12/2024', validFrom: '2024-09-05', validTo: '2025-01-15' });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: number };
    // Recorded but not approved: still not counted.
    expect((await hk1Level(minh)).learning.text).toBe(before.learning.text);
    expect((await minh.post(`/results/class/${r.class8A}/exemptions/${id}/approve`, {})).status).toBe(403);
    expect((await lan.post(`/results/class/${r.class8A}/exemptions/${id}/approve`, {})).status).toBe(200);
    expect(await auditCount(h, 'exemption.approve')).toBe(1);
    const after = await hk1Level(minh);
    // Without Thể dục: ĐTB 9,0, Toán ≥ 8.0, no subject < 6.5 → Giỏi; the cell reads "Miễn".
    expect(after.learning.text).toBe('Giỏi');
    expect(after.subjects.map((x: any) => x.text)).toContain('Miễn');
  });
});

describe('disability override', () => {
  it('the homeroom teacher proposes, only the principal approves; a level of the regime; always shown as an override', async () => {
    const s2 = r.enrolment8A.get('S2')!;
    const body = { enrolmentId: s2, learning: 'Khá', outcome: 'promoted', reason: 'Học sinh khuyết tật, đánh giá theo kế hoạch giáo dục cá nhân', dossierRef: 'KHGDCN-03' };
    // Recorded by the homeroom teacher: pending, not counted, and the teacher cannot approve it.
    expect((await (await minh.post(`/results/class/${r.class8A}/overrides`, body)).json()) as any).toEqual({ ok: true, approved: false });
    expect(((await (await minh.get(`/results/class/${r.class8A}?period=CN`)).json()) as any).rows.find((x: any) => x.enrolmentId === s2).override).toBeNull();
    expect((await minh.post(`/results/class/${r.class8A}/overrides/${s2}/approve`, {})).status).toBe(403);
    const pending = (await (await lan.get('/results/pending')).json()) as any;
    expect(pending.overrides.map((o: any) => [o.student, o.learning, o.approved])).toEqual([['Học Sinh S2', 'Khá', false]]);
    expect((await minh.get('/results/pending')).status).toBe(403);
    const bad = await lan.post(`/results/class/${r.class8A}/overrides`, { ...body, learning: 'Đạt' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe('RESULTS_INVALID_LEVEL');
    expect((await lan.post(`/results/class/${r.class8A}/overrides/${s2}/approve`, {})).status).toBe(200);
    expect(await auditCount(h, 'disability_override.approve')).toBe(1);
    expect(((await (await lan.get('/results/pending')).json()) as any).overrides).toEqual([]);
    const res = (await (await minh.get(`/results/class/${r.class8A}?period=CN`)).json()) as any;
    const row = res.rows.find((x: any) => x.enrolmentId === s2);
    expect(row.override).toEqual({ learning: 'Khá', outcome: 'promoted', reason: body.reason });
    expect(row.learning.text).toBe('Khá');
    expect(row.learning.explanationVi).toContain('Quyết định của hiệu trưởng');
  });
});

describe('statistics', () => {
  it('counts levels and subject bands per class, grade and school (per regime); homeroom sees only their class', async () => {
    const stats = (await (await lan.get('/results/statistics?period=CN')).json()) as any;
    const school = stats.school.find((t: any) => t.regime === 'TT58_TT26');
    // 8A: four students at 9.0 in Toán, Ngữ văn, Tiếng Anh → band 8–10 ×4 each; Thể dục Đ for the year (semester II).
    // Learning: S3, S4 Giỏi; S2 Khá by the principal's override. S1: the exemption covered HK I only, so the
    // year's Thể dục is the result of semester II, the one studied (TT58 Điều 12.4) — CĐ (every S1 rating was CĐ).
    // With a CĐ subject S1 fails 13.1–13.3 (comment subjects must be Đ) → Yếu by the table; ĐTB 9,0 is at Giỏi
    // level and one subject pulled it to Yếu → 13.6.b raises it to Trung bình. No conduct entered yet.
    expect(school.students).toBe(4);
    expect(school.learning).toEqual({ Giỏi: 2, Khá: 1, 'Trung bình': 1 });
    const s1row = ((await (await lan.get(`/results/class/${r.class8A}?period=CN`)).json()) as any).rows.find((x: any) => x.enrolmentId === s1());
    expect([s1row.learningStrict.text, s1row.learning.text, s1row.learning.adjustedBy]).toEqual(['Yếu', 'Trung bình', '13.6.b']);
    expect(school.conduct).toEqual({ 'Chưa xếp loại': 4 });
    expect(school.bands['Toán']).toEqual({ '8–10': 4 });
    expect(stats.grades.find((t: any) => t.label === 'Khối 8').students).toBe(4);
    const mine = (await (await minh.get('/results/statistics?period=CN')).json()) as any;
    expect(mine.classes.map((t: any) => t.label)).toEqual(['Lớp 8A']);
    expect((await lan.get('/results/statistics?period=CN', 'html')).status).toBe(200);
  });
});
