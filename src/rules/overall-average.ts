/**
 * TT58 Điều 11: ĐTBhk / ĐTBcn = plain mean of the scored subjects' averages, rounded once to one decimal.
 * No subject coefficients (the ×2 for Toán/Văn was QĐ 40/2006 and must not be applied). TT22 has none (Điều 9).
 */
import { RulesError } from './errors';
import { clause, type Explanation } from './explanation';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import { formatRational, formatTenths, formatTenthsShort, fromTenths, rational, add, div, type Rational } from './rational';
import type { Regime } from './regime';
import { parseScore, type ScoreInput } from './score';
import { toAverageValue, type AverageValue } from './subject-average';

export interface OverallAverage extends AverageValue {
  readonly type: 'overall-average';
  readonly regime: Regime;
  readonly subjectCount: number;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

export type SubjectAverageInput = ScoreInput | AverageValue;

const isAvg = (x: SubjectAverageInput): x is AverageValue => typeof x === 'object' && x !== null && 'average' in x && 'exact' in x;

export function computeOverallAverage(
  regime: Regime,
  subjectAverages: readonly SubjectAverageInput[],
  opts?: PartialRuleOptions | RuleOptions,
  period: 'HK1' | 'HK2' | 'year' = 'year',
): OverallAverage {
  const o = resolveOptions(opts);
  if (regime === 'TT22') {
    throw new RulesError('RULES_INVALID_INPUT', 'TT22 Điều 9 không có điểm trung bình các môn (ĐTBhk/ĐTBcn)', 'TT22 (Art. 9) has no overall average');
  }
  if (subjectAverages.length === 0) {
    throw new RulesError('RULES_MISSING_RESULT', 'Không có môn tính điểm nào để tính điểm trung bình các môn', 'No scored subject for the overall average');
  }
  const exactChain = o['A-ROUND-2'] === 'unrounded';
  let total: Rational = rational(0);
  let tenthsSum = 0;
  const shown: string[] = [];
  for (const x of subjectAverages) {
    if (isAvg(x)) {
      total = add(total, exactChain ? x.exact : fromTenths(x.average.tenths));
      tenthsSum += x.average.tenths;
      shown.push(exactChain ? formatRational(x.exact) : formatTenthsShort(x.average.tenths));
    } else {
      const s = parseScore(x);
      total = add(total, fromTenths(s.tenths));
      tenthsSum += s.tenths;
      shown.push(formatTenthsShort(s.tenths));
    }
  }
  const n = subjectAverages.length;
  const exact = div(total, n);
  const v = toAverageValue(exact, regime, o);
  const name = period === 'year' ? 'ĐTBcn' : 'ĐTBhk';
  const numerText = exactChain ? formatRational(total) : formatTenthsShort(tenthsSum);
  return {
    type: 'overall-average',
    regime,
    ...v,
    subjectCount: n,
    explanation: {
      code: 'OVERALL_AVERAGE',
      clause: clause('TT58', 11),
      summaryVi: `Điểm trung bình các môn (${name}) là ${formatTenths(v.average.tenths, ',')}: trung bình cộng của ${n} môn tính điểm, không nhân hệ số.`,
      formula: `${name} = (${shown.join(' + ')})/${n} = ${numerText}/${n} = ${formatRational(exact)} → ${formatTenths(v.average.tenths, ',')}`,
      options: [
        { id: 'A-ROUND-1', value: o['A-ROUND-1'] },
        { id: 'A-ROUND-2', value: o['A-ROUND-2'] },
      ],
    },
    options: o,
  };
}
