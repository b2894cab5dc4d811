/**
 * Comment-subject ratings. TT58/TT26 write Đ / CĐ (Đạt yêu cầu / Chưa đạt yêu cầu, TT58 Điều 6.2);
 * TT22 writes Đạt / Chưa đạt (Điều 5). Internally both are one boolean-like code.
 */
import { RulesError } from './errors';
import type { Regime } from './regime';

export type Rating = 'Đ' | 'CĐ';
export type RatingLabel = 'Đ' | 'CĐ' | 'Đạt' | 'Chưa đạt';
export type RatingInput = Rating | RatingLabel | string | boolean;

const PASS = new Set(['đ', 'd', 'đạt', 'dat', 'đạt yêu cầu', 'dat yeu cau', 'pass']);
const FAIL = new Set(['cđ', 'cd', 'chưa đạt', 'chua dat', 'chưa đạt yêu cầu', 'chua dat yeu cau', 'fail']);

export function parseRating(input: RatingInput): Rating {
  if (typeof input === 'boolean') return input ? 'Đ' : 'CĐ';
  if (typeof input === 'string') {
    const k = input.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');
    if (PASS.has(k)) return 'Đ';
    if (FAIL.has(k)) return 'CĐ';
  }
  throw new RulesError('RULES_INVALID_RATING', `Mức đánh giá "${String(input)}" không hợp lệ: chỉ nhận Đ/CĐ hoặc Đạt/Chưa đạt`, `Invalid rating "${String(input)}": expected Đ/CĐ or Đạt/Chưa đạt`, { input });
}

export const isRatingInput = (x: unknown): boolean => {
  if (typeof x === 'boolean') return true;
  if (typeof x !== 'string') return false;
  const k = x.normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' ');
  return PASS.has(k) || FAIL.has(k);
};

/** The label each regime writes in its books. */
export const ratingLabel = (r: Rating, regime: Regime): RatingLabel =>
  regime === 'TT22' ? (r === 'Đ' ? 'Đạt' : 'Chưa đạt') : r;
