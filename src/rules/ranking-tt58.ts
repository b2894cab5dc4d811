/**
 * TT58 Điều 13 (as amended by TT26 for key subjects): strict học lực by the table of 13.1–13.5,
 * then the adjustment clause 13.6 a–d when the drop was caused by one subject.
 */
import { RulesError } from './errors';
import { clause, type Check, type Clause, type Explanation, type OptionUse } from './explanation';
import { rank58, type Level58 } from './levels';
import { computeOverallAverage, type OverallAverage } from './overall-average';
import type { RuleOptions } from './options';
import { formatTenths, geTenths, ltTenths } from './rational';
import type { NormalisedRanking, ScoredEntry } from './ranking-input';
import { keyRolesOf } from './subjects';
import { toAverageValue } from './subject-average';

export type Adjustment58 = '13.6.a' | '13.6.b' | '13.6.c' | '13.6.d';

export interface LearningRank58 {
  readonly regime: 'TT58' | 'TT58_TT26';
  readonly period: 'HK1' | 'HK2' | 'year';
  /** The level by the table alone (13.1–13.5). */
  readonly strict: Level58;
  /** The level after 13.6 (used for promotion and titles). */
  readonly final: Level58;
  readonly adjusted: boolean;
  readonly adjustedBy: Adjustment58 | null;
  /** ĐTBhk / ĐTBcn. */
  readonly overallAverage: OverallAverage;
  /** Level reached by the overall average alone (Giỏi ≥ 8.0, Khá ≥ 6.5), the premise of 13.6. */
  readonly averageLevel: 'Giỏi' | 'Khá' | null;
  /** Subjects that pulled the rank below the average's level (13.6 "do kết quả của một môn học"). */
  readonly offenders: readonly string[];
  /** Subjects left out (exempt for the whole year / this semester, Điều 12.4). */
  readonly excluded: readonly string[];
  readonly checks: readonly Check[];
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

interface Row {
  readonly level: Exclude<Level58, 'Kém'>;
  readonly avg: number;
  readonly key: number | null;
  readonly min: number;
  readonly allPass: boolean;
  readonly clause: Clause;
}

const ROWS: readonly Row[] = [
  { level: 'Giỏi', avg: 80, key: 80, min: 65, allPass: true, clause: clause('TT58', 13, 1) },
  { level: 'Khá', avg: 65, key: 65, min: 50, allPass: true, clause: clause('TT58', 13, 2) },
  { level: 'Trung bình', avg: 50, key: 50, min: 35, allPass: true, clause: clause('TT58', 13, 3) },
  { level: 'Yếu', avg: 35, key: null, min: 20, allPass: false, clause: clause('TT58', 13, 4) },
];

const t = (tenths: number): string => formatTenths(tenths, ',');
const KEY_NAMES_VI = { math: 'Toán', literature: 'Ngữ văn', 'foreign-language': 'Ngoại ngữ' } as const;

function rowChecks(n: NormalisedRanking, avgTenths: number, row: Row): Check[] {
  const checks: Check[] = [];
  checks.push({ level: row.level, conditionVi: `Điểm trung bình các môn từ ${t(row.avg)} trở lên`, clause: row.clause, ok: avgTenths >= row.avg, actual: t(avgTenths), required: `≥ ${t(row.avg)}` });
  if (row.key !== null) {
    const roles = keyRolesOf(n.regime);
    const keys = n.scored.filter((s) => s.key !== undefined && roles.includes(s.key));
    if (keys.length > 0) {
      const best = keys.reduce((a, b) => (b.tenths > a.tenths ? b : a));
      const ok = keys.some((k) => geTenths(k.value, row.key ?? 0));
      checks.push({
        level: row.level,
        conditionVi: `Có ít nhất một trong các môn ${roles.map((r) => KEY_NAMES_VI[r]).join(', ')} đạt từ ${t(row.key)} trở lên${n.regime === 'TT58_TT26' ? ' (Điều 13 sửa đổi bởi TT26/2020)' : ''}`,
        clause: row.clause,
        ok,
        subjects: ok ? [best.name] : keys.map((k) => k.name),
        actual: keys.map((k) => `${k.name} ${k.text}`).join(', '),
        required: `≥ ${t(row.key)}`,
      });
    }
    if (n.chuyen) {
      checks.push({ level: row.level, conditionVi: `Môn chuyên đạt từ ${t(row.avg)} trở lên`, clause: row.clause, ok: geTenths(n.chuyen.value, row.avg), subjects: [n.chuyen.name], actual: n.chuyen.text, required: `≥ ${t(row.avg)}` });
    }
  }
  const below = n.scored.filter((s) => ltTenths(s.value, row.min));
  checks.push({
    level: row.level,
    conditionVi: `Không có môn tính điểm nào dưới ${t(row.min)}`,
    clause: row.clause,
    ok: below.length === 0,
    ...(below.length ? { subjects: below.map((s) => s.name), actual: below.map((s) => s.text).join(', ') } : {}),
    required: `≥ ${t(row.min)}`,
  });
  if (row.allPass && n.comments.length > 0) {
    const fails = n.comments.filter((c) => !c.passed);
    checks.push({ level: row.level, conditionVi: 'Các môn đánh giá bằng nhận xét đều đạt loại Đ', clause: row.clause, ok: fails.length === 0, ...(fails.length ? { subjects: fails.map((c) => c.name), actual: fails.map((c) => `${c.name} CĐ`).join(', ') } : {}) });
  }
  return checks;
}

interface OneSubjectTest {
  readonly ok: boolean;
  readonly offenders: readonly string[];
  readonly whyVi: string;
}

/** "Caused by one subject" (A-58-ADJ, A-58-ADJ-KEY, A-58-CHUYEN), evaluated against the row of level L0. */
function oneSubject(n: NormalisedRanking, row: Row, o: RuleOptions): OneSubjectTest {
  const offenders = new Set<string>();
  for (const s of n.scored) if (ltTenths(s.value, row.min)) offenders.add(s.name);
  const failedComments = n.comments.filter((c) => !c.passed).map((c) => c.name);
  if (failedComments.length > 0 && o['A-58-ADJ'] === 'no') {
    return { ok: false, offenders: [...offenders, ...failedComments], whyVi: `môn đánh giá bằng nhận xét xếp CĐ (${failedComments.join(', ')}) không được coi là "một môn học" (tuỳ chọn A-58-ADJ = no)` };
  }
  for (const c of failedComments) offenders.add(c);
  const chuyenShort = n.chuyen !== undefined && ltTenths(n.chuyen.value, row.avg);
  if (chuyenShort && n.chuyen) {
    if (o['A-58-CHUYEN'] === 'does-not-count') {
      return { ok: false, offenders: [...offenders, n.chuyen.name], whyVi: `môn chuyên ${n.chuyen.name} dưới ${t(row.avg)} không được coi là "một môn học" (A-58-CHUYEN = does-not-count)` };
    }
    offenders.add(n.chuyen.name);
  }
  const list = [...offenders];
  if (list.length !== 1) {
    return { ok: false, offenders: list, whyVi: list.length === 0 ? 'không có môn nào kéo xuống' : `có ${list.length} môn kéo xuống (${list.join(', ')}), không phải chỉ một môn` };
  }
  if (o['A-58-ADJ-KEY'] === 'counterfactual' && row.key !== null) {
    const roles = keyRolesOf(n.regime);
    const keys: ScoredEntry[] = n.scored.filter((s) => s.key !== undefined && roles.includes(s.key));
    if (keys.length > 0 && !keys.some((k) => geTenths(k.value, row.key ?? 0))) {
      return { ok: false, offenders: list, whyVi: `bỏ qua môn ${list[0]} thì điều kiện môn ${roles.map((r) => KEY_NAMES_VI[r]).join('/')} từ ${t(row.key)} vẫn không đạt (A-58-ADJ-KEY = counterfactual)` };
    }
  }
  return { ok: true, offenders: list, whyVi: `chỉ do một môn: ${list[0]}` };
}

const ADJUST: Record<'Giỏi' | 'Khá', Partial<Record<Level58, { to: Level58; by: Adjustment58 }>>> = {
  Giỏi: { 'Trung bình': { to: 'Khá', by: '13.6.a' }, Yếu: { to: 'Trung bình', by: '13.6.b' } },
  Khá: { Yếu: { to: 'Trung bình', by: '13.6.c' }, Kém: { to: 'Yếu', by: '13.6.d' } },
};

export function rankLearning58(n: NormalisedRanking): LearningRank58 {
  if (n.regime === 'TT22') throw new RulesError('RULES_INVALID_INPUT', 'Sai chế độ đánh giá', 'Wrong regime');
  const regime = n.regime;
  const o = n.options;
  const overall = computeOverallAverage(
    regime,
    n.scored.map((s) => toAverageValue(s.value, regime, o)),
    o,
    n.period,
  );
  const A = overall.average.tenths;
  const checks: Check[] = [];
  let strict: Level58 = 'Kém';
  for (const row of ROWS) {
    const cs = rowChecks(n, A, row);
    checks.push(...cs);
    if (cs.every((c) => c.ok)) {
      strict = row.level;
      break;
    }
  }
  const averageLevel: 'Giỏi' | 'Khá' | null = A >= 80 ? 'Giỏi' : A >= 65 ? 'Khá' : null;
  let final: Level58 = strict;
  let adjustedBy: Adjustment58 | null = null;
  let offenders: readonly string[] = [];
  const optionUses: OptionUse[] = [];
  const adjSteps: Explanation[] = [];
  if (averageLevel !== null && rank58(strict) - rank58(averageLevel) >= 2) {
    optionUses.push({ id: 'A-58-ADJ', value: o['A-58-ADJ'] }, { id: 'A-58-ADJ-KEY', value: o['A-58-ADJ-KEY'] });
    if (n.chuyen) optionUses.push({ id: 'A-58-CHUYEN', value: o['A-58-CHUYEN'] });
    const tryRow = (lvl: 'Giỏi' | 'Khá'): boolean => {
      const row = ROWS.find((r) => r.level === lvl) as Row;
      const test = oneSubject(n, row, o);
      offenders = test.offenders;
      let target = ADJUST[lvl][strict];
      if (!target && lvl === 'Giỏi' && strict === 'Kém') {
        optionUses.push({ id: 'A-58-GKEM', value: o['A-58-GKEM'] });
        if (o['A-58-GKEM'] === 'adjust-to-tb') target = { to: 'Trung bình', by: '13.6.b' };
        else {
          adjSteps.push({ code: 'ADJUSTMENT_NOT_LISTED', clause: clause('TT58', 13, 6), summaryVi: 'Điểm trung bình đạt loại Giỏi nhưng học lực theo bảng là Kém: trường hợp này không có trong khoản 6 nên không điều chỉnh (A-58-GKEM = keep-kem).' });
          return false;
        }
      }
      if (!target) return false;
      if (!test.ok) {
        adjSteps.push({ code: 'ADJUSTMENT_REFUSED', clause: clause('TT58', 13, 6, target.by.slice(-1)), summaryVi: `Không điều chỉnh theo điểm ${target.by.slice(-1)}: ${test.whyVi}.` });
        return false;
      }
      final = target.to;
      adjustedBy = target.by;
      adjSteps.push({
        code: 'ADJUSTMENT_APPLIED',
        clause: clause('TT58', 13, 6, target.by.slice(-1)),
        summaryVi: `Điểm trung bình các môn ${t(A)} đạt mức ${lvl} nhưng học lực bị kéo xuống ${strict} ${test.whyVi}: được điều chỉnh lên ${target.to}.`,
      });
      return true;
    };
    const done = tryRow(averageLevel);
    if (!done && averageLevel === 'Giỏi') {
      optionUses.push({ id: 'A-58-ADJ-LEVEL', value: o['A-58-ADJ-LEVEL'] });
      if (o['A-58-ADJ-LEVEL'] === 'also-kha-rows') tryRow('Khá');
    }
  }
  const adjusted = adjustedBy !== null;
  const failedAbove = checks.filter((c) => !c.ok && c.level !== undefined && rank58(c.level as Level58) < rank58(final));
  const whyNotHigher = failedAbove.map((c) => `${c.level}: ${c.conditionVi}${c.subjects ? ` (môn ${c.subjects.join(', ')}${c.actual ? `: ${c.actual}` : ''})` : c.actual ? ` (${c.actual})` : ''}`);
  const periodVi = n.period === 'year' ? 'cả năm' : n.period === 'HK1' ? 'học kỳ I' : 'học kỳ II';
  const explanation: Explanation = {
    code: 'LEARNING_RANK',
    clause: adjustedBy ? clause('TT58', 13, 6, (adjustedBy as string).slice(-1)) : (ROWS.find((r) => r.level === strict)?.clause ?? clause('TT58', 13, 5)),
    summaryVi:
      `Học lực ${periodVi}: ${final}${adjusted ? ` (theo bảng là ${strict}, được điều chỉnh theo Điều 13 khoản 6 điểm ${(adjustedBy as string | null)?.slice(-1)})` : ''}.` +
      (whyNotHigher.length ? ` Không đạt mức cao hơn vì — ${whyNotHigher.join('; ')}.` : ''),
    checks,
    ...(optionUses.length ? { options: optionUses } : {}),
    steps: [overall.explanation, ...adjSteps],
  };
  return { regime, period: n.period, strict, final, adjusted, adjustedBy, overallAverage: overall, averageLevel, offenders, excluded: n.excluded, checks, explanation, options: o };
}
