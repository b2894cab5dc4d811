/**
 * One cell as typed → what is stored: tenths (scored columns) or a rating (comment columns).
 * Validation is the rules engine's (parseScore / parseRating); this module only adds the checks that
 * depend on the column (a rating typed in a scored column and the reverse) and the Vietnamese reason.
 */
import { isRulesError, parseRating, parseScore, ratingLabel, type Regime } from '../rules';
import type { ColumnKind } from '../db/schema';
import { regularFormOf } from './column-layout';

export interface CellValue {
  readonly tenths: number | null;
  readonly rating: 'D' | 'CD' | null;
}

export interface ColumnForInput {
  readonly kind: ColumnKind;
  readonly valueType: 'score' | 'rating';
  readonly form: string | null;
}

export type ParsedCell = { ok: true; value: CellValue } | { ok: false; reasonVi: string; reasonEn: string };

const RATING_LIKE = /^(đ|d|cđ|cd|đạt|dat|chưa đạt|chua dat)$/i;
const NUMBER_LIKE = /^[+-]?\d+([.,]\d*)?$/;

export function parseCell(raw: string, col: ColumnForInput, regime: Regime): ParsedCell {
  const text = raw.normalize('NFC').trim();
  if (text === '') return { ok: true, value: { tenths: null, rating: null } };
  if (col.valueType === 'rating') {
    if (NUMBER_LIKE.test(text)) {
      return { ok: false, reasonVi: `"${text}": cột này đánh giá bằng nhận xét, chỉ nhận ${regime === 'TT22' ? 'Đạt/Chưa đạt (Đ/CĐ)' : 'Đ/CĐ'}, không nhận điểm số`, reasonEn: `"${text}": this is a comment column (Đ/CĐ), not a score` };
    }
    try {
      return { ok: true, value: { tenths: null, rating: parseRating(text) === 'Đ' ? 'D' : 'CD' } };
    } catch (e) {
      if (isRulesError(e)) return { ok: false, reasonVi: e.vi, reasonEn: e.en };
      throw e;
    }
  }
  if (RATING_LIKE.test(text)) {
    return { ok: false, reasonVi: `"${text}": cột này nhập điểm số từ 0 đến 10, không nhận Đ/CĐ`, reasonEn: `"${text}": this column takes a 0–10 score, not Đ/CĐ` };
  }
  if (/^-\s*\d/.test(text)) return { ok: false, reasonVi: `Điểm "${text}" không hợp lệ: điểm phải từ 0 đến 10`, reasonEn: `Invalid score "${text}": must be between 0 and 10` };
  try {
    const form = col.kind === 'regular' ? regularFormOf(col.form) : undefined;
    const kind = col.kind === 'regular' ? 'regular' : col.kind === 'final' ? 'final' : 'periodic';
    const s = parseScore(text, { regime, kind, ...(form ? { form } : {}) });
    return { ok: true, value: { tenths: s.tenths, rating: null } };
  } catch (e) {
    if (isRulesError(e)) return { ok: false, reasonVi: e.vi, reasonEn: e.en };
    throw e;
  }
}

/** How a cell reads in the book: "7", "7,5" (decimal comma), "Đạt"/"Đ". */
export function displayCell(v: CellValue, regime: Regime): string {
  if (v.tenths !== null) return v.tenths % 10 === 0 ? String(v.tenths / 10) : `${Math.floor(v.tenths / 10)},${v.tenths % 10}`;
  if (v.rating !== null) return ratingLabel(v.rating === 'D' ? 'Đ' : 'CĐ', regime);
  return '';
}

export const sameValue = (a: CellValue, b: CellValue): boolean => a.tenths === b.tenths && a.rating === b.rating;
