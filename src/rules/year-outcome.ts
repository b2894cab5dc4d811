/**
 * End-of-year outcome. TT58 Điều 15–17 (table of assessment-rules §2.11, checked in order);
 * TT22 Điều 12–14 (§4.6). Absences > 45 → repeat directly (A-ABS).
 */
import { countAbsences, MAX_ABSENCES, type AbsenceInput } from './absences';
import { RulesError } from './errors';
import { clause, type Clause, type Explanation, type OptionUse } from './explanation';
import { parseConduct58, parseLevel22, parseLevel58, rank22, rankConduct58, rank58, type Conduct58, type Level22, type Level58, type Training22 } from './levels';
import { resolveOptions, type PartialRuleOptions, type RuleOptions } from './options';

export type YearOutcome = 'promoted' | 'repeat' | 'retest' | 'summer-training' | 'pending';

export interface YearOutcome58Input {
  readonly regime: 'TT58' | 'TT58_TT26';
  /** Final (adjusted) year học lực. */
  readonly learning: Level58 | string;
  /** Year hạnh kiểm (human input); null while pending. */
  readonly conduct: Conduct58 | string | null;
  readonly absences?: AbsenceInput;
  readonly options?: PartialRuleOptions | RuleOptions;
}

export interface YearOutcome22Input {
  readonly regime: 'TT22';
  readonly learning: Level22 | string;
  readonly training: Training22 | string;
  readonly absences?: AbsenceInput;
  readonly grade?: number;
  readonly options?: PartialRuleOptions | RuleOptions;
}

export type YearOutcomeInput = YearOutcome58Input | YearOutcome22Input;

export interface YearOutcomeResult {
  readonly regime: YearOutcomeInput['regime'];
  readonly outcome: YearOutcome;
  readonly absences: number;
  /** False when promotion is impossible whatever follows (absences > 45 under A-ABS = still-retest). */
  readonly promotionPossible: boolean;
  /** TT22 A-22-RLHT = sequential: re-assessment follows a successful summer training. */
  readonly retestAfterSummer: boolean;
  /** TT22 grades 9 and 12: promotion means "hoàn thành chương trình". */
  readonly completesProgramme: boolean;
  readonly clause: Clause;
  readonly explanation: Explanation;
  readonly options: RuleOptions;
}

function result(
  input: YearOutcomeInput,
  o: RuleOptions,
  outcome: YearOutcome,
  absences: number,
  cl: Clause,
  summaryVi: string,
  extra: { promotionPossible?: boolean; retestAfterSummer?: boolean; options?: OptionUse[] } = {},
): YearOutcomeResult {
  const completesProgramme = input.regime === 'TT22' && outcome === 'promoted' && (input.grade === 9 || input.grade === 12);
  return {
    regime: input.regime,
    outcome,
    absences,
    promotionPossible: extra.promotionPossible ?? outcome !== 'repeat',
    retestAfterSummer: extra.retestAfterSummer ?? false,
    completesProgramme,
    clause: cl,
    explanation: { code: `YEAR_OUTCOME_${outcome.toUpperCase().replace('-', '_')}`, clause: cl, summaryVi, ...(extra.options?.length ? { options: extra.options } : {}) },
    options: o,
  };
}

export function decideYearOutcome(input: YearOutcomeInput): YearOutcomeResult {
  const o = resolveOptions(input.options);
  const abs = countAbsences(input.regime, input.absences, o);
  const tooMany = abs > MAX_ABSENCES;
  const absOpt: OptionUse[] = [{ id: 'A-ABS', value: o['A-ABS'] }];
  if (input.regime === 'TT22' && Array.isArray(input.absences)) absOpt.push({ id: 'A-22-ABS', value: o['A-22-ABS'] });
  if (input.regime === 'TT22') {
    const learning = parseLevel22(input.learning);
    const training = parseLevel22(input.training);
    const C = (a: number, k?: number, p?: string) => clause('TT22', a, k, p);
    if (tooMany && o['A-ABS'] === 'repeat-directly') {
      return result(input, o, 'repeat', abs, C(12, 1, 'c'), `Không được lên lớp: nghỉ ${abs} buổi, quá 45 buổi trong năm học.`, { options: absOpt });
    }
    const lOk = rank22(learning) <= 2;
    const tOk = rank22(training) <= 2;
    const pp = !tooMany;
    if (lOk && tOk) {
      if (tooMany) return result(input, o, 'repeat', abs, C(12, 1, 'c'), `Không được lên lớp: nghỉ ${abs} buổi, quá 45 buổi.`, { options: absOpt });
      return result(input, o, 'promoted', abs, C(12, 1), `${input.grade === 9 || input.grade === 12 ? 'Hoàn thành chương trình' : 'Được lên lớp'}: rèn luyện ${training}, học tập ${learning}, nghỉ ${abs} buổi (không quá 45).`);
    }
    if (!tOk && lOk) return result(input, o, 'summer-training', abs, C(13), `Rèn luyện cả năm Chưa đạt, học tập ${learning}: rèn luyện trong kỳ nghỉ hè, đánh giá lại rồi mới xét lên lớp.`, { promotionPossible: pp, options: absOpt });
    if (tOk && !lOk) return result(input, o, 'retest', abs, C(14), `Học tập cả năm Chưa đạt, rèn luyện ${training}: kiểm tra, đánh giá lại các môn chưa đạt.`, { promotionPossible: pp, options: absOpt });
    const rl: OptionUse[] = [...absOpt, { id: 'A-22-RLHT', value: o['A-22-RLHT'] }];
    if (o['A-22-RLHT'] === 'sequential') {
      return result(input, o, 'summer-training', abs, C(13), 'Rèn luyện và học tập cả năm đều Chưa đạt: rèn luyện trong hè; nếu được đánh giá lại từ Đạt trở lên thì kiểm tra, đánh giá lại các môn chưa đạt (A-22-RLHT = sequential).', { promotionPossible: pp, retestAfterSummer: true, options: rl });
    }
    return result(input, o, 'repeat', abs, C(12, 3), 'Không được lên lớp: rèn luyện và học tập cả năm đều Chưa đạt (Điều 14 chỉ cho đánh giá lại khi rèn luyện từ Đạt trở lên; A-22-RLHT = literal-not-promoted).', { options: rl });
  }
  const learning = parseLevel58(input.learning);
  const conduct = input.conduct === null || input.conduct === undefined ? null : parseConduct58(input.conduct);
  const C = (a: number, k?: number, p?: string) => clause('TT58', a, k, p);
  if (tooMany && o['A-ABS'] === 'repeat-directly') {
    return result(input, o, 'repeat', abs, C(15, 2, 'a'), `Không được lên lớp: nghỉ ${abs} buổi, quá 45 buổi trong năm học (có phép và không phép).`, { options: absOpt });
  }
  if (learning === 'Kém') return result(input, o, 'repeat', abs, C(15, 2, 'b'), 'Không được lên lớp: học lực cả năm loại Kém.');
  if (conduct === null) {
    return result(input, o, 'pending', abs, C(20, 3), 'Chưa xét lên lớp: hạnh kiểm cả năm chưa được giáo viên chủ nhiệm xếp loại.', { promotionPossible: !tooMany });
  }
  const lY = learning === 'Yếu';
  const cY = conduct === 'Yếu';
  const pp = !tooMany;
  if (lY && cY) return result(input, o, 'repeat', abs, C(15, 2, 'b'), 'Không được lên lớp: học lực và hạnh kiểm cả năm đều loại Yếu.');
  if (lY) return result(input, o, 'retest', abs, C(16), `Học lực cả năm Yếu, hạnh kiểm ${conduct}: được chọn một số môn có điểm trung bình cả năm dưới 5,0 hoặc loại CĐ để kiểm tra lại.`, { promotionPossible: pp, options: absOpt });
  if (cY) return result(input, o, 'summer-training', abs, C(17), `Học lực ${learning}, hạnh kiểm cả năm Yếu: rèn luyện hạnh kiểm trong hè.`, { promotionPossible: pp, options: absOpt });
  if (tooMany) return result(input, o, 'repeat', abs, C(15, 2, 'a'), `Không được lên lớp: nghỉ ${abs} buổi, quá 45 buổi.`, { options: absOpt });
  if (rank58(learning) > 2 || rankConduct58(conduct) > 2) throw new RulesError('RULES_INVALID_LEVEL', 'Mức xếp loại không hợp lệ', 'Invalid level');
  return result(input, o, 'promoted', abs, C(15, 1), `Được lên lớp: học lực ${learning}, hạnh kiểm ${conduct}, nghỉ ${abs} buổi (không quá 45).`);
}

export interface SummerTrainingInput {
  readonly regime: 'TT58' | 'TT58_TT26' | 'TT22';
  /** TT58 Điều 17: the commune People's Committee certified completion of the summer tasks. */
  readonly completed: boolean;
  /** The conduct / training result re-evaluated after the summer (human decision). */
  readonly reEvaluated?: string | null;
  /** TT22 A-22-RLHT = sequential: the year learning result, to know whether re-assessment follows. */
  readonly learning?: string;
  readonly options?: PartialRuleOptions | RuleOptions;
}

/** Outcome after summer conduct training: re-ranked ≥ Tb (TT58 Điều 17, 15.2.d) / ≥ Đạt (TT22 Điều 13) → promoted. */
export function summerTrainingOutcome(input: SummerTrainingInput): YearOutcomeResult {
  const o = resolveOptions(input.options);
  if (input.regime === 'TT22') {
    const r = input.reEvaluated ? parseLevel22(input.reEvaluated) : 'Chưa đạt';
    const ok = input.completed && rank22(r) <= 2;
    const fake: YearOutcome22Input = { regime: 'TT22', learning: input.learning ?? 'Đạt', training: r };
    if (!ok) return result(fake, o, 'repeat', 0, clause('TT22', 13), `Sau rèn luyện trong hè, kết quả rèn luyện vẫn Chưa đạt: không được lên lớp.`);
    if (input.learning !== undefined && parseLevel22(input.learning) === 'Chưa đạt') {
      if (o['A-22-RLHT'] === 'sequential') return result(fake, o, 'retest', 0, clause('TT22', 14), `Rèn luyện được đánh giá lại ${r}; học tập Chưa đạt: kiểm tra, đánh giá lại các môn chưa đạt (A-22-RLHT = sequential).`, { options: [{ id: 'A-22-RLHT', value: o['A-22-RLHT'] }] });
      return result(fake, o, 'repeat', 0, clause('TT22', 12, 3), 'Học tập cả năm Chưa đạt: không được lên lớp (A-22-RLHT = literal-not-promoted).', { options: [{ id: 'A-22-RLHT', value: o['A-22-RLHT'] }] });
    }
    return result(fake, o, 'promoted', 0, clause('TT22', 13), `Sau rèn luyện trong hè, kết quả rèn luyện được đánh giá lại ${r}: được lên lớp.`);
  }
  const fake: YearOutcome58Input = { regime: input.regime, learning: 'Trung bình', conduct: input.reEvaluated ?? 'Yếu' };
  if (!input.completed) return result(fake, o, 'repeat', 0, clause('TT58', 15, 2, 'd'), 'Không hoàn thành nhiệm vụ rèn luyện trong hè (không được UBND cấp xã xác nhận): hạnh kiểm vẫn Yếu, không được lên lớp.');
  const r = input.reEvaluated ? parseConduct58(input.reEvaluated) : 'Yếu';
  if (r === 'Yếu') return result(fake, o, 'repeat', 0, clause('TT58', 15, 2, 'd'), 'Sau rèn luyện trong hè hạnh kiểm vẫn Yếu: không được lên lớp.');
  return result(fake, o, 'promoted', 0, clause('TT58', 17), `Hoàn thành rèn luyện trong hè, hạnh kiểm được xếp lại loại ${r}: được lên lớp.`);
}
