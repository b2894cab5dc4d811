import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { roleLabels } from './view-helpers';

export interface Me {
  personId: number;
  displayName: string;
  lmsUserId: string;
  personCode: string | null;
  roleLabels: string[];
  schoolName: string;
}

export async function loadMe(db: Kysely<DB>, s: Session): Promise<Me> {
  const row = await db
    .selectFrom('person')
    .innerJoin('school', 'school.id', 'person.school_id')
    .select(['person.id', 'person.display_name', 'person.lms_user_id', 'person.person_code', 'school.name as school_name'])
    .where('person.id', '=', s.personId)
    .executeTakeFirstOrThrow();
  return {
    personId: Number(row.id),
    displayName: row.display_name || `#${row.lms_user_id}`,
    lmsUserId: row.lms_user_id,
    personCode: row.person_code,
    roleLabels: roleLabels(s.roles),
    schoolName: row.school_name,
  };
}
