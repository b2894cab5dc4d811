import { randomBytes } from 'node:crypto';
import { startServer } from '../src/server';
import { registerPlatform } from '../src/lti/platform-registry';
import { startPlatform } from '../test/support/platform';
import { AgsClient } from '../src/lms-sync/ags-client';
import { OutboxWorker } from '../src/lms-sync/worker';
import { enqueueScorePush, loadCourseTarget } from '../src/lms-sync/outbox';
import { ensureLineItem } from '../src/lms-sync/service';
import { openDatabase } from '../src/db/database';
import { benchConfig, benchDatabase, type BenchResult } from './support';

/**
 * AGS publishing against the Moodle-true test platform over real HTTP (app and platform in this process):
 * (a) publish a 45-score column end to end: line item created, 45 scores queued, worker drains, all stored;
 * (b) 1,000 queued scores (40 students × 25 published columns) drained with the platform answering each
 *     score POST after 50 ms: throughput and the number of token requests;
 * (c) the same with the LMS answering at once (our own cost per score);
 * (d) 1,000 queued scores drained by two workers on two connection pools (two app processes) sharing the
 *     access token through PostgreSQL, token endpoint answering in 300 ms: token requests between them.
 */
export async function benchAgs(): Promise<BenchResult> {
  process.env.SODIEM_AGS_WORKER = 'off';
  const bdb = await benchDatabase();
  const db = bdb.database.db;
  const config = await benchConfig();
  const server = await startServer(config, bdb.database, { log: () => undefined });
  const platform = await startPlatform({ host: '127.0.0.1' });
  const lines: string[] = [];
  try {
    const toolUrl = config.publicUrl;
    const clientId = `bench-${randomBytes(4).toString('hex')}`;
    const tool = platform.registerTool({ clientId, deploymentId: '1', loginUrl: `${toolUrl}/lti/login`, redirectUris: [`${toolUrl}/lti/`], targetLinkUri: `${toolUrl}/lti/`, jwksUrl: `${toolUrl}/lti/keys` });
    const school = await db.insertInto('school').values({ code: 'BA', name: 'Bench AGS', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
    const schoolId = Number(school.id);
    await registerPlatform(server.lti.provider, db, { schoolId, issuer: platform.issuer, clientId, name: 'Moodle (bench)', authEndpoint: platform.endpoints.auth, tokenEndpoint: platform.endpoints.token, jwksUrl: platform.endpoints.jwks, deploymentIds: ['1'] }, { via: 'manual', active: true, actor: null });
    platform.addCourse({ id: '2', shortname: '6A', fullname: 'Lop 6A', idnumber: '6A' });
    const dep = await db.selectFrom('lti_deployment').select('id').where('school_id', '=', schoolId).executeTakeFirstOrThrow();
    platform.addCourse({ id: '3', shortname: '6B', fullname: 'Lop 6B', idnumber: '6B' });
    const courseLink = async (course: string) =>
      db.insertInto('course_link').values({ school_id: schoolId, deployment_id: dep.id, context_id: course, custom: '{}', lineitems_url: `${platform.url}/mod/lti/services.php/${course}/lineitems?type_id=${tool.typeId}` }).returning('id').executeTakeFirstOrThrow();
    const year = await db.insertInto('school_year').values({ school_id: schoolId, name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', regime_overrides: '{}' }).returning('id').executeTakeFirstOrThrow();
    const term = await db.insertInto('term').values({ school_year_id: year.id, code: 'HK1', start_date: '2024-09-05', end_date: '2025-01-15' }).returning('id').executeTakeFirstOrThrow();
    const subj = await db.insertInto('subject').values({ school_id: schoolId, code: 'TOAN', name: 'Toán' }).returning('id').executeTakeFirstOrThrow();
    let uid = 100;
    const makeClass = async (name: string, course: string, students: number, columns: number) => {
      const link = await courseLink(course);
      const k = await db.insertInto('class').values({ school_id: schoolId, school_year_id: year.id, name, grade: 6 }).returning('id').executeTakeFirstOrThrow();
      const cs = await db.insertInto('class_subject').values({ class_id: k.id, subject_id: subj.id, assessment: 'scored', periods_per_week: '4', periods_per_year: 140, course_link_id: link.id }).returning('id').executeTakeFirstOrThrow();
      const enrolments: number[] = [];
      for (let i = 0; i < students; i++) {
        const id = String(uid++);
        platform.addUser({ id, username: `hs${id}`, givenName: `An ${id}`, familyName: 'Nguyễn' });
        platform.enrol(course, id, 'student');
        const p = await db.insertInto('person').values({ school_id: schoolId, deployment_id: dep.id, lms_user_id: id, family_name: 'Nguyễn', given_name: `An ${id}`, display_name: `Nguyễn An ${id}` }).returning('id').executeTakeFirstOrThrow();
        enrolments.push(Number((await db.insertInto('enrolment').values({ class_id: k.id, person_id: p.id, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow()).id));
      }
      const cols: number[] = [];
      for (let c = 0; c < columns; c++) {
        const col = await db.insertInto('assessment_column').values({ class_subject_id: cs.id, term_id: term.id, kind: 'regular', position: c + 1, coefficient: 1, value_type: 'score', form: null, label: `ĐĐGtx ${c + 1}`, lineitem_url: null }).returning('id').executeTakeFirstOrThrow();
        cols.push(Number(col.id));
        await db.insertInto('score').values(enrolments.map((e, i) => ({ column_id: col.id, enrolment_id: e, tenths: 50 + ((i * 7 + c) % 51), rating: null, updated_by: null }))).execute();
      }
      return { csId: Number(cs.id), enrolments, cols };
    };
    const a = await makeClass('6A', '2', 45, 1);
    const b = await makeClass('6B', '3', 40, 25);

    // (a) publish a 45-score column end to end.
    {
      const client = new AgsClient(server.lti.provider);
      const worker = new OutboxWorker(db, client);
      platform.resetStats();
      const t0 = performance.now();
      const target = await loadCourseTarget(db, a.csId);
      await ensureLineItem(db, client, target, { id: a.cols[0]!, label: 'ĐĐGtx 1' }, 'Toán 6A — ĐĐGtx 1');
      await db.transaction().execute((trx) => enqueueScorePush(trx, a.enrolments.map((e) => ({ columnId: a.cols[0]!, enrolmentId: e }))));
      const r = await worker.drainUntilIdle();
      const ms = performance.now() - t0;
      const stored = platform.gradebook('2').find((c) => c.label === 'Toán 6A — ĐĐGtx 1')!.grades.filter((g) => g.score !== null).length;
      const s = platform.stats();
      lines.push(`(a) publish one 45-score column end to end: ${ms.toFixed(0)} ms (target < 2000 ms); sent ${r.sent}, stored in LMS ${stored}; token requests ${s.tokenRequests}, AGS requests ${s.agsRequests} (1 lineitems GET + 1 POST + 1 results GET + ${s.scorePosts} score POSTs)`);
    }

    // (b) 1,000 queued scores, platform answering every score POST in 50 ms.
    {
      const client = new AgsClient(server.lti.provider);
      const target = await loadCourseTarget(db, b.csId);
      for (const [i, c] of b.cols.entries()) await ensureLineItem(db, client, target, { id: c, label: `ĐĐGtx ${i + 1}` }, `Toán 6B — ĐĐGtx ${i + 1}`);
      await db.transaction().execute((trx) => enqueueScorePush(trx, b.cols.flatMap((c) => b.enrolments.map((e) => ({ columnId: c, enrolmentId: e })))));
      const queued = Number((await db.selectFrom('ags_outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('state', '=', 'pending').executeTakeFirstOrThrow()).n);
      platform.inject({ match: '/scores', method: 'POST', delayMs: 50 });
      for (const concurrency of [8, 16]) {
        if (concurrency === 16) {
          // Re-queue the same 1,000 (new values) for the second run.
          await db.updateTable('score').set((eb) => ({ tenths: eb('tenths', '-', 1) })).where('column_id', 'in', b.cols).execute();
          await db.transaction().execute((trx) => enqueueScorePush(trx, b.cols.flatMap((c) => b.enrolments.map((e) => ({ columnId: c, enrolmentId: e })))));
          await new Promise((r) => setTimeout(r, 1100)); // next whole second: timestamps strictly increase per user
        }
        const tokensBefore = client.stats.tokenRequests;
        platform.resetStats();
        const worker = new OutboxWorker(db, client, { concurrency, batchSize: 200 });
        const t0 = performance.now();
        const r = await worker.drainUntilIdle();
        const s = (performance.now() - t0) / 1000;
        const st = platform.stats();
        lines.push(
          `(b) ${queued} queued scores, LMS answering in 50 ms, concurrency ${concurrency}: ${s.toFixed(2)} s → ${(r.sent / s).toFixed(0)} scores/s; sent ${r.sent}, retried ${r.retried}, failed ${r.failed}, conflicts ${r.conflicts}, deferred ${r.deferred}; score POSTs ${st.scorePosts}; token requests during the drain ${st.tokenRequests} (this client: ${tokensBefore} before, for the line-item set-up)`,
        );
      }
      platform.clearFaults();
      // (c) the same 1,000 with the platform answering at once: the tool-side cost per score (DB + HTTP + the in-process platform).
      await db.updateTable('score').set((eb) => ({ tenths: eb('tenths', '+', 1) })).where('column_id', 'in', b.cols).execute();
      await db.transaction().execute((trx) => enqueueScorePush(trx, b.cols.flatMap((c) => b.enrolments.map((e) => ({ columnId: c, enrolmentId: e })))));
      await new Promise((r) => setTimeout(r, 1100));
      const w = new OutboxWorker(db, client, { concurrency: 8, batchSize: 200 });
      const t0 = performance.now();
      const r = await w.drainUntilIdle();
      const sec = (performance.now() - t0) / 1000;
      lines.push(`(c) same 1,000, LMS answering at once, concurrency 8: ${sec.toFixed(2)} s → ${(r.sent / sec).toFixed(0)} scores/s (sent ${r.sent}) — the per-score overhead on top of the LMS latency`);
    }
    // (d) two app processes (two pools, two clients, two workers), no token yet anywhere.
    {
      await db.deleteFrom('ags_access_token').execute();
      await db.updateTable('score').set((eb) => ({ tenths: eb('tenths', '-', 1) })).where('column_id', 'in', b.cols).execute();
      await db.transaction().execute((trx) => enqueueScorePush(trx, b.cols.flatMap((c) => b.enrolments.map((e) => ({ columnId: c, enrolmentId: e })))));
      await new Promise((r) => setTimeout(r, 1100));
      const other = openDatabase(bdb.url, { max: 10 });
      try {
        platform.inject({ match: '/scores', method: 'POST', delayMs: 50 });
        platform.inject({ match: '/token.php', delayMs: 300 });
        platform.resetStats();
        const w1 = new OutboxWorker(db, new AgsClient(server.lti.provider), { concurrency: 8, batchSize: 100 });
        const w2 = new OutboxWorker(other.db, new AgsClient(server.lti.provider), { concurrency: 8, batchSize: 100 });
        const t0 = performance.now();
        const [r1, r2] = await Promise.all([w1.drainUntilIdle(), w2.drainUntilIdle()]);
        const sec = (performance.now() - t0) / 1000;
        const st = platform.stats();
        lines.push(
          `(d) 1,000 queued, two processes (2 pools × concurrency 8), LMS 50 ms, token endpoint 300 ms: ${sec.toFixed(2)} s → ${((r1.sent + r2.sent) / sec).toFixed(0)} scores/s (sent ${r1.sent} + ${r2.sent}); score POSTs ${st.scorePosts}; token requests between the two: ${st.tokenRequests} (shared through PostgreSQL under an advisory lock)`,
        );
      } finally {
        platform.clearFaults();
        await other.close();
      }
    }
  } finally {
    await server.close();
    await platform.close();
    await bdb.close();
  }
  return { name: 'AGS publishing (outbox → Moodle-true platform)', lines };
}
