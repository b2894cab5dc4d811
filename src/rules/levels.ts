/**
 * Level vocabularies. TT58 học lực: Giỏi, Khá, Trung bình, Yếu, Kém (Điều 5.2); TT58 hạnh kiểm: Tốt, Khá,
 * Trung bình, Yếu (Điều 3.2); TT22 học tập and rèn luyện: Tốt, Khá, Đạt, Chưa đạt (Điều 8.2, 9.2).
 */
import { RulesError } from './errors';
import { foldName } from './subjects';

export type Level58 = 'Giỏi' | 'Khá' | 'Trung bình' | 'Yếu' | 'Kém';
export type Conduct58 = 'Tốt' | 'Khá' | 'Trung bình' | 'Yếu';
export type Level22 = 'Tốt' | 'Khá' | 'Đạt' | 'Chưa đạt';
export type Training22 = Level22;

export const LEVELS_58: readonly Level58[] = ['Giỏi', 'Khá', 'Trung bình', 'Yếu', 'Kém'];
export const CONDUCT_58: readonly Conduct58[] = ['Tốt', 'Khá', 'Trung bình', 'Yếu'];
export const LEVELS_22: readonly Level22[] = ['Tốt', 'Khá', 'Đạt', 'Chưa đạt'];

/** Rank position: 0 is best. */
export const rank58 = (l: Level58): number => LEVELS_58.indexOf(l);
export const rankConduct58 = (l: Conduct58): number => CONDUCT_58.indexOf(l);
export const rank22 = (l: Level22): number => LEVELS_22.indexOf(l);

const L58: Record<string, Level58> = { gioi: 'Giỏi', g: 'Giỏi', kha: 'Khá', k: 'Khá', 'trung binh': 'Trung bình', tb: 'Trung bình', yeu: 'Yếu', y: 'Yếu', kem: 'Kém' };
const C58: Record<string, Conduct58> = { tot: 'Tốt', t: 'Tốt', kha: 'Khá', k: 'Khá', 'trung binh': 'Trung bình', tb: 'Trung bình', yeu: 'Yếu', y: 'Yếu' };
const L22: Record<string, Level22> = { tot: 'Tốt', t: 'Tốt', kha: 'Khá', k: 'Khá', dat: 'Đạt', d: 'Đạt', 'chua dat': 'Chưa đạt', cd: 'Chưa đạt' };

function parse<T>(table: Record<string, T>, x: string, what: string): T {
  const v = table[foldName(x)];
  if (v === undefined) throw new RulesError('RULES_INVALID_LEVEL', `Mức ${what} "${x}" không hợp lệ`, `Invalid ${what} level "${x}"`, { input: x });
  return v;
}

export const parseLevel58 = (x: string): Level58 => parse(L58, x, 'học lực');
export const parseConduct58 = (x: string): Conduct58 => parse(C58, x, 'hạnh kiểm');
export const parseLevel22 = (x: string): Level22 => parse(L22, x, 'đánh giá');
