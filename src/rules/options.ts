/**
 * Every ambiguity of assessment-rules.md §8 is a named option keyed by its identifier, with the
 * documented default. Results carry the resolved options they were computed with (§7: record the
 * flag values with each approved result).
 */
import { RulesError } from './errors';

export interface RuleOptions {
  /** A-ROUND-1: meaning of "làm tròn". */
  readonly 'A-ROUND-1': 'half-up' | 'half-even' | 'truncate';
  /** A-ROUND-2: chained averages use rounded ĐTBmhk/ĐTBmcn ('rounded') or exact values. */
  readonly 'A-ROUND-2': 'rounded' | 'unrounded';
  /** A-22-ROUND: TT22 ĐTBmhk/ĐTBmcn rounded to one decimal, or kept exact for thresholds. */
  readonly 'A-22-ROUND': 'round' | 'unrounded';
  /** A-58-ADJ: a CĐ comment subject counts as "the one subject" of TT58 Điều 13.6. */
  readonly 'A-58-ADJ': 'yes' | 'no';
  /** A-58-ADJ-KEY: counterfactual (key/chuyên conditions must hold apart from the offender) or average only. */
  readonly 'A-58-ADJ-KEY': 'counterfactual' | 'average-only';
  /** A-58-GKEM: Giỏi-level average, strict Kém because of one subject. */
  readonly 'A-58-GKEM': 'keep-kem' | 'adjust-to-tb';
  /** A-58-CHUYEN: the chuyên subject below its threshold counts as the one subject. */
  readonly 'A-58-CHUYEN': 'counts' | 'does-not-count';
  /** A-58-CONDUCT: TT58 year conduct is a human input; 'copy-semester-ii' fills it from HK II. */
  readonly 'A-58-CONDUCT': 'human-input' | 'copy-semester-ii';
  /** A-58-RETEST: the student chooses a subset of eligible subjects, or all eligible must be re-tested. */
  readonly 'A-58-RETEST': 'student-choice' | 'all-eligible';
  /** A-ABS: > 45 absences with a re-test/summer-training situation. */
  readonly 'A-ABS': 'repeat-directly' | 'still-retest';
  /** A-22-ABS: how TT22 counts absences from session records. */
  readonly 'A-22-ABS': 'one-per-day' | 'every-session' | 'main-sessions-only';
  /** A-22-ADJ: target of the TT22 Điều 9.3 adjustment after a ≥ 2-level drop. */
  readonly 'A-22-ADJ': 'one-above-computed' | 'one-below-baseline';
  /** A-22-ADJ-COMMENT: one comment subject Chưa đạt counts as the single subject of Điều 9.3. */
  readonly 'A-22-ADJ-COMMENT': 'counts' | 'does-not-count';
  /** A-22-ADJ-DEF: counterfactual, or the offender treated as meeting the baseline threshold. */
  readonly 'A-22-ADJ-DEF': 'counterfactual' | 'offender-meets-threshold';
  /** A-22-RLHT: training and learning both Chưa đạt. */
  readonly 'A-22-RLHT': 'literal-not-promoted' | 'sequential';
  /** A-22-RETEST-SET: all eligible subjects are re-assessed, or the student's choice. */
  readonly 'A-22-RETEST-SET': 'all' | 'student-choice';
  /** A-22-MAKEUP: missing TT22 assessment without make-up → 0 / Chưa đạt; 'exclude' (not recommended) drops it. */
  readonly 'A-22-MAKEUP': 'zero' | 'exclude';
  /** A-22-CHUYENDE: learning-topic result is one of the required ĐĐGtx, or an extra one. */
  readonly 'A-22-CHUYENDE': 'within-count' | 'extra';
  /** A-22-35: subjects with ≤ 35 periods/year need 2 ĐĐGtx. */
  readonly 'A-22-35': 'le35-two';
  /** A-22-NGHETHUAT: THCS Âm nhạc + Mĩ thuật as given (separate) or merged into one Nghệ thuật result. */
  readonly 'A-22-NGHETHUAT': 'separate' | 'merged';
  /** A-26-COMMENT: TT26 comment-subject semester rule. */
  readonly 'A-26-COMMENT': 'two-thirds' | 'all-pass';
  /** A-58-DISABLED / A-22-DISABLED: only a principal-approved manual override. */
  readonly 'A-58-DISABLED': 'manual-override';
  readonly 'A-22-DISABLED': 'manual-override';
  /** A-58-ADJ-LEVEL: a Giỏi-level average uses only rows a, b of 13.6, or also c, d. */
  readonly 'A-58-ADJ-LEVEL': 'own-level' | 'also-kha-rows';
  /** A-58-COMMENT-MISSING: a missed comment test is a CĐ in the 2/3 rule, or makes the semester CĐ outright. */
  readonly 'A-58-COMMENT-MISSING': 'cd-in-two-thirds' | 'incomplete-cd';
  /** A-58-ORAL-PRECISION: TT58 oral/practical regular tests. */
  readonly 'A-58-ORAL-PRECISION': 'integer' | 'one-decimal';
  /** A-58-EXEMPT-SEM: a one-semester exemption leaves the subject out of that semester's ranking. */
  readonly 'A-58-EXEMPT-SEM': 'exclude' | 'keep';
  /** A-LIST-ORDER: order of lists (eligible re-test subjects…). */
  readonly 'A-LIST-ORDER': 'catalogue' | 'input' | 'alphabetical';
}

export const DEFAULT_OPTIONS: RuleOptions = Object.freeze({
  'A-ROUND-1': 'half-up',
  'A-ROUND-2': 'rounded',
  'A-22-ROUND': 'round',
  'A-58-ADJ': 'yes',
  'A-58-ADJ-KEY': 'counterfactual',
  'A-58-GKEM': 'keep-kem',
  'A-58-CHUYEN': 'counts',
  'A-58-CONDUCT': 'human-input',
  'A-58-RETEST': 'student-choice',
  'A-ABS': 'repeat-directly',
  'A-22-ABS': 'one-per-day',
  'A-22-ADJ': 'one-above-computed',
  'A-22-ADJ-COMMENT': 'counts',
  'A-22-ADJ-DEF': 'counterfactual',
  'A-22-RLHT': 'literal-not-promoted',
  'A-22-RETEST-SET': 'all',
  'A-22-MAKEUP': 'zero',
  'A-22-CHUYENDE': 'within-count',
  'A-22-35': 'le35-two',
  'A-22-NGHETHUAT': 'separate',
  'A-26-COMMENT': 'two-thirds',
  'A-58-DISABLED': 'manual-override',
  'A-22-DISABLED': 'manual-override',
  'A-58-ADJ-LEVEL': 'own-level',
  'A-58-COMMENT-MISSING': 'cd-in-two-thirds',
  'A-58-ORAL-PRECISION': 'integer',
  'A-58-EXEMPT-SEM': 'exclude',
  'A-LIST-ORDER': 'catalogue',
} as const);

const ALLOWED: { readonly [K in keyof RuleOptions]: readonly RuleOptions[K][] } = {
  'A-ROUND-1': ['half-up', 'half-even', 'truncate'],
  'A-ROUND-2': ['rounded', 'unrounded'],
  'A-22-ROUND': ['round', 'unrounded'],
  'A-58-ADJ': ['yes', 'no'],
  'A-58-ADJ-KEY': ['counterfactual', 'average-only'],
  'A-58-GKEM': ['keep-kem', 'adjust-to-tb'],
  'A-58-CHUYEN': ['counts', 'does-not-count'],
  'A-58-CONDUCT': ['human-input', 'copy-semester-ii'],
  'A-58-RETEST': ['student-choice', 'all-eligible'],
  'A-ABS': ['repeat-directly', 'still-retest'],
  'A-22-ABS': ['one-per-day', 'every-session', 'main-sessions-only'],
  'A-22-ADJ': ['one-above-computed', 'one-below-baseline'],
  'A-22-ADJ-COMMENT': ['counts', 'does-not-count'],
  'A-22-ADJ-DEF': ['counterfactual', 'offender-meets-threshold'],
  'A-22-RLHT': ['literal-not-promoted', 'sequential'],
  'A-22-RETEST-SET': ['all', 'student-choice'],
  'A-22-MAKEUP': ['zero', 'exclude'],
  'A-22-CHUYENDE': ['within-count', 'extra'],
  'A-22-35': ['le35-two'],
  'A-22-NGHETHUAT': ['separate', 'merged'],
  'A-26-COMMENT': ['two-thirds', 'all-pass'],
  'A-58-DISABLED': ['manual-override'],
  'A-22-DISABLED': ['manual-override'],
  'A-58-ADJ-LEVEL': ['own-level', 'also-kha-rows'],
  'A-58-COMMENT-MISSING': ['cd-in-two-thirds', 'incomplete-cd'],
  'A-58-ORAL-PRECISION': ['integer', 'one-decimal'],
  'A-58-EXEMPT-SEM': ['exclude', 'keep'],
  'A-LIST-ORDER': ['catalogue', 'input', 'alphabetical'],
};

export type PartialRuleOptions = Partial<{ -readonly [K in keyof RuleOptions]: RuleOptions[K] }>;

/** Defaults merged with the caller's choices; an unknown id or value is a typed error. */
/** Objects produced by resolveOptions (frozen), so nested calls do not re-validate them. */
const RESOLVED = new WeakSet<object>([DEFAULT_OPTIONS]);

export function resolveOptions(partial?: PartialRuleOptions | RuleOptions): RuleOptions {
  if (partial === undefined) return DEFAULT_OPTIONS;
  if (RESOLVED.has(partial)) return partial as RuleOptions;
  const out: Record<string, string> = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    const allowed = (ALLOWED as Record<string, readonly string[] | undefined>)[k];
    if (!allowed) throw new RulesError('RULES_INVALID_OPTION', `Tuỳ chọn "${k}" không tồn tại`, `Unknown option "${k}"`, { option: k });
    if (!allowed.includes(v as string)) {
      throw new RulesError('RULES_INVALID_OPTION', `Giá trị "${String(v)}" không hợp lệ cho tuỳ chọn ${k} (chỉ nhận: ${allowed.join(', ')})`, `Invalid value "${String(v)}" for option ${k} (allowed: ${allowed.join(', ')})`, { option: k, value: v });
    }
    out[k] = v as string;
  }
  const resolved = Object.freeze(out) as unknown as RuleOptions;
  RESOLVED.add(resolved);
  return resolved;
}

export const OPTION_VALUES = ALLOWED;
