import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { appendAudit } from '../audit/audit-log';
import { retryTransaction } from '../db/retry';
import { AppError } from '../shared/errors';
import { rosterError, type RosterErrorCode } from './errors';
import { shortRole, type NrpsMember, type NrpsReader, type NrpsTarget } from './nrps-client';
import { displayName } from './vietnamese-names';

/**
 * Roster sync: the LMS course's learners (NRPS) → the enrolments of the class the course is linked to.
 *
 * Who becomes a student (the rule reviewers should know):
 *  - the NRPS member's roles contain Learner and no staff role (Instructor, TeachingAssistant,
 *    ContentDeveloper, Mentor, Administrator); AND
 *  - the person is not a known member of staff of the school: teacher in any teaching assignment,
 *    homeroom teacher of any class, on the school's staff list (by LMS user id or person code), or
 *    someone who ever launched Sổ Điểm with staff LTI roles (person_staff_launch).
 *  Moodle's NRPS reports a non-editing teacher as Learner, hence the second half.
 *  A known teacher found among the class's active students is marked as left (never deleted).
 *
 * Missing learners are marked as left with today's date: NRPS omits suspended members and cannot tell
 * "suspended" from "removed". Nothing is ever deleted, so scores stay attached to their enrolment.
 */

export interface RosterActor {
  personId: number | null;
  lmsUserId: string | null;
  role: string;
}

export interface RosterChange {
  personId: number;
  lmsUserId: string;
  name: string;
  rejoined?: boolean;
}

export type SyncOutcome =
  | { ok: true; syncId: number; classId: number; membersSeen: number; joined: RosterChange[]; left: RosterChange[]; skippedStaff: number }
  | { ok: false; syncId: number | null; errorCode: RosterErrorCode };

const STAFF_ROLES = ['Instructor', 'TeachingAssistant', 'ContentDeveloper', 'Mentor', 'Administrator'];

export function isLearnerOnly(m: Pick<NrpsMember, 'roles'>): boolean {
  const roles = m.roles.map(shortRole);
  const learner = roles.some((r) => r === 'Learner' || r.startsWith('Learner#'));
  const staff = roles.some((r) => STAFF_ROLES.some((s) => r === s || r.startsWith(`${s}#`) || r.endsWith(`#${s}`)));
  return learner && !staff;
}

/** Today in Vietnam (the school's calendar day), as YYYY-MM-DD. */
export function todayInVietnam(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export interface LinkedCourse {
  courseLinkId: number;
  schoolId: number;
  deploymentId: number;
  classId: number;
  nrpsUrl: string | null;
  target: Omit<NrpsTarget, 'membershipsUrl'> & { platformActive: boolean };
}

/** The class a course link feeds: its own class_id (homeroom course) or its teaching assignment's class. */
export async function resolveLinkedCourse(db: Kysely<DB>, courseLinkId: number): Promise<LinkedCourse | null> {
  const row = await db
    .selectFrom('course_link')
    .innerJoin('lti_deployment', 'lti_deployment.id', 'course_link.deployment_id')
    .innerJoin('lti_platform', 'lti_platform.id', 'lti_deployment.platform_id')
    .leftJoin('class_subject', 'class_subject.course_link_id', 'course_link.id')
    .select([
      'course_link.id',
      'course_link.school_id',
      'course_link.deployment_id',
      'course_link.class_id',
      'course_link.nrps_url',
      'course_link.resource_link_id',
      'course_link.lineitems_url',
      'class_subject.class_id as cs_class_id',
      'lti_platform.issuer',
      'lti_platform.client_id',
      'lti_platform.status as platform_status',
      'lti_deployment.status as deployment_status',
    ])
    .where('course_link.id', '=', courseLinkId)
    .executeTakeFirst();
  if (!row) return null;
  const classId = row.class_id ?? row.cs_class_id;
  if (classId === null || classId === undefined) return null;
  return {
    courseLinkId: Number(row.id),
    schoolId: Number(row.school_id),
    deploymentId: Number(row.deployment_id),
    classId: Number(classId),
    nrpsUrl: row.nrps_url,
    target: {
      issuer: row.issuer,
      clientId: row.client_id,
      resourceLinkId: row.resource_link_id,
      lineitemsUrl: row.lineitems_url,
      platformActive: row.platform_status === 'active' && row.deployment_status === 'active',
    },
  };
}

export async function syncRoster(
  db: Kysely<DB>,
  nrps: NrpsReader,
  courseLinkId: number,
  opts: { actor?: RosterActor; today?: string } = {},
): Promise<SyncOutcome> {
  const course = await resolveLinkedCourse(db, courseLinkId);
  if (!course) throw rosterError('ROSTER_COURSE_NOT_LINKED');
  const actor = opts.actor ?? { personId: null, lmsUserId: null, role: 'system' };
  const today = opts.today ?? todayInVietnam();

  const started = await db
    .insertInto('roster_sync')
    .values({ course_link_id: courseLinkId, class_id: course.classId })
    .returning('id')
    .executeTakeFirstOrThrow();
  const syncId = Number(started.id);
  const fail = async (errorCode: RosterErrorCode): Promise<SyncOutcome> => {
    await db.updateTable('roster_sync').set({ finished_at: new Date(), error_code: errorCode }).where('id', '=', syncId).execute();
    return { ok: false, syncId, errorCode };
  };

  if (!course.nrpsUrl) return fail('ROSTER_NO_NRPS');
  if (!course.target.platformActive) return fail('ROSTER_PLATFORM_INACTIVE');

  let members: NrpsMember[];
  try {
    members = await nrps.readMembers({ ...course.target, membershipsUrl: course.nrpsUrl });
  } catch (e) {
    return fail(e instanceof AppError && e.code.startsWith('ROSTER_') ? (e.code as RosterErrorCode) : 'ROSTER_FAILED');
  }

  try {
    const result = await retryTransaction(() => db.transaction().execute((trx) => applyMembers(trx, course, members, { syncId, actor, today })));
    return { ok: true, syncId, classId: course.classId, membersSeen: members.length, ...result };
  } catch (e) {
    if (e instanceof AppError && e.code.startsWith('ROSTER_')) return fail(e.code as RosterErrorCode);
    await fail('ROSTER_FAILED');
    throw e;
  }
}

async function applyMembers(
  trx: Transaction<DB>,
  course: LinkedCourse,
  members: NrpsMember[],
  ctx: { syncId: number; actor: RosterActor; today: string },
): Promise<{ joined: RosterChange[]; left: RosterChange[]; skippedStaff: number }> {
  const { schoolId, deploymentId, classId } = course;
  // One sync per class at a time: a button press racing a launch-triggered sync must not double-enrol.
  await sql`SELECT pg_advisory_xact_lock(hashtext('sodiem.roster'), ${classId}::int)`.execute(trx);
  const audit = (action: string, entity: string, entityId: number | string, oldValue: unknown, newValue: unknown) =>
    appendAudit(trx, { schoolId, actor: ctx.actor, action, entity, entityId, oldValue, newValue, source: 'roster' });

  const learners = dedupe(members.filter(isLearnerOnly));
  const ids = learners.map((m) => m.user_id);
  const existing = ids.length
    ? await trx.selectFrom('person').selectAll().where('deployment_id', '=', deploymentId).where('lms_user_id', 'in', ids).execute()
    : [];
  const byUser = new Map(existing.map((p) => [p.lms_user_id, p]));
  const staff = await knownStaff(trx, schoolId);

  const enrolments = await trx.selectFrom('enrolment').select(['id', 'person_id', 'joined_on', 'left_on']).where('class_id', '=', classId).execute();
  const enrolmentByPerson = new Map(enrolments.map((e) => [Number(e.person_id), e]));
  const activeBefore = enrolments.filter((e) => e.left_on === null).length;

  const joined: RosterChange[] = [];
  const left: RosterChange[] = [];
  const students = new Set<number>();
  let skippedStaff = 0;

  const studentMembers = learners.filter((m) => {
    const p = byUser.get(m.user_id);
    const code = nonEmpty(m.lis_person_sourcedid) ?? p?.person_code ?? null;
    const isStaff = (p && staff.personIds.has(Number(p.id))) || staff.lmsUserIds.has(m.user_id) || (code !== null && staff.personCodes.has(code));
    if (isStaff) skippedStaff++;
    return !isStaff;
  });
  // Refuse to empty a class on an empty answer: an LMS hiccup must not mark every student as left.
  if (studentMembers.length === 0 && activeBefore > 0) throw rosterError('ROSTER_NRPS_EMPTY');

  for (const m of studentMembers) {
    const personId = await upsertPerson(trx, schoolId, deploymentId, m, byUser.get(m.user_id), audit);
    students.add(personId);
    const given = nonEmpty(m.given_name) ?? byUser.get(m.user_id)?.given_name ?? '';
    const family = nonEmpty(m.family_name) ?? byUser.get(m.user_id)?.family_name ?? '';
    const name = displayName({ family_name: family, given_name: given, lms_user_id: m.user_id });
    const e = enrolmentByPerson.get(personId);
    if (!e) {
      const row = await trx.insertInto('enrolment').values({ class_id: classId, person_id: personId, joined_on: ctx.today }).returning('id').executeTakeFirstOrThrow();
      await audit('roster.join', 'enrolment', row.id, null, { class_id: classId, person_id: personId, joined_on: ctx.today });
      joined.push({ personId, lmsUserId: m.user_id, name });
    } else if (e.left_on !== null) {
      await trx.updateTable('enrolment').set({ left_on: null }).where('id', '=', e.id).execute();
      await audit('roster.rejoin', 'enrolment', e.id, { left_on: dateString(e.left_on) }, { left_on: null });
      joined.push({ personId, lmsUserId: m.user_id, name, rejoined: true });
    }
  }

  const leavers = enrolments.filter((e) => e.left_on === null && !students.has(Number(e.person_id)));
  if (leavers.length) {
    const people = await trx.selectFrom('person').select(['id', 'lms_user_id', 'family_name', 'given_name']).where('id', 'in', leavers.map((e) => e.person_id)).execute();
    const byId = new Map(people.map((p) => [Number(p.id), p]));
    for (const e of leavers) {
      // left_on may not precede joined_on (CHECK): someone added and removed on the same day left that day.
      const joinedOn = dateString(e.joined_on);
      const leftOn = joinedOn > ctx.today ? joinedOn : ctx.today;
      await trx.updateTable('enrolment').set({ left_on: leftOn }).where('id', '=', e.id).execute();
      await audit('roster.leave', 'enrolment', e.id, { left_on: null }, { left_on: leftOn });
      const p = byId.get(Number(e.person_id));
      left.push({ personId: Number(e.person_id), lmsUserId: p?.lms_user_id ?? '', name: p ? displayName(p) : `#${e.person_id}` });
    }
  }

  await trx
    .updateTable('roster_sync')
    .set({ finished_at: new Date(), members_seen: members.length, joined: JSON.stringify(joined), left_: JSON.stringify(left), error_code: null })
    .where('id', '=', ctx.syncId)
    .execute();
  await audit('roster.sync', 'roster_sync', ctx.syncId, null, {
    course_link_id: course.courseLinkId,
    class_id: classId,
    members_seen: members.length,
    joined: joined.length,
    left: left.length,
    skipped_staff: skippedStaff,
  });
  return { joined, left, skippedStaff };
}

type Audit = (action: string, entity: string, entityId: number | string, oldValue: unknown, newValue: unknown) => Promise<number>;
type PersonRow = { id: number; family_name: string; given_name: string; email: string | null; person_code: string | null; display_name: string };

/** Creates the person or refreshes what the LMS now tells us; withheld fields keep their stored value. */
async function upsertPerson(trx: Transaction<DB>, schoolId: number, deploymentId: number, m: NrpsMember, p: PersonRow | undefined, audit: Audit): Promise<number> {
  const next = {
    family_name: nonEmpty(m.family_name) ?? p?.family_name ?? '',
    given_name: nonEmpty(m.given_name) ?? p?.given_name ?? '',
    email: nonEmpty(m.email) ?? p?.email ?? null,
    person_code: nonEmpty(m.lis_person_sourcedid) ?? p?.person_code ?? null,
  };
  const display = [next.family_name, next.given_name].filter(Boolean).join(' ');
  if (!p) {
    const row = await trx
      .insertInto('person')
      .values({ school_id: schoolId, deployment_id: deploymentId, lms_user_id: m.user_id, ...next, display_name: display })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit('person.create', 'person', row.id, null, { family_name: next.family_name, given_name: next.given_name, person_code: next.person_code });
    return Number(row.id);
  }
  if (p.family_name !== next.family_name || p.given_name !== next.given_name || p.email !== next.email || p.person_code !== next.person_code) {
    await trx.updateTable('person').set({ ...next, display_name: display, updated_at: new Date() }).where('id', '=', p.id).execute();
    await audit(
      'person.update',
      'person',
      p.id,
      { family_name: p.family_name, given_name: p.given_name, person_code: p.person_code },
      { family_name: next.family_name, given_name: next.given_name, person_code: next.person_code },
    );
  }
  return Number(p.id);
}

async function knownStaff(trx: Transaction<DB>, schoolId: number): Promise<{ personIds: Set<number>; lmsUserIds: Set<string>; personCodes: Set<string> }> {
  const teachers = await trx
    .selectFrom('class_subject')
    .innerJoin('class', 'class.id', 'class_subject.class_id')
    .select('class_subject.teacher_person_id as id')
    .where('class.school_id', '=', schoolId)
    .where('class_subject.teacher_person_id', 'is not', null)
    .execute();
  const homeroom = await trx.selectFrom('class').select('homeroom_person_id as id').where('school_id', '=', schoolId).where('homeroom_person_id', 'is not', null).execute();
  const launched = await trx
    .selectFrom('person_staff_launch')
    .innerJoin('person', 'person.id', 'person_staff_launch.person_id')
    .select('person.id')
    .where('person.school_id', '=', schoolId)
    .execute();
  const designations = await trx.selectFrom('staff_designation').select(['lms_user_id', 'person_code']).where('school_id', '=', schoolId).execute();
  return {
    personIds: new Set([...teachers, ...homeroom, ...launched].map((r) => Number(r.id))),
    lmsUserIds: new Set(designations.map((d) => d.lms_user_id).filter((v): v is string => !!v)),
    personCodes: new Set(designations.map((d) => d.person_code).filter((v): v is string => !!v)),
  };
}

/** Remembers that a person launched with staff LTI roles (see the rule above). */
export async function rememberStaffLaunch(db: Kysely<DB>, personId: number, ltiRoles: readonly string[]): Promise<void> {
  const staff = ltiRoles.map(shortRole).some((r) => STAFF_ROLES.some((s) => r === s || r.endsWith(`#${s}`)));
  if (!staff) return;
  await db
    .insertInto('person_staff_launch')
    .values({ person_id: personId })
    .onConflict((oc) => oc.column('person_id').doUpdateSet({ last_seen_at: new Date() }))
    .execute();
}

function dedupe(ms: NrpsMember[]): NrpsMember[] {
  const seen = new Map<string, NrpsMember>();
  for (const m of ms) if (!seen.has(m.user_id)) seen.set(m.user_id, m);
  return [...seen.values()];
}

const nonEmpty = (v: string | null | undefined): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** pg returns DATE as a JS Date by default unless a type parser is set; normalise to YYYY-MM-DD. */
export function dateString(v: unknown): string {
  if (v instanceof Date) {
    const y = v.getFullYear();
    const m = String(v.getMonth() + 1).padStart(2, '0');
    const d = String(v.getDate()).padStart(2, '0');
    return `${y}-${m}-${d}`;
  }
  return String(v).slice(0, 10);
}
