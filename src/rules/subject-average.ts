/**
 * Scored-subject averages. TT58 Điều 10.1: ĐTBmhk = (TĐKTtx + 2·TĐKTđk + 3·ĐKThk)/(nKTtx + 2·nKTđk + 3);
 * TT26 (Điều 10) and TT22 Điều 9.1.b: (TĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck)/(nĐĐGtx + 5) — the same formula with one ĐĐGgk.
 * ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII)/3. Each is rounded once, half up (10.1.c; A-22-ROUND).
 */
import { RulesError } from './errors';
import { clause, type Clause, type Explanation, type OptionUse } from './explanation';
import { resolveMark, type MarkInput, type SemesterMarks } from './marks';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import { add, div, formatRational, formatTenths, formatTenthsShort, fromTenths, mul, rational, roundToTenths, type Rational } from './rational';
import type { Regime } from './regime';
import { formatScore, isScore, parseScore, type AssessmentKind, type Score, type ScoreInput } from './score';

export type Semester = 'HK1' | 'HK2';

/** A rounded average, exposed as Score and as "6.5", with the exact value it came from. */
export interface AverageValue {
  readonly average: Score;
  /** One decimal with a point: "6.5". */
  readonly averageText: string;
  /** The exact rational before rounding. */
  readonly exact: Rational;
  /** The value thresholds are compared against: the rounded one, or the exact one under A-22-ROUND = unrounded. */
  readonly decisive: Rational;
}

export interface SubjectSemesterAverage extends AverageValue {
  readonly type: 'scored-semester';
  readonly regime: Regime;
  readonly subject?: string;
  readonly semester?: Semester;
  /** Σ coefficient × score in tenths and Σ coefficients: average = weightedTenths / (10·weight). */
  readonly weightedTenths: number;
  readonly weight: number;
  /** Assessments missed without make-up, counted as 0 (TT58 Điều 8.5; TT26 Điều 8.4; TT22, A-22-MAKEUP). */
  readonly zeroedMissing: number;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

export interface SubjectYearAverage extends AverageValue {
  readonly type: 'scored-year';
  readonly regime: Regime;
  readonly subject?: string;
  /** 'both' = (I + 2·II)/3; otherwise the subject was taught (or studied) in one semester only (TT58 Điều 10.3). */
  readonly basis: 'both' | Semester;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

const avgClause = (regime: Regime): Clause => (regime === 'TT22' ? clause('TT22', 9, 1, 'b') : regime === 'TT58_TT26' ? clause('TT26', 10) : clause('TT58', 10, 1));
const missingClause = (regime: Regime): Clause => (regime === 'TT22' ? clause('TT22', 7) : regime === 'TT58_TT26' ? clause('TT26', 8, 4) : clause('TT58', 8, 5));

/** Rounding is done once, here; the A-22-ROUND option can keep TT22 averages exact for thresholds. */
export function toAverageValue(exact: Rational, regime: Regime, o: RuleOptions): AverageValue {
  const t = Number(roundToTenths(exact, o['A-ROUND-1']));
  const average: Score = { tenths: t };
  const decisive = regime === 'TT22' && o['A-22-ROUND'] === 'unrounded' ? exact : fromTenths(t);
  return { average, averageText: formatScore(average), exact, decisive };
}

function roundingOptions(regime: Regime, o: RuleOptions): OptionUse[] {
  const r: OptionUse[] = [{ id: 'A-ROUND-1', value: o['A-ROUND-1'] }];
  if (regime === 'TT22') r.push({ id: 'A-22-ROUND', value: o['A-22-ROUND'] });
  return r;
}

interface Collected {
  tenths: number[];
  zeroed: number;
}

function collect(marks: readonly MarkInput[], kind: AssessmentKind, regime: Regime, o: RuleOptions): Collected {
  const tenths: number[] = [];
  let zeroed = 0;
  for (const m of marks) {
    const r = resolveMark(m);
    if (r.status === 'missing') {
      // Missing without make-up: 0 stays in the formula (TT58 8.5, TT26 8.4); A-22-MAKEUP 'exclude' drops it (TT22 only).
      if (regime === 'TT22' && o['A-22-MAKEUP'] === 'exclude') continue;
      tenths.push(0);
      zeroed++;
      continue;
    }
    const s = parseScore(r.value as ScoreInput, {
      regime,
      kind,
      ...(r.status === 'present' && r.form !== undefined ? { form: r.form } : {}),
      oralPrecision: o['A-58-ORAL-PRECISION'],
    });
    tenths.push(s.tenths);
  }
  return { tenths, zeroed };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** ĐTBmhk of a scored subject from its semester marks. */
export function computeSemesterAverage(
  regime: Regime,
  marks: SemesterMarks,
  opts?: PartialRuleOptions | RuleOptions,
  meta: { subject?: string; semester?: Semester } = {},
): SubjectSemesterAverage {
  const o = resolveOptions(opts);
  if (!marks || !Array.isArray(marks.regular) || !Array.isArray(marks.periodic)) {
    throw new RulesError('RULES_INVALID_INPUT', 'Thiếu danh sách điểm thường xuyên/định kỳ', 'Missing regular/periodic mark lists', { subject: meta.subject });
  }
  if (regime !== 'TT58' && marks.periodic.length !== 1) {
    throw new RulesError(
      'RULES_INVALID_INPUT',
      `${regime === 'TT22' ? 'TT22 Điều 7' : 'TT26 Điều 8.1'}: mỗi học kỳ có đúng một điểm đánh giá giữa kỳ (nhận ${marks.periodic.length})`,
      `Exactly one mid-term assessment per semester is required under ${regime} (got ${marks.periodic.length})`,
      { subject: meta.subject },
    );
  }
  const tx = collect(marks.regular, 'regular', regime, o);
  const dk = collect(marks.periodic, 'periodic', regime, o);
  const ck = collect([marks.final], 'final', regime, o);
  const nTx = tx.tenths.length;
  const nDk = dk.tenths.length;
  const nCk = ck.tenths.length;
  const weightedTenths = sum(tx.tenths) + 2 * sum(dk.tenths) + 3 * sum(ck.tenths);
  const weight = nTx + 2 * nDk + 3 * nCk;
  if (weight === 0) {
    throw new RulesError('RULES_MISSING_RESULT', `Môn ${meta.subject ?? ''} không có điểm nào trong học kỳ`, `No assessment for subject ${meta.subject ?? ''} in the semester`, { ...meta });
  }
  const exact = rational(weightedTenths, 10 * weight);
  const v = toAverageValue(exact, regime, o);
  const zeroedMissing = tx.zeroed + dk.zeroed + ck.zeroed;

  const sTx = formatTenthsShort(sum(tx.tenths));
  const sDk = dk.tenths.length === 1 ? formatTenthsShort(dk.tenths[0] ?? 0) : `(${dk.tenths.map((t) => formatTenthsShort(t)).join(' + ')})`;
  const sCk = ck.tenths.length ? formatTenthsShort(ck.tenths[0] ?? 0) : '—';
  const numText = formatTenthsShort(weightedTenths);
  const formula =
    `ĐTBmhk = (TĐtx ${sTx}${nDk ? ` + 2×${sDk}` : ''}${nCk ? ` + 3×${sCk}` : ''})/(${nTx}${nDk ? ` + 2×${nDk}` : ''}${nCk ? ' + 3' : ''})` +
    ` = ${numText}/${weight} = ${formatRational(exact)} → ${formatTenths(v.average.tenths, ',')}`;
  const steps: Explanation[] = [];
  if (zeroedMissing > 0) {
    steps.push({
      code: 'MISSING_ASSESSMENT_ZERO',
      clause: missingClause(regime),
      summaryVi: `${zeroedMissing} bài kiểm tra/đánh giá vắng không kiểm tra bù được tính 0 điểm và vẫn nằm trong công thức.`,
    });
  }
  const explanation: Explanation = {
    code: 'SUBJECT_SEMESTER_AVERAGE',
    clause: avgClause(regime),
    summaryVi: `Điểm trung bình môn ${meta.subject ?? ''}${meta.semester ? ` ${meta.semester === 'HK1' ? 'học kỳ I' : 'học kỳ II'}` : ' học kỳ'} là ${formatTenths(v.average.tenths, ',')}.`.replace('môn  ', 'môn '),
    formula,
    options: roundingOptions(regime, o),
    ...(steps.length ? { steps } : {}),
  };
  return { type: 'scored-semester', regime, ...meta, ...v, weightedTenths, weight, zeroedMissing, explanation, options: o };
}

/** A semester average given either as a computed result or as a plain score ("7.2"). */
export type SemesterAverageInput = SubjectSemesterAverage | AverageValue | ScoreInput;

function asAverage(x: SemesterAverageInput): { rounded: Rational; exact: Rational; tenths: number } {
  if (typeof x === 'object' && x !== null && 'average' in x && 'exact' in x) {
    return { rounded: fromTenths(x.average.tenths), exact: x.exact, tenths: x.average.tenths };
  }
  const s = parseScore(x as ScoreInput);
  return { rounded: fromTenths(s.tenths), exact: fromTenths(s.tenths), tenths: s.tenths };
}

/**
 * ĐTBmcn from the two semester averages. The rounded ĐTBmhk are used (A-ROUND-2, TT58 Điều 10.1.c);
 * a subject taught or studied in one semester takes that semester's average (TT58 Điều 10.3, 12.4).
 */
export function computeYearAverage(
  regime: Regime,
  hk1: SemesterAverageInput | null | undefined,
  hk2: SemesterAverageInput | null | undefined,
  opts?: PartialRuleOptions | RuleOptions,
  meta: { subject?: string } = {},
): SubjectYearAverage {
  const o = resolveOptions(opts);
  const chainExact = o['A-ROUND-2'] === 'unrounded' || (regime === 'TT22' && o['A-22-ROUND'] === 'unrounded');
  const a = hk1 === null || hk1 === undefined ? null : asAverage(hk1);
  const b = hk2 === null || hk2 === undefined ? null : asAverage(hk2);
  const optionUses: OptionUse[] = [...roundingOptions(regime, o), { id: 'A-ROUND-2', value: o['A-ROUND-2'] }];
  const pick = (x: { rounded: Rational; exact: Rational }): Rational => (chainExact ? x.exact : x.rounded);
  if (a && b) {
    const exact = div(add(pick(a), mul(pick(b), 2)), 3);
    const v = toAverageValue(exact, regime, o);
    const fa = chainExact ? formatRational(a.exact) : formatTenths(a.tenths, ',');
    const fb = chainExact ? formatRational(b.exact) : formatTenths(b.tenths, ',');
    const numer = add(pick(a), mul(pick(b), 2));
    const explanation: Explanation = {
      code: 'SUBJECT_YEAR_AVERAGE',
      clause: regime === 'TT22' ? clause('TT22', 9, 1, 'b') : clause('TT58', 10, 1, 'b'),
      summaryVi: `Điểm trung bình môn ${meta.subject ?? ''} cả năm là ${formatTenths(v.average.tenths, ',')} (tính từ điểm trung bình ${chainExact ? 'chưa làm tròn' : 'đã làm tròn'} của hai học kỳ).`.replace('môn  ', 'môn '),
      formula: `ĐTBmcn = (ĐTBmhkI + 2×ĐTBmhkII)/3 = (${fa} + 2×${fb})/3 = ${formatRational(numer)}/3 = ${formatRational(exact)} → ${formatTenths(v.average.tenths, ',')}`,
      options: optionUses,
    };
    return { type: 'scored-year', regime, ...meta, ...v, basis: 'both', explanation, options: o };
  }
  const only = a ?? b;
  if (!only) {
    throw new RulesError('RULES_MISSING_RESULT', `Môn ${meta.subject ?? ''} không có điểm trung bình học kỳ nào`, `Subject ${meta.subject ?? ''} has no semester average`, { ...meta });
  }
  const basis: Semester = a ? 'HK1' : 'HK2';
  const exact = pick(only);
  const v = toAverageValue(exact, regime, o);
  const explanation: Explanation = {
    code: 'SUBJECT_YEAR_AVERAGE_ONE_SEMESTER',
    clause: regime === 'TT22' ? clause('TT22', 9, 1, 'b') : clause('TT58', 10, 3),
    summaryVi: `Môn ${meta.subject ?? ''} chỉ học ${basis === 'HK1' ? 'học kỳ I' : 'học kỳ II'}: kết quả cả năm là kết quả học kỳ đó, ${formatTenths(v.average.tenths, ',')}.`.replace('Môn  ', 'Môn '),
    formula: `ĐTBmcn = ĐTBmhk${basis === 'HK1' ? 'I' : 'II'} = ${formatTenths(v.average.tenths, ',')}`,
    options: optionUses,
  };
  return { type: 'scored-year', regime, ...meta, ...v, basis, explanation, options: o };
}

export const isAverageValue = (x: unknown): x is AverageValue =>
  typeof x === 'object' && x !== null && 'average' in x && 'exact' in x && isScore((x as { average: unknown }).average);
