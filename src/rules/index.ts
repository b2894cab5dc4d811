/**
 * Public API of the rules engine (pure: no I/O, no clock). Plain data in, plain data out.
 * Documented in README.md, section "Rules engine (src/rules)".
 */
export { RulesError, isRulesError, attempt, type RulesErrorCode, type RulesResult } from './errors';
export { rational, roundToTenths, formatRational, compare as compareRational, type Rational, type RoundingMode } from './rational';
export { parseScore, formatScore, scoreFromTenths, isScore, type Score, type ScoreInput, type ScoreContext, type RegularForm, type AssessmentKind } from './score';
export { parseRating, ratingLabel, type Rating, type RatingLabel, type RatingInput } from './rating';
export { selectRegime, parseSchoolYear, REGIMES, type Regime, type RegimeQuery, type RegimeSelection, type Grade, type IsoDateParts } from './regime';
export { DEFAULT_OPTIONS, OPTION_VALUES, resolveOptions, type RuleOptions, type PartialRuleOptions } from './options';
export { renderExplanationVi, cite, citeVi, type Explanation, type Check, type Clause, type OptionUse, type LegalDoc } from './explanation';
export { keyRoleOf, assessmentModeOf, type SubjectRef, type KeyRole, type AssessmentMode } from './subjects';
export { type MarkInput, type MissingMark, type FormMark, type SemesterMarks } from './marks';
export { requiredAssessments, type RequiredAssessmentsInput, type RequiredAssessments } from './required-assessments';
export {
  computeSemesterAverage,
  computeYearAverage,
  type Semester,
  type AverageValue,
  type SubjectSemesterAverage,
  type SubjectYearAverage,
  type SemesterAverageInput,
} from './subject-average';
export { computeCommentSemester, computeCommentYear, type CommentRequired, type CommentSemesterResult, type CommentYearResult } from './comment-subject';
export { computeOverallAverage, type OverallAverage } from './overall-average';
export { LEVELS_58, LEVELS_22, CONDUCT_58, type Level58, type Level22, type Conduct58, type Training22 } from './levels';
export { rankLearning, type LearningRank } from './ranking';
export type { LearningRankInput, RankingSubjectInput } from './ranking-input';
export type { LearningRank58, Adjustment58 } from './ranking-tt58';
export type { LearningRank22 } from './ranking-tt22';
export { yearConduct58, yearTraining22, type YearConduct58, type YearTraining22 } from './conduct';
export { countAbsences, MAX_ABSENCES, type AbsenceRecord, type AbsenceInput } from './absences';
export {
  decideYearOutcome,
  summerTrainingOutcome,
  type YearOutcome,
  type YearOutcomeInput,
  type YearOutcome58Input,
  type YearOutcome22Input,
  type YearOutcomeResult,
  type SummerTrainingInput,
} from './year-outcome';
export { eligibleRetestSubjects, applyRetest, type EligibleSubject, type RetestInput, type RetestResult } from './retest';
export { title58, award22, type Title58, type Title22, type TitleResult } from './titles';
export {
  computeStudentYear,
  type StudentYearInput,
  type SubjectYearInput,
  type StudentYearResult,
  type StudentYear58,
  type StudentYear22,
  type SubjectYearOutcome,
} from './student-year';
export {
  exemptionEffect,
  exemptionAllowed,
  coveredSemesters,
  type ExemptionScope,
  type ExemptionRecord,
  type ExemptionEffect,
  type TermSpan,
  type SemesterRanking,
} from './exemption';
