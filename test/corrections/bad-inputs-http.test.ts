/**
 * Issue 8 "Bad input", the whole list, through real HTTP: approving one's own request (by a real
 * approver), confirming one's own request (a homeroom teacher who also teaches the class), approving
 * before the homeroom confirmation, applying twice, a request on an unlocked cell, a new value that
 * fails validation, a request on a student who left (and a student who leaves while the request is
 * open), a stale request. Each is refused with a clear Vietnamese message and a stable code, and the
 * database is unchanged — every table, not only the audit count. (A direct UPDATE of an audit row is
 * detected by the verifier: test/audit/verify.test.ts and workflow-http.test.ts.)
 */
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, LEAVER, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { fingerprint, changedTables } from './db-fingerprint';

let h: Harness;
let f: GradebookFixture;
let hoa: Client; // teaches Toán 6A
let minh: Client; // teaches Ngữ văn 6A, designated vice-principal, approvals delegated to vice-principals
let tuan: Client; // homeroom teacher of 6A, also teaches Âm nhạc 6A here
let lan: Client; // principal

interface Col { id: number; label: string; kind: string }
let mathGk: number;
let mathCk: number;
let litGk: number;
let musicCol: number;

const binh = () => f.enrolment.get(STUDENTS[1]!.id)!;
const duc = () => f.enrolment.get(STUDENTS[3]!.id)!;
async function post(c: Client, p: string, body: unknown = {}) {
  const res = await c.post(p, body);
  return { status: res.status, body: (await res.json()) as any };
}
async function cols(c: Client, csId: number): Promise<Col[]> {
  return ((await (await c.get(`/grid/${csId}?term=HK1`)).json()) as { columns: Col[] }).columns;
}
const request = (c: Client, csId: number, columnId: number, enrolmentId: number, value: string, reasonCode = 'entry_error', reasonText = '') =>
  post(c, `/grid/${csId}/corrections`, { columnId, enrolmentId, value, reasonCode, reasonText });

/** Runs `act`, expects the refusal (status, code, Vietnamese message) and an unchanged database. */
async function refused(act: () => Promise<{ status: number; body: any }>, status: number, code: string, vi: RegExp) {
  const before = await fingerprint(h.db.db);
  const r = await act();
  expect({ status: r.status, code: r.body.error?.code }).toEqual({ status, code });
  expect(r.body.error.message).toMatch(vi);
  const after = await fingerprint(h.db.db);
  expect(changedTables(before, after)).toEqual([]);
}

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  const db = h.db.db;
  await db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'vice_principal', person_code: T_MINH.idnumber, lms_user_id: null }).execute();
  await db.insertInto('school_permission').values({ school_id: h.schoolId, action: 'correction.approve', roles: ['principal', 'vice_principal'] }).execute();
  await db.updateTable('class_subject').set({ teacher_person_id: f.person.get(T_TUAN.id)! }).where('id', '=', f.music6A).execute();
  [hoa, minh, tuan, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_MINH.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  await db.updateTable('course_link').set({ class_id: f.class6A }).where('school_id', '=', h.schoolId).execute();

  const m = await cols(hoa, f.math6A);
  mathGk = m.find((c) => c.label === 'ĐĐGgk')!.id;
  mathCk = m.find((c) => c.label === 'ĐĐGck')!.id;
  expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: mathGk, enrolmentId: binh(), value: '7,5', version: 0 }, { columnId: mathGk, enrolmentId: duc(), value: '5', version: 0 }, { columnId: mathCk, enrolmentId: binh(), value: '8', version: 0 }] })).status).toBe(200);
  litGk = (await cols(minh, f.lit6A)).find((c) => c.label === 'ĐĐGgk')!.id;
  expect((await post(minh, `/grid/${f.lit6A}/scores`, { changes: [{ columnId: litGk, enrolmentId: binh(), value: '6', version: 0 }] })).status).toBe(200);
  musicCol = (await cols(tuan, f.music6A)).find((c) => c.kind !== 'final')!.id;
  expect((await post(tuan, `/grid/${f.music6A}/scores`, { changes: [{ columnId: musicCol, enrolmentId: binh(), value: 'CĐ', version: 0 }] })).status).toBe(200);
  // Everything but the final tests of HK I is now locked.
  await db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Giữa học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['regular', 'midterm'] }).execute();
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('bad requests', () => {
  it('on an unlocked cell', async () => {
    await refused(() => request(hoa, f.math6A, mathCk, binh(), '9'), 400, 'GRID_NOT_LOCKED', /chưa bị khoá/);
  });

  it.each([
    ['above 10', '11', /Điểm "11" không hợp lệ/],
    ['not a number', 'tám', /Điểm "tám" không hợp lệ/],
    ['two decimals', '7,55', /Điểm "7,55" không hợp lệ/],
    ['a rating on a score column', 'Đ', /cột này nhập điểm số từ 0 đến 10, không nhận Đ\/CĐ/],
  ])('a new value that fails validation: %s', async (_n, value, vi) => {
    await refused(() => request(hoa, f.math6A, mathGk, binh(), value), 400, 'GRID_INVALID_VALUE', vi);
  });

  it('a score on a comment (Đ/CĐ) column', async () => {
    await refused(() => request(tuan, f.music6A, musicCol, binh(), '8'), 400, 'GRID_INVALID_VALUE', /cột này đánh giá bằng nhận xét/);
  });

  it('on a student who left the class', async () => {
    await refused(() => request(hoa, f.math6A, mathGk, f.enrolment.get(LEAVER.id)!, '9'), 400, 'CORRECTION_STUDENT_LEFT', /đã chuyển đi\/thôi học/);
  });

  it('a reason not in the list, or "other" without saying what', async () => {
    await refused(() => request(hoa, f.math6A, mathGk, binh(), '9', 'because'), 400, 'GRID_BAD_REASON', /lý do/);
    await refused(() => request(hoa, f.math6A, mathGk, binh(), '9', 'other', 'x'), 400, 'GRID_BAD_REASON', /ghi rõ lý do/);
  });

  it("on another teacher's class subject, or a column of another class subject", async () => {
    await refused(() => request(hoa, f.lit6A, litGk, binh(), '9'), 403, 'GRID_NOT_YOUR_CLASS', /không được phân công/);
    await refused(() => request(hoa, f.math6A, litGk, binh(), '9'), 400, 'GRID_FOREIGN_COLUMN', /không thuộc lớp\/môn/);
  });
});

describe('bad transitions', () => {
  it("approving one's own request, as a real approver (the vice-principal with delegation teaches Ngữ văn)", async () => {
    const r = await request(minh, f.lit6A, litGk, binh(), '7');
    expect(r.status).toBe(201);
    expect((await post(tuan, `/corrections/${r.body.id}/confirm`)).body.state).toBe('confirmed');
    await refused(() => post(minh, `/corrections/${r.body.id}/approve`), 403, 'CORRECTION_SELF_APPROVAL', /Không được tự duyệt/);
    // Another approver may: the principal.
    expect((await post(lan, `/corrections/${r.body.id}/approve`)).body.state).toBe('approved');
    await refused(() => post(minh, `/corrections/${r.body.id}/apply`), 403, 'CORRECTION_SELF_APPROVAL', /Không được tự duyệt/);
  });

  it("confirming one's own request (the homeroom teacher also teaches Âm nhạc in the class)", async () => {
    const r = await request(tuan, f.music6A, musicCol, binh(), 'Đ');
    expect(r.status).toBe(201);
    await refused(() => post(tuan, `/corrections/${r.body.id}/confirm`), 403, 'CORRECTION_SELF_APPROVAL', /Không được tự xác nhận/);
  });

  it('approving before the homeroom confirmation', async () => {
    const r = await request(hoa, f.math6A, mathGk, binh(), '9');
    await refused(() => post(lan, `/corrections/${r.body.id}/approve`), 409, 'CORRECTION_NOT_CONFIRMED', /chủ nhiệm chưa xác nhận/);
    await refused(() => post(lan, `/corrections/${r.body.id}/apply`), 409, 'CORRECTION_BAD_TRANSITION', /Không thể thực hiện/);
  });

  it('applying twice', async () => {
    const r = await request(hoa, f.math6A, mathGk, binh(), '8,5');
    await post(tuan, `/corrections/${r.body.id}/confirm`);
    await post(lan, `/corrections/${r.body.id}/approve`);
    expect((await post(lan, `/corrections/${r.body.id}/apply`)).body.state).toBe('applied');
    await refused(() => post(lan, `/corrections/${r.body.id}/apply`), 409, 'CORRECTION_ALREADY_APPLIED', /không thể cập nhật lần thứ hai/);
  });

  it('a student who left after the request was made: confirming and approving are refused', async () => {
    const r = await request(hoa, f.math6A, mathGk, duc(), '6');
    expect(r.status).toBe(201);
    await h.db.db.updateTable('enrolment').set({ left_on: '2024-11-30' }).where('id', '=', duc()).execute();
    await refused(() => post(tuan, `/corrections/${r.body.id}/confirm`), 400, 'CORRECTION_STUDENT_LEFT', /đã chuyển đi\/thôi học/);
  });

  it('a stale request after another correction changed the same cell', async () => {
    // Bình's mid-term mark is 8,5 now (applied above); a request made on 8,5, then another applied first.
    const a = (await request(hoa, f.math6A, mathGk, binh(), '9')).body.id;
    const b = (await request(hoa, f.math6A, mathGk, binh(), '6')).body.id;
    for (const id of [a, b]) await post(tuan, `/corrections/${id}/confirm`);
    await post(lan, `/corrections/${a}/approve`);
    expect((await post(lan, `/corrections/${a}/apply`)).body.state).toBe('applied');
    await refused(() => post(lan, `/corrections/${b}/approve`), 409, 'CORRECTION_STALE', /lúc gửi: "8,5", hiện tại: "9"/);
  });
});
