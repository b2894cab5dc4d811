/**
 * TT22 Điều 9.2: learning level by counting score subjects against thresholds (no overall average),
 * then Điều 9.3: a drop of two or more levels below Tốt/Khá caused by one single subject is raised to
 * the adjacent level (A-22-ADJ, A-22-ADJ-COMMENT, A-22-ADJ-DEF).
 */
import { clause, type Check, type Explanation, type OptionUse } from './explanation';
import { LEVELS_22, rank22, type Level22 } from './levels';
import type { RuleOptions } from './options';
import { formatRational, formatTenths, geTenths, ltTenths } from './rational';
import type { NormalisedRanking, ScoredEntry } from './ranking-input';

export interface LearningRank22 {
  readonly regime: 'TT22';
  readonly period: 'HK1' | 'HK2' | 'year';
  readonly strict: Level22;
  readonly final: Level22;
  readonly adjusted: boolean;
  readonly adjustedBy: '9.3' | null;
  /** The level the student would reach without the single offending subject (Điều 9.3). */
  readonly baseline: 'Tốt' | 'Khá' | null;
  readonly offenders: readonly string[];
  readonly counts: {
    readonly atLeast8: number;
    readonly atLeast65: number;
    readonly atLeast5: number;
    readonly below35: number;
    readonly commentFailed: number;
    readonly scoredSubjects: number;
  };
  readonly excluded: readonly string[];
  readonly checks: readonly Check[];
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

const t = (tenths: number): string => formatTenths(tenths, ',');
const C = (p: number, pt?: string) => clause('TT22', 9, p, pt);
const show = (s: ScoredEntry, o: RuleOptions): string => (o['A-22-ROUND'] === 'unrounded' ? formatRational(s.value) : s.text);

interface Row22 {
  readonly level: Exclude<Level22, 'Chưa đạt'>;
  readonly floor: number; // every subject ≥ floor (Tốt, Khá) / none below floor (Đạt)
  readonly countAt: number; // n≥countAt ≥ 6
  readonly maxCommentFails: number;
  readonly point: string;
}
const ROWS: readonly Row22[] = [
  { level: 'Tốt', floor: 65, countAt: 80, maxCommentFails: 0, point: 'a' },
  { level: 'Khá', floor: 50, countAt: 65, maxCommentFails: 0, point: 'b' },
  { level: 'Đạt', floor: 35, countAt: 50, maxCommentFails: 1, point: 'c' },
];

function rowChecks(n: NormalisedRanking, row: Row22): Check[] {
  const o = n.options;
  const fails = n.comments.filter((c) => !c.passed);
  const below = n.scored.filter((s) => ltTenths(s.value, row.floor));
  const counted = n.scored.filter((s) => geTenths(s.value, row.countAt));
  const cl = C(2, row.point);
  const checks: Check[] = [
    {
      level: row.level,
      conditionVi: row.maxCommentFails === 0 ? 'Tất cả các môn đánh giá bằng nhận xét đạt mức Đạt' : 'Có nhiều nhất 01 môn đánh giá bằng nhận xét mức Chưa đạt',
      clause: cl,
      ok: fails.length <= row.maxCommentFails,
      ...(fails.length ? { subjects: fails.map((c) => c.name), actual: `${fails.length} môn Chưa đạt` } : {}),
    },
    {
      level: row.level,
      conditionVi: row.level === 'Đạt' ? `Không có môn đánh giá bằng nhận xét kết hợp với điểm số nào dưới ${t(row.floor)}` : `Tất cả các môn có điểm trung bình từ ${t(row.floor)} trở lên`,
      clause: cl,
      ok: below.length === 0,
      ...(below.length ? { subjects: below.map((s) => s.name), actual: below.map((s) => show(s, o)).join(', ') } : {}),
      required: `≥ ${t(row.floor)}`,
    },
    {
      level: row.level,
      conditionVi: `Có ít nhất 06 môn có điểm trung bình từ ${t(row.countAt)} trở lên`,
      clause: cl,
      ok: counted.length >= 6,
      actual: `${counted.length} môn`,
      required: '≥ 6 môn',
    },
  ];
  return checks;
}

export function rankLearning22(n: NormalisedRanking): LearningRank22 {
  const o = n.options;
  const checks: Check[] = [];
  let strict: Level22 = 'Chưa đạt';
  for (const row of ROWS) {
    const cs = rowChecks(n, row);
    checks.push(...cs);
    if (cs.every((c) => c.ok)) {
      strict = row.level;
      break;
    }
  }
  const fails = n.comments.filter((c) => !c.passed);
  const counts = {
    atLeast8: n.scored.filter((s) => geTenths(s.value, 80)).length,
    atLeast65: n.scored.filter((s) => geTenths(s.value, 65)).length,
    atLeast5: n.scored.filter((s) => geTenths(s.value, 50)).length,
    below35: n.scored.filter((s) => ltTenths(s.value, 35)).length,
    commentFailed: fails.length,
    scoredSubjects: n.scored.length,
  };

  // Điều 9.3: baseline = best of Tốt/Khá reachable but for exactly one subject.
  let baseline: 'Tốt' | 'Khá' | null = null;
  let offenders: string[] = [];
  const steps: Explanation[] = [];
  const optionUses: OptionUse[] = [];
  if (rank22(strict) >= 2) {
    optionUses.push({ id: 'A-22-ADJ', value: o['A-22-ADJ'] }, { id: 'A-22-ADJ-COMMENT', value: o['A-22-ADJ-COMMENT'] }, { id: 'A-22-ADJ-DEF', value: o['A-22-ADJ-DEF'] });
    for (const row of ROWS.slice(0, 2)) {
      const lvl = row.level as 'Tốt' | 'Khá';
      if (rank22(strict) - rank22(lvl) < 2) continue;
      if (fails.length > 0 && o['A-22-ADJ-COMMENT'] === 'does-not-count') continue;
      const scoredOff = n.scored.filter((s) => ltTenths(s.value, row.floor));
      const off = [...scoredOff.map((s) => s.name), ...fails.map((c) => c.name)];
      if (off.length !== 1) continue;
      // Counterfactual: the others must meet "≥ 6 subjects" on their own; the alternative counts the offender as meeting it.
      const others = n.scored.filter((s) => !scoredOff.includes(s) && geTenths(s.value, row.countAt)).length;
      const bonus = o['A-22-ADJ-DEF'] === 'offender-meets-threshold' && scoredOff.length === 1 ? 1 : 0;
      if (others + bonus < 6) continue;
      baseline = lvl;
      offenders = off;
      break;
    }
  }
  let final: Level22 = strict;
  if (baseline !== null) {
    const idx = o['A-22-ADJ'] === 'one-below-baseline' ? rank22(baseline) + 1 : rank22(strict) - 1;
    final = LEVELS_22[idx] as Level22;
    steps.push({
      code: 'ADJUSTMENT_APPLIED',
      clause: C(3),
      summaryVi: `Nếu không tính riêng môn ${offenders[0]} thì đạt mức ${baseline}; mức theo bảng là ${strict}, thấp hơn từ hai mức trở xuống chỉ vì một môn nên được điều chỉnh lên ${final}.`,
    });
  } else if (rank22(strict) >= 2) {
    steps.push({ code: 'ADJUSTMENT_NOT_APPLICABLE', clause: C(3), summaryVi: 'Không điều chỉnh: không có mức Tốt/Khá nào chỉ bị kéo xuống từ hai mức trở lên bởi đúng một môn học.' });
  }
  const adjusted = final !== strict;
  const periodVi = n.period === 'year' ? 'cả năm' : n.period === 'HK1' ? 'học kỳ I' : 'học kỳ II';
  const failed = checks.filter((c) => !c.ok && c.level !== undefined && rank22(c.level as Level22) < rank22(final));
  const explanation: Explanation = {
    code: 'LEARNING_RANK',
    clause: adjusted ? C(3) : strict === 'Chưa đạt' ? C(2, 'd') : C(2, ROWS.find((r) => r.level === strict)?.point),
    summaryVi:
      `Kết quả học tập ${periodVi}: ${final}${adjusted ? ` (theo bảng là ${strict}, được điều chỉnh theo Điều 9 khoản 3)` : ''}.` +
      (failed.length ? ` Không đạt mức cao hơn vì — ${failed.map((c) => `${c.level}: ${c.conditionVi}${c.subjects ? ` (môn ${c.subjects.join(', ')}${c.actual ? `: ${c.actual}` : ''})` : c.actual ? ` (có ${c.actual})` : ''}`).join('; ')}.` : ''),
    checks,
    ...(optionUses.length ? { options: optionUses } : {}),
    ...(steps.length ? { steps } : {}),
  };
  return { regime: 'TT22', period: n.period, strict, final, adjusted, adjustedBy: adjusted ? '9.3' : null, baseline, offenders, counts, excluded: n.excluded, checks, explanation, options: o };
}
