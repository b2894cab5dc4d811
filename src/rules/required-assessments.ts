/**
 * Required numbers of recorded assessments per semester.
 * TT58 Điều 8.2: by periods per WEEK (≤ 1 → 2; > 1 and < 3 → 3; ≥ 3 → 4) + periodic tests per the teaching plan (8.1).
 * TT26 amending Điều 8.1 and TT22 Điều 6: by periods per YEAR (≤ 35 → 2; > 35 to 70 → 3; > 70 → 4) + 1 mid + 1 end.
 * TT22 comment subjects: 2 regular per semester (Điều 6) + 1 mid + 1 end (Điều 7).
 */
import { RulesError } from './errors';
import { clause, type Explanation } from './explanation';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import type { Regime } from './regime';
import type { AssessmentMode } from './subjects';

export interface RequiredAssessmentsInput {
  readonly regime: Regime;
  readonly assessment?: AssessmentMode;
  /** TT58: periods per week ("1,5" allowed). */
  readonly periodsPerWeek?: number | string;
  /** TT26/TT22: periods per year. */
  readonly periodsPerYear?: number | string;
  /** TT58: periodic tests fixed by the teaching plan (Điều 8.1). */
  readonly plannedPeriodicTests?: number;
  /** TT58 Điều 8.3: extra tests the principal added for the chuyên subject. */
  readonly chuyenExtraTests?: number;
  /** TT22 THPT: learning-topic clusters of the subject this semester (A-22-CHUYENDE). */
  readonly learningTopics?: number;
}

export interface RequiredAssessments {
  readonly regime: Regime;
  /** Minimum recorded regular assessments (KTtx / ĐĐGtx). */
  readonly regular: number;
  /** Periodic assessments besides the final one: TT58 per plan; TT26/TT22 exactly 1 (mid-term). */
  readonly periodic: number | null;
  readonly final: 1;
  /** TT58 counts are minimums ("ít nhất"); TT26/TT22 fix the recorded number. */
  readonly regularIsMinimum: boolean;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

/** Decimal periods as tenths, string work only ("1,5" → 15). */
function periodsTenths(x: number | string, what: string): number {
  const s = typeof x === 'number' ? String(x) : x.trim();
  const m = /^(\d+)(?:[.,](\d))?$/.exec(s);
  if (!m) throw new RulesError('RULES_INVALID_INPUT', `Số tiết "${s}" (${what}) không hợp lệ`, `Invalid number of periods "${s}" (${what})`);
  return Number(m[1]) * 10 + (m[2] === undefined ? 0 : Number(m[2]));
}

export function requiredAssessments(input: RequiredAssessmentsInput, opts?: PartialRuleOptions | RuleOptions): RequiredAssessments {
  const o = resolveOptions(opts);
  const { regime } = input;
  if (regime === 'TT58') {
    if (input.periodsPerWeek === undefined) throw new RulesError('RULES_INVALID_INPUT', 'TT58 Điều 8.2: cần số tiết/tuần của môn học', 'TT58 Art. 8.2 needs the periods per week');
    const p = periodsTenths(input.periodsPerWeek, 'tiết/tuần');
    const regular = p <= 10 ? 2 : p < 30 ? 3 : 4;
    const band = p <= 10 ? 'từ 1 tiết/tuần trở xuống' : p < 30 ? 'trên 1 tiết đến dưới 3 tiết/tuần' : 'từ 3 tiết/tuần trở lên';
    const extra = input.chuyenExtraTests ?? 0;
    const periodic = input.plannedPeriodicTests === undefined ? null : input.plannedPeriodicTests + extra;
    return {
      regime,
      regular,
      periodic,
      final: 1,
      regularIsMinimum: true,
      explanation: {
        code: 'REQUIRED_ASSESSMENTS',
        clause: clause('TT58', 8, 2),
        summaryVi: `Môn học ${band}: ít nhất ${regular} lần kiểm tra thường xuyên mỗi học kỳ; kiểm tra định kỳ theo kế hoạch dạy học${periodic !== null ? ` (${periodic} bài${extra ? `, gồm ${extra} bài hiệu trưởng bổ sung cho môn chuyên — Điều 8.3` : ''})` : ''}, và 1 bài kiểm tra học kỳ.`,
      },
      options: o,
    };
  }
  const doc = regime === 'TT22' ? 'TT22' : 'TT26';
  if (regime === 'TT22' && input.assessment === 'comment') {
    return {
      regime,
      regular: 2,
      periodic: 1,
      final: 1,
      regularIsMinimum: false,
      explanation: { code: 'REQUIRED_ASSESSMENTS', clause: clause('TT22', 6, 2), summaryVi: 'Môn đánh giá bằng nhận xét: 2 lần đánh giá thường xuyên mỗi học kỳ, 1 giữa kỳ và 1 cuối kỳ (TT22 Điều 6, 7).' },
      options: o,
    };
  }
  if (input.periodsPerYear === undefined) throw new RulesError('RULES_INVALID_INPUT', `${doc}: cần số tiết/năm của môn học`, `${doc} needs the periods per year`);
  const p = periodsTenths(input.periodsPerYear, 'tiết/năm');
  // A-22-35: "35 tiết" is named for 2 ĐĐGtx; fewer than 35 is read as 2 too.
  const base = p <= 350 ? 2 : p <= 700 ? 3 : 4;
  const band = p <= 350 ? 'đến 35 tiết/năm' : p <= 700 ? 'trên 35 đến 70 tiết/năm' : 'trên 70 tiết/năm';
  const topics = regime === 'TT22' && o['A-22-CHUYENDE'] === 'extra' ? input.learningTopics ?? 0 : 0;
  const regular = base + topics;
  return {
    regime,
    regular,
    periodic: 1,
    final: 1,
    regularIsMinimum: false,
    explanation: {
      code: 'REQUIRED_ASSESSMENTS',
      clause: regime === 'TT22' ? clause('TT22', 6, 2) : clause('TT26', 1, 4),
      summaryVi: `Môn học ${band}: ${regular} điểm đánh giá thường xuyên mỗi học kỳ${topics ? ` (gồm ${topics} cụm chuyên đề học tập tính thêm)` : ''}, 1 điểm giữa kỳ và 1 điểm cuối kỳ.`,
      ...(regime === 'TT22' ? { options: [{ id: 'A-22-35', value: o['A-22-35'] }, { id: 'A-22-CHUYENDE', value: o['A-22-CHUYENDE'] }] } : {}),
    },
    options: o,
  };
}
