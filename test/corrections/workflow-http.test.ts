import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, LEAVER, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { expireStale } from '../../src/corrections/correction-service';

/**
 * Issue 8 through real HTTP: request on a locked cell → homeroom confirmation → principal's
 * decision → applying in one transaction → witnesses → minutes → audit trail. Expected averages
 * are computed by hand in the comments.
 */
let h: Harness;
let f: GradebookFixture;
let hoa: Client; // subject teacher of Toán 6A (TT22) and Toán 7A (TT58)
let tuan: Client; // homeroom teacher of 6A (and of 7A, set below)
let lan: Client; // principal
let minh: Client; // teacher, designated vice-principal

interface Col { id: number; label: string; kind: string }
interface View { columns: Col[]; rows: Array<{ enrolmentId: number; cells: Record<string, { text: string; version: number }>; averages: { terms: Record<string, { text: string | null }> } }> }

async function view(c: Client, csId: number, term = 'HK1'): Promise<View> {
  const res = await c.get(`/grid/${csId}?term=${term}`);
  expect(res.status).toBe(200);
  return (await res.json()) as View;
}
const col = (v: View, label: string) => v.columns.find((c) => c.label === label)!;
async function post(c: Client, p: string, body: unknown = {}) {
  const res = await c.post(p, body);
  return { status: res.status, body: (await res.json()) as any };
}
async function getJson(c: Client, p: string) {
  const res = await c.get(p);
  return { status: res.status, body: (await res.json()) as any };
}
const scoreOf = (columnId: number, enrolmentId: number) => h.db.db.selectFrom('score').select(['tenths', 'version', 'source']).where('column_id', '=', columnId).where('enrolment_id', '=', enrolmentId).executeTakeFirst();
const stateOf = async (id: number) => (await h.db.db.selectFrom('correction_request').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'vice_principal', person_code: T_MINH.idnumber, lms_user_id: null }).execute();
  await h.db.db.updateTable('class').set({ homeroom_person_id: f.person.get(T_TUAN.id)! }).where('id', '=', f.class7A).execute();
  [hoa, tuan, lan, minh] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id), launchAs(h, T_MINH.id)]);
  // The launches' course is linked to 6A, so /home renders instead of the course set-up.
  await h.db.db.updateTable('course_link').set({ class_id: f.class6A }).where('school_id', '=', h.schoolId).execute();
});
afterAll(async () => {
  await h?.close();
});

const binh = () => f.enrolment.get(STUDENTS[1]!.id)!;

describe('TT22 class (Toán 6A): the full path', () => {
  let gk: number;
  let reqId: number;

  it('marks entered before the deadline, then the mid-term column locks', async () => {
    const v = await view(hoa, f.math6A);
    const marks: Array<[string, string]> = [['ĐĐGtx 1', '8'], ['ĐĐGtx 2', '7'], ['ĐĐGtx 3', '9'], ['ĐĐGtx 4', '6'], ['ĐĐGgk', '7,5'], ['ĐĐGck', '8']];
    const res = await post(hoa, `/grid/${f.math6A}/scores`, { changes: marks.map(([l, value]) => ({ columnId: col(v, l).id, enrolmentId: binh(), value, version: 0 })) });
    expect(res.status).toBe(200);
    // (8+7+9+6 + 2×7,5 + 3×8)/(4+5) = 69/9 = 7,67 → 7,7
    expect(res.body.rows[0].terms.HK1.text).toBe('7,7');
    gk = col(v, 'ĐĐGgk').id;
    await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Giữa học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['midterm'] }).execute();
  });

  it('bad requests are refused with a Vietnamese message and nothing stored', async () => {
    const before = await auditCount(h);
    const v = await view(hoa, f.math6A);
    const unlocked = await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: col(v, 'ĐĐGck').id, enrolmentId: binh(), value: '9', reasonCode: 'entry_error', reasonText: '' });
    expect(unlocked.body.error.code).toBe('GRID_NOT_LOCKED');
    const invalid = await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '11', reasonCode: 'entry_error', reasonText: '' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('GRID_INVALID_VALUE');
    const leaver = await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: f.enrolment.get(LEAVER.id)!, value: '9', reasonCode: 'entry_error', reasonText: '' });
    expect(leaver.body.error.code).toBe('CORRECTION_STUDENT_LEFT');
    expect(leaver.body.error.message).toMatch(/đã chuyển đi/);
    expect(await auditCount(h)).toBe(before);
    expect(Number((await h.db.db.selectFrom('correction_request').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
  });

  it('the grid dialog previews the impact before sending (teacher of the subject only)', async () => {
    const p = await post(hoa, '/corrections/preview', { classSubjectId: f.math6A, columnId: gk, enrolmentId: binh(), value: '9' });
    expect(p.status).toBe(200);
    // (8+7+9+6 + 2×9 + 3×8)/9 = 72/9 = 8,0
    expect(p.body.lines[0]).toMatchObject({ before: '7,7', after: '8,0', changed: true });
    expect((await post(hoa, '/corrections/preview', { classSubjectId: f.math6A, columnId: gk, enrolmentId: binh(), value: '12' })).body.error.code).toBe('GRID_INVALID_VALUE');
    expect((await post(tuan, '/corrections/preview', { classSubjectId: f.math6A, columnId: gk, enrolmentId: binh(), value: '9' })).status).toBe(403);
  });

  it('the teacher requests 7,5 → 9 with a reason; the preview shows the semester average changing', async () => {
    const res = await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '9', reasonCode: 'regrade', reasonText: 'Phúc khảo bài giữa kỳ' });
    expect(res.status).toBe(201);
    reqId = res.body.id;
    const d = await getJson(hoa, `/corrections/${reqId}`);
    expect(d.body).toMatchObject({ state: 'requested', oldText: '7,5', newText: '9' });
    // after: (8+7+9+6 + 2×9 + 3×8)/9 = 72/9 = 8,0
    expect(d.body.impact.lines[0]).toMatchObject({ before: '7,7', after: '8,0', changed: true });
    expect(d.body.actions).toEqual(['withdraw']);
  });

  it('evidence: a PNG photo stored with its SHA-256; a text file is refused', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('fake-png-body')]);
    const up = await fetch(`${h.toolUrl}/corrections/${reqId}/evidence`, { method: 'POST', headers: { cookie: hoa.cookie, 'x-csrf-token': hoa.csrf, 'content-type': 'image/png', accept: 'application/json' }, body: png });
    expect(up.status).toBe(201);
    const { sha256 } = (await up.json()) as { sha256: string };
    expect(sha256).toBe(require('node:crypto').createHash('sha256').update(png).digest('hex'));
    const bad = await fetch(`${h.toolUrl}/corrections/${reqId}/evidence`, { method: 'POST', headers: { cookie: hoa.cookie, 'x-csrf-token': hoa.csrf, 'content-type': 'application/octet-stream', accept: 'application/json' }, body: 'hello' });
    expect(((await bad.json()) as any).error.code).toBe('CORRECTION_BAD_EVIDENCE');
  });

  it('the principal cannot approve before the homeroom confirmation; the requester cannot confirm or approve their own', async () => {
    const early = await post(lan, `/corrections/${reqId}/approve`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('CORRECTION_NOT_CONFIRMED');
    expect(early.body.error.message).toMatch(/chủ nhiệm chưa xác nhận/);
    expect((await post(hoa, `/corrections/${reqId}/confirm`)).body.error.code).toBe('CORRECTION_SELF_APPROVAL');
    expect(await stateOf(reqId)).toBe('requested');
  });

  it('the homeroom teacher sees it on the home page and confirms', async () => {
    const home = await (await tuan.get('/home', 'html')).text();
    expect(home).toContain(`/corrections/${reqId}`);
    const r = await post(tuan, `/corrections/${reqId}/confirm`);
    expect(r.body.state).toBe('confirmed');
    // A second confirm is refused (the state moved on).
    expect((await post(tuan, `/corrections/${reqId}/confirm`)).body.error.code).toBe('CORRECTION_BAD_TRANSITION');
  });

  it('approving one\'s own request is refused; the homeroom teacher cannot approve; a reject needs a comment', async () => {
    expect((await post(hoa, `/corrections/${reqId}/approve`)).body.error.code).toBe('CORRECTION_SELF_APPROVAL');
    expect((await post(tuan, `/corrections/${reqId}/approve`)).status).toBe(403);
    expect((await post(lan, `/corrections/${reqId}/reject`, { comment: '' })).body.error.code).toBe('CORRECTION_COMMENT_REQUIRED');
    expect(await stateOf(reqId)).toBe('confirmed');
  });

  it('the principal sees it on the home page, approves, then applies: score, version, audit, links in one transaction', async () => {
    const home = await (await lan.get('/home', 'html')).text();
    expect(home).toContain(`/corrections/${reqId}`);
    expect((await post(lan, `/corrections/${reqId}/approve`, { comment: 'Đồng ý theo kết quả phúc khảo' })).body.state).toBe('approved');
    const audits = await auditCount(h, 'score.correct');
    const r = await post(lan, `/corrections/${reqId}/apply`);
    expect(r.status).toBe(200);
    expect(r.body.state).toBe('applied');
    expect(await scoreOf(gk, binh())).toEqual({ tenths: 90, version: 2, source: 'correction' });
    expect(await auditCount(h, 'score.correct')).toBe(audits + 1);
    expect(r.body.links.scoreVersion).toBe(2);
    expect(r.body.links.recomputed[0]).toMatchObject({ before: '7,7', after: '8,0' });
    // Hooks for the concurrent work, recorded on the correction.
    expect(r.body.links.yearDecision.status).toMatch(/year_decision|flagged|unchanged/);
    expect(r.body.links.lmsPush.status).toBeDefined();
    // The grid shows the new average.
    const v = await view(tuan, f.math6A);
    expect(v.rows.find((x) => x.enrolmentId === binh())!.averages.terms.HK1!.text).toBe('8,0');
  });

  it('applying twice is refused, nothing changes', async () => {
    const audits = await auditCount(h);
    const r = await post(lan, `/corrections/${reqId}/apply`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CORRECTION_ALREADY_APPLIED');
    expect(await auditCount(h)).toBe(audits);
    expect((await scoreOf(gk, binh()))!.version).toBe(2);
  });

  it('the requester sees the outcome on the home page', async () => {
    const home = await (await hoa.get('/home', 'html')).text();
    expect(home).toContain(`/corrections/${reqId}`);
    expect(home).toContain('Đã sửa điểm');
  });

  it('witnesses: principal and requester confirm; the homeroom teacher is not a witness', async () => {
    expect((await post(lan, `/corrections/${reqId}/witness`)).status).toBe(200);
    expect((await post(hoa, `/corrections/${reqId}/witness`)).status).toBe(200);
    expect((await post(tuan, `/corrections/${reqId}/witness`)).status).toBe(403);
    expect((await post(lan, `/corrections/${reqId}/witness`)).body.error.code).toBe('CORRECTION_ALREADY_WITNESSED');
    const d = await getJson(lan, `/corrections/${reqId}`);
    expect(d.body.witnesses.map((w: any) => w.role).sort()).toEqual(['principal', 'requester']);
  });

  it('minutes: HTML lists old/new values, reason, people; the PDF is archived once', async () => {
    const html = await (await lan.get(`/corrections/${reqId}/minutes`, 'html')).text();
    for (const s of ['BIÊN BẢN SỬA ĐIỂM', '7,5', '9', 'Chấm lại / phúc khảo', 'Phúc khảo bài giữa kỳ', 'Trần Thị Hoa', 'Hoàng Anh Tuấn', 'Vũ Thị Lan']) expect(html).toContain(s);
    const res = await lan.get(`/corrections/${reqId}/minutes.pdf`);
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    const dir = mkdtempSync(path.join(tmpdir(), 'minutes-'));
    writeFileSync(path.join(dir, 'm.pdf'), pdf);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'm.pdf'), '-']).toString();
    expect(text).toContain('BIÊN BẢN SỬA ĐIỂM');
    expect(text).toContain('Phúc khảo bài giữa kỳ');
    await lan.get(`/corrections/${reqId}/minutes.pdf`);
    const archived = await h.db.db.selectFrom('print_archive').select('id').where('kind', '=', 'correction_minutes').execute();
    expect(archived).toHaveLength(1);
  }, 60_000);

  it('a stale request (another correction changed the same cell) is refused', async () => {
    // Two requests on the same cell, both made at version 2.
    const a = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '8', reasonCode: 'entry_error', reasonText: '' })).body.id;
    const b = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '6', reasonCode: 'entry_error', reasonText: '' })).body.id;
    for (const id of [a, b]) expect((await post(tuan, `/corrections/${id}/confirm`)).body.state).toBe('confirmed');
    expect((await post(lan, `/corrections/${a}/approve`)).body.state).toBe('approved');
    expect((await post(lan, `/corrections/${a}/apply`)).body.state).toBe('applied');
    const audits = await auditCount(h);
    const stale = await post(lan, `/corrections/${b}/approve`);
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CORRECTION_STALE');
    expect(stale.body.error.message).toMatch(/lúc gửi: "9", hiện tại: "8"/);
    expect(await auditCount(h)).toBe(audits);
    expect(await stateOf(b)).toBe('confirmed');
    expect((await scoreOf(gk, binh()))!.tenths).toBe(80);
  });

  it('a rejection needs the principal\'s comment; the requester sees the outcome; evidence is readable by the approver', async () => {
    const id = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '5', reasonCode: 'other', reasonText: 'Học sinh xin sửa' })).body.id;
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await fetch(`${h.toolUrl}/corrections/${id}/evidence`, { method: 'POST', headers: { cookie: hoa.cookie, 'x-csrf-token': hoa.csrf, 'content-type': 'image/png' }, body: png });
    const ev = (await getJson(lan, `/corrections/${id}`)).body.evidence[0];
    const img = await lan.get(`/corrections/${id}/evidence/${ev.id}`);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer()).equals(png)).toBe(true);
    // A board member (Minh is vice-principal) may read it; the evidence id of another request is not found.
    expect((await minh.get(`/corrections/${id}/evidence/${ev.id}`)).status).toBe(200);
    expect((await lan.get(`/corrections/${id}/evidence/${ev.id + 1000}`)).status).toBe(404);
    const r = await post(lan, `/corrections/${id}/reject`, { comment: 'Không có căn cứ để sửa' });
    expect(r.body.state).toBe('rejected');
    const mine = (await getJson(hoa, '/corrections')).body.mine.find((c: any) => c.id === id);
    expect(mine.stateVi).toBe('Không được duyệt');
    expect((await getJson(hoa, `/corrections/${id}`)).body.history.at(-1)).toMatchObject({ action: 'reject', comment: 'Không có căn cứ để sửa' });
    expect((await post(lan, `/corrections/${id}/apply`)).body.error.code).toBe('CORRECTION_BAD_TRANSITION');
  });

  it('the requester withdraws; nobody else can', async () => {
    const id = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '7', reasonCode: 'entry_error', reasonText: '' })).body.id;
    expect((await post(tuan, `/corrections/${id}/withdraw`)).status).toBe(403);
    expect((await post(hoa, `/corrections/${id}/withdraw`)).body.state).toBe('withdrawn');
  });

  it('expiry: a request nobody acted on for the school\'s configured days expires', async () => {
    const id = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '7', reasonCode: 'entry_error', reasonText: '' })).body.id;
    expect((await post(hoa, '/corrections/settings', { expiryDays: 7 })).status).toBe(403);
    expect((await post(lan, '/corrections/settings', { expiryDays: 0 })).body.error.code).toBe('CORRECTION_BAD_SETTING');
    expect((await post(lan, '/corrections/settings', { expiryDays: 7 })).body).toEqual({ expiryDays: 7 });
    expect(await expireStale(h.db.db, h.schoolId)).toBe(0);
    await h.db.db.updateTable('correction_request').set({ updated_at: new Date(Date.now() - 8 * 86_400_000) }).where('id', '=', id).execute();
    // Expired when somebody next looks at the list (or by expireStale from a job).
    expect((await getJson(hoa, '/corrections')).body.mine.find((c: any) => c.id === id).state).toBe('expired');
    expect(await stateOf(id)).toBe('expired');
    expect(await expireStale(h.db.db, h.schoolId)).toBe(0);
    expect(await auditCount(h, 'correction.expire')).toBe(1);
  });
});

describe('TT22: two applies at the same instant', () => {
  it('exactly one applies (row lock); the other is refused and nothing is written twice', async () => {
    const v = await view(hoa, f.math6A);
    const gk = col(v, 'ĐĐGgk').id;
    const before = (await scoreOf(gk, binh()))!;
    const id = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh(), value: '7', reasonCode: 'entry_error', reasonText: '' })).body.id;
    await post(tuan, `/corrections/${id}/confirm`);
    await post(lan, `/corrections/${id}/approve`);
    const audits = await auditCount(h, 'score.correct');
    const [a, b] = await Promise.all([post(lan, `/corrections/${id}/apply`), post(lan, `/corrections/${id}/apply`)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((x) => x.status === 409)!.body.error.code).toBe('CORRECTION_ALREADY_APPLIED');
    expect(await scoreOf(gk, binh())).toEqual({ tenths: 70, version: before.version + 1, source: 'correction' });
    expect(await auditCount(h, 'score.correct')).toBe(audits + 1);
  });
});

describe('TT58 class (Toán 7A): delegation to the vice-principal', () => {
  let hk: number;
  let reqId: number;
  const e7 = async () => Number((await h.db.db.selectFrom('enrolment').select('id').where('class_id', '=', f.class7A).where('person_id', '=', f.person.get(STUDENTS[0]!.id)!).executeTakeFirstOrThrow()).id);

  it('marks, lock of the semester test, request 6 → 9: average 7,5 → 8,3, learning Khá → Giỏi, title tiên tiến → giỏi', async () => {
    const v = await view(hoa, f.math7A);
    const e = await e7();
    const marks: Array<[string, string]> = [['Miệng', '8'], ['15 phút 1', '8'], ['15 phút 2', '8'], ['15 phút 3', '8'], ['1 tiết 1', '8'], ['1 tiết 2', '8'], ['Học kỳ', '6']];
    const res = await post(hoa, `/grid/${f.math7A}/scores`, { changes: marks.map(([l, value]) => ({ columnId: col(v, l).id, enrolmentId: e, value, version: 0 })) });
    expect(res.status).toBe(200);
    // TT58: (8×4 + 2×(8+8) + 3×6)/(4 + 2×2 + 3) = (32+32+18)/11 = 82/11 = 7,45 → 7,5
    expect(res.body.rows[0].terms.HK1.text).toBe('7,5');
    // Conduct (hạnh kiểm) Tốt in both semesters and the year, entered by the homeroom teacher (table from issue 6).
    for (const term of ['HK1', 'HK2', 'CN']) await h.db.db.insertInto('conduct').values({ enrolment_id: e, term, regime: 'TT58', level: 'Tốt' } as never).execute();
    hk = col(v, 'Học kỳ').id;
    // HK2 all 7: (7×4 + 2×(7+7) + 3×7)/11 = 77/11 = 7,0; year = (7,5 + 2×7,0)/3 = 21,5/3 = 7,17 → 7,2
    const v2 = await view(hoa, f.math7A, 'HK2');
    const r2 = await post(hoa, `/grid/${f.math7A}/scores`, { changes: v2.columns.map((c) => ({ columnId: c.id, enrolmentId: e, value: '7', version: 0 })) });
    expect(r2.body.rows[0].year.text).toBe('7,2');
    await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Cuối học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['final'] }).execute();
    const r = await post(hoa, `/grid/${f.math7A}/corrections`, { columnId: hk, enrolmentId: e, value: '9', reasonCode: 'entry_error', reasonText: '' });
    expect(r.status).toBe(201);
    reqId = r.body.id;
    // after: (32+32+3×9)/11 = 91/11 = 8,27 → 8,3
    const impact = (await getJson(hoa, `/corrections/${reqId}`)).body.impact.lines;
    expect(impact[0]).toMatchObject({ before: '7,5', after: '8,3', changed: true });
    // year after: (8,3 + 2×7,0)/3 = 22,3/3 = 7,43 → 7,4
    expect(impact[2]).toMatchObject({ before: '7,2', after: '7,4', changed: true });
    // Only subject: Toán. HK1 learning (TT58 Điều 13): 7,5 ≥ 6,5 with Toán ≥ 6,5 → Khá; 8,3 ≥ 8,0 with Toán ≥ 8,0 → Giỏi.
    // Title (Điều 18) with hạnh kiểm Tốt: Khá → Học sinh tiên tiến; Giỏi → Học sinh giỏi.
    const line = (l: string) => impact.find((x: any) => x.labelVi === l);
    expect(line('Học lực học kỳ I')).toMatchObject({ before: 'Khá', after: 'Giỏi', changed: true });
    expect(line('Danh hiệu học kỳ I')).toMatchObject({ before: 'Học sinh tiên tiến', after: 'Học sinh giỏi', changed: true });
    // Year: 7,2 → 7,4, both Khá (below 8,0): the year title stays Học sinh tiên tiến.
    expect(line('Danh hiệu cả năm')).toMatchObject({ before: 'Học sinh tiên tiến', after: 'Học sinh tiên tiến', changed: false });
    expect((await post(tuan, `/corrections/${reqId}/confirm`)).body.state).toBe('confirmed');
  });

  it('without delegation the vice-principal may not approve; with the school\'s rule they may', async () => {
    const no = await post(minh, `/corrections/${reqId}/approve`);
    expect(no.status).toBe(403);
    expect(no.body.error.code).toBe('CORRECTION_NOT_PERMITTED');
    await h.db.db.insertInto('school_permission').values({ school_id: h.schoolId, action: 'correction.approve', roles: ['principal', 'vice_principal'] }).execute();
    expect((await post(minh, `/corrections/${reqId}/approve`)).body.state).toBe('approved');
    // An approved (frozen) year-end decision of 7A: the year average changes, so it is reopened.
    const yd = await h.db.db
      .insertInto('year_decision')
      .values({ class_id: f.class7A, school_year_id: f.schoolYearId, round: 'main', state: 'approved', payload: JSON.stringify({}), options: JSON.stringify({}), proposed_by: f.person.get(T_TUAN.id)!, approved_by: f.person.get(P_LAN.id)!, approved_at: new Date(), frozen_at: new Date() } as never)
      .returning('id')
      .executeTakeFirstOrThrow();
    const applied = await post(minh, `/corrections/${reqId}/apply`);
    expect(applied.body.state).toBe('applied');
    expect(applied.body.links.yearDecision).toEqual({ status: 'reopened_for_reapproval', reopened: [Number(yd.id)] });
    expect((await h.db.db.selectFrom('year_decision').select('state').where('id', '=', yd.id).executeTakeFirstOrThrow()).state).toBe('reopened');
    expect((await scoreOf(hk, await e7()))!.tenths).toBe(90);
    expect(applied.body.links.recomputed.map((l: any) => l.labelVi)).toContain('Danh hiệu học kỳ I');
    const e = await e7();
    const v = await view(tuan, f.math7A);
    expect(v.rows.find((x) => x.enrolmentId === e)!.averages.terms.HK1!.text).toBe('8,3');
    expect((await getJson(lan, `/corrections/${reqId}`)).body.history.map((x: any) => x.action)).toEqual(['request', 'confirm', 'approve', 'apply']);
  });
});

describe('audit trail and verifier', () => {
  it('a delete-and-re-enter of a cell shows as one net change', async () => {
    const v = await view(hoa, f.math6A);
    const c = col(v, 'ĐĐGtx 1');
    const cell = v.rows.find((r) => r.enrolmentId === binh())!.cells[String(c.id)]!;
    expect(cell.text).toBe('8');
    expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: c.id, enrolmentId: binh(), value: '', version: cell.version }] })).status).toBe(200);
    expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: c.id, enrolmentId: binh(), value: '8,5', version: cell.version + 1 }] })).status).toBe(200);
    const t = await getJson(lan, `/audit?class=${f.class6A}&student=${f.person.get(STUDENTS[1]!.id)}`);
    const net = t.body.rows.filter((r: any) => r.action === 'score.net_change');
    expect(net).toHaveLength(1);
    expect(net[0]).toMatchObject({ oldText: '8', newText: '8,5', columnLabel: 'ĐĐGtx 1' });
    expect(net[0].mergedSeqs).toHaveLength(2);
  });

  it('filters by teacher and subject; the correction is in the trail; a teacher may not read it', async () => {
    const byHoa = await getJson(lan, `/audit?teacher=${f.person.get(T_HOA.id)}`);
    expect(byHoa.body.rows.length).toBeGreaterThan(0);
    expect(byHoa.body.rows.every((r: any) => r.actorId === f.person.get(T_HOA.id))).toBe(true);
    const corr = await getJson(lan, `/audit?class=${f.class6A}`);
    expect(corr.body.rows.some((r: any) => r.action === 'score.correct' && r.oldText === '7,5' && r.newText === '9')).toBe(true);
    expect((await hoa.get('/audit')).status).toBe(403);
  });

  it('CSV download: UTF-8 with BOM, Vietnamese headers', async () => {
    const res = await lan.get(`/audit.csv?class=${f.class6A}`);
    expect(res.status).toBe(200);
    const buf = Buffer.from(await res.arrayBuffer());
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = buf.toString('utf8');
    expect(text).toContain('Thời gian,Người thực hiện');
    expect(text).toContain('Sửa điểm theo đề nghị đã duyệt');
  });

  it('the verifier page names the first broken record after a direct UPDATE', async () => {
    expect((await getJson(lan, '/audit/verify')).body.ok).toBe(true);
    const html = await (await lan.get('/audit/verify', 'html')).text();
    expect(html).toContain('Chuỗi nhật ký nguyên vẹn');
    await sql.raw('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change').execute(h.db.db);
    try {
      await sql.raw(`UPDATE audit_log SET new_value = '{"tenths": 100}' WHERE school_id = ${h.schoolId} AND seq = 5`).execute(h.db.db);
    } finally {
      await sql.raw('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change').execute(h.db.db);
    }
    const bad = await getJson(lan, '/audit/verify');
    expect(bad.body.ok).toBe(false);
    expect(bad.body.breakVi).toMatch(/Bản ghi số 5 .*đã bị sửa/);
  });

  it('no personal data in the logs', () => {
    const joined = h.logs.join('\n');
    for (const p of [...STUDENTS, T_HOA]) expect(joined).not.toContain(p.familyName + ' ' + p.givenName);
  });
});
