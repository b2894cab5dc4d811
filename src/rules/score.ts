/**
 * Scores as integer tenths. Every score is 0–10 with at most one decimal (TT58 Điều 6.1.d, 8.4;
 * TT26 amending Điều 8.2; TT22 Điều 5), so tenths represent every legal value exactly.
 */
import { RulesError } from './errors';
import { formatTenths } from './rational';
import type { Regime } from './regime';

export interface Score {
  /** The score in tenths: 6.5 → 65. Integer, 0–100. */
  readonly tenths: number;
}

/** What callers may pass wherever a score is expected: "6,5", "6.5", 6.5 or a Score. */
export type ScoreInput = Score | string | number;

/** TT58 Điều 7–8: the form of a regular test decides its precision (8.4). */
export type RegularForm = 'essay' | 'oral' | 'practical' | 'multiple-choice';
export type AssessmentKind = 'regular' | 'periodic' | 'final';

export interface ScoreContext {
  readonly regime?: Regime;
  readonly kind?: AssessmentKind;
  readonly form?: RegularForm;
  /** A-58-ORAL-PRECISION: precision of TT58 oral/practical regular tests (default 'integer'). */
  readonly oralPrecision?: 'integer' | 'one-decimal';
}

const DECIMAL = /^\s*(\d{1,3})(?:[.,](\d+))?\s*$/;

export const scoreFromTenths = (tenths: number): Score => {
  if (!Number.isInteger(tenths) || tenths < 0 || tenths > 100) {
    throw new RulesError('RULES_INVALID_SCORE', `Điểm không hợp lệ (${tenths} phần mười): phải từ 0 đến 10`, `Invalid score (${tenths} tenths): must be 0–10`, { tenths });
  }
  return { tenths };
};

export const isScore = (x: unknown): x is Score =>
  typeof x === 'object' && x !== null && typeof (x as { tenths?: unknown }).tenths === 'number';

function invalid(raw: string, vi: string, en: string): RulesError {
  return new RulesError('RULES_INVALID_SCORE', `Điểm "${raw}" không hợp lệ: ${vi}`, `Invalid score "${raw}": ${en}`, { input: raw });
}

/** Parses "6,5", "6.5", "7", 6.5 (decimal comma or point) into tenths, string work only. */
function parseTenths(input: string | number): number {
  const raw = typeof input === 'number' ? String(input) : input;
  const m = DECIMAL.exec(raw);
  if (!m) throw invalid(raw, 'không phải là số thập phân', 'not a decimal number');
  const ip = Number(m[1]);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 1) throw invalid(raw, 'nhiều hơn một chữ số thập phân', 'more than one decimal place');
  const tenths = ip * 10 + (frac.length === 1 ? Number(frac) : 0);
  if (tenths > 100) throw invalid(raw, 'điểm phải từ 0 đến 10', 'score must be between 0 and 10');
  return tenths;
}

function integerRequired(ctx: ScoreContext): boolean {
  // TT58 original only: essay regular tests are integers (Điều 8.4); TT26 and TT22 allow one decimal everywhere.
  if (ctx.regime !== 'TT58' || ctx.kind !== 'regular') return false;
  const form = ctx.form ?? 'essay';
  if (form === 'essay') return true;
  if (form === 'multiple-choice') return false;
  return (ctx.oralPrecision ?? 'integer') === 'integer';
}

/** Parse and validate a score; throws RulesError RULES_INVALID_SCORE. */
export function parseScore(input: ScoreInput, ctx: ScoreContext = {}): Score {
  let tenths: number;
  if (isScore(input)) {
    tenths = scoreFromTenths(input.tenths).tenths;
  } else if (typeof input === 'string' || typeof input === 'number') {
    tenths = parseTenths(input);
  } else {
    throw new RulesError('RULES_INVALID_SCORE', 'Điểm không hợp lệ', 'Invalid score', { input });
  }
  if (integerRequired(ctx) && tenths % 10 !== 0) {
    throw new RulesError(
      'RULES_INVALID_SCORE',
      `Điểm "${formatScore(tenthsScore(tenths), ',')}" không hợp lệ: điểm kiểm tra thường xuyên (${ctx.form ?? 'tự luận'}) theo TT58 Điều 8.4 phải là số nguyên`,
      `Invalid score "${formatScore(tenthsScore(tenths))}": a TT58 regular test (${ctx.form ?? 'essay'}) must be an integer (Art. 8.4)`,
      { tenths, regime: ctx.regime, kind: ctx.kind, form: ctx.form ?? 'essay' },
    );
  }
  return { tenths };
}

const tenthsScore = (tenths: number): Score => ({ tenths });

/** "6.5" (default) or "6,5"; always one decimal ("7.0"). */
export const formatScore = (s: Score, sep: '.' | ',' = '.'): string => formatTenths(s.tenths, sep);
