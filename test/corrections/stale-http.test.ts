/**
 * Issue 8 — stale requests through real HTTP. A request names the cell's value (and version) when it
 * was sent; if the cell changes meanwhile — another correction applied on it, or a re-entry after the
 * deadline was moved — the open request is shown as stale with the current value (lists, detail, home
 * notifications of the homeroom teacher, the principal and the requester) and can only be withdrawn
 * or rejected: confirming, approving and applying refuse it with nothing changed.
 */
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let tuan: Client;
let lan: Client;
let gk: number;
let pointId: number;

const binh = () => f.enrolment.get(STUDENTS[1]!.id)!;
async function post(c: Client, p: string, body: unknown = {}) {
  const res = await c.post(p, body);
  return { status: res.status, body: (await res.json()) as any };
}
async function getJson(c: Client, p: string) {
  const res = await c.get(p);
  return { status: res.status, body: (await res.json()) as any };
}
const html = async (c: Client, p: string) => (await c.get(p, 'html')).text();
const request = async (value: string) => {
  const r = await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value, reasonCode: 'entry_error', reasonText: '' });
  expect(r.status).toBe(201);
  return r.body.id as number;
};
const stateOf = async (id: number) => (await h.db.db.selectFrom('correction_request').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
const cell = () => h.db.db.selectFrom('score').select(['tenths', 'version']).where('column_id', '=', gk).where('enrolment_id', '=', binh()).executeTakeFirstOrThrow();
/** The deadline moved (by the principal) so the teacher re-enters the cell through the grid, then it passes again. */
async function reEnter(value: string) {
  await h.db.db.updateTable('update_point').set({ deadline: new Date(Date.now() + 3_600_000) }).where('id', '=', pointId).execute();
  const c = await cell();
  expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: gk, enrolmentId: binh(), value, version: c.version }] })).status).toBe(200);
  await h.db.db.updateTable('update_point').set({ deadline: new Date(Date.now() - 60_000) }).where('id', '=', pointId).execute();
}
const item = (list: any[], id: number) => list.find((c) => c.id === id);

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, tuan, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  await h.db.db.updateTable('course_link').set({ class_id: f.class6A }).where('school_id', '=', h.schoolId).execute();
  const v = (await getJson(hoa, `/grid/${f.math6A}?term=HK1`)).body;
  gk = v.columns.find((c: any) => c.label === 'ĐĐGgk').id;
  expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: gk, enrolmentId: binh(), value: '7,5', version: 0 }] })).status).toBe(200);
  pointId = Number((await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Giữa học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['midterm'] }).returning('id').executeTakeFirstOrThrow()).id);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('another correction applied on the same cell', () => {
  let a: number;
  let b: number;

  it('two requests on 7,5 (→ 8 and → 6), both confirmed; applying the first makes the second stale', async () => {
    a = await request('8');
    b = await request('6');
    for (const id of [a, b]) expect((await post(tuan, `/corrections/${id}/confirm`)).body.state).toBe('confirmed');
    // Before: neither is stale.
    expect(item((await getJson(lan, '/corrections')).body.toDecide, b)).toMatchObject({ stale: false, currentText: '7,5' });
    expect((await post(lan, `/corrections/${a}/approve`)).body.state).toBe('approved');
    expect((await post(lan, `/corrections/${a}/apply`)).body.state).toBe('applied');
    expect((await cell()).tenths).toBe(80);
  });

  it('the lists show it as stale with the current value 8; the applied one is not stale', async () => {
    const l = (await getJson(lan, '/corrections')).body;
    expect(item(l.toDecide, b)).toMatchObject({ stale: true, currentText: '8', state: 'confirmed' });
    expect(item(l.all, b)).toMatchObject({ stale: true, currentText: '8' });
    expect(item(l.all, a)).toMatchObject({ stale: false, state: 'applied' });
    expect(item((await getJson(hoa, '/corrections')).body.mine, b)).toMatchObject({ stale: true, currentText: '8' });
    const list = await html(lan, '/corrections');
    expect(list).toContain('Lỗi thời');
    expect(list).toContain('điểm hiện tại là <strong>8</strong>');
  });

  it('the home notifications of the principal and of the requester say so', async () => {
    const principalHome = await html(lan, '/home');
    expect(principalHome).toContain(`/corrections/${b}`);
    expect(principalHome).toMatch(/lỗi thời<\/strong>: điểm hiện tại 8, chỉ có thể rút hoặc không duyệt/);
    const requesterHome = await html(hoa, '/home');
    expect(requesterHome).toMatch(/lỗi thời<\/strong>: điểm hiện tại 8, hãy rút đề nghị/);
  });

  it('the detail offers only "reject" to the principal and "withdraw" to the requester, and explains why', async () => {
    const d = await getJson(lan, `/corrections/${b}`);
    expect(d.body).toMatchObject({ stale: true, currentText: '8', oldText: '7,5', actions: ['reject'] });
    expect((await getJson(hoa, `/corrections/${b}`)).body.actions).toEqual(['withdraw']);
    const page = await html(lan, `/corrections/${b}`);
    expect(page).toContain('Đề nghị đã lỗi thời');
    expect(page).toContain('hiện tại là <b>8</b>');
    expect(page).not.toContain(`/corrections/${b}/approve`);
  });

  it('approving it is refused with the values, nothing changed', async () => {
    const audits = await auditCount(h);
    const r = await post(lan, `/corrections/${b}/approve`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CORRECTION_STALE');
    expect(r.body.error.message).toMatch(/lúc gửi: "7,5", hiện tại: "8"/);
    expect(await auditCount(h)).toBe(audits);
    expect(await stateOf(b)).toBe('confirmed');
  });

  it('the principal rejects it (with a comment); once closed it is no longer flagged', async () => {
    expect((await post(lan, `/corrections/${b}/reject`, { comment: 'Ô điểm đã được sửa theo đề nghị khác' })).body.state).toBe('rejected');
    expect(item((await getJson(lan, '/corrections')).body.all, b)).toMatchObject({ stale: false, state: 'rejected' });
  });
});

describe('the old value no longer matches (re-entered after the deadline was moved)', () => {
  it('a pending request (not confirmed yet) becomes stale: the homeroom teacher sees it flagged and cannot confirm; the requester withdraws', async () => {
    const c = await request('5'); // made on 8
    await reEnter('8,5');
    const toConfirm = (await getJson(tuan, '/corrections')).body.toConfirm;
    expect(item(toConfirm, c)).toMatchObject({ stale: true, currentText: '8,5' });
    expect(await html(tuan, '/home')).toMatch(/lỗi thời<\/strong>: điểm hiện tại 8,5/);
    expect((await getJson(tuan, `/corrections/${c}`)).body.actions).toEqual([]);
    const audits = await auditCount(h);
    const r = await post(tuan, `/corrections/${c}/confirm`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CORRECTION_STALE');
    expect(r.body.error.message).toMatch(/lúc gửi: "8", hiện tại: "8,5"/);
    expect(await auditCount(h)).toBe(audits);
    expect(await stateOf(c)).toBe('requested');
    expect((await post(hoa, `/corrections/${c}/withdraw`)).body.state).toBe('withdrawn');
  });

  it('an approved request becomes stale before it is applied: applying is refused (score untouched); the principal can still reject it', async () => {
    const d = await request('9'); // made on 8,5
    await post(tuan, `/corrections/${d}/confirm`);
    expect((await post(lan, `/corrections/${d}/approve`)).body.state).toBe('approved');
    await reEnter('7');
    const before = await cell();
    expect(item((await getJson(lan, '/corrections')).body.toDecide, d)).toMatchObject({ stale: true, currentText: '7', state: 'approved' });
    expect((await getJson(lan, `/corrections/${d}`)).body.actions).toEqual(['reject']);
    const audits = await auditCount(h);
    const r = await post(lan, `/corrections/${d}/apply`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CORRECTION_STALE');
    expect(await cell()).toEqual(before);
    expect(await auditCount(h)).toBe(audits);
    expect(await stateOf(d)).toBe('approved');
    expect((await post(lan, `/corrections/${d}/reject`, { comment: 'Điểm đã thay đổi sau khi duyệt' })).body.state).toBe('rejected');
  });
});
