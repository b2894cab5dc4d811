/**
 * Re-test (TT58 Điều 16: the student chooses some subjects among ĐTBmcn < 5.0 or CĐ) and TT22
 * re-assessment (Điều 14: every such subject, A-22-RETEST-SET). A re-test result replaces the subject's
 * year result; the rank is recomputed with the adjustment clause (TT58 Điều 13.6; TT22 Điều 9.3).
 */
import { RulesError } from './errors';
import { clause, type Explanation, type OptionUse } from './explanation';
import { rank22, rank58 } from './levels';
import { resolveOptions, type RuleOptions } from './options';
import { ltTenths } from './rational';
import { parseRating, type Rating, type RatingInput } from './rating';
import { normaliseRanking, type LearningRankInput, type RankingSubjectInput } from './ranking-input';
import { rankLearning, type LearningRank } from './ranking';
import { formatScore, parseScore, type ScoreInput } from './score';
import { foldName } from './subjects';

export interface EligibleSubject {
  readonly name: string;
  readonly kind: 'scored' | 'comment';
  /** "3.8" or "CĐ"/"Chưa đạt". */
  readonly yearResult: string;
}

/** Subjects eligible for re-test: scored ĐTBmcn < 5.0, comment subjects CĐ (TT58 Điều 16.1; TT22 Điều 14). */
export function eligibleRetestSubjects(input: LearningRankInput & { readonly catalogueOrder?: readonly string[] }): EligibleSubject[] {
  const n = normaliseRanking(input);
  const list: EligibleSubject[] = [
    ...n.scored.filter((s) => ltTenths(s.value, 50)).map((s) => ({ name: s.name, kind: 'scored' as const, yearResult: s.text.replace(',', '.') })),
    ...n.comments.filter((c) => !c.passed).map((c) => ({ name: c.name, kind: 'comment' as const, yearResult: n.regime === 'TT22' ? 'Chưa đạt' : 'CĐ' })),
  ];
  const order = n.options['A-LIST-ORDER'];
  // A-LIST-ORDER: the school's catalogue order (default: the order subjects were given, i.e. the catalogue).
  const position = (name: string): number => {
    const cat = order === 'catalogue' && input.catalogueOrder ? input.catalogueOrder : input.subjects.map((s) => s.name);
    const i = cat.findIndex((c) => foldName(c) === foldName(name));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  if (order === 'alphabetical') {
    const coll = new Intl.Collator('vi');
    return list.sort((a, b) => coll.compare(a.name, b.name));
  }
  return list.sort((a, b) => position(a.name) - position(b.name));
}

export interface RetestInput extends LearningRankInput {
  /** Re-test results by subject name: a score ("6.0") or a rating (Đ/CĐ, Đạt/Chưa đạt). */
  readonly retests: Readonly<Record<string, ScoreInput | RatingInput>>;
  readonly catalogueOrder?: readonly string[];
}

export interface RetestResult {
  readonly regime: LearningRankInput['regime'];
  readonly eligible: readonly EligibleSubject[];
  readonly retested: readonly { readonly subject: string; readonly before: string; readonly after: string }[];
  /** The recomputed rank (after the adjustment clause). */
  readonly rank: LearningRank;
  readonly outcome: 'promoted' | 'repeat';
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

export function applyRetest(input: RetestInput): RetestResult {
  const o = resolveOptions(input.options);
  const eligible = eligibleRetestSubjects({ ...input, options: o });
  const eligibleIds = new Map(eligible.map((e) => [foldName(e.name), e] as const));
  const chosen = Object.keys(input.retests);
  for (const c of chosen) {
    if (!eligibleIds.has(foldName(c))) {
      throw new RulesError('RULES_RETEST_NOT_ELIGIBLE', `Môn ${c} không thuộc diện kiểm tra lại (chỉ các môn có điểm trung bình cả năm dưới 5,0 hoặc xếp loại CĐ)`, `Subject ${c} is not eligible for re-test (only year average < 5.0 or CĐ)`, { subject: c });
    }
  }
  const mustAll = input.regime === 'TT22' ? o['A-22-RETEST-SET'] === 'all' : o['A-58-RETEST'] === 'all-eligible';
  const optionUse: OptionUse = input.regime === 'TT22' ? { id: 'A-22-RETEST-SET', value: o['A-22-RETEST-SET'] } : { id: 'A-58-RETEST', value: o['A-58-RETEST'] };
  if (mustAll) {
    const missing = eligible.filter((e) => !chosen.some((c) => foldName(c) === foldName(e.name)));
    if (missing.length) {
      throw new RulesError('RULES_RETEST_INCOMPLETE', `Phải kiểm tra, đánh giá lại tất cả các môn chưa đạt; còn thiếu: ${missing.map((m) => m.name).join(', ')}`, `All eligible subjects must be re-assessed; missing: ${missing.map((m) => m.name).join(', ')}`, { missing: missing.map((m) => m.name) });
    }
  }
  if (chosen.length === 0) {
    throw new RulesError('RULES_RETEST_INCOMPLETE', 'Chưa có kết quả kiểm tra lại môn nào', 'No re-test result given');
  }
  const retested: { subject: string; before: string; after: string }[] = [];
  const subjects: RankingSubjectInput[] = input.subjects.map((s) => {
    const key = chosen.find((c) => foldName(c) === foldName(s.name));
    if (key === undefined) return s;
    const e = eligibleIds.get(foldName(s.name)) as EligibleSubject;
    const raw = input.retests[key] as ScoreInput | RatingInput;
    if (e.kind === 'scored') {
      const sc = parseScore(raw as ScoreInput, { regime: input.regime, kind: 'periodic' });
      const { result: _r, ...rest } = s;
      void _r;
      retested.push({ subject: s.name, before: e.yearResult, after: formatScore(sc) });
      return { ...rest, average: sc };
    }
    const r: Rating = parseRating(raw as RatingInput);
    retested.push({ subject: s.name, before: e.yearResult, after: input.regime === 'TT22' ? (r === 'Đ' ? 'Đạt' : 'Chưa đạt') : r });
    const { average: _a, ...rest } = s;
    void _a;
    return { ...rest, result: r };
  });
  const rank = rankLearning({ ...input, subjects, options: o });
  const ok = rank.regime === 'TT22' ? rank22(rank.final) <= 2 : rank58(rank.final) <= 2;
  const outcome = ok ? 'promoted' : 'repeat';
  const explanation: Explanation = {
    code: 'RETEST_RESULT',
    clause: input.regime === 'TT22' ? clause('TT22', 14) : clause('TT58', 16),
    summaryVi:
      `Sau ${input.regime === 'TT22' ? 'kiểm tra, đánh giá lại' : 'kiểm tra lại'} (${retested.map((r) => `${r.subject}: ${r.before} → ${r.after}`).join('; ')}), ` +
      `${input.regime === 'TT22' ? 'kết quả học tập' : 'học lực'} cả năm được xếp lại ${rank.final}: ${ok ? 'được lên lớp' : 'không được lên lớp'}.`,
    options: [optionUse],
    steps: [rank.explanation],
  };
  return { regime: input.regime, eligible, retested, rank, outcome, explanation, options: o };
}
