/**
 * Plain data a print is built from, as loaded by print-repository.ts. No Kysely types here: the view
 * models are pure functions of this.
 */
import type { Regime } from '../rules';
import type { WeekPlan } from '../rules/attendance-plan';
import type { PaperSize } from './layout';

export interface StudentData {
  readonly enrolmentId: number;
  readonly familyName: string;
  /** Moodle puts middle + given here: "Thị Ngọc Ánh". */
  readonly givenName: string;
  readonly dateOfBirth: string | null;
  readonly gender: 'nam' | 'nu' | null;
  readonly personCode: string | null;
  readonly joinedOn: string;
  readonly leftOn: string | null;
}

export interface ColumnData {
  readonly id: number;
  readonly classSubjectId: number;
  readonly term: 'HK1' | 'HK2';
  readonly kind: 'regular' | 'periodic' | 'midterm' | 'final';
  readonly position: number;
  readonly coefficient: number;
  readonly valueType: 'score' | 'rating';
  /** TT58 regular tests: 'oral' | '15min' | … (decides the Miệng / Viết sub-group). */
  readonly form: string | null;
}

export interface ScoreData {
  readonly columnId: number;
  readonly enrolmentId: number;
  readonly tenths: number | null;
  readonly rating: 'D' | 'CD' | null;
}

export interface ClassSubjectData {
  readonly classSubjectId: number;
  readonly subjectCode: string;
  readonly subjectName: string;
  readonly assessment: 'scored' | 'comment';
  readonly teacherName: string | null;
}

/** One roll-call mark (attendance table): a session missed, excused (P) or not (K). */
export interface AttendanceMarkData {
  readonly enrolmentId: number;
  readonly day: string;
  readonly session: 'sang' | 'chieu';
  readonly mark: 'P' | 'K';
}

/**
 * A student's results of a period as the results module computes them (results-service
 * studentResult): overall average (TT58 regimes), learning level, conduct / training, title.
 * Texts as the module writes them ("7,2", "Khá", "Học sinh tiên tiến"); null = not decided yet.
 */
export interface PeriodResultData {
  readonly enrolmentId: number;
  readonly overall: string | null;
  readonly learning: string | null;
  readonly conduct: string | null;
  readonly title: string | null;
  /** Absences counted by the rules engine for the year (what decides promotion). */
  readonly absences: number;
}

/** One student of an approved year-end list (year_decision payload, frozen at approval). */
export interface DecisionData {
  readonly enrolmentId: number;
  readonly learning: string | null;
  readonly conduct: string | null;
  readonly absences: number;
  /** promoted | repeat | retest | summer-training */
  readonly outcome: string;
  readonly title: string | null;
  readonly retestEligible: readonly string[];
  readonly retested?: readonly { readonly subject: string; readonly before: string; readonly after: string }[];
}

export interface BookData {
  readonly school: {
    readonly name: string;
    readonly level: 'THCS' | 'THPT' | 'LIEN_CAP';
    readonly province: string;
    /** school.settings.district / settings.commune when the school filled them in. */
    readonly district: string | null;
    readonly commune: string | null;
    readonly paper: PaperSize;
  };
  readonly year: { readonly name: string; readonly startDate: string; readonly endDate: string };
  readonly terms: readonly { readonly code: 'HK1' | 'HK2'; readonly startDate: string; readonly endDate: string }[];
  readonly klass: { readonly id: number; readonly name: string; readonly grade: number; readonly homeroomName: string | null };
  readonly regime: Regime;
  readonly principalName: string | null;
  readonly students: readonly StudentData[];
  readonly subjects: readonly ClassSubjectData[];
  readonly columns: readonly ColumnData[];
  readonly scores: readonly ScoreData[];
  /** Cells whose score was changed by an applied correction (one entry per correction). */
  readonly corrections: readonly { readonly columnId: number; readonly enrolmentId: number }[];
  /** Roll-call marks of the year (empty cells when absent). */
  readonly attendance?: readonly AttendanceMarkData[];
  /** Results per period, from the results module. */
  readonly results?: Partial<Record<'HK1' | 'HK2' | 'CN', readonly PeriodResultData[]>>;
  /**
   * The class's school calendar as the attendance module keeps it: the week plan the class follows and the
   * school's days off in the school year. The roll-call pages grey every day that is not a school day.
   * Absent (old data, unit fixtures): only Sundays are marked, as before the calendar existed.
   */
  readonly calendar?: { readonly plan: WeekPlan; readonly holidays: readonly { readonly day: string; readonly label: string }[] };
  /** The principal-approved year-end lists; null while a round is not approved. */
  readonly decisions?: { readonly main: readonly DecisionData[] | null; readonly afterRetest: readonly DecisionData[] | null };
}
