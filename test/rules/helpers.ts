import type { RankingSubjectInput } from '../../src/rules';

/** Scored subjects from [name, average] pairs. */
export const scored = (pairs: ReadonlyArray<readonly [string, string]>): RankingSubjectInput[] => pairs.map(([name, average]) => ({ name, average }));
/** Comment subjects from [name, rating] pairs. */
export const commented = (pairs: ReadonlyArray<readonly [string, string]>): RankingSubjectInput[] => pairs.map(([name, result]) => ({ name, result }));
/** n filler scored subjects with the same average. */
export const fill = (prefix: string, n: number, average: string): RankingSubjectInput[] => Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i + 1}`, average }));
