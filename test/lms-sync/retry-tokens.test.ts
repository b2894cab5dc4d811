/**
 * Retry-After on 429/503 (seconds or an HTTP date, bounded) and the access token shared by several app
 * processes (PostgreSQL + advisory lock), against the Moodle-true test platform over real HTTP. Moodle
 * itself sends no Retry-After; a rate-limiting proxy in front of it does — the platform's fault injection
 * plays that proxy.
 */
process.env.SODIEM_AGS_WORKER = 'off'; // the tests drive the worker themselves

import { createHash } from 'node:crypto';
import { openDatabase, type Database } from '../../src/db/database';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { AgsClient, parseRetryAfter } from '../../src/lms-sync/ags-client';
import { OutboxWorker } from '../../src/lms-sync/worker';
import { loadCourseTarget } from '../../src/lms-sync/outbox';

let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let columns: Array<{ id: number; label: string }>;
let second: Database;

const S = STUDENTS;
const enr = (userId: string) => f.enrolment.get(userId)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outbox = () => h.db.db.selectFrom('ags_outbox').selectAll().orderBy('id').execute();

async function view(csId: number) {
  const res = await hoa.get(`/grid/${csId}?term=HK1`);
  expect(res.status).toBe(200);
  return (await res.json()) as { columns: Array<{ id: number; label: string }>; rows: Array<{ enrolmentId: number; cells: Record<string, { version: number }> }> };
}
async function save(columnId: number, values: Array<[string, string]>) {
  const v = await view(f.math6A);
  const changes = values.map(([userId, value]) => ({ columnId, enrolmentId: enr(userId), value, version: v.rows.find((r) => r.enrolmentId === enr(userId))!.cells[String(columnId)]?.version ?? 0 }));
  expect((await hoa.post(`/grid/${f.math6A}/scores`, { changes })).status).toBe(200);
}
const gradeOf = (url: string, userId: string) => h.platform.gradebook('2').find((c) => url.includes(`/lineitems/${c.itemId}/lineitem`))!.grades.find((g) => g.userId === userId);
async function drainAll(w: OutboxWorker, rounds = 30) {
  for (let i = 0; i < rounds; i++) {
    await w.drainUntilIdle();
    const left = await h.db.db.selectFrom('ags_outbox').select('id').where('state', 'in', ['pending', 'sending']).execute();
    if (!left.length) return;
    await sleep(250);
  }
}
/** ms from now until the row may be tried again. */
const waitOf = (row: { next_attempt_at: Date }) => new Date(row.next_attempt_at).getTime() - Date.now();

let url: string;
beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  hoa = await launchAs(h, T_HOA.id);
  const typeId = h.platform.tool(h.clientId)!.typeId;
  const link = await h.db.db.selectFrom('course_link').select('id').where('context_id', '=', '2').executeTakeFirstOrThrow();
  await h.db.db.updateTable('course_link').set({ lineitems_url: `${h.platform.url}/mod/lti/services.php/2/lineitems?type_id=${typeId}` }).where('id', '=', link.id).execute();
  await h.db.db.updateTable('class_subject').set({ course_link_id: link.id }).where('id', '=', f.math6A).execute();
  columns = (await view(f.math6A)).columns;
  const p = await hoa.post(`/lms-sync/${f.math6A}/columns/${columns[0]!.id}/publish`, {});
  expect(p.status).toBe(200);
  url = ((await p.json()) as { lineitemUrl: string }).lineitemUrl;
  // A second app process's own connection pool on the same database.
  second = openDatabase(h.db.url, { max: 3 });
}, 60_000);
afterAll(async () => {
  await second?.close();
  await h?.close();
});

describe('Retry-After (429/503)', () => {
  afterEach(() => h.platform.clearFaults());

  it('parses delay-seconds and HTTP dates; anything else is ignored', () => {
    const now = Date.parse('Mon, 23 Nov 2026 20:00:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 23 Nov 2026 20:00:30 GMT', now)).toBe(30_000);
    // A date already past: retry at once (never a negative delay).
    expect(parseRetryAfter('Mon, 23 Nov 2026 19:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('2026-11-23', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('429 with Retry-After: 2 → the row waits 2 s (not the 20 ms backoff) and the rest of the batch waits too, without a request', async () => {
    const w = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { backoffMs: 20, concurrency: 1 });
    h.platform.inject({ match: '/scores', method: 'POST', status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '2' }, times: 1 });
    await save(columns[0]!.id, [[S[0]!.id, '8'], [S[1]!.id, '7']]);
    h.platform.resetStats();
    const r = await w.drainOnce();
    expect(r).toMatchObject({ claimed: 2, retried: 1, deferred: 1, sent: 0 });
    expect(h.platform.stats().scorePosts).toBe(1); // the second row was not sent into the rate limit
    const rows = (await outbox()).slice(-2);
    for (const row of rows) {
      expect(row.state).toBe('pending');
      expect(waitOf(row)).toBeGreaterThan(1500);
      expect(waitOf(row)).toBeLessThanOrEqual(2100);
    }
    expect(rows.find((x) => x.last_error_code !== null)).toMatchObject({ last_error_code: 'AGS_RATE_LIMITED', last_error_message: 'Too Many Requests', attempts: 1 });
    // The deferred row did not spend an attempt.
    expect(rows.find((x) => x.last_error_code === null)!.attempts).toBe(0);
    expect((await w.drainOnce()).claimed).toBe(0); // nothing due yet
    await sleep(2100);
    await drainAll(w);
    expect(gradeOf(url, S[0]!.id)?.score).toBe(8);
    expect(gradeOf(url, S[1]!.id)?.score).toBe(7);
  });

  it('503 with Retry-After as an HTTP date → waits until that date', async () => {
    const w = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { backoffMs: 20 });
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    h.platform.inject({ match: '/scores', method: 'POST', status: 503, statusText: 'Service Unavailable', headers: { 'Retry-After': at.toUTCString() }, times: 1 });
    await save(columns[0]!.id, [[S[2]!.id, '6']]);
    expect((await w.drainOnce()).retried).toBe(1);
    const row = (await outbox()).at(-1)!;
    expect(row).toMatchObject({ state: 'pending', last_error_code: 'AGS_SERVER_ERROR' });
    // Not before the date (whole seconds, so at most 1 s of it may already have passed).
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThanOrEqual(at.getTime() - 50);
    expect(new Date(row.next_attempt_at).getTime()).toBeLessThanOrEqual(at.getTime() + 1000);
    await sleep(Math.max(0, at.getTime() - Date.now()) + 100);
    await drainAll(w);
    expect(gradeOf(url, S[2]!.id)?.score).toBe(6);
  });

  it('a huge Retry-After is bounded (maxRetryAfterMs); a malformed one falls back to the backoff', async () => {
    const w = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { backoffMs: 20, maxRetryAfterMs: 1500 });
    h.platform.inject({ match: '/scores', method: 'POST', status: 429, headers: { 'Retry-After': '86400' }, times: 1 });
    await save(columns[0]!.id, [[S[3]!.id, '5']]);
    expect((await w.drainOnce()).retried).toBe(1);
    const wait = waitOf((await outbox()).at(-1)!);
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(1500);
    await sleep(1600);
    await drainAll(w);
    expect(gradeOf(url, S[3]!.id)?.score).toBe(5);

    const w2 = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { backoffMs: 20 });
    await sleep(1000); // S[3] had a score this second: the next one must be later
    h.platform.inject({ match: '/scores', method: 'POST', status: 429, headers: { 'Retry-After': 'later please' }, times: 1 });
    await save(columns[0]!.id, [[S[3]!.id, '4,5']]);
    expect((await w2.drainOnce()).retried).toBe(1);
    expect(waitOf((await outbox()).at(-1)!)).toBeLessThan(500);
    await drainAll(w2);
    expect(gradeOf(url, S[3]!.id)?.score).toBe(4.5);
  });

  it('a 429 with Retry-After from the token endpoint is typed AGS_RATE_LIMITED and carries the delay', async () => {
    const fresh = new AgsClient(h.server.lti.provider);
    h.platform.inject({ match: '/token.php', status: 429, statusText: 'Too Many Requests', headers: { 'Retry-After': '7' }, times: 1 });
    const t = await loadCourseTarget(h.db.db, f.math6A);
    await expect(fresh.token(t)).rejects.toMatchObject({ code: 'AGS_RATE_LIMITED', retryAfterMs: 7000, retryable: true });
  });
});

describe('access token shared by several processes', () => {
  afterEach(() => h.platform.clearFaults());

  it('two workers on two connection pools (two processes) make ONE token request between them', async () => {
    await h.db.db.deleteFrom('ags_access_token').execute();
    const w1 = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider), { backoffMs: 20, batchSize: 2, concurrency: 2 });
    const w2 = new OutboxWorker(second.db, new AgsClient(h.server.lti.provider), { backoffMs: 20, batchSize: 2, concurrency: 2 });
    await sleep(1000); // earlier tests sent to these students this second
    await save(columns[0]!.id, S.map((s, i) => [s.id, String(i + 1)] as [string, string]));
    // A slow token endpoint: both processes need a token at the same moment.
    h.platform.inject({ match: '/token.php', delayMs: 300 });
    h.platform.resetStats();
    await Promise.all([w1.drainUntilIdle(), w2.drainUntilIdle()]);
    expect(h.platform.stats().tokenRequests).toBe(1);
    expect(h.platform.stats().scorePosts).toBe(S.length);
    expect(w1.client.stats.tokenRequests + w2.client.stats.tokenRequests).toBe(1);
    for (const [i, s] of S.entries()) expect(gradeOf(url, s.id)?.score).toBe(i + 1);
  });

  it('the stored token is sealed (never in clear), with its SHA-256 and expiry; a third process reuses it', async () => {
    const row = await h.db.db.selectFrom('ags_access_token').selectAll().executeTakeFirstOrThrow();
    const t = await loadCourseTarget(h.db.db, f.math6A);
    const third = new AgsClient(h.server.lti.provider);
    expect(third.shareTokensThrough(second.db)).toBe(true);
    h.platform.resetStats();
    const token = await third.token(t);
    expect(h.platform.stats().tokenRequests).toBe(0);
    expect(JSON.stringify(row.sealed)).not.toContain(token);
    expect(row.token_sha256).toBe(createHash('sha256').update(token).digest('hex'));
    // Moodle tokens live 3600 s (token/02-token-all-scopes.json: expires_in 3600).
    const ttl = new Date(row.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(3500_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
    for (const l of h.logs) expect(l).not.toContain(token);
  });

  it('a 401 drops the shared token: one new token for everyone, not one per process', async () => {
    const t = await loadCourseTarget(h.db.db, f.math6A);
    const a = new AgsClient(h.server.lti.provider);
    const b = new AgsClient(h.server.lti.provider);
    a.shareTokensThrough(h.db.db);
    b.shareTokensThrough(second.db);
    const old = await a.token(t);
    expect(await b.token(t)).toBe(old);
    h.platform.resetStats();
    // The LMS refuses the token once (revoked): a's call drops it and fetches one new token.
    h.platform.inject({ match: '/results', method: 'GET', status: 401, statusText: 'Unauthorized', times: 1 });
    await a.results(t, url);
    expect(h.platform.stats().tokenRequests).toBe(1);
    const fresh = await a.token(t);
    expect(fresh).not.toBe(old);
    // b still holds the old one in memory; on its own 401 it drops only that one (by hash) and reads a's.
    await b.invalidate(t, old);
    expect(await b.token(t)).toBe(fresh);
    expect(h.platform.stats().tokenRequests).toBe(1);
  });

  it('a token about to expire (inside the 60 s margin) is not handed out: one process fetches a new one', async () => {
    await h.db.db.updateTable('ags_access_token').set({ expires_at: new Date(Date.now() + 30_000) }).execute();
    const t = await loadCourseTarget(h.db.db, f.math6A);
    const c = new AgsClient(h.server.lti.provider);
    const d = new AgsClient(h.server.lti.provider);
    c.shareTokensThrough(h.db.db);
    d.shareTokensThrough(second.db);
    h.platform.inject({ match: '/token.php', delayMs: 200 });
    h.platform.resetStats();
    const [x, y] = await Promise.all([c.token(t), d.token(t)]);
    expect(x).toBe(y);
    expect(h.platform.stats().tokenRequests).toBe(1);
  });

  it('a sealed token the KEK cannot open (tampered) is replaced, not used', async () => {
    await h.db.db.updateTable('ags_access_token').set({ sealed: JSON.stringify({ v: 1, iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', data: 'AAAA' }) }).execute();
    const t = await loadCourseTarget(h.db.db, f.math6A);
    const c = new AgsClient(h.server.lti.provider);
    c.shareTokensThrough(h.db.db);
    h.platform.resetStats();
    const token = await c.token(t);
    expect(h.platform.stats().tokenRequests).toBe(1);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
  });
});
