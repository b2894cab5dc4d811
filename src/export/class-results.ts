/**
 * A class's results list and statistics (issue 9.2): the homeroom teacher's / board's class summary
 * (every subject, per-student averages from the same rules as the grid) as one table per period
 * (HK I, HK II, cả năm), then a statistics table per period: for each subject, how many averages
 * fall in each band (scored: < 3,5 · 3,5–< 5 · 5–< 6,5 · 6,5–< 8 · ≥ 8; comment subjects: Đạt /
 * Chưa đạt), and how many are not computable yet. Students who left the class are listed, not counted.
 */
import type { ClassSummary } from '../gradebook/class-summary';
import type { TableWriter } from './table-writer';

type Period = 'HK1' | 'HK2' | 'year';
const PERIOD_VI: Record<Period, string> = { HK1: 'Học kỳ I', HK2: 'Học kỳ II', year: 'Cả năm' };
export const BANDS = ['Dưới 3,5', '3,5 đến dưới 5', '5 đến dưới 6,5', '6,5 đến dưới 8', 'Từ 8 trở lên'] as const;

/** "7,7" → band index; "Đạt"/"Đ"/"Chưa đạt"/"CĐ" → 'D' | 'CD'; null → null. */
export function bandOf(text: string | null | undefined): number | 'D' | 'CD' | null {
  if (!text) return null;
  const t = text.trim();
  if (/^(đạt|đ)$/i.test(t)) return 'D';
  if (/^(chưa đạt|cđ)$/i.test(t)) return 'CD';
  const m = /^(\d+)(?:,(\d))?$/.exec(t);
  if (!m) return null;
  const tenths = Number(m[1]) * 10 + Number(m[2] ?? 0);
  return tenths < 35 ? 0 : tenths < 50 ? 1 : tenths < 65 ? 2 : tenths < 80 ? 3 : 4;
}

export async function writeClassResults(s: ClassSummary, w: TableWriter): Promise<void> {
  const periods: Period[] = ['HK1', 'HK2', 'year'];
  for (const p of periods) {
    w.sheet(`Kết quả ${p === 'year' ? 'CN' : p}`, ['STT', 'Họ và tên', ...s.subjects.map((x) => x.name), 'Ghi chú'], {
      widths: [6, 26, ...s.subjects.map(() => 11), 16],
      preamble: [[`Lớp ${s.className} — ${PERIOD_VI[p]} — Năm học ${s.schoolYearName}: điểm trung bình / mức đánh giá các môn`]],
    });
    let i = 0;
    for (const r of s.rows) await w.row([++i, r.name, ...r.cells.map((c) => (p === 'year' ? c.year.text : c[p]?.text) ?? ''), r.left ? 'Đã rời lớp' : '']);
  }
  for (const p of periods) {
    w.sheet(`Thống kê ${p === 'year' ? 'CN' : p}`, ['Môn', ...BANDS, 'Đạt', 'Chưa đạt', 'Chưa có', 'Sĩ số'], {
      widths: [18, 11, 11, 11, 11, 11, 8, 9, 9, 8],
      preamble: [[`Lớp ${s.className} — ${PERIOD_VI[p]} — thống kê số học sinh theo mức (không tính học sinh đã rời lớp)`]],
    });
    for (let j = 0; j < s.subjects.length; j++) {
      const counts = [0, 0, 0, 0, 0];
      let d = 0;
      let cd = 0;
      let none = 0;
      let n = 0;
      for (const r of s.rows) {
        if (r.left) continue;
        n++;
        const c = r.cells[j]!;
        const b = bandOf(p === 'year' ? c.year.text : c[p]?.text);
        if (b === null) none++;
        else if (b === 'D') d++;
        else if (b === 'CD') cd++;
        else counts[b]!++;
      }
      await w.row([s.subjects[j]!.name, ...counts, d, cd, none, n]);
    }
  }
}
