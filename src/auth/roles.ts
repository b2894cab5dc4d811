/**
 * Sổ Điểm roles. LTI roles alone cannot tell a principal from a teacher: stock Moodle sends
 * `Instructor` for editing teachers, non-editing teachers and category managers alike
 * (shared/docs/moodle-lti-behaviour.md §4). So the principal is recognised by the LTI
 * Administrator roles or by the school's own list; the homeroom teacher by the class record.
 */
export type Role = 'student' | 'subject_teacher' | 'homeroom_teacher' | 'vice_principal' | 'principal' | 'school_admin' | 'inspector';

export const ROLE_LABEL_VI: Record<Role, string> = {
  student: 'Học sinh',
  subject_teacher: 'Giáo viên bộ môn',
  homeroom_teacher: 'Giáo viên chủ nhiệm',
  vice_principal: 'Phó hiệu trưởng',
  principal: 'Hiệu trưởng',
  school_admin: 'Quản trị nhà trường',
  inspector: 'Thanh tra (chỉ xem)',
};

/** What the school admin can designate on the staff page (by person code or LMS user id). */
export type Designation = 'principal' | 'vice_principal' | 'school_admin' | 'inspector';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** Full LIS URIs, and the short context-role names (`Instructor`) some platforms and Moodle's NRPS use. */
function normalise(role: string): string {
  if (role.startsWith(LIS)) return role.slice(LIS.length);
  return role.includes('/') || role.includes('#') ? role : `membership#${role}`;
}

function hasRole(ltiRoles: readonly string[], ...names: string[]): boolean {
  return ltiRoles.some((r) => names.includes(normalise(r)));
}

export interface RoleInputs {
  ltiRoles: readonly string[];
  /** Designations the school admin keeps in Sổ Điểm (by person code or LMS user id). */
  designations: readonly Designation[];
  isHomeroomTeacher: boolean;
}

export function mapRoles(input: RoleInputs): Role[] {
  // An inspector (thanh tra / chuyên viên of the education office) is designated by the school for
  // a period and is ONLY that: whatever Moodle also says (an account created as Instructor or even
  // site Administrator), the session must stay read-only, so no other role is added.
  // The period itself is checked on every request (src/auth/inspector.ts), not only here.
  if (input.designations.includes('inspector')) return ['inspector'];
  const roles = new Set<Role>();
  const admin = hasRole(input.ltiRoles, 'institution/person#Administrator', 'system/person#Administrator');
  const instructor = hasRole(input.ltiRoles, 'membership#Instructor');
  const learner = hasRole(input.ltiRoles, 'membership#Learner');
  if (admin) {
    roles.add('principal');
    roles.add('school_admin');
  }
  for (const d of input.designations) roles.add(d);
  if (instructor) roles.add('subject_teacher');
  if (input.isHomeroomTeacher) roles.add('homeroom_teacher');
  // A learner is a student only when nothing on the staff side applies (a teacher enrolled as a
  // student in a training course must not lose staff rights, nor gain a student view by mistake).
  if (learner && roles.size === 0) roles.add('student');
  return ORDER.filter((r) => roles.has(r));
}

const ORDER: Role[] = ['principal', 'vice_principal', 'school_admin', 'homeroom_teacher', 'subject_teacher', 'student'];

/** Staff of the school (an inspector from the education office is not). */
export function isStaff(roles: readonly Role[]): boolean {
  return roles.some((r) => r !== 'student' && r !== 'inspector');
}

export function isInspector(roles: readonly Role[]): boolean {
  return roles.includes('inspector');
}

/**
 * Who sees the whole school's records: the board (BGH) — and an inspector, who reads what the board
 * reads. Callers use this for READ scope (class lists, results, corrections, the audit trail). An
 * inspector session never reaches a write: `inspectorGuard` refuses every state-changing request
 * before any route runs (tested route by route). For acts reserved to the board itself (approving,
 * witnessing) use `isBoardMember`.
 */
export function isBoard(roles: readonly Role[]): boolean {
  return isBoardMember(roles) || isInspector(roles);
}

/** The school board proper: principal and vice-principals (BGH). */
export function isBoardMember(roles: readonly Role[]): boolean {
  return roles.includes('principal') || roles.includes('vice_principal');
}
