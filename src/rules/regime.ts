/**
 * Regime selection per (school year, grade), never per school: TT22 Điều 21 phases TT22 in by grade,
 * and TT26 (in force 11/10/2020) amends TT58 for the cohorts still on the 2006 programme.
 */
import { RulesError } from './errors';

export type Regime = 'TT58' | 'TT58_TT26' | 'TT22';
export const REGIMES: readonly Regime[] = ['TT58', 'TT58_TT26', 'TT22'];

export type Grade = 6 | 7 | 8 | 9 | 10 | 11 | 12;
export type SchoolLevel = 'THCS' | 'THPT';

export interface IsoDateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export interface RegimeQuery {
  /** "2022-2023", "2022-23" or the starting calendar year 2022. */
  readonly schoolYear: string | number;
  readonly grade: number;
  /** The school's override (a configuration decision recorded with the school year). */
  readonly override?: Regime;
  /** Only matters for 2020-21: results dated before 11/10/2020 fall under the original TT58. */
  readonly asOf?: string | IsoDateParts;
}

export interface RegimeSelection {
  readonly regime: Regime;
  readonly startYear: number;
  readonly grade: Grade;
  readonly overridden: boolean;
  readonly reasonVi: string;
}

export function parseSchoolYear(y: string | number): number {
  if (typeof y === 'number') {
    if (Number.isInteger(y) && y >= 2000 && y <= 2100) return y;
  } else {
    const m = /^\s*(\d{4})\s*(?:[-–/]\s*(\d{2}|\d{4}))?\s*$/.exec(y);
    if (m) {
      const start = Number(m[1]);
      const end = m[2] === undefined ? start + 1 : m[2].length === 2 ? Math.floor(start / 100) * 100 + Number(m[2]) : Number(m[2]);
      if (end === start + 1) return start;
    }
  }
  throw new RulesError('RULES_INVALID_INPUT', `Năm học "${String(y)}" không hợp lệ`, `Invalid school year "${String(y)}"`, { schoolYear: y });
}

export function parseIsoDate(d: string | IsoDateParts): IsoDateParts {
  if (typeof d !== 'string') return d;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) throw new RulesError('RULES_INVALID_DATE', `Ngày "${d}" không đúng dạng YYYY-MM-DD`, `Date "${d}" is not YYYY-MM-DD`, { date: d });
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

const dateKey = (d: IsoDateParts): number => d.year * 10000 + d.month * 100 + d.day;

export function asGrade(g: number): Grade {
  if (Number.isInteger(g) && g >= 6 && g <= 12) return g as Grade;
  throw new RulesError('RULES_INVALID_INPUT', `Khối lớp ${g} không thuộc THCS/THPT (6–12)`, `Grade ${g} is not a secondary grade (6–12)`, { grade: g });
}

export const schoolLevelOf = (g: Grade): SchoolLevel => (g <= 9 ? 'THCS' : 'THPT');

/** First school year (start year) in which each grade runs under TT22 (TT22 Điều 21). */
const TT22_FROM: Record<Grade, number> = { 6: 2021, 7: 2022, 10: 2022, 8: 2023, 11: 2023, 9: 2024, 12: 2024 };

export function selectRegime(q: RegimeQuery): RegimeSelection {
  const startYear = parseSchoolYear(q.schoolYear);
  const grade = asGrade(q.grade);
  if (q.override !== undefined) {
    if (!REGIMES.includes(q.override)) throw new RulesError('RULES_INVALID_OPTION', `Chế độ đánh giá "${String(q.override)}" không tồn tại`, `Unknown regime "${String(q.override)}"`);
    return { regime: q.override, startYear, grade, overridden: true, reasonVi: `Nhà trường chọn ${q.override} cho khối ${grade} năm học ${startYear}-${startYear + 1}.` };
  }
  if (startYear < 2011) {
    throw new RulesError('RULES_REGIME_UNSUPPORTED', `Năm học ${startYear}-${startYear + 1} trước TT58/2011 (QĐ 40/2006) không được hỗ trợ`, `School year ${startYear}-${startYear + 1} predates TT58/2011 and is not supported`);
  }
  const from = TT22_FROM[grade];
  if (startYear >= from) {
    return { regime: 'TT22', startYear, grade, overridden: false, reasonVi: `TT22 Điều 21: khối ${grade} áp dụng TT22 từ năm học ${from}-${from + 1}.` };
  }
  // TT26 took effect on 11/10/2020; a 2020-21 result is taken after that date unless told otherwise.
  const before26 = startYear < 2020 || (startYear === 2020 && q.asOf !== undefined && dateKey(parseIsoDate(q.asOf)) < 20201011);
  if (before26) {
    return { regime: 'TT58', startYear, grade, overridden: false, reasonVi: 'TT58/2011 nguyên bản (trước ngày 11/10/2020, khi TT26/2020 có hiệu lực).' };
  }
  return { regime: 'TT58_TT26', startYear, grade, overridden: false, reasonVi: `TT58 sửa đổi bởi TT26/2020 (từ 11/10/2020), khối ${grade} chưa chuyển sang TT22 (TT22 Điều 21).` };
}
