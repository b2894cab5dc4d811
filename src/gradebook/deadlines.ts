/** The update points a principal may move (read side of locks.ts). */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { requirePermission } from '../auth/permissions';

export async function listUpdatePoints(db: Kysely<DB>, session: Session) {
  await requirePermission(db, session, 'deadline.move');
  const rows = await db
    .selectFrom('update_point as p')
    .innerJoin('term as t', 't.id', 'p.term_id')
    .innerJoin('school_year as y', 'y.id', 't.school_year_id')
    .select(['p.id', 'p.label', 'p.deadline', 'p.kinds', 't.code as term', 'y.name as year'])
    .where('y.school_id', '=', session.schoolId)
    .where('y.status', '=', 'open')
    .orderBy('y.name')
    .orderBy('p.deadline')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), label: r.label, deadline: new Date(r.deadline), kinds: r.kinds, term: r.term, year: r.year }));
}
