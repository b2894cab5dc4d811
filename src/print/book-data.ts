/**
 * Plain data a print is built from, as loaded by print-repository.ts. No Kysely types here: the view
 * models are pure functions of this.
 */
import type { Regime } from '../rules';
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
}
