/**
 * Comment-assessed subjects (Đ/CĐ; Đạt/Chưa đạt).
 * TT58 Điều 10.2: semester Đ iff all required tests, ≥ 2/3 of them Đ, and the semester test among the Đ;
 * year = semester II. TT26 keeps that rule read with ĐĐG names (A-26-COMMENT).
 * TT22 Điều 9.1.a: semester Đạt iff all required assessments exist and every one is Đạt; year = semester II.
 */
import { clause, type Explanation, type OptionUse } from './explanation';
import { resolveMark, type SemesterMarks } from './marks';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import { parseRating, ratingLabel, type Rating, type RatingInput, type RatingLabel } from './rating';
import type { Regime } from './regime';
import { RulesError } from './errors';
import type { Semester } from './subject-average';

export interface CommentRequired {
  readonly regular: number;
  readonly periodic?: number;
}

export interface CommentSemesterResult {
  readonly type: 'comment-semester';
  readonly regime: Regime;
  readonly subject?: string;
  readonly semester?: Semester;
  readonly result: Rating;
  /** The label of the regime's books: Đ/CĐ (TT58, TT26) or Đạt/Chưa đạt (TT22). */
  readonly label: RatingLabel;
  readonly passed: boolean;
  readonly passCount: number;
  readonly total: number;
  readonly complete: boolean;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

export interface CommentYearResult {
  readonly type: 'comment-year';
  readonly regime: Regime;
  readonly subject?: string;
  readonly result: Rating;
  readonly label: RatingLabel;
  readonly passed: boolean;
  readonly basis: Semester;
  readonly explanation: Explanation;
}

export function computeCommentSemester(
  regime: Regime,
  marks: SemesterMarks,
  required?: CommentRequired,
  opts?: PartialRuleOptions | RuleOptions,
  meta: { subject?: string; semester?: Semester } = {},
): CommentSemesterResult {
  const o = resolveOptions(opts);
  if (!marks || !Array.isArray(marks.regular) || !Array.isArray(marks.periodic)) {
    throw new RulesError('RULES_INVALID_INPUT', 'Thiếu danh sách đánh giá thường xuyên/định kỳ', 'Missing regular/periodic rating lists', { subject: meta.subject });
  }
  const req: CommentRequired = required ?? (regime === 'TT22' ? { regular: 2, periodic: 1 } : regime === 'TT58_TT26' ? { regular: marks.regular.length, periodic: 1 } : { regular: marks.regular.length, periodic: marks.periodic.length });
  let missingNoMakeUp = 0;
  let excluded = 0;
  const rate = (m: Parameters<typeof resolveMark>[0]): Rating | null => {
    const r = resolveMark(m);
    if (r.status === 'missing') {
      missingNoMakeUp++;
      // TT58 Điều 8.5 / TT22 (A-22-MAKEUP): a missed test without make-up is CĐ; 'exclude' drops it (TT22 only).
      if (regime === 'TT22' && o['A-22-MAKEUP'] === 'exclude') {
        excluded++;
        return null;
      }
      return 'CĐ';
    }
    return parseRating(r.value as RatingInput);
  };
  const regular = marks.regular.map(rate).filter((x): x is Rating => x !== null);
  const periodic = marks.periodic.map(rate).filter((x): x is Rating => x !== null);
  const finalR = rate(marks.final);
  const all = [...regular, ...periodic, ...(finalR ? [finalR] : [])];
  const passCount = all.filter((r) => r === 'Đ').length;
  const total = all.length;
  // Completeness counts recorded tests; under A-58-COMMENT-MISSING = incomplete-cd a missed one makes it incomplete.
  const missingBreaksCompleteness = regime !== 'TT22' && o['A-58-COMMENT-MISSING'] === 'incomplete-cd' && missingNoMakeUp > 0;
  const complete = !missingBreaksCompleteness && regular.length >= req.regular && periodic.length >= (req.periodic ?? 0) && finalR !== null;
  const optionUses: OptionUse[] = [];
  let passed: boolean;
  let why: string;
  const rule = regime === 'TT22' ? 'all' : regime === 'TT58_TT26' && o['A-26-COMMENT'] === 'all-pass' ? 'all' : 'two-thirds';
  if (regime === 'TT58_TT26') optionUses.push({ id: 'A-26-COMMENT', value: o['A-26-COMMENT'] });
  if (regime !== 'TT22' && missingNoMakeUp > 0) optionUses.push({ id: 'A-58-COMMENT-MISSING', value: o['A-58-COMMENT-MISSING'] });
  if (regime === 'TT22' && missingNoMakeUp > 0) optionUses.push({ id: 'A-22-MAKEUP', value: o['A-22-MAKEUP'] });
  if (!complete) {
    passed = false;
    why = `chưa đủ số lần kiểm tra/đánh giá bắt buộc (có ${regular.length}/${req.regular} thường xuyên, ${periodic.length}/${req.periodic ?? 0} định kỳ, ${finalR ? 'có' : 'thiếu'} bài cuối kỳ)`;
  } else if (rule === 'all') {
    passed = passCount === total;
    why = passed ? `tất cả ${total} lần đánh giá đều Đạt` : `có ${total - passCount}/${total} lần đánh giá Chưa đạt`;
  } else {
    const twoThirds = 3 * passCount >= 2 * total;
    passed = twoThirds && finalR === 'Đ';
    why = !twoThirds
      ? `chỉ ${passCount}/${total} lần Đ, dưới 2/3 (3×${passCount} < 2×${total})`
      : finalR !== 'Đ'
        ? `bài kiểm tra học kỳ xếp loại CĐ`
        : `${passCount}/${total} lần Đ (3×${passCount} ≥ 2×${total}) và bài kiểm tra học kỳ Đ`;
  }
  const result: Rating = passed ? 'Đ' : 'CĐ';
  const label = ratingLabel(result, regime);
  const explanation: Explanation = {
    code: 'COMMENT_SUBJECT_SEMESTER',
    clause: regime === 'TT22' ? clause('TT22', 9, 1, 'a') : regime === 'TT58_TT26' ? clause('TT26', 10) : clause('TT58', 10, 2),
    summaryVi: `Môn ${meta.subject ?? ''} học kỳ xếp loại ${label}: ${why}.`.replace('Môn  ', 'Môn '),
    ...(optionUses.length ? { options: optionUses } : {}),
    ...(missingNoMakeUp - excluded > 0
      ? { steps: [{ code: 'MISSING_ASSESSMENT_CD', clause: regime === 'TT22' ? clause('TT22', 7) : clause('TT58', 8, 5), summaryVi: `${missingNoMakeUp - excluded} lần kiểm tra vắng không kiểm tra bù được xếp CĐ.` }] }
      : {}),
  };
  return { type: 'comment-semester', regime, ...meta, result, label, passed, passCount, total, complete, explanation, options: o };
}

export type CommentSemesterInput = CommentSemesterResult | RatingInput;

const ratingOf = (x: CommentSemesterInput): Rating => (typeof x === 'object' && x !== null && 'result' in x ? x.result : parseRating(x as RatingInput));

/** Year result of a comment subject = semester II (TT58 Điều 10.2: (CĐ,Đ)→Đ, (Đ,CĐ)→CĐ; TT22 Điều 9.1.a). */
export function computeCommentYear(
  regime: Regime,
  hk1: CommentSemesterInput | null | undefined,
  hk2: CommentSemesterInput | null | undefined,
  meta: { subject?: string } = {},
): CommentYearResult {
  const basis: Semester = hk2 === null || hk2 === undefined ? 'HK1' : 'HK2';
  const src = basis === 'HK2' ? hk2 : hk1;
  if (src === null || src === undefined) {
    throw new RulesError('RULES_MISSING_RESULT', `Môn ${meta.subject ?? ''} không có kết quả học kỳ`, `Subject ${meta.subject ?? ''} has no semester result`, { ...meta });
  }
  const result = ratingOf(src);
  const label = ratingLabel(result, regime);
  const bothPresent = hk1 !== null && hk1 !== undefined && basis === 'HK2';
  return {
    type: 'comment-year',
    regime,
    ...meta,
    result,
    label,
    passed: result === 'Đ',
    basis,
    explanation: {
      code: 'COMMENT_SUBJECT_YEAR',
      clause: regime === 'TT22' ? clause('TT22', 9, 1, 'a') : clause('TT58', 10, 2),
      summaryVi: bothPresent
        ? `Môn ${meta.subject ?? ''} cả năm ${label}: kết quả cả năm là kết quả học kỳ II (HKI ${ratingLabel(ratingOf(hk1 as CommentSemesterInput), regime)}, HKII ${label}).`.replace('Môn  ', 'Môn ')
        : `Môn ${meta.subject ?? ''} chỉ có kết quả ${basis === 'HK1' ? 'học kỳ I' : 'học kỳ II'}: cả năm ${label}.`.replace('Môn  ', 'Môn '),
    },
  };
}
