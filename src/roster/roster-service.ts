import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { LtijsProvider } from '../lti/provider';
import { ltijsNrpsReader, type NrpsReader } from './nrps-client';
import { syncRoster, resolveLinkedCourse, type RosterActor, type SyncOutcome } from './roster-sync';

export interface RosterService {
  readonly nrps: NrpsReader;
  /** On demand (the teacher's button): runs now, answers with the outcome. */
  syncNow(courseLinkId: number, actor: RosterActor): Promise<SyncOutcome>;
  /**
   * On launch: at most once per `minIntervalMs` per course link, in the background. Never throws and
   * never delays the page; the answer only says what was decided.
   */
  syncInBackground(courseLinkId: number): Promise<'started' | 'throttled' | 'not_linked' | 'running'>;
  /** Resolves when background syncs started so far have finished (tests, shutdown). */
  idle(): Promise<void>;
}

export const DEFAULT_SYNC_INTERVAL_MS = 10 * 60_000;

export function createRosterService(
  db: Kysely<DB>,
  provider: LtijsProvider,
  opts: { log?: (line: string) => void; minIntervalMs?: number; pageSize?: number; timeoutMs?: number; nrps?: NrpsReader } = {},
): RosterService {
  const nrps = opts.nrps ?? ltijsNrpsReader(provider, { pageSize: opts.pageSize, timeoutMs: opts.timeoutMs });
  const log = opts.log ?? (() => undefined);
  const minInterval = opts.minIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  const running = new Map<number, Promise<unknown>>();

  return {
    nrps,
    syncNow: (courseLinkId, actor) => syncRoster(db, nrps, courseLinkId, { actor }),
    async syncInBackground(courseLinkId) {
      try {
        if (running.has(courseLinkId)) return 'running';
        const linked = await resolveLinkedCourse(db, courseLinkId);
        if (!linked) return 'not_linked';
        // Throttle on the database (survives restarts, shared by several app processes).
        const last = await db
          .selectFrom('roster_sync')
          .select('started_at')
          .where('course_link_id', '=', courseLinkId)
          .orderBy('started_at', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (last && Date.now() - new Date(last.started_at).getTime() < minInterval) return 'throttled';
        if (running.has(courseLinkId)) return 'running';
        const p = syncRoster(db, nrps, courseLinkId)
          .then((o) => {
            // Codes and counts only: never names.
            log(o.ok ? `[roster] course_link=${courseLinkId} joined=${o.joined.length} left=${o.left.length}` : `[roster] course_link=${courseLinkId} ${o.errorCode}`);
          })
          .catch((e: unknown) => log(`[roster] course_link=${courseLinkId} failed ${(e as { code?: string })?.code ?? 'ERROR'}`))
          .finally(() => running.delete(courseLinkId));
        running.set(courseLinkId, p);
        return 'started';
      } catch (e) {
        log(`[roster] course_link=${courseLinkId} trigger failed ${(e as { code?: string })?.code ?? 'ERROR'}`);
        return 'not_linked';
      }
    },
    async idle() {
      while (running.size) await Promise.allSettled([...running.values()]);
    },
  };
}
