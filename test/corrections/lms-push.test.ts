/**
 * Issue 8 §3 end to end: applying a correction on a column published to the LMS queues the corrected
 * score in the AGS outbox in the same transaction, and the LMS worker (src/lms-sync/worker.ts) then
 * delivers it to our Moodle-true platform, which holds the corrected score afterwards. A correction on
 * a column that is not published queues nothing.
 */
process.env.SODIEM_AGS_WORKER = 'off'; // the test drives the worker itself

import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { AgsClient } from '../../src/lms-sync/ags-client';
import { OutboxWorker } from '../../src/lms-sync/worker';

let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let tuan: Client;
let lan: Client;
let worker: OutboxWorker;
let gk: number;
let tx1: number;
let lineitemUrl: string;

const binh = () => f.enrolment.get(STUDENTS[1]!.id)!;
const BINH_LMS = STUDENTS[1]!.id;

async function post(c: Client, p: string, body: unknown = {}) {
  const res = await c.post(p, body);
  return { status: res.status, body: (await res.json()) as any };
}
const gradeOf = (userId: string) => h.platform.gradebook('2').find((c) => lineitemUrl.includes(`/lineitems/${c.itemId}/lineitem`))?.grades.find((g) => g.userId === userId);
const outboxOf = (enrolmentId: number) => h.db.db.selectFrom('ags_outbox').selectAll().where('enrolment_id', '=', enrolmentId).orderBy('id').execute();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function drainAll() {
  for (let i = 0; i < 20; i++) {
    await worker.drainUntilIdle();
    const left = await h.db.db.selectFrom('ags_outbox').select('id').where('state', 'in', ['pending', 'sending']).execute();
    if (!left.length) return;
    await sleep(250);
  }
}

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, tuan, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  // Toán 6A is the Moodle course 2 with AGS (the line items URL Moodle sends at launch).
  const typeId = h.platform.tool(h.clientId)!.typeId;
  const link = await h.db.db.selectFrom('course_link').select('id').where('context_id', '=', '2').executeTakeFirstOrThrow();
  await h.db.db.updateTable('course_link').set({ lineitems_url: `${h.platform.url}/mod/lti/services.php/2/lineitems?type_id=${typeId}`, class_id: f.class6A }).where('id', '=', link.id).execute();
  await h.db.db.updateTable('class_subject').set({ course_link_id: link.id }).where('id', '=', f.math6A).execute();
  worker = new OutboxWorker(h.db.db, new AgsClient(h.server.lti.provider, { timeoutMs: 2_000 }), { backoffMs: 20, maxAttempts: 4, concurrency: 2 });
  const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as { columns: Array<{ id: number; label: string }> };
  gk = v.columns.find((c) => c.label === 'ĐĐGgk')!.id;
  tx1 = v.columns.find((c) => c.label === 'ĐĐGtx 1')!.id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('a correction on a column published to the LMS', () => {
  it('the mid-term mark 7,5 is published and delivered, then the column locks', async () => {
    expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: gk, enrolmentId: binh(), value: '7,5', version: 0 }, { columnId: tx1, enrolmentId: binh(), value: '6', version: 0 }] })).status).toBe(200);
    const pub = await post(hoa, `/lms-sync/${f.math6A}/columns/${gk}/publish`);
    expect(pub.status).toBe(200);
    lineitemUrl = pub.body.lineitemUrl;
    await drainAll();
    expect(gradeOf(BINH_LMS)?.score).toBe(7.5);
    await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Giữa học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['midterm', 'regular'] }).execute();
  });

  it('applying the correction 7,5 → 9 queues the corrected score with it; the worker delivers 9 to the LMS', async () => {
    const id = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '9', reasonCode: 'regrade', reasonText: 'Phúc khảo' })).body.id;
    expect((await post(tuan, `/corrections/${id}/confirm`)).body.state).toBe('confirmed');
    expect((await post(lan, `/corrections/${id}/approve`)).body.state).toBe('approved');
    // Nothing is waiting for this student before the correction is applied.
    expect((await outboxOf(binh())).filter((r) => r.state === 'pending')).toHaveLength(0);
    const applied = await post(lan, `/corrections/${id}/apply`);
    expect(applied.body.state).toBe('applied');
    expect(applied.body.links.lmsPush).toEqual({ status: 'queued', queued: 1 });
    const pending = (await outboxOf(binh())).filter((r) => r.state === 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ column_id: gk, lineitem_url: lineitemUrl, lms_user_id: BINH_LMS });
    expect((pending[0]!.payload as { tenths: number }).tenths).toBe(90);
    // The LMS still has the old score until the worker runs.
    expect(gradeOf(BINH_LMS)?.score).toBe(7.5);
    await drainAll();
    expect(gradeOf(BINH_LMS)?.score).toBe(9);
    expect((await outboxOf(binh())).every((r) => r.state === 'sent')).toBe(true);
  });

  it('a correction on a column that is not published queues nothing', async () => {
    const id = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: tx1, enrolmentId: binh(), value: '7', reasonCode: 'entry_error', reasonText: '' })).body.id;
    await post(tuan, `/corrections/${id}/confirm`);
    await post(lan, `/corrections/${id}/approve`);
    const before = (await h.db.db.selectFrom('ags_outbox').select('id').execute()).length;
    const applied = await post(lan, `/corrections/${id}/apply`);
    expect(applied.body.state).toBe('applied');
    expect(applied.body.links.lmsPush).toEqual({ status: 'not_published', queued: 0 });
    expect((await h.db.db.selectFrom('ags_outbox').select('id').execute()).length).toBe(before);
  });
});
