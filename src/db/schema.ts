import type { ColumnType, Generated } from 'kysely';

/**
 * Hand-written table types (see docs in README "Database"). NUMERIC columns come back as strings
 * and are parsed into exact score types by the repositories.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string | T | undefined, string | T>;

export interface SchoolTable {
  id: Generated<number>;
  code: string;
  name: string;
  level: 'THCS' | 'THPT' | 'LIEN_CAP';
  province: Generated<string>;
  settings: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export type PlatformStatus = 'pending' | 'active' | 'suspended';

export interface LtiPlatformTable {
  id: Generated<number>;
  school_id: number;
  issuer: string;
  client_id: string;
  platform_kid: string;
  name: Generated<string>;
  status: ColumnType<PlatformStatus, PlatformStatus | undefined, PlatformStatus>;
  registered_via: 'manual' | 'dynamic' | 'demo';
  created_at: Generated<Date>;
}

export interface LtiDeploymentTable {
  id: Generated<number>;
  platform_id: number;
  school_id: number;
  deployment_id: string;
  status: ColumnType<'active' | 'suspended', 'active' | 'suspended' | undefined, 'active' | 'suspended'>;
  created_at: Generated<Date>;
}

export interface RegistrationInviteTable {
  token_hash: string;
  school_id: number;
  created_by: number | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  platform_id: number | null;
}

export interface PersonTable {
  id: Generated<number>;
  school_id: number;
  deployment_id: number;
  lms_user_id: string;
  family_name: Generated<string>;
  given_name: Generated<string>;
  display_name: Generated<string>;
  email: string | null;
  person_code: string | null;
  date_of_birth: ColumnType<string | null, string | null | undefined, string | null>;
  gender: 'nam' | 'nu' | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface StaffDesignationTable {
  id: Generated<number>;
  school_id: number;
  role: 'principal' | 'vice_principal' | 'school_admin' | 'inspector';
  person_code: string | null;
  lms_user_id: string | null;
  created_at: Generated<Date>;
  /** Migration 0015: an inspector's period (dates, inclusive) and the decision that sends them. */
  valid_from: ColumnType<string | null, string | null | undefined, string | null>;
  valid_until: ColumnType<string | null, string | null | undefined, string | null>;
  note: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CourseLinkTable {
  id: Generated<number>;
  school_id: number;
  deployment_id: number;
  context_id: string;
  context_label: Generated<string>;
  context_title: Generated<string>;
  course_idnumber: string | null;
  class_id: number | null;
  resource_link_id: string | null;
  lineitems_url: string | null;
  lineitem_url: string | null;
  ags_scopes: ColumnType<string[], string[] | undefined, string[]>;
  nrps_url: string | null;
  custom: Json<Record<string, string>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OidcLoginTable {
  state: string;
  nonce: string;
  issuer: string;
  client_id: string;
  created_at: Generated<Date>;
}

export interface AppSessionTable {
  token_hash: string;
  school_id: number;
  person_id: number;
  course_link_id: number | null;
  roles: string[];
  lti_roles: ColumnType<string[], string[] | undefined, string[]>;
  csrf_secret: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  school_id: number;
  seq: number;
  at: Timestamp;
  actor_person_id: number | null;
  actor_lms_user_id: string | null;
  actor_role: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  old_value: Json | null;
  new_value: Json | null;
  source: string;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditChainHeadTable {
  school_id: number;
  last_seq: number;
  last_hash: string;
}

export interface SchoolYearTable {
  id: Generated<number>;
  school_id: number;
  name: string;
  start_date: ColumnType<string, string, string>;
  end_date: ColumnType<string, string, string>;
  regime_overrides: Json<Record<string, string>>;
  status: ColumnType<'open' | 'closed', 'open' | 'closed' | undefined, 'open' | 'closed'>;
  created_at: Generated<Date>;
}

export interface TermTable {
  id: Generated<number>;
  school_year_id: number;
  code: 'HK1' | 'HK2';
  start_date: ColumnType<string, string, string>;
  end_date: ColumnType<string, string, string>;
}

export interface ClassTable {
  id: Generated<number>;
  school_id: number;
  school_year_id: number;
  name: string;
  grade: number;
  homeroom_person_id: number | null;
  created_at: Generated<Date>;
}

export interface SubjectTable {
  id: Generated<number>;
  school_id: number;
  code: string;
  name: string;
  created_at: Generated<Date>;
}

export interface ClassSubjectTable {
  id: Generated<number>;
  class_id: number;
  subject_id: number;
  teacher_person_id: number | null;
  assessment: 'scored' | 'comment';
  periods_per_week: string | null;
  periods_per_year: number | null;
  course_link_id: number | null;
  created_at: Generated<Date>;
}

export interface EnrolmentTable {
  id: Generated<number>;
  class_id: number;
  person_id: number;
  joined_on: ColumnType<string, string, string>;
  left_on: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
}

export interface UpdatePointTable {
  id: Generated<number>;
  term_id: number;
  label: string;
  deadline: Timestamp;
  kinds: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type ColumnKind = 'regular' | 'periodic' | 'midterm' | 'final';

export interface AssessmentColumnTable {
  id: Generated<number>;
  class_subject_id: number;
  term_id: number;
  kind: ColumnKind;
  position: number;
  coefficient: number;
  value_type: 'score' | 'rating';
  form: string | null;
  label: string;
  lineitem_url: string | null;
  created_at: Generated<Date>;
}

export interface ScoreTable {
  id: Generated<number>;
  column_id: number;
  enrolment_id: number;
  tenths: number | null;
  rating: 'D' | 'CD' | null;
  version: Generated<number>;
  updated_at: Generated<Date>;
  updated_by: number | null;
  source: Generated<string>;
}

export interface CorrectionRequestTable {
  id: Generated<number>;
  school_id: number;
  column_id: number;
  enrolment_id: number;
  old_tenths: number | null;
  old_rating: string | null;
  new_tenths: number | null;
  new_rating: 'D' | 'CD' | null;
  score_version: number | null;
  reason_code: string;
  reason_text: Generated<string>;
  state: Generated<string>;
  requested_by: number;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SchoolPermissionTable {
  school_id: number;
  action: string;
  roles: string[];
  updated_at: Generated<Date>;
}

export interface RosterSyncTable {
  id: Generated<number>;
  course_link_id: number;
  class_id: number | null;
  started_at: Generated<Date>;
  finished_at: Timestamp | null;
  members_seen: number | null;
  joined: Json<unknown[]>;
  left_: Json<unknown[]>;
  error_code: string | null;
}

export interface DB {
  school: SchoolTable;
  lti_platform: LtiPlatformTable;
  lti_deployment: LtiDeploymentTable;
  registration_invite: RegistrationInviteTable;
  person: PersonTable;
  staff_designation: StaffDesignationTable;
  course_link: CourseLinkTable;
  app_session: AppSessionTable;
  oidc_login: OidcLoginTable;
  audit_log: AuditLogTable;
  audit_chain_head: AuditChainHeadTable;
  school_year: SchoolYearTable;
  term: TermTable;
  class: ClassTable;
  subject: SubjectTable;
  class_subject: ClassSubjectTable;
  enrolment: EnrolmentTable;
  update_point: UpdatePointTable;
  assessment_column: AssessmentColumnTable;
  score: ScoreTable;
  correction_request: CorrectionRequestTable;
  school_permission: SchoolPermissionTable;
  roster_sync: RosterSyncTable;
}

// ---------------------------------------------------------------------------------------------
// Schema `lti`: ltijs' own storage (migration 0002_lti_store, plugin src/lti/pg-lti-store.ts).
// Merged into `DB` by interface declaration merging so this block stays append-only.
// `doc` is the rest of the ltijs document, or a SealedBox {v, iv, tag, data} for encrypted tables.
// ---------------------------------------------------------------------------------------------
type LtiDoc = Json<Record<string, unknown>>;

export interface LtiStorePlatformTable {
  kid: string;
  platform_url: string;
  client_id: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStorePlatformStatusTable {
  id: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStorePublicKeyTable {
  kid: string;
  platform_url: string;
  client_id: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  serve_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface LtiStorePrivateKeyTable {
  kid: string;
  platform_url: string;
  client_id: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStoreAccessTokenTable {
  platform_url: string;
  client_id: string;
  scopes: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStoreNonceTable {
  nonce: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStoreStateTable {
  state: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStoreIdTokenTable {
  iss: string;
  client_id: string;
  deployment_id: string;
  user_sub: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStoreContextTokenTable {
  context_id: string;
  user_sub: string;
  doc: LtiDoc;
  created_at: Generated<Date>;
}

export interface LtiStoreTables {
  'lti.platform': LtiStorePlatformTable;
  'lti.platform_status': LtiStorePlatformStatusTable;
  'lti.public_key': LtiStorePublicKeyTable;
  'lti.private_key': LtiStorePrivateKeyTable;
  'lti.access_token': LtiStoreAccessTokenTable;
  'lti.nonce': LtiStoreNonceTable;
  'lti.state': LtiStoreStateTable;
  'lti.id_token': LtiStoreIdTokenTable;
  'lti.context_token': LtiStoreContextTokenTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends LtiStoreTables {}

// ---------------------------------------------------------------------------------------------
// Migration 0005_school_launch_roles (roster sync): who has ever launched with staff LTI roles.
// ---------------------------------------------------------------------------------------------
export interface PersonStaffLaunchTable {
  person_id: number;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

export interface SchoolLaunchRoleTables {
  person_staff_launch: PersonStaffLaunchTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends SchoolLaunchRoleTables {}

// ---------------------------------------------------------------------------------------------
// Migration 0007_print_archive (issue 10): archived official prints and the principal's sign-offs.
// ---------------------------------------------------------------------------------------------
export type PrintKind = 'class_book' | 'teacher_sheet' | 'correction_minutes';

export interface PrintArchiveTable {
  id: Generated<number>;
  school_id: number;
  kind: PrintKind;
  class_id: number;
  class_subject_id: number | null;
  period: string;
  version: number;
  sha256: string;
  data_hash: string;
  paper: ColumnType<'A4' | 'A3', 'A4' | 'A3' | undefined, 'A4' | 'A3'>;
  page_count: number;
  byte_size: number;
  pdf: Buffer;
  printed_by: number;
  printed_at: Generated<Date>;
}

export interface PrintSignoffTable {
  id: Generated<number>;
  archive_id: number;
  person_id: number;
  role: string;
  signed_at: Generated<Date>;
}

export interface PrintArchiveTables {
  print_archive: PrintArchiveTable;
  print_signoff: PrintSignoffTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends PrintArchiveTables {}

// ---------------------------------------------------------------------------------------------
// Migration 0009_attendance_conduct_results (issue 6): roll-call, conduct, exemptions, overrides,
// year-end decisions, re-tests, summer training.
// ---------------------------------------------------------------------------------------------
type DateCol = ColumnType<string, string, string>;

export interface SchoolHolidayTable {
  school_id: number;
  day: DateCol;
  label: Generated<string>;
}

export interface AttendanceTable {
  id: Generated<number>;
  enrolment_id: number;
  day: DateCol;
  session: 'sang' | 'chieu';
  mark: 'P' | 'K';
  main: Generated<boolean>;
  version: Generated<number>;
  updated_by: number | null;
  updated_at: Generated<Date>;
}

export interface ConductTable {
  id: Generated<number>;
  enrolment_id: number;
  term: 'HK1' | 'HK2' | 'CN';
  regime: 'TT58' | 'TT58_TT26' | 'TT22';
  level: string;
  comment: Generated<string>;
  version: Generated<number>;
  updated_by: number | null;
  updated_at: Generated<Date>;
}

export interface ExemptionTable {
  id: Generated<number>;
  enrolment_id: number;
  subject_id: number;
  scope: 'HK1' | 'HK2' | 'year' | 'practical';
  dossier_ref: string;
  valid_from: DateCol;
  valid_to: DateCol;
  requested_by: number;
  approved_by: number | null;
  approved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
}

export interface DisabilityOverrideTable {
  id: Generated<number>;
  enrolment_id: number;
  learning: string;
  outcome: 'promoted' | 'repeat' | 'retest' | 'summer-training';
  reason: string;
  dossier_ref: string;
  /** Who recorded it (0013); pending until the principal approves. */
  requested_by: number | null;
  approved_by: number | null;
  approved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface YearDecisionTable {
  id: Generated<number>;
  class_id: number;
  school_year_id: number;
  round: 'main' | 'after_retest';
  state: 'proposed' | 'approved' | 'reopened';
  payload: Json<Record<string, unknown>>;
  options: Json<Record<string, unknown>>;
  proposed_by: number;
  proposed_at: Generated<Date>;
  approved_by: number | null;
  approved_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  frozen_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  version: Generated<number>;
}

export interface RetestScoreTable {
  id: Generated<number>;
  enrolment_id: number;
  subject_id: number;
  tenths: number | null;
  rating: 'D' | 'CD' | null;
  entered_by: number;
  entered_at: Generated<Date>;
}

export interface SummerTrainingTable {
  enrolment_id: number;
  completed: boolean;
  re_evaluated: string | null;
  entered_by: number;
  entered_at: Generated<Date>;
}

export interface ResultsTables {
  school_holiday: SchoolHolidayTable;
  attendance: AttendanceTable;
  conduct: ConductTable;
  exemption: ExemptionTable;
  disability_override: DisabilityOverrideTable;
  year_decision: YearDecisionTable;
  retest_score: RetestScoreTable;
  summer_training: SummerTrainingTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends ResultsTables {}

// ---------------------------------------------------------------------------------------------
// Migration 0011_corrections (issue 8): the correction workflow's columns (merged into
// CorrectionRequestTable), its transition history, witnesses, evidence and school settings.
// ---------------------------------------------------------------------------------------------
export interface CorrectionRequestTable {
  confirmed_by: ColumnType<number | null, number | null | undefined, number | null>;
  confirmed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  decided_by: ColumnType<number | null, number | null | undefined, number | null>;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  decision_comment: ColumnType<string | null, string | null | undefined, string | null>;
  applied_by: ColumnType<number | null, number | null | undefined, number | null>;
  applied_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  applied_version: ColumnType<number | null, number | null | undefined, number | null>;
  links: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface CorrectionTransitionTable {
  id: Generated<number>;
  request_id: number;
  from_state: string;
  to_state: string;
  action: string;
  actor_person: number | null;
  actor_role: string | null;
  comment: Generated<string>;
  at: Generated<Date>;
}

export interface CorrectionWitnessTable {
  request_id: number;
  person_id: number;
  role: string;
  witnessed_at: Generated<Date>;
}

export interface CorrectionEvidenceTable {
  id: Generated<number>;
  request_id: number;
  mime: string;
  byte_size: number;
  sha256: string;
  content: Buffer;
  uploaded_by: number;
  uploaded_at: Generated<Date>;
}

export interface CorrectionSettingTable {
  school_id: number;
  expiry_days: number | null;
  updated_at: Generated<Date>;
}

export interface CorrectionTables {
  correction_transition: CorrectionTransitionTable;
  correction_witness: CorrectionWitnessTable;
  correction_evidence: CorrectionEvidenceTable;
  correction_setting: CorrectionSettingTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends CorrectionTables {}

// ---------------------------------------------------------------------------------------------
// Migration 0010_lms_sync (issue 7): LMS line items, the AGS score outbox, last sent timestamps.
// ---------------------------------------------------------------------------------------------
/** superseded: a newer value for the same (line item, student) was queued before this one could be retried. */
export type AgsOutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'conflict' | 'superseded';

export interface LmsLineItemTable {
  id: Generated<number>;
  class_subject_id: number;
  column_id: number | null;
  /** NULL only for an average's line item not created in the LMS yet (0014). */
  lineitem_url: string | null;
  resource_id: Generated<string>;
  tag: Generated<string>;
  label: string;
  score_maximum: ColumnType<string, number | string | undefined, number | string>;
  ours: Generated<boolean>;
  published: Generated<boolean>;
  gone_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
  kind: ColumnType<LmsLineItemKind, LmsLineItemKind | undefined, LmsLineItemKind>;
  term: 'HK1' | 'HK2' | null;
}

export interface AgsOutboxTable {
  id: Generated<number>;
  school_id: number;
  class_subject_id: number;
  column_id: number | null;
  score_id: number | null;
  enrolment_id: number;
  lms_user_id: string;
  lineitem_url: string | null;
  /** An average's line item (0014); column rows keep it NULL. */
  line_item_id: number | null;
  payload: Json<Record<string, unknown>>;
  state: ColumnType<AgsOutboxState, AgsOutboxState | undefined, AgsOutboxState>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error_code: string | null;
  last_error_message: string | null;
  lms_result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  sent_timestamp: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AgsLastTimestampTable {
  lineitem_url: string;
  lms_user_id: string;
  last_ts: Timestamp;
}

export interface LmsSyncTables {
  lms_line_item: LmsLineItemTable;
  ags_outbox: AgsOutboxTable;
  ags_last_timestamp: AgsLastTimestampTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends LmsSyncTables {}

// ---------------------------------------------------------------------------------------------
// Migration 0012_school_calendar (issues 6.1, 9.1): week plan per school year (sessions per weekday,
// main or extra), a class's own plan, and which roll-calls were taken.
// ---------------------------------------------------------------------------------------------
export interface SchoolCalendarTable {
  school_year_id: number;
  school_id: number;
  plan: ColumnType<Record<string, Record<string, 'main' | 'extra'>>, string, string>;
  version: Generated<number>;
  updated_by: number | null;
  updated_at: Generated<Date>;
}

export interface ClassSessionPlanTable {
  class_id: number;
  plan: ColumnType<Record<string, Record<string, 'main' | 'extra'>>, string, string>;
  updated_by: number | null;
  updated_at: Generated<Date>;
}

export interface RollCallTakenTable {
  class_id: number;
  day: ColumnType<string, string, string>;
  session: 'sang' | 'chieu';
  taken_by: number | null;
  taken_at: Generated<Date>;
}

export interface SchoolCalendarTables {
  school_calendar: SchoolCalendarTable;
  class_session_plan: ClassSessionPlanTable;
  roll_call_taken: RollCallTakenTable;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB extends SchoolCalendarTables {}

// ---- LMS grade sync, averages + shared access tokens (migration 0014_lms_sync_averages_tokens) ----
export type LmsLineItemKind = 'column' | 'semester_avg' | 'year_avg';

export interface AgsAccessTokenTable {
  issuer: string;
  client_id: string;
  /** CryptoBox SealedBox (LTI_KEK, AAD 'ags_access_token:' + issuer + client id). */
  sealed: ColumnType<unknown, string, string>;
  token_sha256: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  fetched_at: Generated<Date>;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- declaration merging into DB
export interface DB {
  ags_access_token: AgsAccessTokenTable;
}

// ---- Rejecting exemptions / disability overrides (migration 0018_exemption_reject) ----
// Declaration merging: the columns the principal's rejection adds to the two tables above.
export interface ExemptionTable {
  rejected_by: ColumnType<number | null, number | null | undefined, number | null>;
  rejected_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  reject_comment: ColumnType<string | null, string | null | undefined, string | null>;
}
export interface DisabilityOverrideTable {
  rejected_by: ColumnType<number | null, number | null | undefined, number | null>;
  rejected_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  reject_comment: ColumnType<string | null, string | null | undefined, string | null>;
}
