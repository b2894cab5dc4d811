/**
 * LMS grade sync (issue 7) over real HTTP against the Moodle-true test platform. Each Moodle quirk relied
 * on is quoted with the fixture it comes from (test/fixtures/moodle-4.5/).
 */
process.env.SODIEM_AGS_WORKER = 'off'; // the tests drive the worker themselves

import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, STUDENTS, LEAVER, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { AgsClient } from '../../src/lms-sync/ags-client';
import { OutboxWorker } from '../../src/lms-sync/worker';
import { loadCourseTarget } from '../../src/lms-sync/outbox';
import { resourceIdOf, rescaleToTenths } from '../../src/lms-sync/service';

let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let client: AgsClient;
let worker: OutboxWorker;
let lineitemsUrl: string;
let columns: Array<{ id: number; label: string }>;

const S = STUDENTS;
const enr = (userId: string) => f.enrolment.get(userId)!;

async function view(c: Client, csId: number) {
  const res = await c.get(`/grid/${csId}?term=HK1`);
  expect(res.status).toBe(200);
  return (await res.json()) as { columns: Array<{ id: number; label: string }>; rows: Array<{ enrolmentId: number; cells: Record<string, { version: number }> }> };
}
async function save(csId: number, columnId: number, values: Array<[string, string]>) {
  const v = await view(hoa, csId);
  const changes = values.map(([userId, value]) => {
    const row = v.rows.find((r) => r.enrolmentId === enr(userId))!;
    return { columnId, enrolmentId: enr(userId), value, version: row.cells[String(columnId)]?.version ?? 0 };
  });
  const res = await hoa.post(`/grid/${csId}/scores`, { changes });
  expect(res.status).toBe(200);
}
async function publish(columnId: number) {
  const res = await hoa.post(`/lms-sync/${f.math6A}/columns/${columnId}/publish`, {});
  const body = (await res.json()) as any;
  return { status: res.status, body };
}
const itemOf = (url: string) => h.platform.gradebook('2').find((c) => url.includes(`/lineitems/${c.itemId}/lineitem`))!;
const gradeOf = (url: string, userId: string) => itemOf(url).grades.find((g) => g.userId === userId);
const outbox = () => h.db.db.selectFrom('ags_outbox').selectAll().orderBy('id').execute();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Drains, waiting for short backoffs, until nothing is due or pending. */
async function drainAll(w = worker, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await w.drainUntilIdle();
    const left = await h.db.db.selectFrom('ags_outbox').select('id').where('state', 'in', ['pending', 'sending']).execute();
    if (!left.length) return;
    await sleep(250);
  }
}

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  hoa = await launchAs(h, T_HOA.id);
  const typeId = h.platform.tool(h.clientId)!.typeId;
  lineitemsUrl = `${h.platform.url}/mod/lti/services.php/2/lineitems?type_id=${typeId}`;
  const link = await h.db.db.selectFrom('course_link').select('id').where('context_id', '=', '2').executeTakeFirstOrThrow();
  await h.db.db.updateTable('course_link').set({ lineitems_url: lineitemsUrl }).where('id', '=', link.id).execute();
  await h.db.db.updateTable('class_subject').set({ course_link_id: link.id }).where('id', '=', f.math6A).execute();
  columns = (await view(hoa, f.math6A)).columns;
  client = new AgsClient(h.server.lti.provider, { timeoutMs: 400 });
  worker = new OutboxWorker(h.db.db, client, { backoffMs: 20, maxAttempts: 4, concurrency: 4 });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('publish a column', () => {
  it('creates one line item (resourceId/tag), sends FullyGraded scores of enrolled learners, keeps LMS comments, never duplicates', async () => {
    const col = columns[0]!;
    await save(f.math6A, col.id, [[S[0]!.id, '8,5'], [S[1]!.id, '7'], [S[2]!.id, '10']]);
    expect(await outbox()).toHaveLength(0); // not published yet → nothing queued
    // A student who left the class keeps her score in Sổ Điểm but is not sent (only enrolled learners).
    await h.db.db.insertInto('score').values({ column_id: col.id, enrolment_id: enr(LEAVER.id), tenths: 55, rating: null, updated_by: null }).execute();
    const p1 = await publish(col.id);
    expect(p1.status).toBe(200);
    expect(p1.body).toMatchObject({ created: true, queued: 3 });
    const item = itemOf(p1.body.lineitemUrl);
    // ags/13-ags-lineitem-post.json: resourceId and tag are stored; ags/20-…-filter-resource_id.json finds it again.
    expect(item).toMatchObject({ resourceId: resourceIdOf(col.id), tag: 'sodiem', scoreMaximum: 10 });
    // A teacher graded with feedback in Moodle (a cleared grade returns no comment, ags/43-ags-results-get.json); a score without comment would erase it (ags-edge/45-edge-results-after-tool-newer.json).
    h.platform.setGrade('2', item.itemId, S[0]!.id, 5, { comment: 'Cần cố gắng', timestamp: new Date(Date.now() - 60_000) });
    await drainAll();
    expect(gradeOf(p1.body.lineitemUrl, S[0]!.id)).toMatchObject({ score: 8.5, comment: 'Cần cố gắng' });
    expect(gradeOf(p1.body.lineitemUrl, S[1]!.id)?.score).toBe(7);
    expect(gradeOf(p1.body.lineitemUrl, S[2]!.id)?.score).toBe(10);
    expect((await outbox()).every((r) => r.state === 'sent')).toBe(true);
    // Publishing again finds the same line item.
    const p2 = await publish(col.id);
    expect(p2.body).toMatchObject({ created: false, lineitemUrl: p1.body.lineitemUrl });
    expect(h.platform.gradebook('2').filter((c) => c.resourceId === resourceIdOf(col.id))).toHaveLength(1);
    await drainAll();
    expect(await auditCount(h, 'lms.column.publish')).toBe(2);
    expect(gradeOf(p1.body.lineitemUrl, LEAVER.id)).toBeUndefined();
    // The grid links to the sync page.
    expect(await (await hoa.get(`/grid/${f.math6A}?term=HK1`, 'html')).text()).toContain('Đồng bộ điểm với LMS');
  });

  it('a grid edit after publication is queued in the same transaction; two edits in one second keep timestamps increasing (no 409)', async () => {
    const col = columns[0]!;
    const url = (await h.db.db.selectFrom('lms_line_item').select('lineitem_url').where('column_id', '=', col.id).executeTakeFirstOrThrow()).lineitem_url!;
    await save(f.math6A, col.id, [[S[1]!.id, '6,5']]);
    const queued = await h.db.db.selectFrom('ags_outbox').selectAll().where('state', '=', 'pending').execute();
    expect(queued).toHaveLength(1);
    await drainAll();
    const t1 = gradeOf(url, S[1]!.id)!.timestamp;
    await save(f.math6A, col.id, [[S[1]!.id, '5']]);
    await drainAll();
    const g = gradeOf(url, S[1]!.id)!;
    expect(g.score).toBe(5);
    // ags/27-ags-score-student1-same-second.json: Moodle refuses a second score in the same second → we wait 1 s instead.
    expect(new Date(g.timestamp).getTime()).toBeGreaterThan(new Date(t1).getTime());
    expect(new Date(g.timestamp).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await outbox()).filter((r) => r.state === 'conflict')).toHaveLength(0);
  });

  it('refuses rating (Đ/CĐ) columns and courses without AGS', async () => {
    const res = await hoa.post(`/lms-sync/${f.math7A}/columns/1/publish`, {});
    expect(res.status).toBeGreaterThanOrEqual(400);
  });
});

describe('faults: no score lost, nothing sent twice', () => {
  let col: { id: number };
  let url: string;
  beforeAll(async () => {
    col = columns[1]!;
    const p = await publish(col.id);
    url = p.body.lineitemUrl;
  });
  afterEach(() => h.platform.clearFaults());

  it('LMS down (connection closed): retried with backoff, then sent once', async () => {
    h.platform.inject({ match: '/scores', method: 'POST', closeConnection: true });
    await save(f.math6A, col.id, [[S[0]!.id, '9']]);
    const r1 = await worker.drainOnce();
    expect(r1.retried).toBe(1);
    const row = (await outbox()).at(-1)!;
    expect(row).toMatchObject({ state: 'pending', last_error_code: 'AGS_UNREACHABLE' });
    h.platform.clearFaults();
    h.platform.resetStats();
    await drainAll();
    expect(gradeOf(url, S[0]!.id)?.score).toBe(9);
    expect(h.platform.stats().scorePosts).toBe(1);
  });

  it('slow LMS (timeout): typed AGS_TIMEOUT, retried, final value right', async () => {
    h.platform.inject({ match: '/scores', method: 'POST', delayMs: 1500, status: 503, times: 1 });
    await save(f.math6A, col.id, [[S[1]!.id, '4']]);
    const t0 = Date.now();
    const r1 = await worker.drainOnce();
    expect(Date.now() - t0).toBeLessThan(1400);
    expect(r1.retried).toBe(1);
    expect((await outbox()).at(-1)).toMatchObject({ last_error_code: 'AGS_TIMEOUT' });
    await drainAll();
    expect(gradeOf(url, S[1]!.id)?.score).toBe(4);
  });

  it('429 then 5xx: retried with backoff and the LMS reason kept; 5xx forever → failed after maxAttempts, reason kept', async () => {
    h.platform.inject({ match: '/scores', method: 'POST', status: 429, statusText: 'Too Many Requests', times: 1 });
    h.platform.inject({ match: '/scores', method: 'POST', status: 503, statusText: 'Service Unavailable', times: 1 });
    await save(f.math6A, col.id, [[S[3]!.id, '2']]);
    expect((await worker.drainOnce()).retried).toBe(1);
    expect((await outbox()).at(-1)).toMatchObject({ state: 'pending', last_error_code: 'AGS_RATE_LIMITED', last_error_message: 'Too Many Requests' });
    await drainAll();
    const done = (await outbox()).at(-1)!;
    expect(done).toMatchObject({ state: 'sent', attempts: 3 });
    expect(gradeOf(url, S[3]!.id)?.score).toBe(2);
    h.platform.inject({ match: '/scores', method: 'POST', status: 500, statusText: 'Internal Server Error' });
    await save(f.math6A, col.id, [[S[3]!.id, '2,5']]);
    await drainAll();
    expect((await outbox()).at(-1)).toMatchObject({ state: 'failed', last_error_code: 'AGS_SERVER_ERROR', last_error_message: 'Internal Server Error', attempts: 4 });
    expect(gradeOf(url, S[3]!.id)?.score).toBe(2); // nothing half-written; the failure is visible in the agreement view
    h.platform.clearFaults();
  });

  it('401 with an expired token: the token is dropped and fetched again once, the score goes through', async () => {
    // token/…: a token with the wrong/expired scope → 401 on the service (moodle-lti-behaviour.md §5).
    h.platform.inject({ match: '/scores', method: 'POST', status: 401, statusText: 'Unauthorized', times: 1 });
    const before = client.stats.tokenRequests;
    await save(f.math6A, col.id, [[S[2]!.id, '3']]);
    await drainAll();
    expect(gradeOf(url, S[2]!.id)?.score).toBe(3);
    expect(client.stats.tokenRequests).toBe(before + 1);
  });

  it('400 for a user who is not a learner: failed with the LMS reason, not retried, others still sent', async () => {
    // ags/33-ags-score-teacher.json: a teacher's user id → 400 "Incorrect score received…".
    await h.db.db.insertInto('enrolment').values({ class_id: f.class6A, person_id: f.person.get(T_MINH.id)!, joined_on: '2024-09-05' }).execute();
    const e = await h.db.db.selectFrom('enrolment').select('id').where('class_id', '=', f.class6A).where('person_id', '=', f.person.get(T_MINH.id)!).executeTakeFirstOrThrow();
    f.enrolment.set(T_MINH.id, Number(e.id));
    await save(f.math6A, col.id, [[T_MINH.id, '8'], [S[3]!.id, '8']]);
    await drainAll();
    const rows = await outbox();
    expect(rows.find((r) => Number(r.enrolment_id) === Number(e.id))).toMatchObject({ state: 'failed', last_error_code: 'AGS_NOT_LEARNER', attempts: 1 });
    expect(gradeOf(url, S[3]!.id)?.score).toBe(8);
    await h.db.db.deleteFrom('ags_outbox').where('enrolment_id', '=', e.id).execute();
    await h.db.db.deleteFrom('score').where('enrolment_id', '=', e.id).execute();
    await h.db.db.deleteFrom('enrolment').where('id', '=', e.id).execute();
  });

  it('409 "earlier timestamp": the LMS holds something newer → conflict with the LMS value re-read, never looped', async () => {
    // ags/28-ags-score-student1-older-timestamp.json: 409 "Refusing score with an earlier timestamp …".
    h.platform.setGrade('2', itemOf(url).itemId, S[4]!.id, 2, { timestamp: new Date(Date.now() + 3600_000) });
    await save(f.math6A, col.id, [[S[4]!.id, '7']]);
    await drainAll();
    const row = (await outbox()).at(-1)!;
    expect(row).toMatchObject({ state: 'conflict', last_error_code: 'AGS_CONFLICT_NEWER', attempts: 1 });
    expect(row.last_error_message).toMatch(/Refusing score with an earlier timestamp/);
    expect(row.lms_result).toMatchObject({ resultScore: 2 });
    expect((await worker.drainOnce()).claimed).toBe(0);
    const a = (await (await hoa.get(`/lms-sync/${f.math6A}`)).json()) as any;
    const cell = a.columns.find((c: any) => c.columnId === col.id).cells.find((c: any) => c.enrolmentId === enr(S[4]!.id));
    expect(cell).toMatchObject({ ours: 7, lms: 2, differs: true, status: { state: 'conflict' } });
    expect(a.status.conflict).toBe(1);
  });

  it('malformed JSON from the platform (results): retried as AGS_MALFORMED, then recovered', async () => {
    h.platform.inject({ match: '/results', method: 'GET', status: 200, body: '[{"userId": ', times: 1 });
    await save(f.math6A, col.id, [[S[5]!.id, '6']]);
    const r = await worker.drainOnce();
    expect(r.retried).toBe(1);
    expect((await outbox()).at(-1)).toMatchObject({ last_error_code: 'AGS_MALFORMED' });
    await drainAll();
    expect(gradeOf(url, S[5]!.id)?.score).toBe(6);
  });

  it('token endpoint answers invalid JSON (unknown kid): typed AGS_TOKEN_FAILED carrying the raw reason', async () => {
    // token/12-token-unknown-kid.json: the body is not valid JSON.
    const fresh = new AgsClient(h.server.lti.provider, { timeoutMs: 400 });
    h.platform.inject({ match: '/token.php', status: 400, body: '{\n  "error" : ""kid" invalid, unable to lookup correct key"\n}', times: 1 });
    const t = await loadCourseTarget(h.db.db, f.math6A);
    await expect(fresh.token(t)).rejects.toMatchObject({ code: 'AGS_TOKEN_FAILED', reason: expect.stringContaining('unable to lookup correct key') });
  });

  it('a line item deleted in the LMS: failed AGS_LINEITEM_GONE, marked gone, publishing again recreates it', async () => {
    const t = await loadCourseTarget(h.db.db, f.math6A);
    const token = await client.token(t);
    // ags/58-ags-lineitem-delete.json → 204; ags/59-…-get-after-delete.json → 404 "Not Found: Grade item N doesn't exist".
    expect((await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    await save(f.math6A, col.id, [[S[0]!.id, '1']]);
    await drainAll();
    expect((await outbox()).at(-1)).toMatchObject({ state: 'failed', last_error_code: 'AGS_LINEITEM_GONE' });
    expect((await h.db.db.selectFrom('lms_line_item').select('gone_at').where('lineitem_url', '=', url).executeTakeFirstOrThrow()).gone_at).not.toBeNull();
    const p = await publish(col.id);
    expect(p.body.created).toBe(true);
    expect(p.body.lineitemUrl).not.toBe(url);
    url = p.body.lineitemUrl;
    await drainAll();
    expect(gradeOf(url, S[0]!.id)?.score).toBe(1);
  });

  it('a line item that was never ours is never touched (outbox row or import)', async () => {
    const manual = h.platform.addManualGradeItem('2', 'Điểm miệng HK1', 10);
    const typeId = h.platform.tool(h.clientId)!.typeId;
    const foreign = `${h.platform.url}/mod/lti/services.php/2/lineitems/${manual}/lineitem?type_id=${typeId}`;
    await h.db.db
      .insertInto('ags_outbox')
      .values({ school_id: h.schoolId, class_subject_id: f.math6A, column_id: col.id, enrolment_id: enr(S[0]!.id), lms_user_id: S[0]!.id, lineitem_url: foreign, payload: JSON.stringify({ tenths: 10, scoreMaximum: 10 }) })
      .execute();
    h.platform.resetStats();
    await drainAll();
    expect((await outbox()).at(-1)).toMatchObject({ state: 'failed', last_error_code: 'AGS_FOREIGN_LINEITEM' });
    expect(h.platform.stats().agsRequests).toBe(0);
    const res = await hoa.post(`/lms-sync/${f.math6A}/import`, { lineitemUrl: foreign, columnId: columns[2]!.id });
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('AGS_FOREIGN_LINEITEM');
  });
});

describe('import from the LMS', () => {
  it('lists only the tool’s items with an honest note, rescales to 0–10 (one decimal), writes through the audited grid path, names students without a result', async () => {
    const list = (await (await hoa.get(`/lms-sync/${f.math6A}/import`)).json()) as any;
    // ags/02-ags-lineitems-get.json: only the tool's activity item and its own items are listed.
    const activity = list.lineItems.find((i: any) => i.label === 'Sổ điểm điện tử');
    expect(activity).toBeTruthy();
    expect(list.lineItems.some((i: any) => i.tag === 'sodiem')).toBe(false);
    expect(list.noteVi).toMatch(/chỉ cho Sổ Điểm thấy/);
    const itemId = h.platform.gradebook('2').find((c) => c.label === 'Sổ điểm điện tử')!.itemId;
    h.platform.setGrade('2', itemId, S[0]!.id, 6.667);
    h.platform.setGrade('2', itemId, S[1]!.id, 9.25);
    const target = columns[3]!;
    const before = await auditCount(h, 'score.create');
    const res = await hoa.post(`/lms-sync/${f.math6A}/import`, { lineitemUrl: activity.id, columnId: target.id });
    expect(res.status).toBe(200);
    const out = (await res.json()) as any;
    expect(out.imported).toBe(2);
    expect(out.missing.map((m: any) => m.enrolmentId).sort()).toEqual([S[2], S[3], S[4], S[5]].map((s) => enr(s!.id)).sort());
    expect(await auditCount(h, 'score.create')).toBe(before + 2);
    const scores = await h.db.db.selectFrom('score').select(['enrolment_id', 'tenths']).where('column_id', '=', target.id).execute();
    expect(scores.find((s) => Number(s.enrolment_id) === enr(S[0]!.id))?.tenths).toBe(67);
    expect(scores.find((s) => Number(s.enrolment_id) === enr(S[1]!.id))?.tenths).toBe(93);
  });

  it('a course without AGS: the sync page says so (no error page); publishing is refused with AGS_NOT_CONFIGURED', async () => {
    const res = await hoa.get(`/lms-sync/${f.math7A}`, 'html');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('chưa bật dịch vụ điểm');
    const cols = (await view(hoa, f.math7A)).columns;
    const p = await hoa.post(`/lms-sync/${f.math7A}/columns/${cols[0]!.id}/publish`, {});
    expect(p.status).toBe(400);
    expect(((await p.json()) as any).error.code).toBe('AGS_NOT_CONFIGURED');
  });

  it('rescaling rounds half up to one decimal', () => {
    expect(rescaleToTenths(17, 20)).toBe(85);
    expect(rescaleToTenths(9.25, 10)).toBe(93);
    expect(rescaleToTenths(11, 10)).toBe(100);
    expect(rescaleToTenths(-1, 10)).toBe(0);
    expect(rescaleToTenths(5, 0)).toBeNull();
  });
});

describe('tokens and concurrency', () => {
  it('single-flight: 20 concurrent token requests from one process → 1 request to the LMS', async () => {
    const fresh = new AgsClient(h.server.lti.provider);
    const t = await loadCourseTarget(h.db.db, f.math6A);
    h.platform.resetStats();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => fresh.token(t)));
    expect(new Set(tokens).size).toBe(1);
    expect(h.platform.stats().tokenRequests).toBe(1);
  });

  it('two workers (two processes) draining at once send each score exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    const col = columns[4]!;
    const p = await publish(col.id);
    await drainAll();
    await save(f.math6A, col.id, S.map((s, i) => [s.id, String(i + 2)] as [string, string]));
    h.platform.resetStats();
    const w1 = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { batchSize: 2, concurrency: 2 });
    const w2 = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { batchSize: 2, concurrency: 2 });
    await Promise.all([w1.drainUntilIdle(), w2.drainUntilIdle()]);
    expect(h.platform.stats().scorePosts).toBe(S.length);
    expect(itemOf(p.body.lineitemUrl).grades.map((g) => g.score)).toEqual(S.map((_, i) => i + 2));
    const stuck = await sql<{ n: string }>`SELECT count(*) AS n FROM ags_outbox WHERE state IN ('pending','sending')`.execute(h.db.db);
    expect(Number(stuck.rows[0]!.n)).toBe(0);
  });
});

describe('recovery and duplicates', () => {
  it('two concurrent publishes of the same column create ONE line item', async () => {
    const col = columns[5]!;
    const [a, b] = await Promise.all([publish(col.id), publish(col.id)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.lineitemUrl).toBe(b.body.lineitemUrl);
    expect([a.body.created, b.body.created].filter(Boolean)).toHaveLength(1);
    expect(h.platform.gradebook('2').filter((c) => c.resourceId === resourceIdOf(col.id))).toHaveLength(1);
    await drainAll();
  });

  it('a row left in "sending" by a crashed process is claimed again after its lease, and sent once', async () => {
    const col = columns[5]!;
    const url = (await h.db.db.selectFrom('lms_line_item').select('lineitem_url').where('column_id', '=', col.id).executeTakeFirstOrThrow()).lineitem_url!;
    await save(f.math6A, col.id, [[S[0]!.id, '9,5']]);
    // Simulate a process that claimed the row and died before sending (lease already expired).
    await h.db.db.updateTable('ags_outbox').set({ state: 'sending', attempts: 1, locked_until: new Date(Date.now() - 1000) }).where('state', '=', 'pending').execute();
    h.platform.resetStats();
    await drainAll();
    expect(h.platform.stats().scorePosts).toBe(1);
    expect(gradeOf(url, S[0]!.id)?.score).toBe(9.5);
    // A live lease is left alone.
    await save(f.math6A, col.id, [[S[0]!.id, '9']]);
    await h.db.db.updateTable('ags_outbox').set({ state: 'sending', locked_until: new Date(Date.now() + 60_000) }).where('state', '=', 'pending').execute();
    expect((await worker.drainOnce()).claimed).toBe(0);
    await h.db.db.updateTable('ags_outbox').set({ state: 'pending', locked_until: null }).where('state', '=', 'sending').execute();
    await drainAll();
    expect(gradeOf(url, S[0]!.id)?.score).toBe(9);
  });
});

describe('agreement view', () => {
  it('shows LMS vs Sổ Điểm and re-publishes the differences in one action', async () => {
    const col = columns[4]!;
    const url = (await h.db.db.selectFrom('lms_line_item').select('lineitem_url').where('column_id', '=', col.id).executeTakeFirstOrThrow()).lineitem_url!;
    // Someone changed a grade in Moodle (older timestamp than now, so our re-publish wins).
    h.platform.setGrade('2', itemOf(url).itemId, S[0]!.id, 1, { timestamp: new Date(Date.now() - 1000) });
    const a = (await (await hoa.get(`/lms-sync/${f.math6A}`)).json()) as any;
    const c = a.columns.find((x: any) => x.columnId === col.id);
    expect(c.cells.filter((x: any) => x.differs).map((x: any) => x.enrolmentId)).toEqual([enr(S[0]!.id)]);
    const html = await (await hoa.get(`/lms-sync/${f.math6A}`, 'html')).text();
    expect(html).toContain('Đối chiếu LMS');
    expect(html).toContain('chỉ cho Sổ Điểm thấy');
    const r = (await (await hoa.post(`/lms-sync/${f.math6A}/republish`, {})).json()) as any;
    expect(r.queued).toBeGreaterThanOrEqual(1);
    await drainAll();
    expect(gradeOf(url, S[0]!.id)?.score).toBe(2);
  });

  it('logs carry no personal data', () => {
    for (const l of h.logs) for (const s of S) expect(l).not.toContain(s.familyName);
  });
});
