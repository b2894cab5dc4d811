/**
 * Normalised ranking input shared by TT58 Điều 13 and TT22 Điều 9: scored subjects with the value
 * thresholds are compared against, comment subjects with pass/fail; exempt subjects removed (TT58 Điều 12.4).
 */
import { RulesError } from './errors';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';
import { formatTenths, fromTenths, type Rational } from './rational';
import { parseRating, type Rating, type RatingInput } from './rating';
import type { Regime } from './regime';
import { parseScore, type ScoreInput } from './score';
import { assessmentModeOf, foldName, keyRoleOf, type KeyRole, type SubjectRef } from './subjects';
import { isAverageValue, type AverageValue } from './subject-average';

export interface RankingSubjectInput extends SubjectRef {
  /** Scored subject: its rounded average for the period ("7.5") or a computed average. */
  readonly average?: ScoreInput | AverageValue;
  /** Comment subject: Đ/CĐ or Đạt/Chưa đạt (or a computed comment result). */
  readonly result?: RatingInput | { readonly result: Rating };
  /** Exempted for this period: takes no part in the ranking (TT58 Điều 12.4). */
  readonly exempt?: boolean;
}

export interface LearningRankInput {
  readonly regime: Regime;
  readonly subjects: readonly RankingSubjectInput[];
  /** THPT chuyên class: the specialised subject's name (TT58 Điều 13, "môn chuyên"). */
  readonly chuyenSubject?: string;
  readonly period?: 'HK1' | 'HK2' | 'year';
  readonly options?: PartialRuleOptions | RuleOptions;
}

export interface ScoredEntry {
  readonly name: string;
  readonly key: KeyRole | undefined;
  readonly value: Rational;
  readonly tenths: number;
  readonly text: string;
}
export interface CommentEntry {
  readonly name: string;
  readonly passed: boolean;
}

export interface NormalisedRanking {
  readonly regime: Regime;
  readonly scored: readonly ScoredEntry[];
  readonly comments: readonly CommentEntry[];
  readonly excluded: readonly string[];
  readonly chuyen: ScoredEntry | undefined;
  readonly options: RuleOptions;
  readonly period: 'HK1' | 'HK2' | 'year';
}

export function normaliseRanking(input: LearningRankInput): NormalisedRanking {
  const o = resolveOptions(input.options);
  const scored: ScoredEntry[] = [];
  const comments: CommentEntry[] = [];
  const excluded: string[] = [];
  const seen = new Set<string>();
  for (const s of input.subjects) {
    const id = foldName(s.name);
    if (seen.has(id)) throw new RulesError('RULES_INVALID_INPUT', `Môn "${s.name}" bị lặp lại`, `Subject "${s.name}" appears twice`, { subject: s.name });
    seen.add(id);
    if (s.exempt) {
      excluded.push(s.name);
      continue;
    }
    const mode = s.average !== undefined ? 'scored' : s.result !== undefined ? 'comment' : assessmentModeOf(s, input.regime);
    if (mode === 'scored') {
      if (s.average === undefined) throw new RulesError('RULES_MISSING_RESULT', `Môn ${s.name} chưa có điểm trung bình`, `Subject ${s.name} has no average`, { subject: s.name });
      let tenths: number;
      let value: Rational;
      if (isAverageValue(s.average)) {
        tenths = s.average.average.tenths;
        value = s.average.decisive;
      } else {
        tenths = parseScore(s.average).tenths;
        value = fromTenths(tenths);
      }
      scored.push({ name: s.name, key: keyRoleOf(s), value, tenths, text: formatTenths(tenths, ',') });
    } else {
      if (s.result === undefined) throw new RulesError('RULES_MISSING_RESULT', `Môn ${s.name} chưa có kết quả đánh giá`, `Subject ${s.name} has no rating`, { subject: s.name });
      const r = typeof s.result === 'object' && s.result !== null ? s.result.result : parseRating(s.result);
      comments.push({ name: s.name, passed: r === 'Đ' });
    }
  }
  let chuyen: ScoredEntry | undefined;
  if (input.chuyenSubject !== undefined) {
    chuyen = scored.find((x) => foldName(x.name) === foldName(input.chuyenSubject ?? ''));
    if (!chuyen) throw new RulesError('RULES_INVALID_INPUT', `Môn chuyên "${input.chuyenSubject}" không có trong danh sách môn tính điểm`, `Specialised subject "${input.chuyenSubject}" is not among the scored subjects`);
  }
  return { regime: input.regime, scored, comments, excluded, chuyen, options: o, period: input.period ?? 'year' };
}
