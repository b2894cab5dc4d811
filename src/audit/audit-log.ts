import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';

export type AuditSource = 'grid' | 'import' | 'lms' | 'correction' | 'launch' | 'admin' | 'system' | 'roster';

export interface AuditEntry {
  schoolId: number;
  actor?: { personId?: number | null; lmsUserId?: string | null; role?: string | null };
  action: string;
  entity: string;
  entityId?: string | number | null;
  oldValue?: unknown;
  newValue?: unknown;
  source: AuditSource;
  requestId?: string | null;
}

export const GENESIS_HASH = '0'.repeat(64);

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends one record to the school's hash chain in one statement. Must run inside the transaction
 * that makes the change, so the change and its record commit together (or not at all). The chain
 * head row is locked, which serialises writers of one school only for the instant of the append.
 * The hash is computed by PostgreSQL's audit_hash() (migration 0008), the function the verifier uses.
 */
export async function appendAudit(trx: Transaction<DB> | Kysely<DB>, e: AuditEntry): Promise<number> {
  const entityId = e.entityId === undefined || e.entityId === null ? null : String(e.entityId);
  const append = () =>
    sql<{ id: number }>`
      WITH h AS (SELECT last_seq, last_hash FROM audit_chain_head WHERE school_id = ${e.schoolId} FOR UPDATE),
      v AS (
        SELECT ${e.schoolId}::bigint AS school_id, h.last_seq + 1 AS seq, now() AS at,
               ${e.actor?.personId ?? null}::bigint AS actor_person_id, ${e.actor?.lmsUserId ?? null}::text AS actor_lms_user_id,
               ${e.actor?.role ?? null}::text AS actor_role, ${e.action}::text AS action, ${e.entity}::text AS entity,
               ${entityId}::text AS entity_id, ${json(e.oldValue)}::jsonb AS old_value, ${json(e.newValue)}::jsonb AS new_value,
               ${e.source}::text AS source, ${e.requestId ?? null}::text AS request_id, h.last_hash AS prev_hash
        FROM h
      ),
      ins AS (
        INSERT INTO audit_log (school_id, seq, at, actor_person_id, actor_lms_user_id, actor_role, action, entity, entity_id,
                               old_value, new_value, source, request_id, prev_hash, hash)
        SELECT school_id, seq, at, actor_person_id, actor_lms_user_id, actor_role, action, entity, entity_id, old_value, new_value,
               source, request_id, prev_hash,
               audit_hash(prev_hash, school_id, seq, at, actor_person_id, actor_lms_user_id, actor_role, action, entity, entity_id,
                          old_value, new_value, source, request_id)
        FROM v
        RETURNING id, seq, hash
      )
      UPDATE audit_chain_head a SET last_seq = ins.seq, last_hash = ins.hash FROM ins WHERE a.school_id = ${e.schoolId}
      RETURNING ins.id`.execute(trx);
  let r = await append();
  if (r.rows.length === 0) {
    // The school's first record: create its chain head, then append.
    await sql`INSERT INTO audit_chain_head (school_id, last_seq, last_hash) VALUES (${e.schoolId}, 0, ${GENESIS_HASH})
              ON CONFLICT (school_id) DO NOTHING`.execute(trx);
    r = await append();
  }
  return Number(r.rows[0]!.id);
}
