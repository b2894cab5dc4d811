/**
 * Semester and year averages to the LMS after the principal approves the year-end list (issue 7 §2), over
 * real HTTP and PostgreSQL against the Moodle-true test platform. Averages are worked out by hand from the
 * regulation (TT22 Điều 9.1.b, assessment-rules.md §2.4): ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck)/(n + 5),
 * ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII)/3 from the rounded semester figures, one decimal half up.
 */
process.env.SODIEM_AGS_WORKER = 'off'; // the tests drive the worker themselves

import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, LEAVER, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { seedResults, openGrids, fill, EXTRA_6A, type ResultsFixture } from '../support/results-factory';
import { AgsClient } from '../../src/lms-sync/ags-client';
import { OutboxWorker } from '../../src/lms-sync/worker';
import { averageResourceId, averageTenths } from '../../src/lms-sync/averages';

let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let tuan: Client;
let lan: Client;
let hoa: Client;
let worker: OutboxWorker;

const [A, B, C, D, E, F] = STUDENTS.map((s) => s.id) as [string, string, string, string, string, string];
const enr = (u: string) => f.enrolment.get(u)!;
const json = async (res: Response) => (await res.json()) as any;
const outbox = () => h.db.db.selectFrom('ags_outbox').selectAll().orderBy('id').execute();
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const lmsItem = (period: string) => h.platform.gradebook('2').filter((c) => c.resourceId === averageResourceId(f.math6A, period as 'HK1'));
const lmsGrade = (period: string, userId: string) => lmsItem(period)[0]?.grades.find((g) => g.userId === userId)?.score;

async function drainAll(w = worker, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await w.drainUntilIdle();
    const left = await h.db.db.selectFrom('ags_outbox').select('id').where('state', 'in', ['pending', 'sending']).execute();
    if (!left.length) return;
    await sleep(250);
  }
}

async function proposeAndApprove(round = 'main') {
  const p = await tuan.post(`/year-end/class/${f.class6A}/propose`, { round });
  expect(p.status).toBe(200);
  const d = await h.db.db.selectFrom('year_decision').selectAll().where('class_id', '=', f.class6A).where('round', '=', round as 'main').executeTakeFirstOrThrow();
  const a = await lan.post(`/year-end/class/${f.class6A}/approve`, { round, version: d.version });
  expect(a.status).toBe(200);
}

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  [tuan, lan, hoa] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id), launchAs(h, T_HOA.id)]);
  const minh = await launchAs(h, T_MINH.id);
  await openGrids(hoa, [f.math6A, ...EXTRA_6A.map((n) => r.cs6A.get(n)!)]);
  await openGrids(minh, [f.lit6A, f.music6A]);
  // Toán 6A lives in LMS course 2 with AGS, Âm nhạc 6A (a comment subject) in course 5 with AGS; Ngữ văn 6A has no LMS course.
  const typeId = h.platform.tool(h.clientId)!.typeId;
  const link = await h.db.db.selectFrom('course_link').select('id').where('context_id', '=', '2').executeTakeFirstOrThrow();
  await h.db.db.updateTable('course_link').set({ lineitems_url: `${h.platform.url}/mod/lti/services.php/2/lineitems?type_id=${typeId}` }).where('id', '=', link.id).execute();
  await h.db.db.updateTable('class_subject').set({ course_link_id: link.id }).where('id', '=', f.math6A).execute();
  // One LMS course per class subject: Âm nhạc gets its own course (5) with AGS.
  const dep = await h.db.db.selectFrom('lti_deployment').select('id').where('school_id', '=', h.schoolId).executeTakeFirstOrThrow();
  const music = await h.db.db
    .insertInto('course_link')
    .values({ school_id: h.schoolId, deployment_id: dep.id, context_id: '5', custom: '{}', lineitems_url: `${h.platform.url}/mod/lti/services.php/5/lineitems?type_id=${typeId}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  await h.db.db.updateTable('class_subject').set({ course_link_id: music.id }).where('id', '=', f.music6A).execute();
  worker = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider, { timeoutMs: 1000 }), { backoffMs: 20, maxAttempts: 4 });

  // Every subject 7,0 for everyone, Âm nhạc Đạt; student A's Toán differs per term (below).
  for (const u of [A, B, C, D, E, F]) {
    for (const [name, csId] of r.cs6A) await fill(h, csId, enr(u), name === 'Âm nhạc' ? 'D' : 70);
  }
  // A, Toán HK I: ĐĐGtx 8,0 ×4, ĐĐGgk 6,0, ĐĐGck 9,0; HK II: everything 6,0.
  await fill(h, f.math6A, enr(A), 80, { termId: f.terms.HK1, kind: 'regular' });
  await fill(h, f.math6A, enr(A), 60, { termId: f.terms.HK1, kind: 'midterm' });
  await fill(h, f.math6A, enr(A), 90, { termId: f.terms.HK1, kind: 'final' });
  await fill(h, f.math6A, enr(A), 60, { termId: f.terms.HK2 });
  // D: Toán 3,0 everywhere, other subjects 6,0 → a subject below 3,5 → learning Chưa đạt (no 9.3 adjustment:
  // without Toán D would be Đạt, not Tốt/Khá), training Tốt → re-test in Toán (TT22 Điều 9, 14).
  for (const [name, csId] of r.cs6A) if (name !== 'Âm nhạc') await fill(h, csId, enr(D), name === 'Toán' ? 30 : 60);
  const changes = [A, B, C, D, E, F].flatMap((u) => ['HK1', 'HK2'].map((term) => ({ enrolmentId: enr(u), term, level: 'Tốt', comment: '', version: 0 })));
  expect((await tuan.post(`/conduct/class/${f.class6A}`, { changes })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('averages after the principal approves', () => {
  it('the grid has 4 ĐĐGtx per term in Toán 6A (the hand-worked averages below assume n = 4)', async () => {
    const regular = await h.db.db.selectFrom('assessment_column').select('id').where('class_subject_id', '=', f.math6A).where('term_id', '=', f.terms.HK1).where('kind', '=', 'regular').execute();
    expect(regular).toHaveLength(4);
  });

  it('nothing is queued before approval; approval records 3 line items per AGS scored subject and queues the averages in its transaction', async () => {
    const t = await tuan.post(`/year-end/class/${f.class6A}/propose`, { round: 'main' });
    expect(t.status).toBe(200);
    expect(await outbox()).toHaveLength(0);
    const d = await h.db.db.selectFrom('year_decision').selectAll().where('class_id', '=', f.class6A).executeTakeFirstOrThrow();
    expect((await lan.post(`/year-end/class/${f.class6A}/approve`, { round: 'main', version: d.version })).status).toBe(200);

    const items = await h.db.db.selectFrom('lms_line_item').selectAll().where('kind', '<>', 'column').orderBy('id').execute();
    // Only Toán: Âm nhạc is assessed by comments (not sent), Ngữ văn has no LMS course.
    expect(items.map((i) => [Number(i.class_subject_id), i.kind, i.term, i.lineitem_url])).toEqual([
      [f.math6A, 'semester_avg', 'HK1', null],
      [f.math6A, 'semester_avg', 'HK2', null],
      [f.math6A, 'year_avg', null, null],
    ]);
    expect(items.map((i) => i.resource_id)).toEqual(['HK1', 'HK2', 'CN'].map((p) => averageResourceId(f.math6A, p as 'HK1')));
    const rows = await outbox();
    // 6 enrolled students × 3 averages; the student who left is not sent.
    expect(rows).toHaveLength(18);
    expect(rows.every((x) => x.state === 'pending' && x.lineitem_url === null && x.column_id === null)).toBe(true);
    expect(rows.some((x) => Number(x.enrolment_id) === enr(LEAVER.id))).toBe(false);
    const of = (u: string, term: string | null, kind: string) => rows.find((x) => Number(x.enrolment_id) === enr(u) && (x.payload as any).kind === kind && (x.payload as any).term === term)!.payload as any;
    // A, HK I: (4·8,0 + 2·6,0 + 3·9,0)/(4 + 5) = 71/9 = 7,888… → 7,9; HK II: 6,0; year (7,9 + 2·6,0)/3 = 19,9/3 = 6,633… → 6,6.
    expect([of(A, 'HK1', 'semester_avg').tenths, of(A, 'HK2', 'semester_avg').tenths, of(A, null, 'year_avg').tenths]).toEqual([79, 60, 66]);
    expect([of(B, 'HK1', 'semester_avg').tenths, of(B, 'HK2', 'semester_avg').tenths, of(B, null, 'year_avg').tenths]).toEqual([70, 70, 70]);
    expect(of(D, null, 'year_avg').tenths).toBe(30);
    expect(await auditCount(h, 'lms.averages.queue')).toBe(1);
  });

  it('the worker creates each line item once (two workers at once), with resourceId/tag, and sends FullyGraded averages', async () => {
    const w2 = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { backoffMs: 20 });
    h.platform.resetStats();
    await Promise.all([drainAll(), drainAll(w2)]);
    for (const p of ['HK1', 'HK2', 'CN']) {
      const li = lmsItem(p);
      expect(li).toHaveLength(1);
      expect(li[0]).toMatchObject({ tag: 'sodiem', scoreMaximum: 10 });
    }
    expect(lmsItem('HK1')[0]!.label).toContain('ĐTB môn HK I');
    expect(lmsItem('CN')[0]!.label).toContain('ĐTB môn cả năm');
    expect([lmsGrade('HK1', A), lmsGrade('HK2', A), lmsGrade('CN', A)]).toEqual([7.9, 6, 6.6]);
    expect([lmsGrade('HK1', F), lmsGrade('HK2', F), lmsGrade('CN', F)]).toEqual([7, 7, 7]);
    expect(h.platform.stats().scorePosts).toBe(18);
    const rows = await outbox();
    expect(rows.every((x) => x.state === 'sent' && x.lineitem_url !== null)).toBe(true);
    const stored = await h.db.db.selectFrom('lms_line_item').select('lineitem_url').where('kind', '<>', 'column').execute();
    expect(stored.every((x) => x.lineitem_url !== null)).toBe(true);
    // The agreement view shows the averages (what was approved) against the LMS: all agree.
    const a = await json(await hoa.get(`/lms-sync/${f.math6A}`));
    const year = a.columns.find((c: any) => c.kind === 'year_avg');
    expect(year.cells.find((c: any) => c.enrolmentId === enr(A))).toMatchObject({ ours: 6.6, lms: 6.6, differs: false, status: { state: 'sent' } });
  });

  it('re-approval after a correction re-queues only the averages that changed', async () => {
    expect((await lan.post(`/year-end/class/${f.class6A}/reopen`, { round: 'main', reason: 'Sửa điểm cuối kỳ II môn Toán (biên bản số 3)' })).status).toBe(200);
    // B's Toán ĐĐGck HK II corrected 7,0 → 4,0: HK II (4·7 + 2·7 + 3·4)/9 = 54/9 = 6,0; year (7,0 + 2·6,0)/3 = 6,333… → 6,3.
    await fill(h, f.math6A, enr(B), 40, { termId: f.terms.HK2, kind: 'final' });
    const before = (await outbox()).length;
    await proposeAndApprove('main');
    const fresh = (await outbox()).slice(before);
    expect(fresh.map((x) => [Number(x.enrolment_id), (x.payload as any).term, (x.payload as any).tenths])).toEqual(
      expect.arrayContaining([
        [enr(B), 'HK2', 60],
        [enr(B), null, 63],
      ]),
    );
    expect(fresh).toHaveLength(2);
    // The line items are known now: the rows carry their URL at once.
    expect(fresh.every((x) => x.lineitem_url !== null)).toBe(true);
    await sleep(1000); // B was sent a score for these items this second; the next timestamp must be later
    await drainAll();
    expect([lmsGrade('HK1', B), lmsGrade('HK2', B), lmsGrade('CN', B)]).toEqual([7, 6, 6.3]);
    for (const p of ['HK1', 'HK2', 'CN']) expect(lmsItem(p)).toHaveLength(1);
  });

  it('re-approving with nothing changed queues nothing (no audit record either)', async () => {
    expect((await lan.post(`/year-end/class/${f.class6A}/reopen`, { round: 'main', reason: 'Kiểm tra lại danh sách' })).status).toBe(200);
    const before = (await outbox()).length;
    const audits = await auditCount(h, 'lms.averages.queue');
    await proposeAndApprove('main');
    expect((await outbox()).length).toBe(before);
    expect(await auditCount(h, 'lms.averages.queue')).toBe(audits);
  });

  it('LMS down while creating a line item: the averages wait with the reason, then go out once the LMS is back', async () => {
    // The year-average line item was deleted in the LMS (ags/58-ags-lineitem-delete.json); C's year average changes.
    const url = (await h.db.db.selectFrom('lms_line_item').select('lineitem_url').where('kind', '=', 'year_avg').executeTakeFirstOrThrow()).lineitem_url!;
    const client = new AgsClient(h.server.lti.provider);
    const target = { issuer: h.platform.issuer, clientId: h.clientId };
    expect((await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${await client.token(target)}` } })).status).toBe(204);
    // … and marked gone, as the worker does on its 404 (tested in ags-sync.test.ts) …
    await h.db.db.updateTable('lms_line_item').set({ gone_at: new Date() }).where('lineitem_url', '=', url).execute();
    expect((await lan.post(`/year-end/class/${f.class6A}/reopen`, { round: 'main', reason: 'Cột điểm trên LMS bị xoá' })).status).toBe(200);
    await fill(h, f.math6A, enr(C), 80, { termId: f.terms.HK2 });
    // … and re-approval records a new year-average item (all six year averages queued: it is a new LMS column).
    h.platform.inject({ match: '/lineitems?', method: 'POST', closeConnection: true, times: 1 });
    const before = (await outbox()).length;
    await proposeAndApprove('main');
    const fresh = (await outbox()).slice(before);
    // C: HK II 8,0 → year (7,0 + 2·8,0)/3 = 23/3 = 7,666… → 7,7; C's HK II changed too (7,0 → 8,0).
    expect(fresh.filter((x) => (x.payload as any).kind === 'year_avg')).toHaveLength(6);
    expect(fresh.find((x) => (x.payload as any).kind === 'year_avg' && Number(x.enrolment_id) === enr(C))!.payload).toMatchObject({ tenths: 77 });
    expect(fresh.filter((x) => (x.payload as any).kind === 'semester_avg').map((x) => Number(x.enrolment_id))).toEqual([enr(C)]);
    await worker.drainOnce();
    const waiting = (await outbox()).filter((x) => x.lineitem_url === null);
    expect(waiting).toHaveLength(6);
    expect(waiting.every((x) => x.state === 'pending' && x.last_error_code === 'AGS_UNREACHABLE')).toBe(true);
    await drainAll();
    expect(lmsItem('CN')).toHaveLength(1); // the deleted one is gone, one new
    expect(lmsGrade('CN', C)).toBe(7.7);
    expect(lmsGrade('CN', A)).toBe(6.6);
    expect((await outbox()).filter((x) => x.state !== 'sent')).toHaveLength(0);
  });

  it('the sync page shows the averages against the LMS; a difference made in the LMS is re-published in one action', async () => {
    const html = await (await hoa.get(`/lms-sync/${f.math6A}`, 'html')).text();
    expect(html).toContain('ĐTB môn cả năm');
    expect(html).toContain('Đạt/Chưa đạt');
    // Someone typed 2 over A's year average in Moodle (earlier timestamp than our next one).
    h.platform.setGrade('2', lmsItem('CN')[0]!.itemId, A, 2, { timestamp: new Date(Date.now() - 1000) });
    const a = await json(await hoa.get(`/lms-sync/${f.math6A}`));
    const year = a.columns.find((c: any) => c.kind === 'year_avg');
    expect(year.cells.filter((c: any) => c.differs).map((c: any) => c.enrolmentId)).toEqual([enr(A)]);
    const r2 = await json(await hoa.post(`/lms-sync/${f.math6A}/republish`, {}));
    expect(r2.queued).toBe(1);
    await drainAll();
    expect(lmsGrade('CN', A)).toBe(6.6);
  });

  it('after-re-test list approved: the re-test score replaces the year average in the LMS (only that one is queued)', async () => {
    expect((await hoa.post(`/year-end/class/${f.class6A}/retest`, { enrolmentId: enr(D), subject: 'Toán', value: '6,5' })).status).toBe(200);
    const before = (await outbox()).length;
    await proposeAndApprove('after_retest');
    const fresh = (await outbox()).slice(before);
    expect(fresh.map((x) => [Number(x.enrolment_id), (x.payload as any).kind, (x.payload as any).tenths])).toEqual([[enr(D), 'year_avg', 65]]);
    await drainAll();
    expect([lmsGrade('HK1', D), lmsGrade('HK2', D), lmsGrade('CN', D)]).toEqual([3, 3, 6.5]);
  });

  it('averageTenths reads the engine text by digits only', () => {
    expect(averageTenths('6,6')).toBe(66);
    expect(averageTenths('10,0')).toBe(100);
    expect(averageTenths('Đạt')).toBeNull();
    expect(averageTenths('Đ')).toBeNull();
    expect(averageTenths(null)).toBeNull();
    expect(averageTenths('6.6')).toBeNull();
  });

  it('logs carry no personal data', () => {
    for (const l of h.logs) for (const s of STUDENTS) expect(l).not.toContain(s.familyName);
  });
});
