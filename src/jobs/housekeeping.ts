import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { purgeExpiredSessions } from '../auth/session';
import { purgeExpiredLoginStates } from '../lti/login-state';
import { expireStale } from '../corrections/correction-service';

export interface Purgeable {
  purgeExpired(): Promise<Record<string, number> | null>;
}

/**
 * Expired LTI rows (nonces, states, access tokens, id/context tokens), our sessions and login
 * states. Safe to run from several processes: the LTI purge takes an advisory lock, and the
 * other deletes are idempotent.
 */
export async function runHousekeeping(db: Kysely<DB>, store: Purgeable): Promise<Record<string, number>> {
  const lti = (await store.purgeExpired()) ?? {};
  // Correction requests nobody acted on expire per the school's setting (also checked when lists are read).
  let expired = 0;
  for (const s of await db.selectFrom('school').select('id').execute()) expired += await expireStale(db, Number(s.id));
  return { ...lti, app_session: await purgeExpiredSessions(db), oidc_login: await purgeExpiredLoginStates(db), correction_expired: expired };
}

export function scheduleHousekeeping(db: Kysely<DB>, store: Purgeable, everyMs: number, log: (l: string) => void): () => void {
  const timer = setInterval(() => {
    runHousekeeping(db, store).catch((err) => log(`[housekeeping] ${String((err as Error)?.message ?? err)}`));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
