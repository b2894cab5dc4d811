import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { normPdfText, pdfPages, usePrintPool } from '../support/pdf-text';
import { buildClassBook, parsePeriod } from '../../src/print/class-book-view-model';
import { buildTeacherSheet } from '../../src/print/teacher-sheet-view-model';
import { renderPdf } from '../../src/print/render-pdf';
import { compareNames, splitName } from '../../src/print/names';
import type { PrintDocument } from '../../src/print/document';
import { bookData, SUBJECTS_TT22 } from '../support/print-factory';

/**
 * Every print kind rendered by the real Chromium, then read back with pdftotext (poppler-utils):
 * what an inspector reads on paper is what we assert.
 */
jest.setTimeout(180_000);

const { pool, dir } = usePrintPool('sodiem-print-test-');
const norm = normPdfText;

/** Renders and returns the text of each page (pdftotext separates pages with a form feed). */
async function render(doc: PrintDocument, version = 1): Promise<{ pages: string[]; pageCount: number; file: string }> {
  const r = await renderPdf(pool(), doc, { version, dataHash: 'f'.repeat(64), printedAt: new Date('2025-01-20T08:00:00Z') });
  const file = path.join(dir, `${doc.fileStem}.pdf`);
  fs.writeFileSync(file, r.pdf);
  const pages = pdfPages(file, r.pageCount).map(norm);
  expect(pages).toHaveLength(r.pageCount);
  return { pages, pageCount: r.pageCount, file };
}

/** One line of a page that contains `needle` (names and marks of a student sit on one row). */
const lineWith = (page: string, needle: string): string => page.split('\n').find((l) => l.includes(needle)) ?? '';

describe('class book TT22, semester I (45 students)', () => {
  const data = bookData({ regime: 'TT22', students: 45, subjects: SUBJECTS_TT22.filter((s) => ['TOAN', 'GDTC', 'VAN'].includes(s.code)) });
  let out: Awaited<ReturnType<typeof render>>;
  beforeAll(async () => {
    out = await render(buildClassBook(data, parsePeriod('HK1')!));
  });

  it('has the expected page count: covers 2 + lists 2×2 + roll-call 5 months × 2 + divider + 3 subjects × 2 + summary 3 = 26', () => {
    // 25 rows per A4 landscape page → 45 students take 2 pages; 40 per portrait list page → 2; summary pages hold 20 → 3.
    expect(out.pageCount).toBe(26);
  });

  it('prints "trang x / N" and the book identity on every page', () => {
    out.pages.forEach((p, i) => {
      expect(p).toContain(`trang ${i + 1} / ${out.pageCount}`);
      expect(p).toContain('SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH');
      expect(p).toContain('Lớp 6A');
      expect(p).toContain('Bản in số 1');
    });
  });

  it('has signature lines at the foot of every page except the covers, which carry their own', () => {
    expect(out.pages[1]).toContain('HIỆU TRƯỞNG');
    expect(out.pages[1]).toContain('GIÁO VIÊN CHỦ NHIỆM');
    for (const p of out.pages.slice(2)) {
      if (p.includes('PHẦN GHI ĐIỂM')) continue; // the section divider page
      expect(p).toMatch(/Ký xác nhận của giáo viên chủ nhiệm|Giáo viên môn học/);
    }
    // Subject pages: the subject teacher's line AND the homeroom teacher's, plus the corrections count.
    const toan = out.pages.filter((p) => p.includes('Môn Toán'));
    expect(toan).toHaveLength(2);
    for (const p of toan) {
      expect(p).toContain('Giáo viên môn học');
      expect(p).toContain('(Kí và ghi rõ họ tên)');
      expect(p).toContain('Ký xác nhận của giáo viên chủ nhiệm');
      expect(p).toMatch(/Trong trang này có 0 điểm được sửa chữa/);
      // the signature lines come after the last student row
      expect(p.indexOf('Giáo viên môn học')).toBeGreaterThan(p.lastIndexOf('Trong trang'));
    }
  });

  it('lists students in Vietnamese order (given name, then middle, then family) with names intact', () => {
    const sorted = [...data.students].sort(compareNames).map((s) => splitName(s).full);
    const list = out.pages[2]! + out.pages[4]!; // left pages of the two-page spread
    let last = -1;
    for (const name of sorted) {
      const at = list.indexOf(name);
      expect(at).toBeGreaterThan(last);
      last = at;
    }
    expect(sorted[0]).toBe('Nguyễn Thị Ngọc Ánh');
    expect(list).toContain('Nguyễn Thị Ngọc Ánh');
    expect(list).toContain('Đặng Quốc Khánh');
    expect(lineWith(out.pages[2]!, 'Nguyễn Thị Ngọc Ánh')).toMatch(/^\s*1 /);
  });

  it('writes marks with a decimal comma and the average computed by the rules engine', () => {
    const toan = out.pages.find((p) => p.includes('Môn Toán'))!;
    const row = lineWith(toan, 'Nguyễn Thị Ngọc Ánh');
    // ĐĐGtx 5, 6, 8; ĐĐGgk 8,5; ĐĐGck 5,5 → (5+6+8 + 2×8,5 + 3×5,5)/(3+2+3) = 52,5/8 = 6,5625 → 6,6
    expect(row).toMatch(/5 +6 +8 +8,5 +5,5 +6,6/);
    expect(toan).toContain('ĐĐGtx');
    expect(toan).toContain('ĐTBmhkI');
    // Comment subject: Đ / CĐ
    const gdtc = out.pages.find((p) => p.includes('Môn Giáo dục thể chất'))!;
    expect(gdtc).toContain('Mức đánh giá');
    expect(lineWith(gdtc, 'Nguyễn Thị Ngọc Ánh')).toMatch(/\sĐ\s/);
  });

  it('roll-call pages: days 1–30 for November, weekdays, P/K totals, the "Tổng số" line', () => {
    const nov = out.pages.filter((p) => p.includes('Tháng 11 năm 2024'));
    expect(nov).toHaveLength(2);
    expect(nov[0]).toContain('Tổng số buổi');
    expect(lineWith(nov[0]!, ' 29 ')).toMatch(/ 1 +2 +3 .* 29 +30\s*$/);
    expect(lineWith(nov[0]!, ' 29 ')).not.toMatch(/ 31/);
    expect(lineWith(nov[0]!, 'Thứ')).toMatch(/Thứ +6 +7 +CN +2 /); // 1 November 2024 was a Friday
    expect(nov[0]).toMatch(/TS +P +K/);
    expect(nov[1]).toContain('Tổng số');
    expect(nov[0]).toContain('Tổng số học sinh của lớp 6A: 45');
  });

  it('summary: subject averages of the semester per student', () => {
    const sum = out.pages.find((p) => p.includes('TỔNG HỢP HỌC KỲ I'))!;
    expect(sum).toContain('Kết quả học tập');
    expect(lineWith(sum, 'Nguyễn Thị Ngọc Ánh')).toContain('6,6');
  });
});

describe('class book TT58 (2019-2020), semester II with year averages', () => {
  const data = bookData({ regime: 'TT58', students: 12, subjects: SUBJECTS_TT22.filter((s) => ['TOAN', 'GDTC'].includes(s.code)) });
  let out: Awaited<ReturnType<typeof render>>;
  beforeAll(async () => {
    out = await render(buildClassBook(data, parsePeriod('HK2')!));
  });
  it('uses the TT58 spread: subject blocks Điểm hs 1 (M | V), Điểm hs 2, KT hk, TBm, TBm CN, marks side by side, per-subject corrections', () => {
    const spread = out.pages.find((p) => p.includes('HỌC KỲ II') && p.includes('TOÁN'))!;
    expect(spread).toContain('SỔ GỌI TÊN VÀ GHI ĐIỂM');
    for (const h of ['Điểm hs 1', 'Điểm hs 2', 'KT', 'TBm', 'TBm CN', 'GIÁO DỤC THỂ CHẤT']) expect(spread).toContain(h);
    // Both subjects sit on the left page (two blocks), each counted in the corrections note.
    expect(spread).toContain('Trong trang này có 0 điểm được sửa chữa, trong đó môn: Toán 0 điểm, Giáo dục thể chất 0 điểm.');
    // Student 0, Toán: HK1 columns j=0..4, HK2 j=5..9 (print-factory markFor).
    // HK1: M 5, V 6, 8, hs2 8,5, hk 5,5 → (5+6+8 + 2×8,5 + 3×5,5)/(3+2+3) = 6,5625 → 6,6
    const row = lineWith(spread, 'Ánh');
    // HK2 marks: j=5 → 50+20=70 → 7 (M); j=6 → 50+33=83 → 8 and j=7 → 50+1=51 → 5 (V, side by side);
    // hs2 j=8 → 50+14=64 → 6; hk j=9 → 50+27=77 → 7,5
    // TBm HKII = (7+8+5 + 2×6 + 3×7,5)/(3+2+3) = (20+12+22,5)/8 = 54,5/8 = 6,8125 → 6,8
    // TBm CN = (6,6 + 2×6,8)/3 = 20,2/3 = 6,733… → 6,7
    expect(row).toMatch(/Ánh +7 +8 +5 +6 +7,5 +6,8 +6,7/);
    // TT58 splits the name over two cells: family+middle, then given name.
    expect(row).toMatch(/Nguyễn Thị Ngọc +Ánh/);
    // Each subject teacher signs for their block, the homeroom teacher confirms the page.
    expect(spread).toMatch(/GV môn Toán +GV môn Giáo dục thể chất +Ký xác nhận của giáo viên chủ nhiệm/);
  });
  it('ends with the year summary and the year decisions page signed by the homeroom teacher and the principal', () => {
    const year = out.pages.filter((p) => p.includes('TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CẢ NĂM HỌC'));
    expect(year.length).toBeGreaterThanOrEqual(2);
    expect(year[0]).toContain('TB cmcn');
    expect(lineWith(year[0]!, 'Ánh')).toContain('6,7');
    const last = out.pages[out.pages.length - 1]!;
    expect(last).toContain('TỔNG HỢP CHUNG');
    expect(last).toContain('Hiệu trưởng');
    expect(last).toContain('(Ký tên, đóng dấu)');
  });
});

describe('TT58 spreads: five subjects per double page, left with names, right with numbers only', () => {
  it('orders the pages left 1, right 1, left 2, right 2 and points each right page at its left page', async () => {
    const five = SUBJECTS_TT22.filter((s) => ['TOAN', 'VAN', 'NN1', 'GDCD', 'LSDL'].includes(s.code));
    const out = await render(buildClassBook(bookData({ regime: 'TT58', students: 30, subjects: five }), parsePeriod('HK1')!));
    const spread = out.pages.map((p, i) => ({ p, n: i + 1 })).filter(({ p }) => p.includes('Điểm hs 1'));
    // 30 students, 25 rows per page → two page pairs.
    expect(spread).toHaveLength(4);
    const [l1, r1, l2, r2] = spread;
    // Ministry order: Ngữ văn, Toán on the left; Tiếng Anh, GDCD, Lịch sử và Địa lí on the right.
    expect(l1!.p).toMatch(/NGỮ VĂN +TOÁN/);
    expect(r1!.p).toMatch(/TIẾNG ANH +GIÁO DỤC CÔNG DÂN +LỊCH SỬ VÀ ĐỊA LÍ/);
    expect(l1!.p).toContain('Nguyễn Thị Ngọc');
    expect(r1!.p).not.toContain('Nguyễn Thị Ngọc');
    expect(r1!.p).not.toContain('Họ và tên');
    expect(r1!.n).toBe(l1!.n + 1);
    expect(r1!.p).toContain(`Ghi chú: số TT ở trang này là số TT ở trang ${l1!.n}.`);
    expect(r2!.p).toContain(`Ghi chú: số TT ở trang này là số TT ở trang ${l2!.n}.`);
    // Right pages carry rows 1–25, then 26–30 like their left pages.
    expect(lineWith(r2!.p, ' 26 ')).toMatch(/^\s*26 /);
    expect(r1!.p).toContain('trong đó môn: Tiếng Anh 0 điểm, Giáo dục công dân 0 điểm, Lịch sử và Địa lí 0 điểm.');
    expect(r1!.p).toMatch(/GV môn Tiếng Anh +GV môn Giáo dục công dân +GV môn Lịch sử và Địa lí +Ký xác nhận/);
  });
});

describe('monthly print and the teacher sheet', () => {
  it('monthly: the month roll-call and the principal check row', async () => {
    const out = await render(buildClassBook(bookData({ students: 45 }), parsePeriod('2024-11')!));
    expect(out.pageCount).toBe(3);
    expect(out.pages[0]).toContain('Tháng 11 năm 2024');
    expect(out.pages[2]).toContain('NHẬN XÉT CỦA HIỆU TRƯỞNG');
    expect(out.pages[2]).toContain('11/2024');
    expect(out.pages[2]).toContain('Ký tên, đóng dấu');
    expect(out.pages[0]).toContain('Tháng 11/2024');
  });

  it('teacher sheet TT22: the personal book layout with its comment column, signed by the subject teacher', async () => {
    const data = bookData({ students: 30 });
    const out = await render(buildTeacherSheet(data, data.subjects[0]!.classSubjectId, parsePeriod('CN')!));
    expect(out.pageCount).toBe(4); // 2 semesters × 2 pages (25 rows per page)
    for (const p of out.pages) {
      expect(p).toContain('BẢN ĐỐI CHIẾU');
      expect(p).toContain('Môn Toán – GV Trần Thị Hoa 1');
      expect(p).toContain('Giáo viên môn học');
      expect(p).toContain('Trần Thị Hoa 1');
    }
    expect(out.pages[0]).toContain('Nhận xét sự tiến bộ, ưu điểm nổi bật, hạn chế chủ yếu');
    expect(out.pages[2]).toContain('ĐTBmcn');
    expect(lineWith(out.pages[0]!, 'Nguyễn Thị Ngọc Ánh')).toMatch(/8,5 +5,5 +6,6/);
  });

  it('year book: the month shared by both semesters (January) is printed once, and checked once by the principal', async () => {
    const out = await render(buildClassBook(bookData({ students: 10, subjects: SUBJECTS_TT22.filter((s) => s.code === 'TOAN') }), parsePeriod('CN')!));
    // HK I 05/09/2024–15/01/2025, HK II 16/01–31/05/2025: September … May, nine months, January once.
    expect(out.pages.filter((p) => p.includes('Tháng 1 năm 2025'))).toHaveLength(1);
    const months = out.pages.flatMap((p) => [...p.matchAll(/Tháng (\d+) năm (\d{4})/g)].map((m) => `${m[1]}/${m[2]}`));
    expect(months).toEqual(['9/2024', '10/2024', '11/2024', '12/2024', '1/2025', '2/2025', '3/2025', '4/2025', '5/2025']);
    const check = out.pages[out.pages.length - 1]!;
    expect(check.match(/ 1\/2025/g)).toHaveLength(1);
  });

  it('A3 as a school setting: bigger sheets, more rows per page', async () => {
    const out = await render(buildClassBook(bookData({ students: 45, paper: 'A3' }), parsePeriod('2024-11')!));
    // 40 rows per A3 landscape page → 2 roll-call pages, then the check page.
    expect(out.pageCount).toBe(3);
    const info = execFileSync('pdfinfo', ['-f', '1', '-l', '1', out.file], { encoding: 'utf8' });
    expect(info).toMatch(/Page +1 size: +1191\.\d+ x 841\.\d+ pts \(A3\)/); // A3 landscape
  });
});
