/**
 * Issue 8 "Tests": the full path through HTTP for a TT22 class and a TT58 class, including the
 * recomputation of a TITLE that a correction changes — checked on the class results page after the
 * correction is applied (not only in the impact preview). Expected values are worked out by hand in
 * the comments from the regulations (TT22 Điều 7, 9, 15; TT58 Điều 10, 13, 18).
 */
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let tuan: Client;
let lan: Client;

async function post(c: Client, p: string, body: unknown = {}) {
  const res = await c.post(p, body);
  return { status: res.status, body: (await res.json()) as any };
}
async function getJson(c: Client, p: string) {
  const res = await c.get(p);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}
interface Col { id: number; label: string }
async function columns(csId: number, term: 'HK1' | 'HK2'): Promise<Col[]> {
  return (await getJson(hoa, `/grid/${csId}?term=${term}`)).columns;
}
/** Enters one value per column label (missing labels: `rest`) for one student, through the grid. */
async function enter(csId: number, term: 'HK1' | 'HK2', enrolmentId: number, rest: string, special: Record<string, string> = {}) {
  const cols = await columns(csId, term);
  const res = await post(hoa, `/grid/${csId}/scores`, { changes: cols.map((c) => ({ columnId: c.id, enrolmentId, value: special[c.label] ?? rest, version: 0 })) });
  expect(res.status).toBe(200);
}
const resultRow = async (classId: number, period: string, enrolmentId: number) => (await getJson(lan, `/results/class/${classId}?period=${period}`)).rows.find((r: any) => r.enrolmentId === enrolmentId);
const line = (impact: any[], label: string) => impact.find((l) => l.labelVi === label);

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, tuan, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  await h.db.db.updateTable('course_link').set({ class_id: f.class6A }).where('school_id', '=', h.schoolId).execute();
  // 7A's marks (TT58) go in before any update point passes (the points lock every class of the term):
  // 8 everywhere in HK I except the semester test 6, and 7 everywhere in HK II.
  const e7 = Number((await h.db.db.selectFrom('enrolment').select('id').where('class_id', '=', f.class7A).where('person_id', '=', f.person.get(STUDENTS[0]!.id)!).executeTakeFirstOrThrow()).id);
  await enter(f.math7A, 'HK1', e7, '8', { 'Học kỳ': '6' });
  await enter(f.math7A, 'HK2', e7, '7');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('TT22 class 6B: a correction makes the student "Học sinh Giỏi" for the year', () => {
  let enrolment: number;
  let math: number;
  let classId: number;
  let reqId: number;

  beforeAll(async () => {
    // Class 6B (TT22, grade 6): six score subjects taught by Hoa, homeroom Tuấn, one student.
    const db = h.db.db;
    classId = Number((await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: f.schoolYearId, name: '6B', grade: 6, homeroom_person_id: f.person.get(T_TUAN.id)! }).returning('id').executeTakeFirstOrThrow()).id);
    const names = [['TOAN6B', 'Toán'], ['VAN6B', 'Ngữ văn'], ['ANH6B', 'Tiếng Anh'], ['KHTN6B', 'Khoa học tự nhiên'], ['LSDL6B', 'Lịch sử và Địa lí'], ['GDCD6B', 'Giáo dục công dân']];
    const cs: number[] = [];
    for (const [code, name] of names) {
      const s = await db.insertInto('subject').values({ school_id: h.schoolId, code: code!, name: `${name} (6B)` }).returning('id').executeTakeFirstOrThrow();
      cs.push(Number((await db.insertInto('class_subject').values({ class_id: classId, subject_id: s.id, teacher_person_id: f.person.get(T_HOA.id)!, assessment: 'scored', periods_per_week: '4', periods_per_year: 140 }).returning('id').executeTakeFirstOrThrow()).id));
    }
    math = cs[0]!;
    enrolment = Number((await db.insertInto('enrolment').values({ class_id: classId, person_id: f.person.get(STUDENTS[2]!.id)!, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow()).id);
    // Rèn luyện Tốt in both semesters and the year (entered by the homeroom teacher; table from issue 6).
    for (const term of ['HK1', 'HK2', 'CN']) await db.insertInto('conduct').values({ enrolment_id: enrolment, term, regime: 'TT22', level: 'Tốt' } as never).execute();
  });

  it('marks through the grid: five subjects at 8 all year; Toán 8 in HK I, and 5 in the HK II final test', async () => {
    const others = (await h.db.db.selectFrom('class_subject').select('id').where('class_id', '=', classId).where('id', '!=', math).execute()).map((r) => Number(r.id));
    for (const csId of others) for (const term of ['HK1', 'HK2'] as const) await enter(csId, term, enrolment, '8');
    await enter(math, 'HK1', enrolment, '8');
    await enter(math, 'HK2', enrolment, '8', { 'ĐĐGck': '5' });
    // Toán HK II (Điều 7): (8+8+8+8 + 2×8 + 3×5)/(4+5) = 63/9 = 7,0; year = (8,0 + 2×7,0)/3 = 22/3 = 7,33 → 7,3.
    const row = await resultRow(classId, 'CN', enrolment);
    expect(row.subjects.map((s: any) => s.text)).toEqual(expect.arrayContaining(['7,3', '8,0']));
    // Điều 9: every subject ≥ 6,5 but only 5 subjects ≥ 8,0 (Tốt needs 6) → Khá; Điều 15: no title without HT Tốt.
    expect(row.learning.text).toBe('Khá');
    expect(row.title.text).toBeNull();
    // The HK II final test is now locked.
    await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK2, label: 'Cuối học kỳ II', deadline: new Date(Date.now() - 60_000), kinds: ['final'] }).execute();
  });

  it('the teacher requests 5 → 9 on the locked cell; the preview shows the year result and the title changing', async () => {
    const ck = (await columns(math, 'HK2')).find((c) => c.label === 'ĐĐGck')!;
    const locked = await post(hoa, `/grid/${math}/scores`, { changes: [{ columnId: ck.id, enrolmentId: enrolment, value: '9', version: 1 }] });
    expect(locked.body.error.code).toBe('GRID_CELL_LOCKED');
    const r = await post(hoa, `/grid/${math}/corrections`, { columnId: ck.id, enrolmentId: enrolment, value: '9', reasonCode: 'regrade', reasonText: 'Phúc khảo bài cuối kỳ' });
    expect(r.status).toBe(201);
    reqId = r.body.id;
    const impact = (await getJson(hoa, `/corrections/${reqId}`)).impact.lines;
    // HK II: (32 + 2×8 + 3×9)/9 = 75/9 = 8,33 → 8,3; year: (8,0 + 2×8,3)/3 = 24,6/3 = 8,2 (exactly 222/27 = 8,22 → 8,2 too).
    expect(impact[1]).toMatchObject({ before: '7,0', after: '8,3', changed: true });
    expect(impact[2]).toMatchObject({ before: '7,3', after: '8,2', changed: true });
    // Six subjects ≥ 8,0 and all ≥ 6,5 → Tốt; RL Tốt + HT Tốt, no subject ≥ 9,0 → Học sinh Giỏi (not Xuất sắc).
    expect(line(impact, 'Kết quả học tập cả năm')).toMatchObject({ before: 'Khá', after: 'Tốt', changed: true });
    expect(line(impact, 'Danh hiệu cả năm')).toMatchObject({ before: null, after: 'Học sinh Giỏi', changed: true });
  });

  it('homeroom confirmation, principal approval, applying: the results page now shows Tốt and Học sinh Giỏi', async () => {
    expect((await post(tuan, `/corrections/${reqId}/confirm`)).body.state).toBe('confirmed');
    expect((await post(lan, `/corrections/${reqId}/approve`)).body.state).toBe('approved');
    const applied = await post(lan, `/corrections/${reqId}/apply`);
    expect(applied.body.state).toBe('applied');
    expect(applied.body.links.recomputed.map((l: any) => l.labelVi)).toEqual(expect.arrayContaining(['Danh hiệu cả năm', 'Kết quả học tập cả năm']));
    const row = await resultRow(classId, 'CN', enrolment);
    expect(row.learning.text).toBe('Tốt');
    expect(row.title.text).toBe('Học sinh Giỏi');
    expect(row.subjects.map((s: any) => s.text)).toContain('8,2');
    // The minutes of the correction name the values.
    const minutes = await (await lan.get(`/corrections/${reqId}/minutes`, 'html')).text();
    for (const s of ['BIÊN BẢN SỬA ĐIỂM', 'Phúc khảo bài cuối kỳ']) expect(minutes).toContain(s);
  });
});

describe('TT58 class 7A: a correction makes the student "Học sinh giỏi" for the semester', () => {
  let e: number;
  let reqId: number;

  beforeAll(async () => {
    await h.db.db.updateTable('class').set({ homeroom_person_id: f.person.get(T_TUAN.id)! }).where('id', '=', f.class7A).execute();
    e = Number((await h.db.db.selectFrom('enrolment').select('id').where('class_id', '=', f.class7A).where('person_id', '=', f.person.get(STUDENTS[0]!.id)!).executeTakeFirstOrThrow()).id);
    for (const term of ['HK1', 'HK2', 'CN']) await h.db.db.insertInto('conduct').values({ enrolment_id: e, term, regime: 'TT58', level: 'Tốt' } as never).execute();
  });

  it('marks (entered before any deadline): 8 everywhere in HK I except the semester test 6; the semester test locks', async () => {
    // TT58 Điều 10: (8×4 + 2×(8+8) + 3×6)/(4 + 2×2 + 3) = 82/11 = 7,45 → 7,5. Điều 13: ≥ 6,5 → Khá; Điều 18 with HK Tốt → tiên tiến.
    const row = await resultRow(f.class7A, 'HK1', e);
    expect(row.learning.text).toBe('Khá');
    expect(row.title.text).toBe('Học sinh tiên tiến');
    await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Cuối học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['final'] }).execute();
  });

  it('request 6 → 9, confirmed, approved, applied: the results page shows Giỏi and Học sinh giỏi', async () => {
    const hk = (await columns(f.math7A, 'HK1')).find((c) => c.label === 'Học kỳ')!;
    reqId = (await post(hoa, `/grid/${f.math7A}/corrections`, { columnId: hk.id, enrolmentId: e, value: '9', reasonCode: 'entry_error', reasonText: '' })).body.id;
    expect((await post(tuan, `/corrections/${reqId}/confirm`)).body.state).toBe('confirmed');
    expect((await post(lan, `/corrections/${reqId}/approve`)).body.state).toBe('approved');
    const applied = await post(lan, `/corrections/${reqId}/apply`);
    expect(applied.body.state).toBe('applied');
    expect(applied.body.links.recomputed.map((l: any) => l.labelVi)).toContain('Danh hiệu học kỳ I');
    // (32 + 32 + 3×9)/11 = 91/11 = 8,27 → 8,3 ≥ 8,0 with Toán ≥ 8,0 → Giỏi; HK Tốt → Học sinh giỏi.
    const row = await resultRow(f.class7A, 'HK1', e);
    expect(row.subjects[0].text).toBe('8,3');
    expect(row.learning.text).toBe('Giỏi');
    expect(row.title.text).toBe('Học sinh giỏi');
    // Year: HK II all 7 → 7,0; (8,3 + 2×7,0)/3 = 22,3/3 = 7,43 → 7,4, below 8,0 → Khá → tiên tiến, as before.
    expect((await resultRow(f.class7A, 'CN', e)).title.text).toBe('Học sinh tiên tiến');
  });
});
