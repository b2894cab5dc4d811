/**
 * Conduct. TT58 Điều 3, 20.3: year hạnh kiểm is the homeroom teacher's judgement ("chủ yếu căn cứ vào
 * học kỳ II và sự tiến bộ") — an input; HK II is only offered as a suggestion (A-58-CONDUCT).
 * TT22 Điều 8.2.b: the year training result is computed from the two semester results by a table.
 */
import { RulesError } from './errors';
import { clause, type Explanation } from './explanation';
import { parseConduct58, parseLevel22, type Conduct58, type Training22 } from './levels';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';

export interface YearConduct58 {
  readonly regime: 'TT58' | 'TT58_TT26';
  /** The year conduct to use, or null while the homeroom teacher has not decided it. */
  readonly value: Conduct58 | null;
  readonly source: 'homeroom-teacher' | 'copied-from-semester-ii' | 'pending';
  /** Editable pre-fill: the semester II conduct. */
  readonly suggestion: Conduct58 | null;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

export function yearConduct58(
  input: { readonly hk1?: Conduct58 | string | null; readonly hk2?: Conduct58 | string | null; readonly year?: Conduct58 | string | null },
  opts?: PartialRuleOptions | RuleOptions,
  regime: 'TT58' | 'TT58_TT26' = 'TT58',
): YearConduct58 {
  const o = resolveOptions(opts);
  const hk2 = input.hk2 ? parseConduct58(input.hk2) : null;
  const year = input.year ? parseConduct58(input.year) : null;
  const options = [{ id: 'A-58-CONDUCT', value: o['A-58-CONDUCT'] }];
  if (year) {
    return { regime, value: year, source: 'homeroom-teacher', suggestion: hk2, options: o, explanation: { code: 'YEAR_CONDUCT', clause: clause('TT58', 20, 3), summaryVi: `Hạnh kiểm cả năm: ${year} — do giáo viên chủ nhiệm xếp loại (chủ yếu căn cứ vào học kỳ II và sự tiến bộ).`, options } };
  }
  if (o['A-58-CONDUCT'] === 'copy-semester-ii' && hk2) {
    return { regime, value: hk2, source: 'copied-from-semester-ii', suggestion: hk2, options: o, explanation: { code: 'YEAR_CONDUCT', clause: clause('TT58', 20, 3), summaryVi: `Hạnh kiểm cả năm: ${hk2} — lấy theo học kỳ II (tuỳ chọn A-58-CONDUCT = copy-semester-ii).`, options } };
  }
  return {
    regime,
    value: null,
    source: 'pending',
    suggestion: hk2,
    options: o,
    explanation: { code: 'YEAR_CONDUCT_PENDING', clause: clause('TT58', 20, 3), summaryVi: `Hạnh kiểm cả năm chưa được giáo viên chủ nhiệm xếp loại${hk2 ? ` (gợi ý, có thể sửa: ${hk2} theo học kỳ II)` : ''}.`, options },
  };
}

/** TT22 Điều 8.2.b, indexed [HK II][HK I]. */
const TABLE: Record<Training22, Record<Training22, Training22>> = {
  Tốt: { Tốt: 'Tốt', Khá: 'Tốt', Đạt: 'Khá', 'Chưa đạt': 'Khá' },
  Khá: { Tốt: 'Khá', Khá: 'Khá', Đạt: 'Khá', 'Chưa đạt': 'Đạt' },
  Đạt: { Tốt: 'Khá', Khá: 'Đạt', Đạt: 'Đạt', 'Chưa đạt': 'Đạt' },
  'Chưa đạt': { Tốt: 'Chưa đạt', Khá: 'Chưa đạt', Đạt: 'Chưa đạt', 'Chưa đạt': 'Chưa đạt' },
};

export interface YearTraining22 {
  readonly regime: 'TT22';
  readonly value: Training22;
  readonly explanation: Explanation;
}

export function yearTraining22(hk1: Training22 | string, hk2: Training22 | string): YearTraining22 {
  if (hk1 === undefined || hk2 === undefined || hk1 === null || hk2 === null) {
    throw new RulesError('RULES_MISSING_RESULT', 'Thiếu kết quả rèn luyện học kỳ', 'Missing semester training result');
  }
  const a = parseLevel22(hk1);
  const b = parseLevel22(hk2);
  const value = TABLE[b][a];
  return { regime: 'TT22', value, explanation: { code: 'YEAR_TRAINING', clause: clause('TT22', 8, 2, 'b'), summaryVi: `Kết quả rèn luyện cả năm: ${value} (học kỳ I ${a}, học kỳ II ${b}, theo bảng của Điều 8 khoản 2 điểm b).` } };
}
