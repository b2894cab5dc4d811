import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { rosterErrorMessageVi } from './errors';
import { dateString, type RosterChange } from './roster-sync';
import { compareVietnamese, displayName } from './vietnamese-names';

export interface RosterStudent {
  enrolmentId: number;
  personId: number;
  lmsUserId: string;
  name: string;
  namesWithheld: boolean;
  personCode: string | null;
  joinedOn: string;
  leftOn: string | null;
}

export interface RosterView {
  classId: number;
  className: string;
  grade: number;
  yearName: string;
  active: RosterStudent[];
  leavers: RosterStudent[];
  lastSync: null | {
    startedAt: Date;
    finishedAt: Date | null;
    membersSeen: number | null;
    errorCode: string | null;
    errorVi: string | null;
    joined: RosterChange[];
    left: RosterChange[];
  };
  /** The last sync that succeeded, when the last one failed (what changed then). */
  lastGoodSync: null | { finishedAt: Date | null; joined: RosterChange[]; left: RosterChange[] };
}

/** The class list in Vietnamese order, with the latest sync's outcome. Read-only. */
export async function loadRoster(db: Kysely<DB>, classId: number, courseLinkId: number | null): Promise<RosterView | null> {
  const cls = await db
    .selectFrom('class')
    .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
    .select(['class.id', 'class.name', 'class.grade', 'school_year.name as year'])
    .where('class.id', '=', classId)
    .executeTakeFirst();
  if (!cls) return null;
  const rows = await db
    .selectFrom('enrolment')
    .innerJoin('person', 'person.id', 'enrolment.person_id')
    .select(['enrolment.id', 'enrolment.joined_on', 'enrolment.left_on', 'person.id as person_id', 'person.lms_user_id', 'person.family_name', 'person.given_name', 'person.person_code'])
    .where('enrolment.class_id', '=', classId)
    .execute();
  rows.sort(compareVietnamese);
  const students: RosterStudent[] = rows.map((r) => ({
    enrolmentId: Number(r.id),
    personId: Number(r.person_id),
    lmsUserId: r.lms_user_id,
    name: displayName(r),
    namesWithheld: !r.family_name.trim() && !r.given_name.trim(),
    personCode: r.person_code,
    joinedOn: dateString(r.joined_on),
    leftOn: r.left_on === null ? null : dateString(r.left_on),
  }));
  let q = db.selectFrom('roster_sync').selectAll().where('class_id', '=', classId);
  if (courseLinkId !== null) q = q.where('course_link_id', '=', courseLinkId);
  const syncs = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(20).execute();
  const last = syncs[0];
  const good = syncs.find((s) => s.finished_at !== null && s.error_code === null);
  return {
    classId: Number(cls.id),
    className: cls.name,
    grade: Number(cls.grade),
    yearName: cls.year,
    active: students.filter((s) => s.leftOn === null),
    leavers: students.filter((s) => s.leftOn !== null),
    lastSync: last
      ? {
          startedAt: last.started_at,
          finishedAt: last.finished_at,
          membersSeen: last.members_seen,
          errorCode: last.error_code,
          errorVi: rosterErrorMessageVi(last.error_code),
          joined: (last.joined ?? []) as RosterChange[],
          left: (last.left_ ?? []) as RosterChange[],
        }
      : null,
    lastGoodSync: good && good !== last ? { finishedAt: good.finished_at, joined: good.joined as RosterChange[], left: good.left_ as RosterChange[] } : null,
  };
}
