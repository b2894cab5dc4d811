import { randomBytes } from 'node:crypto';

/** In-memory Moodle: users, courses, enrolments, tool types, LTI activities, grade items, grades. */

export type CourseRole = 'editingteacher' | 'teacher' | 'student';
export type Container = 'iframe' | 'window';

export interface User {
  id: string;
  username: string;
  givenName: string; // Moodle firstname
  familyName: string; // Moodle lastname
  email: string;
  idnumber: string;
  siteAdmin: boolean;
}

export interface Course {
  id: string;
  shortname: string;
  fullname: string;
  idnumber: string;
  category: string;
}

export interface Enrolment {
  courseId: string;
  userId: string;
  role: CourseRole;
  suspended: boolean;
}

export interface CategoryManager {
  userId: string;
  ltiAdminCapability: boolean;
}

export interface ToolRegistration {
  /** Moodle tool type id; also the deployment id. */
  readonly typeId: string;
  readonly clientId: string;
  readonly deploymentId: string;
  name: string;
  description: string;
  loginUrl: string;
  redirectUris: string[];
  targetLinkUri: string;
  jwksUrl: string;
  customParams: Record<string, string>;
  container: Container;
  /** 'active' (manual registration / activated) or 'pending' (dynamic registration, like Moodle). */
  state: 'active' | 'pending';
  /** Scopes the token endpoint may grant (requested ∩ this). */
  permittedScopes: string[];
  /** How the tool was registered. */
  origin: 'manual' | 'dynamic';
}

export interface Activity {
  courseId: string;
  toolTypeId: string;
  /** LTI instance id = resource_link.id */
  instanceId: string;
  cmid: string;
  title: string;
  custom: Record<string, string>;
  container: Container | undefined;
}

export interface GradeItem {
  id: string;
  courseId: string;
  label: string;
  scoreMaximum: number;
  kind: 'activity' | 'tool' | 'manual';
  /** activity items: the LTI instance; tool items: the bound resource link (ltilinkid), if any. */
  instanceId: string | null;
  /** tool items: the creating tool type */
  toolTypeId: string | null;
  resourceId: string;
  tag: string;
}

export interface Grade {
  /** null = no grade (cleared) */
  score: number | null;
  comment: string | null;
  /** Whole seconds, unix time (Moodle timemodified). */
  timemodified: number;
  /** Teacher override in Moodle's gradebook on an activity grade item (wins over tool scores). */
  overridden: boolean;
}

export const SCOPE = {
  lineitem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineitemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  basicoutcome: 'https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome',
  toolsetting: 'https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting',
} as const;

export const AGS_SCOPES = [SCOPE.lineitem, SCOPE.lineitemReadonly, SCOPE.resultReadonly, SCOPE.score];
/** What the manual registration in the fixtures can get (AGS "grade sync and column management" + NRPS). */
export const DEFAULT_PERMITTED_SCOPES = [...AGS_SCOPES, SCOPE.nrps];

/** Moodle generates a 15-char client id like `KCJRRpECFnVpeqf`. */
export function moodleClientId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(15);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

export class Model {
  readonly users = new Map<string, User>();
  readonly courses = new Map<string, Course>();
  /** Insertion order kept. */
  readonly enrolments: Enrolment[] = [];
  readonly categoryManagers = new Map<string, CategoryManager>();
  readonly tools = new Map<string, ToolRegistration>(); // by typeId
  readonly activities = new Map<string, Activity>(); // by cmid
  readonly gradeItems = new Map<string, GradeItem>();
  /** itemId -> userId -> grade */
  readonly grades = new Map<string, Map<string, Grade>>();
  private nextTypeId = 1;
  private nextGradeItemId = 1;
  private nextInstanceId = 1;

  addUser(u: User): void {
    this.users.set(u.id, u);
  }

  addCourse(c: Course): void {
    this.courses.set(c.id, c);
  }

  enrol(courseId: string, userId: string, role: CourseRole, suspended: boolean): void {
    const existing = this.enrolments.find((e) => e.courseId === courseId && e.userId === userId);
    if (existing) {
      existing.role = role;
      existing.suspended = suspended;
    } else {
      this.enrolments.push({ courseId, userId, role, suspended });
    }
  }

  enrolment(courseId: string, userId: string): Enrolment | undefined {
    return this.enrolments.find((e) => e.courseId === courseId && e.userId === userId);
  }

  newTypeId(): string {
    return String(this.nextTypeId++);
  }

  newGradeItemId(): string {
    return String(this.nextGradeItemId++);
  }

  /** Keeps instance ids unique when callers pick their own. */
  noteInstanceId(id: string): void {
    const n = Number(id);
    if (Number.isInteger(n) && n >= this.nextInstanceId) this.nextInstanceId = n + 1;
  }

  newInstanceId(): string {
    return String(this.nextInstanceId++);
  }

  toolByClientId(clientId: string): ToolRegistration | undefined {
    for (const t of this.tools.values()) if (t.clientId === clientId) return t;
    return undefined;
  }

  activityByInstance(courseId: string, toolTypeId: string, instanceId: string): Activity | undefined {
    for (const a of this.activities.values()) {
      if (a.courseId === courseId && a.toolTypeId === toolTypeId && a.instanceId === instanceId) return a;
    }
    return undefined;
  }

  activityGradeItem(a: Activity): GradeItem | undefined {
    for (const gi of this.gradeItems.values()) {
      if (gi.kind === 'activity' && gi.courseId === a.courseId && gi.instanceId === a.instanceId) {
        const owner = this.activityByInstance(gi.courseId, a.toolTypeId, gi.instanceId);
        if (owner) return gi;
      }
    }
    return undefined;
  }

  /** Activity items of this tool's activities + items this tool created (Moodle's "line items of the tool"). */
  isToolsItem(gi: GradeItem, toolTypeId: string): boolean {
    if (gi.kind === 'tool') return gi.toolTypeId === toolTypeId;
    if (gi.kind === 'activity' && gi.instanceId !== null) {
      return this.activityByInstance(gi.courseId, toolTypeId, gi.instanceId) !== undefined;
    }
    return false;
  }

  gradesOf(itemId: string): Map<string, Grade> {
    let m = this.grades.get(itemId);
    if (!m) {
      m = new Map();
      this.grades.set(itemId, m);
    }
    return m;
  }

  deleteGradeItem(itemId: string): void {
    this.gradeItems.delete(itemId);
    this.grades.delete(itemId);
  }

  /** Students (suspended included) are gradable, like Moodle's gradebook roles. */
  isGradable(courseId: string, userId: string): boolean {
    const e = this.enrolment(courseId, userId);
    return e !== undefined && e.role === 'student';
  }
}
