import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, LEAVER, STUDENT_9A, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { seedResults, openGrids, fill, EXTRA_6A, type ResultsFixture } from '../support/results-factory';

/**
 * A whole class from scores to approved year-end lists, over real HTTP and PostgreSQL:
 *  - 6A under TT22 (homeroom Tuấn): 7 scored subjects + Âm nhạc (comment);
 *  - 8A under TT58 as amended by TT26 (school override, same school year; homeroom Minh): Toán, Ngữ văn,
 *    Tiếng Anh scored + Thể dục (comment).
 * Every mark of a subject is the same number, so each semester and year average is that number
 * ((x·n + 2x + 3x)/(n + 5) = x; year (x + 2x)/3 = x). Expected levels are worked out by hand below.
 */
let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let tuan: Client;
let minh: Client;
let hoa: Client;
let lan: Client;

const [A, B, C, D, E, F] = STUDENTS.map((s) => s.id) as [string, string, string, string, string, string];
const enr = (u: string) => f.enrolment.get(u)!;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  [tuan, minh, hoa, lan] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, T_MINH.id), launchAs(h, T_HOA.id), launchAs(h, P_LAN.id)]);
  await openGrids(hoa, [f.math6A, ...EXTRA_6A.map((n) => r.cs6A.get(n)!), ...r.cs8A.values()]);
  await openGrids(minh, [f.lit6A, f.music6A]);
});
afterAll(async () => {
  await h?.close();
});

const json = async (res: Response) => (await res.json()) as any;
const decisions = async (classId: number) => h.db.db.selectFrom('year_decision').selectAll().where('class_id', '=', classId).execute();
async function results(c: Client, classId: number, period = 'CN') {
  const res = await c.get(`/results/class/${classId}?period=${period}`);
  expect(res.status).toBe(200);
  return json(res);
}
const rowOf = (res: any, enrolmentId: number) => res.rows.find((x: any) => x.enrolmentId === enrolmentId);
const listOf = (view: any, round: string, outcome: string) => view.decisions.find((d: any) => d.round === round).payload.students.filter((s: any) => s.outcome === outcome).map((s: any) => s.name).sort();

describe('TT22 class 6A: scores → conduct → results → approved lists → re-test → approved again', () => {
  const plan6A: Record<string, { scored: number | ((subject: string) => number); training: [string, string] }> = {
    [A]: { scored: 80, training: ['Tốt', 'Tốt'] },
    [B]: { scored: 70, training: ['Khá', 'Khá'] },
    [C]: { scored: (s) => (s === 'Toán' ? 30 : 60), training: ['Khá', 'Khá'] },
    [D]: { scored: 60, training: ['Chưa đạt', 'Chưa đạt'] },
    [E]: { scored: 70, training: ['Tốt', 'Tốt'] },
    [F]: { scored: 90, training: ['Tốt', 'Tốt'] },
  };

  it('refuses a proposal while scores are missing, naming the students and columns; nothing stored', async () => {
    const res = await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'main' });
    expect(res.status).toBe(409);
    const body = await json(res);
    expect(body.error.code).toBe('YEAR_END_INCOMPLETE');
    expect(body.error.message).toContain('Nguyễn Thị An — Toán: ĐĐGtx 1 HK I');
    // The leaver (Phạm Quốc Cường) is not asked for marks.
    expect(body.error.message).not.toContain('Phạm Quốc Cường');
    expect(await decisions(f.class6A)).toHaveLength(0);

    for (const [u, p] of Object.entries(plan6A)) {
      for (const [name, csId] of r.cs6A) {
        if (name === 'Âm nhạc') await fill(h, csId, enr(u), 'D');
        else await fill(h, csId, enr(u), typeof p.scored === 'number' ? p.scored : p.scored(name));
      }
    }
    // One mark deleted: exactly that cell is reported.
    const finalHK2 = await h.db.db.selectFrom('assessment_column').select('id').where('class_subject_id', '=', f.math6A).where('term_id', '=', f.terms.HK2).where('kind', '=', 'final').executeTakeFirstOrThrow();
    await h.db.db.deleteFrom('score').where('column_id', '=', finalHK2.id).where('enrolment_id', '=', enr(C)).execute();
    const again = await json(await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'main' }));
    expect(again.error.details.missing).toEqual([{ student: 'Nguyễn Thị An', subject: 'Toán', columns: ['ĐĐGck HK II'] }]);
    await fill(h, f.math6A, enr(C), 30, { termId: f.terms.HK2, kind: 'final' });
  });

  it('conduct: a level that does not exist in TT22 and a typed year result are refused; semesters entered', async () => {
    const bad = await tuan.post(`/conduct/class/${f.class6A}`, { changes: [{ enrolmentId: enr(A), term: 'HK1', level: 'Trung bình', comment: '', version: 0 }] });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe('CONDUCT_INVALID_LEVEL');
    const year = await tuan.post(`/conduct/class/${f.class6A}`, { changes: [{ enrolmentId: enr(A), term: 'CN', level: 'Tốt', comment: '', version: 0 }] });
    expect((await json(year)).error.code).toBe('CONDUCT_YEAR_COMPUTED');
    expect((await hoa.post(`/conduct/class/${f.class6A}`, { changes: [{ enrolmentId: enr(A), term: 'HK1', level: 'Tốt', comment: '', version: 0 }] })).status).toBe(403);
    expect(await h.db.db.selectFrom('conduct').selectAll().execute()).toHaveLength(0);
    const changes = Object.entries(plan6A).flatMap(([u, p]) => [
      { enrolmentId: enr(u), term: 'HK1', level: p.training[0], comment: u === A ? 'Chăm ngoan' : '', version: 0 },
      { enrolmentId: enr(u), term: 'HK2', level: p.training[1], comment: '', version: 0 },
    ]);
    expect((await tuan.post(`/conduct/class/${f.class6A}`, { changes })).status).toBe(200);
    // A stale version is a conflict, not an overwrite.
    expect((await tuan.post(`/conduct/class/${f.class6A}`, { changes: [{ enrolmentId: enr(A), term: 'HK1', level: 'Khá', comment: '', version: 0 }] })).status).toBe(409);
    const sheet = await json(await tuan.get(`/conduct/class/${f.class6A}`));
    // TT22 Điều 8.2.b: HK I Khá, HK II Khá → Khá; Chưa đạt both → Chưa đạt.
    expect(sheet.rows.find((x: any) => x.enrolmentId === enr(B)).year.level).toBe('Khá');
    expect(sheet.rows.find((x: any) => x.enrolmentId === enr(D)).year.level).toBe('Chưa đạt');
  });

  it('results: levels, titles, absences and outcomes by the rules, each with its explanation', async () => {
    // E: 46 school days absent (Mon–Sat from 16 Sep 2024) → more than 45.
    const days: string[] = [];
    for (const d = new Date('2024-09-16T00:00:00Z'); days.length < 46; d.setUTCDate(d.getUTCDate() + 1)) if (d.getUTCDay() !== 0) days.push(d.toISOString().slice(0, 10));
    expect((await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: days.map((day) => ({ enrolmentId: enr(E), day, session: 'sang', mark: 'K' })) })).status).toBe(200);
    const res = await results(tuan, f.class6A);
    expect(res.regime).toBe('TT22');
    const row = (u: string) => rowOf(res, enr(u));
    // A: 7 subjects at 8.0 (≥ 6 at 8.0, all ≥ 6.5), Âm nhạc Đạt → Tốt; training Tốt; no subject ≥ 9.0 → Học sinh Giỏi.
    expect([row(A).learning.text, row(A).conduct.text, row(A).title.text, row(A).outcome.code]).toEqual(['Tốt', 'Tốt', 'Học sinh Giỏi', 'promoted']);
    // F: 7 subjects at 9.0 (≥ 6) → Học sinh Xuất sắc.
    expect(row(F).title.text).toBe('Học sinh Xuất sắc');
    // B: all 7.0 → Khá (none at 8.0).
    expect([row(B).learning.text, row(B).outcome.code, row(B).title.text]).toEqual(['Khá', 'promoted', null]);
    // C: Toán 3.0 < 3.5 → Chưa đạt; training Khá → re-test in Toán (the only subject < 5.0).
    expect([row(C).learning.text, row(C).outcome.code, row(C).retestEligible]).toEqual(['Chưa đạt', 'retest', ['Toán']]);
    // D: all 6.0 → Đạt; training Chưa đạt → summer training.
    expect([row(D).learning.text, row(D).conduct.text, row(D).outcome.code]).toEqual(['Đạt', 'Chưa đạt', 'summer-training']);
    // E: 46 absences > 45 → repeats the year (A-ABS = repeat-directly).
    expect([row(E).absences, row(E).outcome.code]).toEqual([46, 'repeat']);
    expect(row(C).learning.explanationVi).toMatch(/Điều 9/);
    expect(row(A).subjects[0].explanationVi).toMatch(/\d/);
    const html = await (await tuan.get(`/results/class/${f.class6A}?period=CN`, 'html')).text();
    expect(html).toContain('<details');
    expect(html).toContain('Học sinh Xuất sắc');
  });

  it('the homeroom teacher proposes; only the principal approves (with the current version); approval freezes', async () => {
    expect((await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'main' })).status).toBe(200);
    const [d] = await decisions(f.class6A);
    expect(d!.state).toBe('proposed');
    for (const c of [tuan, hoa]) expect((await c.post(`/year-end/class/${f.class6A}/approve`, { round: 'main', version: d!.version })).status).toBe(403);
    expect((await lan.post(`/year-end/class/${f.class6A}/approve`, { round: 'main', version: d!.version + 1 })).status).toBe(409);
    expect((await decisions(f.class6A))[0]!.state).toBe('proposed');
    const before = await auditCount(h, 'year_end.approve');
    expect((await lan.post(`/year-end/class/${f.class6A}/approve`, { round: 'main', version: d!.version })).status).toBe(200);
    expect(await auditCount(h, 'year_end.approve')).toBe(before + 1);
    const [approved] = await decisions(f.class6A);
    expect(approved!.state).toBe('approved');
    expect(approved!.frozen_at).not.toBeNull();
    expect((approved!.options as any)['A-22-ABS']).toBe('one-per-day');
    const view = await json(await lan.get(`/year-end/class/${f.class6A}`));
    expect(listOf(view, 'main', 'promoted')).toEqual(['Lê Thị Bình', 'Trần Văn An', 'Vũ Quỳnh Anh'].sort());
    expect(listOf(view, 'main', 'retest')).toEqual(['Nguyễn Thị An']);
    expect(listOf(view, 'main', 'summer-training')).toEqual(['Đỗ Minh Đức']);
    expect(listOf(view, 'main', 'repeat')).toEqual(['Phạm Thị Dung']);
    // The homeroom teacher's page now offers summer-training entry and shows the re-test scores the subject
    // teachers enter; the Toán teacher (Hoa) finds C on her re-test page.
    const page = await (await tuan.get(`/year-end/class/${f.class6A}`, 'html')).text();
    expect(page).toContain('Điểm KT lại (giáo viên bộ môn nhập): Toán: chưa nhập');
    expect(page).toContain('name="reEvaluated"');
    const work = (await json(await hoa.get('/year-end/retests'))).work;
    expect(work.map((w: any) => [w.className, w.subject, w.students.map((x: any) => [x.name, x.yearResult, x.value])])).toEqual([['6A', 'Toán', [['Nguyễn Thị An', '3,0', null]]]]);
    expect((await json(await tuan.get('/year-end/retests'))).work).toEqual([]);
    const retestPage = await (await hoa.get('/year-end/retests', 'html')).text();
    expect(retestPage).toContain('Lớp 6A — Toán');
    expect(retestPage).toContain('name="_csrf"');
    // Frozen: a later score change does not touch the approved list, and re-proposing is refused.
    await fill(h, f.math6A, enr(A), 20);
    expect((await decisions(f.class6A))[0]!.payload).toEqual(approved!.payload);
    expect((await json(await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'main' }))).error.code).toBe('YEAR_END_FROZEN');
    await fill(h, f.math6A, enr(A), 80);
    // Roll-call and conduct of an approved class no longer change directly (the principal reopens the list first).
    const absencesBefore = await h.db.db.selectFrom('attendance').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const conductBefore = await h.db.db.selectFrom('conduct').selectAll().orderBy('id').execute();
    const auditsBefore = await auditCount(h);
    const mark = await tuan.post(`/attendance/class/${f.class6A}/marks`, { changes: [{ enrolmentId: enr(A), day: '2025-03-04', session: 'sang', mark: 'P' }] });
    expect(mark.status).toBe(409);
    expect(((await mark.json()) as any).error.code).toBe('YEAR_END_FROZEN');
    const taken = await tuan.post(`/attendance/class/${f.class6A}/taken`, { day: '2025-03-04' });
    expect(taken.status).toBe(409);
    const conduct = await tuan.post(`/conduct/class/${f.class6A}`, { changes: [{ enrolmentId: enr(A), term: 'HK2', level: 'Khá', comment: '', version: 1 }] });
    expect(conduct.status).toBe(409);
    expect(((await conduct.json()) as any).error.message).toContain('đã được hiệu trưởng duyệt và khoá');
    expect(await h.db.db.selectFrom('attendance').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).toEqual(absencesBefore);
    expect(await h.db.db.selectFrom('conduct').selectAll().orderBy('id').execute()).toEqual(conductBefore);
    expect(await auditCount(h)).toBe(auditsBefore);
  });

  it('re-test by the subject teacher and summer results, re-ranked, approved again', async () => {
    // Only the teacher of the subject in the class enters its re-test score (teaching assignment): not the homeroom teacher.
    expect((await json(await tuan.post(`/year-end/class/${f.class6A}/retest`, { enrolmentId: enr(C), subject: 'Toán', value: '5' }))).error.code).toBe('YEAR_END_NOT_SUBJECT_TEACHER');
    // Ngữ văn's teacher (Minh) is refused for Toán; Minh's own subject is not eligible for C.
    expect((await minh.post(`/year-end/class/${f.class6A}/retest`, { enrolmentId: enr(C), subject: 'Toán', value: '5' })).status).toBe(403);
    expect((await json(await minh.post(`/year-end/class/${f.class6A}/retest`, { enrolmentId: enr(C), subject: 'Ngữ văn', value: '6' }))).error.code).toBe('YEAR_END_NOT_ELIGIBLE');
    // Not on the re-test list; a score with two decimals: refused, nothing stored.
    expect((await hoa.post(`/year-end/class/${f.class6A}/retest`, { enrolmentId: enr(B), subject: 'Toán', value: '6' })).status).toBe(400);
    expect((await json(await hoa.post(`/year-end/class/${f.class6A}/retest`, { enrolmentId: enr(C), subject: 'Toán', value: '5,25' }))).error.code).toBe('YEAR_END_BAD_SCORE');
    expect(await h.db.db.selectFrom('retest_score').selectAll().execute()).toHaveLength(0);
    // The after-re-test list waits for every result.
    expect((await json(await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'after_retest' }))).error.code).toBe('YEAR_END_INCOMPLETE');
    // Hoa enters it through her page's form (url-encoded, CSRF field) and is sent back to the page.
    const form = await fetch(`${h.toolUrl}/year-end/class/${f.class6A}/retest`, { method: 'POST', redirect: 'manual', headers: { cookie: hoa.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ enrolmentId: String(enr(C)), subject: 'Toán', value: '5', _csrf: hoa.csrf }) });
    expect([form.status, form.headers.get('location')]).toEqual([303, expect.stringContaining('/year-end/retests')]);
    expect(await auditCount(h, 'year_end.retest')).toBe(1);
    expect(await (await tuan.get(`/year-end/class/${f.class6A}`, 'html')).text()).toContain('Toán: 5,0');
    expect((await tuan.post(`/year-end/class/${f.class6A}/summer`, { enrolmentId: enr(D), completed: true, reEvaluated: 'Đạt' })).status).toBe(200);
    expect((await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'after_retest' })).status).toBe(200);
    const round2 = (await decisions(f.class6A)).find((x) => x.round === 'after_retest')!;
    expect((await lan.post(`/year-end/class/${f.class6A}/approve`, { round: 'after_retest', version: round2.version })).status).toBe(200);
    const view = await json(await lan.get(`/year-end/class/${f.class6A}`));
    // C: Toán 5.0 → every subject ≥ 3.5 and 7 ≥ 5.0 → Đạt → promoted; D: training re-evaluated Đạt → promoted.
    const c = view.decisions.find((x: any) => x.round === 'after_retest').payload.students.find((s: any) => s.enrolmentId === enr(C));
    expect([c.learning, c.outcome]).toEqual(['Đạt', 'promoted']);
    expect(listOf(view, 'after_retest', 'promoted')).toHaveLength(5);
    expect(listOf(view, 'after_retest', 'repeat')).toEqual(['Phạm Thị Dung']);
  });
});

describe('TT58 + TT26 class 8A in the same school year', () => {
  const e8 = (k: string) => r.enrolment8A.get(k)!;
  it('from scores to approved lists, re-test chosen by the student, summer training, approved again', async () => {
    const marks: Record<string, Record<string, number>> = {
      S1: { Toán: 90, 'Ngữ văn': 90, 'Tiếng Anh': 90 },
      S2: { Toán: 70, 'Ngữ văn': 70, 'Tiếng Anh': 70 },
      S3: { Toán: 30, 'Ngữ văn': 50, 'Tiếng Anh': 50 },
      S4: { Toán: 60, 'Ngữ văn': 60, 'Tiếng Anh': 60 },
    };
    for (const [k, m] of Object.entries(marks)) {
      for (const [name, v] of Object.entries(m)) await fill(h, r.cs8A.get(name)!, e8(k), v);
      await fill(h, r.cs8A.get('Thể dục')!, e8(k), 'D');
    }
    // TT58 has no "Đạt" conduct level.
    expect((await json(await minh.post(`/conduct/class/${r.class8A}`, { changes: [{ enrolmentId: e8('S1'), term: 'HK1', level: 'Đạt', comment: '', version: 0 }] }))).error.code).toBe('CONDUCT_INVALID_LEVEL');
    const conduct: Record<string, [string, string]> = { S1: ['T', 'Tốt'], S2: ['Khá', 'Khá'], S3: ['Tb', 'Trung bình'], S4: ['Khá', 'Yếu'] };
    const sem = Object.entries(conduct).flatMap(([k, [h1, h2]]) => [{ enrolmentId: e8(k), term: 'HK1', level: h1, comment: '', version: 0 }, { enrolmentId: e8(k), term: 'HK2', level: h2, comment: '', version: 0 }]);
    expect((await minh.post(`/conduct/class/${r.class8A}`, { changes: sem })).status).toBe(200);
    // The year conduct is the homeroom teacher's call: semester II is only offered as a suggestion, so the year is pending.
    let sheet = await json(await minh.get(`/conduct/class/${r.class8A}`));
    const s4 = sheet.rows.find((x: any) => x.enrolmentId === e8('S4'));
    expect([s4.year.level, s4.year.suggestion]).toEqual([null, 'Yếu']);
    expect((await json(await minh.post(`/year-end/class/${r.class8A}/propose`, { round: 'main' }))).error.code).toBe('YEAR_END_INCOMPLETE');
    const year = Object.entries(conduct).map(([k, [, h2]]) => ({ enrolmentId: e8(k), term: 'CN', level: h2, comment: '', version: 0 }));
    expect((await minh.post(`/conduct/class/${r.class8A}`, { changes: year })).status).toBe(200);
    sheet = await json(await minh.get(`/conduct/class/${r.class8A}`));
    expect(sheet.rows.find((x: any) => x.enrolmentId === e8('S1')).CN.level).toBe('Tốt');

    const res = await results(minh, r.class8A);
    expect(res.regime).toBe('TT58_TT26');
    const row = (k: string) => rowOf(res, e8(k));
    // S1: ĐTB 9,0, Toán ≥ 8.0, none < 6.5, Thể dục Đ → Giỏi; conduct Tốt → Học sinh giỏi.
    expect([row('S1').overall.text, row('S1').learning.text, row('S1').outcome.code]).toEqual(['9,0', 'Giỏi', 'promoted']);
    expect(row('S1').title.text).toMatch(/giỏi/i);
    // S2: 7,0 → Khá; conduct Khá → Học sinh tiên tiến.
    expect(row('S2').learning.text).toBe('Khá');
    expect(row('S2').title.text).toMatch(/tiên tiến/i);
    // S3: ĐTB (3 + 5 + 5)/3 = 4,33 → 4,3 ≥ 3.5, none < 2.0 → Yếu; conduct TB → re-test; eligible: Toán only (Văn, Anh 5.0 are not < 5.0).
    expect([row('S3').overall.text, row('S3').learning.text, row('S3').outcome.code, row('S3').retestEligible]).toEqual(['4,3', 'Yếu', 'retest', ['Toán']]);
    // S4: ĐTB 6,0 → Trung bình; year conduct Yếu → summer training.
    expect([row('S4').learning.text, row('S4').outcome.code]).toEqual(['Trung bình', 'summer-training']);

    expect((await minh.post(`/year-end/class/${r.class8A}/propose`, { round: 'main' })).status).toBe(200);
    const d = (await decisions(r.class8A))[0]!;
    expect((await lan.post(`/year-end/class/${r.class8A}/approve`, { round: 'main', version: d.version })).status).toBe(200);
    // Approved: an exemption can no longer be recorded for the year (it would change frozen results).
    const exemptionsBefore = await h.db.db.selectFrom('exemption').selectAll().execute();
    const late = await minh.post(`/results/class/${r.class8A}/exemptions`, { enrolmentId: e8('S1'), classSubjectId: r.cs8A.get('Thể dục'), scope: 'HK2', dossierRef: 'HS-99', validFrom: '2025-01-20', validTo: '2025-05-25' });
    expect(late.status).toBe(409);
    expect(((await late.json()) as any).error.code).toBe('YEAR_END_FROZEN');
    expect(await h.db.db.selectFrom('exemption').selectAll().execute()).toEqual(exemptionsBefore);
    // Re-test Toán 6.0 (entered by Hoa, who teaches Toán in 8A): ĐTB (6 + 5 + 5)/3 = 5,33 → 5,3, Toán ≥ 5.0, none < 3.5 → Trung bình → promoted.
    expect((await minh.post(`/year-end/class/${r.class8A}/retest`, { enrolmentId: e8('S3'), subject: 'Toán', value: '6,0' })).status).toBe(403);
    expect((await hoa.post(`/year-end/class/${r.class8A}/retest`, { enrolmentId: e8('S3'), subject: 'Toán', value: '6,0' })).status).toBe(200);
    expect((await minh.post(`/year-end/class/${r.class8A}/summer`, { enrolmentId: e8('S4'), completed: true, reEvaluated: 'Trung bình' })).status).toBe(200);
    expect((await minh.post(`/year-end/class/${r.class8A}/propose`, { round: 'after_retest' })).status).toBe(200);
    const d2 = (await decisions(r.class8A)).find((x) => x.round === 'after_retest')!;
    expect((await minh.post(`/year-end/class/${r.class8A}/approve`, { round: 'after_retest', version: d2.version })).status).toBe(403);
    expect((await lan.post(`/year-end/class/${r.class8A}/approve`, { round: 'after_retest', version: d2.version })).status).toBe(200);
    // Frozen: a re-test score can no longer change (a correction reopens the list).
    expect((await json(await hoa.post(`/year-end/class/${r.class8A}/retest`, { enrolmentId: e8('S3'), subject: 'Toán', value: '7' }))).error.code).toBe('YEAR_END_FROZEN');
    const view = await json(await lan.get(`/year-end/class/${r.class8A}`));
    const s3 = view.decisions.find((x: any) => x.round === 'after_retest').payload.students.find((s: any) => s.enrolmentId === e8('S3'));
    expect([s3.learning, s3.outcome]).toEqual(['Trung bình', 'promoted']);
    expect(listOf(view, 'after_retest', 'promoted')).toHaveLength(4);
    const html = await (await lan.get(`/year-end/class/${r.class8A}`, 'html')).text();
    expect(html).toContain('Đã duyệt');
  });
});

describe('rollover and history', () => {
  it('opens next year from the approved lists (principal), refuses a wrong target; the student history shows the year', async () => {
    const db = h.db.db;
    const next = await db.insertInto('school_year').values({ school_id: h.schoolId, name: '2025-2026', start_date: '2025-09-05', end_date: '2026-05-31', regime_overrides: '{}' }).returning('id').executeTakeFirstOrThrow();
    const k9 = Number((await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: next.id, name: '9A', grade: 9, homeroom_person_id: null }).returning('id').executeTakeFirstOrThrow()).id);
    const k8 = Number((await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: next.id, name: '8B', grade: 8, homeroom_person_id: null }).returning('id').executeTakeFirstOrThrow()).id);
    // Same school year (9A of 2024-2025), wrong grade (8B), the homeroom teacher: refused, nothing enrolled.
    expect((await json(await lan.post(`/year-end/class/${r.class8A}/rollover`, { promotedToClassId: f.class9A }))).error.code).toBe('ROLLOVER_SAME_YEAR');
    expect((await json(await lan.post(`/year-end/class/${r.class8A}/rollover`, { promotedToClassId: k8 }))).error.code).toBe('ROLLOVER_WRONG_GRADE');
    expect((await minh.post(`/year-end/class/${r.class8A}/rollover`, { promotedToClassId: k9 })).status).toBe(403);
    expect(await db.selectFrom('enrolment').selectAll().where('class_id', '=', k9).execute()).toHaveLength(0);
    // After re-test and summer training all four 8A students are promoted → four enrolments in 9A of 2025-2026.
    const res = await lan.post(`/year-end/class/${r.class8A}/rollover`, { promotedToClassId: k9 });
    expect(await json(res)).toEqual({ promoted: 4, repeating: 0 });
    const enrolled = await db.selectFrom('enrolment').select(sql<string>`to_char(joined_on, 'YYYY-MM-DD')`.as('j')).where('class_id', '=', k9).execute();
    expect(enrolled.map((e) => e.j)).toEqual(['2025-09-05', '2025-09-05', '2025-09-05', '2025-09-05']);
    // 6A has a student who repeats: a class of the same grade is required.
    expect((await json(await lan.post(`/year-end/class/${f.class6A}/rollover`, { promotedToClassId: (await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: next.id, name: '7A', grade: 7 }).returning('id').executeTakeFirstOrThrow()).id }))).error.code).toBe('ROLLOVER_REPEAT_CLASS');

    const s3 = await db.selectFrom('enrolment').select('person_id').where('id', '=', r.enrolment8A.get('S3')!).executeTakeFirstOrThrow();
    const hist = await json(await lan.get(`/results/history/${s3.person_id}`));
    // S3: after the re-test in Toán, Trung bình and promoted (approved after-re-test list of 2024-2025).
    expect(hist.entries).toEqual([expect.objectContaining({ schoolYear: '2024-2025', className: '8A', learning: 'Trung bình', outcome: 'Lên lớp', round: 'after_retest' })]);
    expect((await hoa.get(`/results/history/${s3.person_id}`)).status).toBe(403);
    expect((await minh.get(`/results/history/${s3.person_id}`, 'html')).status).toBe(200);
  });
});

describe('opening the next school year for the whole school (rollover with class mapping)', () => {
  it('previews every class, creates the mapped classes, moves promoted and repeating students, graduates grade 9, keeps leavers; idempotent, audited', async () => {
    const db = h.db.db;
    const years = await db.selectFrom('school_year').select(['id', 'name']).orderBy('name').execute();
    const [from, to] = [Number(years[0]!.id), Number(years[1]!.id)];
    expect([years[0]!.name, years[1]!.name]).toEqual(['2024-2025', '2025-2026']);
    // 9A (grade 9) gets an approved list in which its one student is promoted: at grade 9 that means the programme
    // is completed (TT22 Điều 12.1) — no class next year. (Approval itself is tested above; set up directly here.)
    const k9a = await db.selectFrom('enrolment').select('id').where('class_id', '=', f.class9A).executeTakeFirstOrThrow();
    const lanId = f.person.get(P_LAN.id)!;
    await db.insertInto('year_decision').values({ class_id: f.class9A, school_year_id: f.schoolYearId, round: 'main', state: 'approved', payload: JSON.stringify({ regime: 'TT22', students: [{ enrolmentId: Number(k9a.id), name: 'Bùi Đăng Khoa', outcome: 'promoted', retestEligible: [] }] }), options: '{}', proposed_by: lanId, approved_by: lanId, approved_at: new Date(), frozen_at: new Date() }).execute();

    // Only the principal / school admin (school rule 'school.configure').
    expect((await tuan.get(`/year-end/rollover?from=${from}&to=${to}`)).status).toBe(403);
    expect((await minh.post('/year-end/rollover', { from, to })).status).toBe(403);
    // Backwards is refused.
    expect((await json(await lan.post('/year-end/rollover', { from: to, to: from }))).error.code).toBe('ROLLOVER_SAME_YEAR');

    const plan = (await json(await lan.get(`/year-end/rollover?from=${from}&to=${to}`))).plan;
    const line = (name: string) => plan.classes.find((c: any) => c.className === name);
    // 6A (after re-test and summer training): A, B, C, D, F promoted → 7A (already created above, reused);
    // E repeats (46 absences) → 6A of the next year, to be created; Phạm Quốc Cường left in October → stays.
    expect(line('6A')).toMatchObject({ ready: true, promoted: 5, repeating: 1, graduating: 0, leavers: 1, promotedTo: '7A', promotedToExists: true, repeatTo: '6A', repeatToExists: false, alreadyMoved: 0 });
    // 8A: all four promoted → 9A, already moved there by the class-by-class rollover above.
    expect(line('8A')).toMatchObject({ ready: true, promoted: 4, repeating: 0, promotedTo: '9A', promotedToExists: true, alreadyMoved: 4 });
    // 9A: one student completes grade 9; 7A has no approved list and is not moved.
    expect(line('9A')).toMatchObject({ ready: true, promoted: 0, graduating: 1, promotedTo: null });
    expect(line('7A')).toMatchObject({ ready: false, promotedTo: null });
    expect(line('7A').notReadyVi).toContain('chưa được hiệu trưởng duyệt');

    // A bad mapping changes nothing: an invalid name, or a grade-8 class for 6A's promoted students.
    const before = await db.selectFrom('enrolment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const auditsBefore = await auditCount(h, 'year_end.rollover');
    expect((await json(await lan.post('/year-end/rollover', { from, to, mapping: [{ classId: f.class6A, promotedTo: '7 A!' }] }))).error.code).toBe('ROLLOVER_CLASS_NAME');
    expect((await json(await lan.post('/year-end/rollover', { from, to, mapping: [{ classId: f.class6A, promotedTo: '8B' }] }))).error.code).toBe('ROLLOVER_WRONG_GRADE');
    expect((await db.selectFrom('enrolment').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n).toBe(before.n);

    // Confirm through the form, with the repeaters' class renamed to 6B before confirming.
    const page = await (await lan.get(`/year-end/rollover?from=${from}&to=${to}`, 'html')).text();
    expect(page).toContain(`name="repeatTo_${f.class6A}" value="6A"`);
    const form = await fetch(`${h.toolUrl}/year-end/rollover`, { method: 'POST', redirect: 'manual', headers: { cookie: lan.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ from: String(from), to: String(to), [`promotedTo_${f.class6A}`]: '7a', [`repeatTo_${f.class6A}`]: '6B', _csrf: lan.csrf }) });
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain('Đã chuyển lớp.');
    expect(html).toContain('Tạo 1 lớp (6B), xếp lớp cho 6 học sinh.');
    const nextClasses = await db.selectFrom('class').select(['id', 'name', 'grade']).where('school_year_id', '=', to).orderBy('name').execute();
    expect(nextClasses.map((k) => [k.name, k.grade])).toEqual([['6B', 6], ['7A', 7], ['8B', 8], ['9A', 9]]);
    const namesIn = async (name: string) => (await db.selectFrom('enrolment as e').innerJoin('person as p', 'p.id', 'e.person_id').innerJoin('class as k', 'k.id', 'e.class_id').select(['p.display_name', sql<string>`to_char(e.joined_on, 'YYYY-MM-DD')`.as('j')]).where('k.school_year_id', '=', to).where('k.name', '=', name).execute()).map((x) => `${x.display_name} ${x.j}`).sort();
    expect(await namesIn('7A')).toEqual(['Lê Thị Bình', 'Nguyễn Thị An', 'Trần Văn An', 'Vũ Quỳnh Anh', 'Đỗ Minh Đức'].map((n) => `${n} 2025-09-05`).sort());
    expect(await namesIn('6B')).toEqual(['Phạm Thị Dung 2025-09-05']);
    // The leaver and the grade-9 graduate are in no class of the next year; their 2024-2025 records are untouched.
    const nextPersons = (await db.selectFrom('enrolment as e').innerJoin('class as k', 'k.id', 'e.class_id').select('e.person_id').where('k.school_year_id', '=', to).execute()).map((e) => Number(e.person_id));
    expect(nextPersons).not.toContain(f.person.get(LEAVER.id));
    expect(nextPersons).not.toContain(f.person.get(STUDENT_9A.id));
    expect(await db.selectFrom('enrolment').select('left_on').where('id', '=', f.enrolment.get(LEAVER.id)!).executeTakeFirstOrThrow()).toEqual({ left_on: expect.anything() });
    // Audited: one record for 6A (8A had nothing left to move) and one for the class created.
    expect(await auditCount(h, 'year_end.rollover')).toBe(auditsBefore + 1);
    const audit = await db.selectFrom('audit_log').select('new_value').where('action', '=', 'year_end.rollover').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.new_value).toMatchObject({ toYear: '2025-2026', promotedTo: '7A', repeatTo: '6B', promoted: 5, repeating: 1, graduating: 0, leaversKept: 1 });
    expect(await auditCount(h, 'class.create')).toBe(1);

    // Idempotent: again → nothing created, nobody enrolled twice, no new audit record.
    const again = await json(await lan.post('/year-end/rollover', { from, to, mapping: [{ classId: f.class6A, repeatTo: '6B' }] }));
    expect(again).toEqual({ createdClasses: [], enrolled: 0, skipped: ['7A'] });
    expect(await auditCount(h, 'year_end.rollover')).toBe(auditsBefore + 1);
    expect((await json(await lan.get(`/year-end/rollover?from=${from}&to=${to}`))).plan.classes.find((c: any) => c.className === '6A').alreadyMoved).toBe(6);
  });
});

describe('correction after approval', () => {
  it('only the principal reopens, with a reason; the list is proposed and approved again', async () => {
    const body = { round: 'after_retest', reason: 'Sai điểm kiểm tra lại môn Toán (biên bản số 7)' };
    expect((await minh.post(`/year-end/class/${r.class8A}/reopen`, body)).status).toBe(403);
    expect((await lan.post(`/year-end/class/${r.class8A}/reopen`, { round: 'after_retest', reason: '' })).status).toBe(400);
    expect((await lan.post(`/year-end/class/${r.class8A}/reopen`, body)).status).toBe(200);
    const reopened = (await decisions(r.class8A)).find((x) => x.round === 'after_retest')!;
    expect([reopened.state, reopened.frozen_at]).toEqual(['reopened', null]);
    expect(await auditCount(h, 'year_end.reopen')).toBe(1);
    expect((await minh.post(`/year-end/class/${r.class8A}/propose`, { round: 'after_retest' })).status).toBe(200);
    const again = (await decisions(r.class8A)).find((x) => x.round === 'after_retest')!;
    expect([again.state, again.version]).toEqual(['proposed', reopened.version + 1]);
    expect((await lan.post(`/year-end/class/${r.class8A}/approve`, { round: 'after_retest', version: again.version })).status).toBe(200);
  });
});
