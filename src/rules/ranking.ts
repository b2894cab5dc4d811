/**
 * Learning ranking entry point: TT58 / TT58+TT26 học lực (Điều 13) or TT22 kết quả học tập (Điều 9),
 * discriminated by regime.
 */
import { normaliseRanking, type LearningRankInput } from './ranking-input';
import { rankLearning22, type LearningRank22 } from './ranking-tt22';
import { rankLearning58, type LearningRank58 } from './ranking-tt58';

export type LearningRank = LearningRank58 | LearningRank22;

export function rankLearning(input: LearningRankInput): LearningRank {
  const n = normaliseRanking(input);
  return n.regime === 'TT22' ? rankLearning22(n) : rankLearning58(n);
}
