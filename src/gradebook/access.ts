/**
 * Who may see or change which grid, decided on the server for every request: the school's rules
 * (role → action, auth/permissions) AND the teaching assignment / homeroom / board membership.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { allowed, loadPermissions, requirePermission } from '../auth/permissions';
import { isBoard } from '../auth/roles';
import type { ClassSubjectContext } from './grid-repository';
import { gridErrors } from './errors';

export type GridAccess = 'write' | 'read';

export function sameSchool(session: Session, ctx: ClassSubjectContext | null): asserts ctx is ClassSubjectContext {
  // Another school's id is answered like a missing one: ids must not leak existence across schools.
  if (!ctx || ctx.schoolId !== session.schoolId) throw gridErrors.notFound();
}

export async function authoriseGridWrite(db: Kysely<DB>, session: Session, ctx: ClassSubjectContext): Promise<void> {
  await requirePermission(db, session, 'scores.enter');
  if (ctx.teacherPersonId !== session.personId) throw gridErrors.notYourClass();
}

/** The teacher of the class subject writes; the homeroom teacher of the class and the board read. */
export async function authoriseGridRead(db: Kysely<DB>, session: Session, ctx: ClassSubjectContext): Promise<GridAccess> {
  const perms = await loadPermissions(db, session.schoolId);
  if (ctx.teacherPersonId === session.personId && allowed(perms, session.roles, 'scores.enter')) return 'write';
  if (allowed(perms, session.roles, 'scores.view_class') && canViewClass(session, ctx.homeroomPersonId)) return 'read';
  throw gridErrors.notYourClass();
}

export function canViewClass(session: Session, homeroomPersonId: number | null): boolean {
  return isBoard(session.roles) || (session.roles.includes('homeroom_teacher') && homeroomPersonId === session.personId);
}

export async function authoriseClassRead(db: Kysely<DB>, session: Session, klass: { schoolId: number; homeroomPersonId: number | null } | null): Promise<void> {
  if (!klass || klass.schoolId !== session.schoolId) throw gridErrors.notFound();
  await requirePermission(db, session, 'scores.view_class');
  if (!canViewClass(session, klass.homeroomPersonId)) throw gridErrors.notYourClass();
}
