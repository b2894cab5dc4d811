/**
 * Titles. TT58 Điều 18 (per semester and per year): Học sinh giỏi = HK Tốt and HL Giỏi; Học sinh tiên tiến
 * = HK ≥ Khá and HL ≥ Khá. TT22 Điều 15 (year only): Học sinh Xuất sắc = RL Tốt, HT Tốt and ≥ 6 score subjects
 * with ĐTBmcn ≥ 9.0; Học sinh Giỏi = RL Tốt and HT Tốt. Titles are not recomputed after re-test (A-58-RETEST).
 */
import { clause, type Explanation } from './explanation';
import { parseConduct58, parseLevel22, parseLevel58, rankConduct58, rank58, type Conduct58, type Level22, type Level58 } from './levels';
import { fromTenths, geTenths, type Rational } from './rational';
import { parseScore, type ScoreInput } from './score';
import { isAverageValue, type AverageValue } from './subject-average';

export type Title58 = 'Học sinh giỏi' | 'Học sinh tiên tiến';
export type Title22 = 'Học sinh Xuất sắc' | 'Học sinh Giỏi';

export interface TitleResult<T> {
  readonly title: T | null;
  readonly explanation: Explanation;
}

export function title58(conductIn: Conduct58 | string, learningIn: Level58 | string, period: 'HK1' | 'HK2' | 'year' = 'year'): TitleResult<Title58> {
  const conduct = parseConduct58(conductIn);
  const learning = parseLevel58(learningIn);
  const p = period === 'year' ? 'cả năm' : period === 'HK1' ? 'học kỳ I' : 'học kỳ II';
  if (conduct === 'Tốt' && learning === 'Giỏi') {
    return { title: 'Học sinh giỏi', explanation: { code: 'TITLE', clause: clause('TT58', 18, 1), summaryVi: `Danh hiệu Học sinh giỏi ${p}: hạnh kiểm Tốt và học lực Giỏi.` } };
  }
  if (rankConduct58(conduct) <= 1 && rank58(learning) <= 1) {
    const why = learning === 'Giỏi' ? ` (không đạt Học sinh giỏi vì hạnh kiểm ${conduct}, chưa Tốt)` : '';
    return { title: 'Học sinh tiên tiến', explanation: { code: 'TITLE', clause: clause('TT58', 18, 2), summaryVi: `Danh hiệu Học sinh tiên tiến ${p}: hạnh kiểm ${conduct} và học lực ${learning} (từ Khá trở lên)${why}.` } };
  }
  return { title: null, explanation: { code: 'TITLE_NONE', clause: clause('TT58', 18), summaryVi: `Không có danh hiệu ${p}: cần hạnh kiểm và học lực từ Khá trở lên (hạnh kiểm ${conduct}, học lực ${learning}).` } };
}

export function award22(trainingIn: Level22 | string, learningIn: Level22 | string, yearAverages: readonly (ScoreInput | AverageValue)[]): TitleResult<Title22> & { readonly subjectsAtLeast9: number } {
  const training = parseLevel22(trainingIn);
  const learning = parseLevel22(learningIn);
  const values: Rational[] = yearAverages.map((a) => (isAverageValue(a) ? a.decisive : fromTenths(parseScore(a).tenths)));
  const n9 = values.filter((v) => geTenths(v, 90)).length;
  if (training === 'Tốt' && learning === 'Tốt') {
    if (n9 >= 6) {
      return { title: 'Học sinh Xuất sắc', subjectsAtLeast9: n9, explanation: { code: 'AWARD', clause: clause('TT22', 15, 1, 'a'), summaryVi: `Khen thưởng Học sinh Xuất sắc: rèn luyện Tốt, học tập Tốt và ${n9} môn có điểm trung bình cả năm từ 9,0 trở lên (cần ít nhất 6).` } };
    }
    return { title: 'Học sinh Giỏi', subjectsAtLeast9: n9, explanation: { code: 'AWARD', clause: clause('TT22', 15, 1, 'b'), summaryVi: `Khen thưởng Học sinh Giỏi: rèn luyện Tốt và học tập Tốt; chưa đạt Học sinh Xuất sắc vì chỉ có ${n9} môn từ 9,0 trở lên (cần ít nhất 6).` } };
  }
  return { title: null, subjectsAtLeast9: n9, explanation: { code: 'AWARD_NONE', clause: clause('TT22', 15), summaryVi: `Không được khen thưởng cuối năm: cần rèn luyện Tốt và học tập Tốt (rèn luyện ${training}, học tập ${learning}).` } };
}
