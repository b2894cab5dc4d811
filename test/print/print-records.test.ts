import fs from 'node:fs';
import path from 'node:path';
import { normPdfText, pdfPages, usePrintPool } from '../support/pdf-text';
import { buildClassBook, parsePeriod } from '../../src/print/class-book-view-model';
import type { PrintDocument } from '../../src/print/document';
import { loadBookData } from '../../src/print/print-repository';
import { renderPdf } from '../../src/print/render-pdf';
import { absencesFor, bookData, seedPrintClass, SUBJECTS_TT22, type SeededClass } from '../support/print-factory';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/**
 * The records beside the scores in the printed book: roll-call marks and totals, the period's
 * results (TB, learning level, conduct, title), the approved year lists in the form's columns, and
 * the per-page count of applied corrections. Rendered by the real Chromium, read back with pdftotext.
 * Expected figures are worked out by hand in the comments.
 */
jest.setTimeout(240_000);

const { pool, dir } = usePrintPool('sodiem-print-rec-');
const norm = normPdfText;
/** The last render's pages with pdftotext's layout spacing kept (column positions). */
let raw: string[] = [];
async function render(doc: PrintDocument): Promise<string[]> {
  const r = await renderPdf(pool(), doc, { version: 1, dataHash: 'e'.repeat(64), printedAt: new Date('2025-06-02T08:00:00Z') });
  const file = path.join(dir, `${doc.fileStem}-${Math.random().toString(36).slice(2, 7)}.pdf`);
  fs.writeFileSync(file, r.pdf);
  raw = pdfPages(file, r.pageCount).map((p) => p.normalize('NFC'));
  return raw.map(norm);
}
const lineWith = (page: string, needle: string | RegExp): string => page.split('\n').find((l) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l))) ?? '';
const lastLineWith = (page: string, needle: string | RegExp): string => [...page.split('\n')].reverse().find((l) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l))) ?? '';

describe('roll-call page with marks (TT22, monthly print)', () => {
  let pages: string[];
  let rawPages: string[];
  beforeAll(async () => {
    pages = await render(buildClassBook(bookData({ students: 45, records: true }), parsePeriod('2024-11')!));
    rawPages = raw;
  });
  it('writes each day’s marks in its day column and the student’s month totals TS | P | K', () => {
    // Ánh: 4th P both sessions ("PP"), 5th K, 12th P → TS 4, P 3, K 1 (absencesFor).
    expect(lineWith(pages[0]!, 'Nguyễn Thị Ngọc Ánh')).toMatch(/Ánh +PP +K +P +4 +3 +1\s*$/);
    // Khánh: 4th K → TS 1, P empty, K 1.
    expect(lineWith(pages[0]!, 'Đặng Quốc Khánh')).toMatch(/Khánh +K +1 +1\s*$/);
    // A student without absences: no marks, no totals.
    expect(lineWith(pages[0]!, 'Nguyễn Văn Ánh')).toMatch(/Nguyễn Văn Ánh\s*$/);
  });
  it('marks sit under the right day: the 4th, 5th and 12th columns', () => {
    // The weekday line ("Thứ 6 7 CN 2 …") has one token per day, laid out under each day's column.
    const week = lineWith(rawPages[0]!, /Thứ +6 +7 +CN/);
    const at = [...week.slice(week.indexOf('Thứ') + 3).matchAll(/\S+/g)].map((m) => m.index! + week.indexOf('Thứ') + 3);
    const row = lineWith(rawPages[0]!, 'Nguyễn Thị Ngọc Ánh');
    const near = (mark: RegExp, day: number) => {
      const m = [...row.matchAll(mark)].map((x) => x.index!);
      expect(m.some((i) => Math.abs(i - at[day - 1]!) <= 2)).toBe(true);
    };
    near(/PP/g, 4);
    near(/(?<= )K(?= )/g, 5);
    near(/(?<= )P(?= )/g, 12);
  });
  it('the "Tổng số" line: sessions missed per day, then the class totals', () => {
    // 4th: 2 (Ánh) + 1 (Khánh) = 3; 5th: 1; 12th: 1; TS 5 = P 3 + K 2.
    const total = lastLineWith(pages[1]!, /^\s*Tổng số +\d/);
    expect(total).toMatch(/Tổng số +3 +1 +1 +5 +3 +2\s*$/);
  });
});

describe('TT58 semester II book with results and the approved year lists', () => {
  let pages: string[];
  beforeAll(async () => {
    pages = await render(buildClassBook(bookData({ regime: 'TT58', students: 12, records: true, subjects: SUBJECTS_TT22.filter((s) => ['TOAN', 'VAN'].includes(s.code)) }), parsePeriod('HK2')!));
  });
  it('semester summary: TB, then HL / HK / TĐ in the form’s abbreviations', () => {
    const sum = pages.find((p) => p.includes('TỔNG HỢP KẾT QUẢ HỌC KỲ II'))!;
    // Ánh: TB 7,9, Khá → K, Tốt → T, Học sinh tiên tiến → HSTT.
    expect(lineWith(sum, 'Nguyễn Thị Ngọc')).toMatch(/7,9 +K +T +HSTT\s*$/);
    // Khánh: Yếu → Y, Khá → K, no title.
    expect(lineWith(sum, 'Đặng Quốc')).toMatch(/7,9 +Y +K\s*$/);
  });
  it('year summary: TB cmcn and the re-test mark of the list after re-tests', () => {
    const year = pages.find((p) => p.includes('TB cmcn'))!;
    expect(lineWith(year, 'Đặng Quốc')).toMatch(/7,9 +Toán 6,5\s*$/);
  });
  it('year decisions: levels, absences, outcome columns, re-ranking after the re-test, titles and the counts', () => {
    const last = pages[pages.length - 1]!;
    expect(last).toContain('TỔNG HỢP CHUNG');
    // Ánh: HL K, HK T, 4 days, promoted (x), HSTT.
    expect(lineWith(last, 'Nguyễn Thị Ngọc')).toMatch(/K +T +4 +x +HSTT\s*$/);
    // Khánh: Y, K, 1, sent to a re-test, re-ranked TB / K, then promoted.
    expect(lineWith(last, 'Đặng Quốc')).toMatch(/Y +K +1 +KT lại +TB +K +Lên lớp\s*$/);
    // Student 2 (Nguyễn Văn Ánh): Kém, Y, 50, repeats.
    expect(lineWith(last, 'Nguyễn Văn')).toMatch(/Kém +Y +50 +Ở lại lớp\s*$/);
    // 12 students: 11 promoted (Khánh after his re-test), 1 repeats.
    expect(last).toMatch(/Tổng số học sinh: 12 +- Được lên lớp: 11 +- Ở lại lớp: 1 +- Được lên lớp sau khi kiểm tra lại các môn học hoặc rèn luyện trong hè: 1/);
  });
});

describe('TT22 year page (XẾP LOẠI CẢ NĂM HỌC)', () => {
  it('puts the promoted / not promoted marks in their own columns and the award in Khen thưởng', async () => {
    const pages = await render(buildClassBook(bookData({ students: 12, records: true, subjects: SUBJECTS_TT22.filter((s) => ['TOAN'].includes(s.code)) }), parsePeriod('HK2')!));
    const last = pages.find((p) => p.includes('XẾP LOẠI CẢ NĂM HỌC'))!;
    const anh = lineWith(last, 'Nguyễn Thị Ngọc Ánh');
    const khanh = lineWith(last, 'Đặng Quốc Khánh');
    const repeat = lineWith(last, 'Nguyễn Văn Ánh');
    expect(anh).toMatch(/Tốt +Tốt +4 +x +Học sinh Giỏi\s*$/);
    // Khánh: rèn luyện Khá, học tập Chưa đạt; after the re-test Khá / Đạt; 1 buổi; promoted.
    expect(khanh).toMatch(/Khá +Chưa đạt +Khá +Đạt +1 +x\s*$/);
    expect(repeat).toMatch(/Chưa đạt +Chưa đạt +50 +x\s*$/);
    // "Được lên lớp" and "Không được lên lớp" are different columns: the repeater's x is further right.
    expect(repeat.lastIndexOf('x')).toBeGreaterThan(anh.indexOf(' x ') + 3);
    expect(last).toMatch(/Tổng số học sinh: 12 +Được lên lớp: 11 +Trong đó 1 được lên lớp sau khi học tập, rèn luyện thêm trong hè\. +Không được lên lớp: 1/);
  });
});

describe('from the database: roll-call, conduct, results module and applied corrections', () => {
  let tdb: TestDatabase;
  let c: SeededClass;
  let schoolId: number;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const db = tdb.db;
    schoolId = Number((await db.insertInto('school').values({ code: 'PR', name: 'Trường THCS Thử Nghiệm', level: 'THCS', settings: JSON.stringify({}) }).returning('id').executeTakeFirstOrThrow()).id);
    // TT58 (2019-2020): Toán and Ngữ văn only, 10 students.
    c = await seedPrintClass(db, schoolId, { regime: 'TT58', students: 10, subjects: SUBJECTS_TT22.filter((s) => ['TOAN', 'VAN'].includes(s.code)) });
    await db.insertInto('attendance').values(absencesFor(2019, c.enrolmentIds).map((a) => ({ enrolment_id: a.enrolmentId, day: a.day, session: a.session, mark: a.mark, updated_by: c.homeroomId }))).execute();
    await db.insertInto('conduct').values(c.enrolmentIds.map((e) => ({ enrolment_id: e, term: 'HK1' as const, regime: 'TT58' as const, level: 'Tốt', updated_by: c.homeroomId }))).execute();
    // One applied correction on Ánh's first Toán mark of HK I (Toán HK I columns are the first five).
    await db.insertInto('correction_request').values({ school_id: schoolId, column_id: c.columnIds[0]!, enrolment_id: c.enrolmentIds[0]!, old_tenths: 40, new_tenths: 50, reason_code: 'entry_error', state: 'applied', requested_by: c.teacherIds[0]! }).execute();
    // A request still waiting is not a correction in the book.
    await db.insertInto('correction_request').values({ school_id: schoolId, column_id: c.columnIds[1]!, enrolment_id: c.enrolmentIds[0]!, old_tenths: 60, new_tenths: 70, reason_code: 'entry_error', state: 'requested', requested_by: c.teacherIds[0]! }).execute();
  });
  afterAll(async () => {
    await tdb?.close();
  });

  it('prints the marks, the corrections count and the results module’s figures in the semester I book', async () => {
    const data = await loadBookData(tdb.db, schoolId, c.classId);
    const pages = await render(buildClassBook(data, parsePeriod('HK1')!));
    const nov = pages.find((p) => p.includes('Tháng 11 năm 2019'))!;
    // TT58 writes p / k in lower case; Ánh TS 4, p 3, k 1.
    expect(lineWith(nov, 'Nguyễn Thị Ngọc')).toMatch(/Ánh +pp +k +p +4 +3 +1\s*$/);
    // The TT58 spread holds Ngữ văn and Toán on its left page: the applied correction is Toán's; the
    // request still waiting is not counted.
    const spread = pages.find((p) => p.includes('Điểm hs 1'))!;
    expect(spread).toContain('Trong trang này có 1 điểm được sửa chữa, trong đó môn: Ngữ văn 0 điểm, Toán 1 điểm.');
    const sum = pages.find((p) => p.includes('TỔNG HỢP KẾT QUẢ HỌC KỲ I'))!;
    // Ánh, HK I (print-factory markFor, TT58 columns M, V, V, hs2, hk):
    //   Toán: 5, 6, 8 | 8,5 | 5,5 → (19 + 17 + 16,5)/8 = 6,5625 → 6,6
    //   Ngữ văn: 9, 6, 7 | 8 | 5 → (22 + 16 + 15)/8 = 6,625 → 6,6
    //   TB = 6,6 (both subjects 6,6); học lực Khá (TB ≥ 6,5, Toán ≥ 6,5, none below 5,0; not Giỏi: TB < 8,0);
    //   hạnh kiểm Tốt (entered); Tốt + Khá → Học sinh tiên tiến.
    expect(lineWith(sum, 'Nguyễn Thị Ngọc')).toMatch(/Ánh +6,6 +6,6 +6,6 +K +T +HSTT\s*$/);
  });

  it('prints an approved year list and not a proposed one', async () => {
    const db = tdb.db;
    const payload = (outcome: string) => ({ regime: 'TT58', students: [{ enrolmentId: c.enrolmentIds[0]!, name: 'Nguyễn Thị Ngọc Ánh', learning: 'Khá', learningStrict: 'Khá', adjustedBy: null, overall: '6,6', conduct: 'Tốt', absences: 4, outcome, outcomeVi: '', title: 'Học sinh tiên tiến', retestEligible: [], override: false, explanationVi: '' }] });
    await db.insertInto('year_decision').values({ class_id: c.classId, school_year_id: c.yearId, round: 'main', state: 'proposed', payload: JSON.stringify(payload('promoted')), options: JSON.stringify({}), proposed_by: c.homeroomId }).execute();
    const before = await render(buildClassBook(await loadBookData(db, schoolId, c.classId), parsePeriod('HK2')!));
    const lastBefore = before[before.length - 1]!;
    expect(lineWith(lastBefore, 'Nguyễn Thị Ngọc')).not.toMatch(/ x /);
    expect(lastBefore).toContain('Được lên lớp: ……');
    await db.updateTable('year_decision').set({ state: 'approved', approved_by: c.principalId, approved_at: new Date() }).where('class_id', '=', c.classId).execute();
    const after = await render(buildClassBook(await loadBookData(db, schoolId, c.classId), parsePeriod('HK2')!));
    const last = after[after.length - 1]!;
    expect(lineWith(last, 'Nguyễn Thị Ngọc')).toMatch(/K +T +4 +x +HSTT\s*$/);
    // 10 students on the class list; the approved list decided only Ánh: 1 promoted, 0 repeat.
    expect(last).toMatch(/Tổng số học sinh: 10 +- Được lên lớp: 1 +- Ở lại lớp: 0/);
  });
});
