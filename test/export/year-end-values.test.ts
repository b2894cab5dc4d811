import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { streamYearEndPackage } from '../../src/export/year-end';
import { propose, approve } from '../../src/results/year-end-service';
import { readZip, unzipTest } from './zip-reader';
import { seedSmallSchool, parseCsv, SUBJECTS, type SmallSchool } from './small-school';

/**
 * The year-end package read back from the .zip and checked against figures worked out by hand for the
 * small seeded class (test/export/small-school.ts), TT22 (Thông tư 22/2021):
 * - ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (nĐĐGtx + 5); ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3 (Điều 9.1.b).
 *   Châu, Toán: HK I (6 + 8 + 2·7 + 3·7) / 7 = 49/7 = 7,0; HK II 8,5; year (7,0 + 17,0) / 3 = 8,0.
 *   Equal marks give that mark as every average (An 9,0; Bình 7,0; Châu KHTN 9,0, four subjects 8,0).
 * - Learning level (Điều 9.2): An all ≥ 8.0 → Tốt; Bình all 7.0 → not Tốt (no subject ≥ 8.0), Khá (all ≥ 5.0, six ≥ 6.5);
 *   Châu HK I only five subjects ≥ 8.0 → Khá (one level below Tốt: no adjustment, 9.3), HK II and year six ≥ 8.0 → Tốt.
 * - Training, year from the two semesters (Điều 8.2.b table): Tốt/Tốt → Tốt; HK I Tốt, HK II Khá → Khá; HK I Khá, HK II Tốt → Tốt.
 * - Awards (Điều 15, year only): An Tốt/Tốt with six subjects ≥ 9.0 → Học sinh Xuất sắc; Châu Tốt/Tốt, one subject ≥ 9.0 →
 *   Học sinh Giỏi; Bình learning Khá → none.
 * - Absences: Bình P, K, P on three school mornings → 2 excused, 1 unexcused, 3 counted (≤ 45); all promoted (Điều 12.1).
 */
let t: TestDatabase;
let s: SmallSchool;

class Collect extends Writable {
  chunks: Buffer[] = [];
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.chunks.push(c);
    cb();
  }
}

async function pack(): Promise<{ manifest: any; csv: (name: string) => string[][]; files: Map<string, Buffer>; zip: Buffer }> {
  const out = new Collect();
  const now = new Date('2025-06-02T03:00:00Z');
  await streamYearEndPackage(t.db, s.schoolId, s.yearId, out, now);
  const zip = Buffer.concat(out.chunks);
  const files = readZip(zip);
  const manifest = JSON.parse(files.get('nam-hoc-2024-2025/manifest.json')!.toString('utf8'));
  return { manifest, files, zip, csv: (name) => parseCsv(files.get(`nam-hoc-2024-2025/${name}`)!) };
}

const rowsOf = (table: string[][], code: string) => table.filter((r) => r[0] === code);

beforeAll(async () => {
  t = await createTestDatabase();
  s = await seedSmallSchool(t.db, 'THCS-TN1');
});
afterAll(async () => {
  await t?.close();
});

describe('year-end package values (hand-computed, TT22)', () => {
  it('before approval: every file filled from the marks; the year figures say they are not approved yet', async () => {
    const p = await pack();
    expect(p.csv('quyet-dinh.csv')).toHaveLength(1); // header only: nothing proposed yet
    const learning = p.csv('hoc-luc.csv');
    expect(rowsOf(learning, 'HS03').map((r) => [r[4], r[6], r[8]])).toEqual([
      ['Học kỳ I', 'Khá', 'Tính từ sổ điểm hiện tại (chưa có quyết định duyệt)'],
      ['Học kỳ II', 'Tốt', 'Tính từ sổ điểm hiện tại (chưa có quyết định duyệt)'],
      ['Cả năm', 'Tốt', 'Tính từ sổ điểm hiện tại (chưa có quyết định duyệt)'],
    ]);
  });

  it('after the principal approves: the zip holds the manifest and every file with the hand-worked figures', async () => {
    const row = await propose(t.db, s.teacher, s.classId, 'main');
    await approve(t.db, s.principal, s.classId, 'main', row.version);
    const p = await pack();
    const u = unzipTest(p.zip);
    if (u !== null) expect(u).toContain('No errors detected');
    const m = p.manifest;
    expect(m.format).toBe('sodiem-year-end/2');
    expect(m.school).toEqual({ code: 'THCS-TN1', name: 'Trường THCS THCS-TN1', level: 'THCS' });
    expect(m.recipient).toEqual({ level: 'province', levelVi: 'Sở Giáo dục và Đào tạo', name: 'Sở GD&ĐT Thử Nghiệm' });
    expect(m.counts).toEqual({ classes: 1, students: 3 });
    const expectedRows: Record<string, number> = {
      'hoc-sinh.csv': 3,
      'ket-qua-mon-hoc.csv': 3 * 6,
      'hoc-luc.csv': 3 * 3,
      'ren-luyen-hanh-kiem.csv': 3 * 3,
      'vang-mat.csv': 3,
      'danh-hieu.csv': 3,
      'quyet-dinh.csv': 3,
    };
    expect(Object.fromEntries(m.files.map((f: any) => [f.name, f.rows]))).toEqual(expectedRows);
    expect([...p.files.keys()].sort()).toEqual(['manifest.json', ...Object.keys(expectedRows)].map((n) => `nam-hoc-2024-2025/${n}`).sort());
    for (const f of m.files) {
      const body = p.files.get(`nam-hoc-2024-2025/${f.name}`)!;
      expect(f.status).toBe('complete');
      expect(createHash('sha256').update(body).digest('hex')).toBe(f.sha256);
      expect(body.length).toBe(f.bytes);
      expect(p.csv(f.name)).toHaveLength(f.rows + 1);
    }

    expect(p.csv('hoc-sinh.csv').slice(1)).toEqual([
      ['HS01', 'Nguyễn', 'Văn An', '15/03/2013', 'Nam', '6A', '6', '05/09/2024', ''],
      ['HS02', 'Trần', 'Thị Bình', '02/11/2013', 'Nữ', '6A', '6', '05/09/2024', ''],
      ['HS03', 'Lê', 'Minh Châu', '20/07/2013', 'Nữ', '6A', '6', '05/09/2024', ''],
    ]);

    const results = p.csv('ket-qua-mon-hoc.csv');
    const expectSubject = (code: string, subject: string, hk1: string, hk2: string, cn: string) =>
      expect(results.find((r) => r[0] === code && r[3] === subject)?.slice(4)).toEqual([hk1, hk2, cn]);
    for (const sub of SUBJECTS) {
      expectSubject('HS01', sub, '9,0', '9,0', '9,0');
      expectSubject('HS02', sub, '7,0', '7,0', '7,0');
    }
    expectSubject('HS03', 'Toán', '7,0', '8,5', '8,0');
    expectSubject('HS03', 'Khoa học tự nhiên', '9,0', '9,0', '9,0');
    for (const sub of ['Ngữ văn', 'Tiếng Anh', 'Lịch sử và Địa lí', 'Tin học']) expectSubject('HS03', sub, '8,0', '8,0', '8,0');

    const approvedVi = 'Quyết định cuối năm đã duyệt (Cuối năm)';
    const computedVi = 'Tính từ sổ điểm hiện tại (chưa có quyết định duyệt)';
    // Columns: period, overall average (none under TT22), level, level before adjustment (none), source.
    const learning = p.csv('hoc-luc.csv');
    const levels = (code: string) => rowsOf(learning, code).map((r) => [r[3], r[4], r[5], r[6], r[7], r[8]]);
    expect(levels('HS01')).toEqual([['TT22', 'Học kỳ I', '', 'Tốt', '', computedVi], ['TT22', 'Học kỳ II', '', 'Tốt', '', computedVi], ['TT22', 'Cả năm', '', 'Tốt', '', approvedVi]]);
    expect(levels('HS02')).toEqual([['TT22', 'Học kỳ I', '', 'Khá', '', computedVi], ['TT22', 'Học kỳ II', '', 'Khá', '', computedVi], ['TT22', 'Cả năm', '', 'Khá', '', approvedVi]]);
    expect(levels('HS03')).toEqual([['TT22', 'Học kỳ I', '', 'Khá', '', computedVi], ['TT22', 'Học kỳ II', '', 'Tốt', '', computedVi], ['TT22', 'Cả năm', '', 'Tốt', '', approvedVi]]);

    const conduct = p.csv('ren-luyen-hanh-kiem.csv');
    expect(['HS01', 'HS02', 'HS03'].map((c) => rowsOf(conduct, c).map((r) => `${r[3]}:${r[5]}`))).toEqual([
      ['Học kỳ I:Tốt', 'Học kỳ II:Tốt', 'Cả năm:Tốt'],
      ['Học kỳ I:Tốt', 'Học kỳ II:Khá', 'Cả năm:Khá'],
      ['Học kỳ I:Khá', 'Học kỳ II:Tốt', 'Cả năm:Tốt'],
    ]);

    expect(p.csv('vang-mat.csv').slice(1).map((r) => [r[0], ...r.slice(3)])).toEqual([
      ['HS01', '0', '0', '0', '0'],
      ['HS02', '2', '1', '3', '3'],
      ['HS03', '0', '0', '0', '0'],
    ]);

    expect(p.csv('danh-hieu.csv').slice(1).map((r) => [r[0], r[3], r[4], r[5]])).toEqual([
      ['HS01', 'Cả năm', 'Học sinh Xuất sắc', approvedVi],
      ['HS02', 'Cả năm', 'Không', approvedVi],
      ['HS03', 'Cả năm', 'Học sinh Giỏi', approvedVi],
    ]);

    // Decision: round, state, approval date, learning, training, absences, outcome, award, re-test subjects.
    const today = (() => { const d = new Date(); return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`; })();
    expect(p.csv('quyet-dinh.csv').slice(1).map((r) => r.filter((_, i) => i !== 1 && i !== 2))).toEqual([
      ['HS01', 'Cuối năm', 'Đã duyệt', today, 'Tốt', 'Tốt', '0', 'Lên lớp', 'Học sinh Xuất sắc', ''],
      ['HS02', 'Cuối năm', 'Đã duyệt', today, 'Khá', 'Khá', '3', 'Lên lớp', '', ''],
      ['HS03', 'Cuối năm', 'Đã duyệt', today, 'Tốt', 'Tốt', '0', 'Lên lớp', 'Học sinh Giỏi', ''],
    ]);
  });

  it('another school\'s year is not found (nothing streamed)', async () => {
    const out = new Collect();
    await expect(streamYearEndPackage(t.db, s.schoolId + 999, s.yearId, out)).rejects.toMatchObject({ code: expect.stringMatching(/NOT_FOUND/) });
    expect(out.chunks).toHaveLength(0);
  });
});
