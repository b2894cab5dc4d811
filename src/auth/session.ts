import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Role } from './roles';

/**
 * Our own server-side session, created after a validated launch. The browser holds only an
 * opaque random token; the database holds its SHA-256, so a leaked table grants nothing.
 */
export interface Session {
  readonly tokenHash: string;
  readonly schoolId: number;
  readonly personId: number;
  readonly courseLinkId: number | null;
  readonly roles: readonly Role[];
  readonly ltiRoles: readonly string[];
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createSession(
  db: Kysely<DB>,
  s: { schoolId: number; personId: number; courseLinkId: number | null; roles: readonly Role[]; ltiRoles: readonly string[]; ttlMinutes: number },
): Promise<{ token: string; session: Session }> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + s.ttlMinutes * 60_000);
  await db
    .insertInto('app_session')
    .values({
      token_hash: hashToken(token),
      school_id: s.schoolId,
      person_id: s.personId,
      course_link_id: s.courseLinkId,
      roles: [...s.roles],
      lti_roles: [...s.ltiRoles],
      csrf_secret: csrf,
      expires_at: expiresAt,
    })
    .execute();
  return {
    token,
    session: { tokenHash: hashToken(token), schoolId: s.schoolId, personId: s.personId, courseLinkId: s.courseLinkId, roles: s.roles, ltiRoles: s.ltiRoles, csrfToken: csrf, expiresAt },
  };
}

export async function loadSession(db: Kysely<DB>, token: string): Promise<Session | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = await db
    .selectFrom('app_session')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (!row) return null;
  return {
    tokenHash: row.token_hash,
    schoolId: Number(row.school_id),
    personId: Number(row.person_id),
    courseLinkId: row.course_link_id === null ? null : Number(row.course_link_id),
    roles: row.roles as Role[],
    ltiRoles: row.lti_roles,
    csrfToken: row.csrf_secret,
    expiresAt: row.expires_at,
  };
}

export async function purgeExpiredSessions(db: Kysely<DB>): Promise<number> {
  const r = await db.deleteFrom('app_session').where('expires_at', '<', new Date()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export function csrfMatches(session: Session, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length !== session.csrfToken.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(session.csrfToken));
}
