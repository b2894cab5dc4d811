import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, LEAVER, STUDENT_9A, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * The grid over real HTTP: real launches, the real app, a fresh PostgreSQL database.
 * Expected averages are computed by hand in the comments (never copied from the implementation).
 */
let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let minh: Client;
let tuan: Client;
let lan: Client;
let student: Client;

interface Col { id: number; kind: string; label: string; coefficient: number; valueType: string; lock: { reasonVi: string } | null }
interface Row { enrolmentId: number; name: string; left: boolean; cells: Record<string, { text: string; version: number }>; averages: { terms: Record<string, { text: string | null; explanationVi: string }>; year: { text: string | null; explanationVi: string } }; warningVi: string | null }
interface View { access: string; columns: Col[]; rows: Row[]; requiredRegular: number }

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, minh, tuan, lan, student] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_MINH.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id), launchAs(h, STUDENTS[0]!.id)]);
});
afterAll(async () => {
  await h?.close();
});

async function view(c: Client, csId: number, term = 'HK1'): Promise<View> {
  const res = await c.get(`/grid/${csId}?term=${term}`);
  expect(res.status).toBe(200);
  return (await res.json()) as View;
}
const col = (v: View, label: string) => v.columns.find((c) => c.label === label)!;
const enr = (userId: string) => f.enrolment.get(userId)!;
const cellOf = (v: View, label: string, userId: string) => v.rows.find((r) => r.enrolmentId === enr(userId))!.cells[String(col(v, label).id)]!;
async function save(c: Client, csId: number, changes: Array<{ columnId: number; enrolmentId: number; value: string; version: number }>) {
  const res = await c.post(`/grid/${csId}/scores`, { changes });
  return { status: res.status, body: (await res.json()) as any };
}
const scoreCount = async () => Number((await h.db.db.selectFrom('score').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

describe('opening the grid', () => {
  it('creates the TT22 default columns on first open by the teacher, students in Vietnamese order, leaver greyed but kept', async () => {
    const v = await view(hoa, f.math6A);
    expect(v.access).toBe('write');
    expect(v.columns.map((c) => `${c.label}×${c.coefficient}`)).toEqual(['ĐĐGtx 1×1', 'ĐĐGtx 2×1', 'ĐĐGtx 3×1', 'ĐĐGtx 4×1', 'ĐĐGgk×2', 'ĐĐGck×3']);
    expect(v.rows.map((r) => r.name)).toEqual(['Nguyễn Thị An', 'Trần Văn An', 'Vũ Quỳnh Anh', 'Lê Thị Bình', 'Phạm Quốc Cường', 'Phạm Thị Dung', 'Đỗ Minh Đức']);
    expect(v.rows.find((r) => r.name === 'Phạm Quốc Cường')!.left).toBe(true);
    // Opening again does not add a second set.
    expect((await view(hoa, f.math6A)).columns).toHaveLength(6);
    expect(await auditCount(h, 'grid.columns.open')).toBe(1);
  });

  it('TT58 (school override for grade 7): Miệng, 15 phút, 1 tiết ×2, Học kỳ ×3', async () => {
    const v = await view(hoa, f.math7A);
    expect(v.columns.map((c) => `${c.label}×${c.coefficient}`)).toEqual(['Miệng×1', '15 phút 1×1', '15 phút 2×1', '15 phút 3×1', '1 tiết 1×2', '1 tiết 2×2', 'Học kỳ×3']);
  });

  it('comment subject under TT22: rated columns', async () => {
    const v = await view(minh, f.music6A);
    expect(v.columns.map((c) => c.valueType)).toEqual(['rating', 'rating', 'rating', 'rating']);
  });

  it('the teacher adds a regular column; a second mid-term is refused', async () => {
    const before = (await view(hoa, f.math6A, 'HK2')).columns.length;
    expect((await hoa.post(`/grid/${f.math6A}/columns`, { term: 'HK2', kind: 'regular' })).status).toBe(200);
    const v = await view(hoa, f.math6A, 'HK2');
    expect(v.columns).toHaveLength(before + 1);
    expect(v.columns.map((c) => c.label)).toContain('ĐĐGtx 5');
    expect((await hoa.post(`/grid/${f.math6A}/columns`, { term: 'HK2', kind: 'periodic' })).status).toBe(400);
  });
});

describe('saving and averages', () => {
  it('saves per cell (decimal comma and point), returns the recomputed averages with the formula', async () => {
    const v = await view(hoa, f.math6A);
    const e = enr(STUDENTS[1]!.id);
    const marks: Array<[string, string]> = [['ĐĐGtx 1', '8'], ['ĐĐGtx 2', '7'], ['ĐĐGtx 3', '9'], ['ĐĐGtx 4', '6'], ['ĐĐGgk', '7,5'], ['ĐĐGck', '8.0']];
    let last: any;
    for (const [label, value] of marks) {
      const r = await save(hoa, f.math6A, [{ columnId: col(v, label).id, enrolmentId: e, value, version: 0 }]);
      expect(r.status).toBe(200);
      last = r.body;
    }
    // TT22: (ĐĐGtx sum + 2×GK + 3×CK)/(n + 5) = (8+7+9+6 + 2×7.5 + 3×8)/(4+5) = 69/9 = 7.666… → 7,7
    const row = last.rows.find((r: any) => r.enrolmentId === e);
    expect(row.terms.HK1.text).toBe('7,7');
    expect(row.terms.HK1.explanationVi).toMatch(/69\/9/);
    expect(row.warningVi).toBeNull();
    const v2 = await view(hoa, f.math6A);
    expect(cellOf(v2, 'ĐĐGgk', STUDENTS[1]!.id)).toEqual({ text: '7,5', version: 1 });
    expect(v2.rows.find((r) => r.enrolmentId === e)!.averages.terms.HK1!.text).toBe('7,7');
  });

  it('warns while a student has fewer regular assessments than required', async () => {
    const v = await view(hoa, f.math6A);
    const r = await save(hoa, f.math6A, [{ columnId: col(v, 'ĐĐGtx 1').id, enrolmentId: enr(STUDENTS[2]!.id), value: '5', version: 0 }]);
    expect(r.body.rows[0].warningVi).toMatch(/1\/4 điểm thường xuyên/);
  });

  it('a batch (pasted column) is saved in one transaction; the year average comes from the rounded semesters', async () => {
    const e = enr(STUDENTS[3]!.id);
    const v1 = await view(hoa, f.math6A, 'HK1');
    const v2 = await view(hoa, f.math6A, 'HK2');
    const changes = (v: View, values: string[]) => v.columns.slice(0, values.length).map((c, i) => ({ columnId: c.id, enrolmentId: e, value: values[i]!, version: 0 }));
    // HK1: ĐĐGtx 6,6,6,6 GK 6 CK 6 → 6,0. HK2 columns: ĐĐGtx1..4, GK, CK, ĐĐGtx 5 (added above, sorted with the regular ones).
    expect((await save(hoa, f.math6A, changes(v1, ['6', '6', '6', '6', '6', '6']))).status).toBe(200);
    // HK2 order: ĐĐGtx 1..5, ĐĐGgk, ĐĐGck → (9×5 + 2×9 + 3×9)/(5+5) = 90/10 = 9,0
    expect(v2.columns.map((c) => c.label)).toEqual(['ĐĐGtx 1', 'ĐĐGtx 2', 'ĐĐGtx 3', 'ĐĐGtx 4', 'ĐĐGtx 5', 'ĐĐGgk', 'ĐĐGck']);
    const r = await save(hoa, f.math6A, changes(v2, ['9', '9', '9', '9', '9', '9', '9']));
    expect(r.status).toBe(200);
    // ĐTBmcn = (6,0 + 2×9,0)/3 = 24/3 = 8,0
    expect(r.body.rows[0].year.text).toBe('8,0');
    expect(r.body.rows[0].terms.HK2.text).toBe('9,0');
  });

  it('comment subject: Đạt only when every assessment is Đạt (TT22 Điều 9.1.a)', async () => {
    const v = await view(minh, f.music6A);
    const e = enr(STUDENTS[0]!.id);
    const r = await save(minh, f.music6A, v.columns.map((c, i) => ({ columnId: c.id, enrolmentId: e, value: i === 1 ? 'CĐ' : 'Đ', version: 0 })));
    expect(r.status).toBe(200);
    expect(r.body.rows[0].terms.HK1.text).toBe('Chưa đạt');
  });

  it('each change is audited with actor, old → new and source grid; an unchanged value is not', async () => {
    const v = await view(hoa, f.math6A);
    const c = cellOf(v, 'ĐĐGtx 1', STUDENTS[1]!.id); // 8, version 1
    const before = await auditCount(h);
    const r = await save(hoa, f.math6A, [{ columnId: col(v, 'ĐĐGtx 1').id, enrolmentId: enr(STUDENTS[1]!.id), value: '8,5', version: c.version }]);
    expect(r.status).toBe(200);
    expect(await auditCount(h)).toBe(before + 1);
    const a = await h.db.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(a.action).toBe('score.update');
    expect(a.source).toBe('grid');
    expect(Number(a.actor_person_id)).toBe(f.person.get(T_HOA.id));
    expect(a.old_value).toMatchObject({ tenths: 80, version: 1 });
    expect(a.new_value).toMatchObject({ tenths: 85, version: 2 });
    // Same value again (with the fresh version): nothing written, nothing audited.
    const again = await save(hoa, f.math6A, [{ columnId: col(v, 'ĐĐGtx 1').id, enrolmentId: enr(STUDENTS[1]!.id), value: '8.5', version: 2 }]);
    expect(again.body.saved[0].changed).toBe(false);
    expect(await auditCount(h)).toBe(before + 1);
  });
});

describe('bad input: refused with a Vietnamese message, nothing changed, nothing audited', () => {
  let v: View;
  let music: View;
  beforeAll(async () => {
    v = await view(hoa, f.math6A);
    music = await view(minh, f.music6A);
  });
  const e = () => enr(STUDENTS[4]!.id);
  const cases: Array<[string, () => [Client, number, Array<{ columnId: number; enrolmentId: number; value: string; version: number }>], number, string, RegExp]> = [
    ['score above 10', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: e(), value: '10,5', version: 0 }]], 400, 'GRID_INVALID_VALUE', /từ 0 đến 10/],
    ['negative score', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: e(), value: '-1', version: 0 }]], 400, 'GRID_INVALID_VALUE', /từ 0 đến 10/],
    ['too many decimals "8,55"', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: e(), value: '8,55', version: 0 }]], 400, 'GRID_INVALID_VALUE', /một chữ số thập phân/],
    ['letters', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: e(), value: 'tám', version: 0 }]], 400, 'GRID_INVALID_VALUE', /không phải là số/],
    ['Đ in a scored column', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: e(), value: 'Đ', version: 0 }]], 400, 'GRID_INVALID_VALUE', /không nhận Đ\/CĐ/],
    ['a number in a rating column', () => [minh, f.music6A, [{ columnId: music.columns[0]!.id, enrolmentId: e(), value: '8', version: 0 }]], 400, 'GRID_INVALID_VALUE', /không nhận điểm số/],
    ['a column from another class subject', () => [hoa, f.math6A, [{ columnId: music.columns[0]!.id, enrolmentId: e(), value: '8', version: 0 }]], 400, 'GRID_FOREIGN_COLUMN', /không thuộc lớp\/môn/],
    ['a student from another class', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: f.enrolment9A.get(STUDENT_9A.id)!, value: '8', version: 0 }]], 400, 'GRID_FOREIGN_STUDENT', /không thuộc lớp/],
    ['another teacher\'s class subject', () => [hoa, f.music6A, [{ columnId: music.columns[0]!.id, enrolmentId: e(), value: 'Đ', version: 0 }]], 403, 'GRID_NOT_YOUR_CLASS', /không được phân công/],
    ['a stale version', () => [hoa, f.math6A, [{ columnId: col(v, 'ĐĐGgk').id, enrolmentId: enr(STUDENTS[1]!.id), value: '9', version: 0 }]], 409, 'GRID_VERSION_CONFLICT', /người khác sửa/],
    ['a batch where one cell is invalid (nothing of it saved)', () => [hoa, f.math6A, [
      { columnId: col(v, 'ĐĐGtx 1').id, enrolmentId: e(), value: '7', version: 0 },
      { columnId: col(v, 'ĐĐGtx 2').id, enrolmentId: e(), value: '77', version: 0 },
    ]], 400, 'GRID_INVALID_VALUE', /từ 0 đến 10/],
  ];
  it.each(cases)('%s', async (_name, make, status, code, message) => {
    const [client, csId, changes] = make();
    const scores = await scoreCount();
    const audits = await auditCount(h);
    const r = await save(client, csId, changes);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message).toMatch(message);
    expect(await scoreCount()).toBe(scores);
    expect(await auditCount(h)).toBe(audits);
  });

  it('a batch with one stale cell saves none of its cells (all or nothing)', async () => {
    const fresh = await view(hoa, f.math6A);
    const stale = cellOf(fresh, 'ĐĐGgk', STUDENTS[1]!.id);
    const before = await scoreCount();
    const r = await save(hoa, f.math6A, [
      { columnId: col(fresh, 'ĐĐGtx 2').id, enrolmentId: e(), value: '7', version: 0 },
      { columnId: col(fresh, 'ĐĐGgk').id, enrolmentId: enr(STUDENTS[1]!.id), value: '9', version: stale.version - 1 },
    ]);
    expect(r.status).toBe(409);
    expect(await scoreCount()).toBe(before);
  });

  it('without the CSRF token: refused', async () => {
    const res = await hoa.post(`/grid/${f.math6A}/scores`, { changes: [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: e(), value: '8', version: 0 }] }, { csrf: null });
    expect(res.status).toBe(403);
  });

  it('malformed body: GRID_BAD_REQUEST', async () => {
    const res = await hoa.post(`/grid/${f.math6A}/scores`, { changes: [{ columnId: 'x' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('GRID_BAD_REQUEST');
  });
});

describe('concurrency: per-cell optimistic versions', () => {
  it('two sessions save the same existing cell with the same version → exactly one wins, the other gets 409 with both values', async () => {
    const hoa2 = await launchAs(h, T_HOA.id); // the same teacher in a second tab/device
    const v = await view(hoa, f.math6A);
    const target = { columnId: col(v, 'ĐĐGck').id, enrolmentId: enr(STUDENTS[1]!.id) };
    const version = cellOf(v, 'ĐĐGck', STUDENTS[1]!.id).version;
    const [a, b] = await Promise.all([save(hoa, f.math6A, [{ ...target, value: '9', version }]), save(hoa2, f.math6A, [{ ...target, value: '4', version }])]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    const winnerValue = a.status === 200 ? '9' : '4';
    const c = loser.body.error.details.conflicts[0];
    expect(c.theirs).toBe(winnerValue);
    expect(c.yours).toBe(winnerValue === '9' ? '4' : '9');
    expect(c.theirVersion).toBe(version + 1);
  });

  it('a new cell created concurrently by two people → the second gets the conflict too', async () => {
    const hoa2 = await launchAs(h, T_HOA.id);
    const v = await view(hoa, f.math6A);
    const target = { columnId: col(v, 'ĐĐGgk').id, enrolmentId: enr(STUDENTS[5]!.id) };
    const results = await Promise.all([save(hoa, f.math6A, [{ ...target, value: '6', version: 0 }]), save(hoa2, f.math6A, [{ ...target, value: '7', version: 0 }])]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const rows = await h.db.db.selectFrom('score').selectAll().where('column_id', '=', target.columnId).where('enrolment_id', '=', target.enrolmentId).execute();
    expect(rows).toHaveLength(1);
  });
});

describe('deadlines and locks', () => {
  let pointId: number;
  it('after an update point\'s deadline its columns are locked (423 GRID_CELL_LOCKED); other kinds stay open', async () => {
    const r = await h.db.db
      .insertInto('update_point')
      .values({ term_id: f.terms.HK1, label: 'Giữa học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['midterm'] })
      .returning('id')
      .executeTakeFirstOrThrow();
    pointId = Number(r.id);
    const v = await view(hoa, f.math6A);
    expect(col(v, 'ĐĐGgk').lock?.reasonVi).toMatch(/Giữa học kỳ I/);
    expect(col(v, 'ĐĐGck').lock).toBeNull();
    const audits = await auditCount(h);
    const locked = await save(hoa, f.math6A, [{ columnId: col(v, 'ĐĐGgk').id, enrolmentId: enr(STUDENTS[4]!.id), value: '7', version: 0 }]);
    expect(locked.status).toBe(423);
    expect(locked.body.error.code).toBe('GRID_CELL_LOCKED');
    expect(locked.body.error.message).toMatch(/Đề nghị sửa điểm/);
    expect(await auditCount(h)).toBe(audits);
    expect((await save(hoa, f.math6A, [{ columnId: col(v, 'ĐĐGck').id, enrolmentId: enr(STUDENTS[4]!.id), value: '7', version: 0 }])).status).toBe(200);
  });

  it('a locked cell offers a correction request: stored with the new value and reason, audited; the score is unchanged', async () => {
    const v = await view(hoa, f.math6A);
    const target = { columnId: col(v, 'ĐĐGgk').id, enrolmentId: enr(STUDENTS[1]!.id) };
    const bad = await hoa.post(`/grid/${f.math6A}/corrections`, { ...target, value: '9,25', reasonCode: 'entry_error', reasonText: '' });
    expect(bad.status).toBe(400);
    const badReason = await hoa.post(`/grid/${f.math6A}/corrections`, { ...target, value: '9', reasonCode: 'because', reasonText: '' });
    expect(((await badReason.json()) as any).error.code).toBe('GRID_BAD_REASON');
    const res = await hoa.post(`/grid/${f.math6A}/corrections`, { ...target, value: '9', reasonCode: 'entry_error', reasonText: 'Chép nhầm từ bài kiểm tra' });
    expect(res.status).toBe(201);
    const cr = await h.db.db.selectFrom('correction_request').selectAll().executeTakeFirstOrThrow();
    expect(cr).toMatchObject({ new_tenths: 90, old_tenths: 75, reason_code: 'entry_error', state: 'requested' });
    expect(await auditCount(h, 'correction.request')).toBe(1);
    expect(cellOf(await view(hoa, f.math6A), 'ĐĐGgk', STUDENTS[1]!.id).text).toBe('7,5');
    // An open cell is edited directly, not through a request.
    const open = await hoa.post(`/grid/${f.math6A}/corrections`, { columnId: col(v, 'ĐĐGtx 3').id, enrolmentId: target.enrolmentId, value: '9', reasonCode: 'entry_error', reasonText: '' });
    expect(((await open.json()) as any).error.code).toBe('GRID_NOT_LOCKED');
  });

  it('only the principal moves a time point; the move is audited old → new and unlocks the cells', async () => {
    const later = new Date(Date.now() + 7 * 86400_000);
    const refused = await hoa.post(`/grid/deadlines/${pointId}`, { deadline: later.toISOString() });
    expect(refused.status).toBe(403);
    const old = await h.db.db.selectFrom('update_point').select('deadline').where('id', '=', pointId).executeTakeFirstOrThrow();
    const res = await lan.post(`/grid/deadlines/${pointId}`, { deadline: later.toISOString() });
    expect(res.status).toBe(200);
    const a = await h.db.db.selectFrom('audit_log').selectAll().where('action', '=', 'update_point.move').executeTakeFirstOrThrow();
    expect(a.old_value).toMatchObject({ deadline: new Date(old.deadline).toISOString() });
    expect(a.new_value).toMatchObject({ deadline: later.toISOString() });
    const v = await view(hoa, f.math6A);
    expect(col(v, 'ĐĐGgk').lock).toBeNull();
    // Moved back into the past: locked again.
    expect((await lan.post(`/grid/deadlines/${pointId}`, { deadline: '2024-11-01T17:00' })).status).toBe(200);
    const v2 = await view(hoa, f.math6A);
    expect((await save(hoa, f.math6A, [{ columnId: col(v2, 'ĐĐGgk').id, enrolmentId: enr(STUDENTS[4]!.id), value: '7', version: 0 }])).status).toBe(423);
  });
});

describe('views per role, authorised on the server', () => {
  it('another teacher\'s class subject: 403 GRID_NOT_YOUR_CLASS for reading too', async () => {
    const res = await hoa.get(`/grid/${f.math9A}`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe('GRID_NOT_YOUR_CLASS');
  });
  it('the homeroom teacher reads every subject of their class, read-only, and cannot write', async () => {
    const v = await view(tuan, f.math6A);
    expect(v.access).toBe('read');
    const r = await save(tuan, f.math6A, [{ columnId: v.columns[0]!.id, enrolmentId: enr(STUDENTS[4]!.id), value: '5', version: 0 }]);
    expect(r.status).toBe(403);
    const sum = await tuan.get(`/grid/class/${f.class6A}`);
    expect(sum.status).toBe(200);
    const s = (await sum.json()) as any;
    expect(s.subjects.map((x: any) => x.name)).toEqual(['Âm nhạc', 'Ngữ văn', 'Toán']);
    const row = s.rows.find((r: any) => r.enrolmentId === enr(STUDENTS[3]!.id));
    expect(row.cells[2].year.text).toBe('8,0'); // Toán, computed above: (6,0 + 2×9,0)/3
    expect((await tuan.get(`/grid/class/${f.class9A}`)).status).toBe(403);
  });
  it('the principal reads every class; a student is refused the grid', async () => {
    expect((await lan.get(`/grid/class/${f.class9A}`)).status).toBe(200);
    expect((await view(lan, f.math9A)).access).toBe('read');
    expect((await student.get(`/grid/${f.math6A}`)).status).toBe(403);
    expect((await student.get(`/grid/class/${f.class6A}`)).status).toBe(403);
  });
  it('a student sees only their own averages, of terms whose last update point has passed', async () => {
    // HK1 has one passed point (moved to 2024-11-01 above); HK2 none → not published.
    const res = await student.get('/student/averages');
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    // The fixture enrols this student in 6A and 7A; every year/class listed is theirs.
    expect(body.years.map((x: any) => x.className).sort()).toEqual(['6A', '7A']);
    const y = body.years.find((x: any) => x.className === '6A');
    expect(y.published.HK1.published).toBe(true);
    expect(y.published.HK2.published).toBe(false);
    expect(y.published.HK2.noteVi).toMatch(/chưa được công bố/);
    const music = y.subjects.find((s: any) => s.name === 'Âm nhạc');
    expect(music.HK1.text).toBe('Chưa đạt'); // entered above for this student
    expect(music.HK2).toBeNull();
    expect(music.year).toBeNull();
    expect((await hoa.get('/student/averages')).status).toBe(403);
  });
  it('the leaver row is kept in the grid page HTML, greyed', async () => {
    const res = await hoa.get(`/grid/${f.math6A}`, 'html');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toMatch(/class="left"[\s\S]*Phạm Quốc Cường[\s\S]*đã chuyển đi 2024-10-20/);
    expect(LEAVER.id).toBe('26');
  });
  it('no personal data in the logs', () => {
    for (const l of h.logs) for (const s of STUDENTS) expect(l).not.toContain(s.familyName + ' ' + s.givenName);
  });
});
