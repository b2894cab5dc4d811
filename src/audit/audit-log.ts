import { createHash } from 'node:crypto';
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

/** Canonical JSON (sorted keys) so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface HashedFields {
  schoolId: number;
  seq: number;
  at: string;
  actorPersonId: number | null;
  actorLmsUserId: string | null;
  actorRole: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  oldValue: unknown;
  newValue: unknown;
  source: string;
  requestId: string | null;
}

export function auditHash(prevHash: string, f: HashedFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(f)).digest('hex');
}

/**
 * Appends one record to the school's hash chain. Must run inside the transaction that makes the
 * change, so the change and its record commit together. The chain head row is locked, which
 * serialises writers of one school only for the instant of the append.
 */
export async function appendAudit(trx: Transaction<DB> | Kysely<DB>, e: AuditEntry): Promise<number> {
  await sql`INSERT INTO audit_chain_head (school_id, last_seq, last_hash) VALUES (${e.schoolId}, 0, ${GENESIS_HASH})
            ON CONFLICT (school_id) DO NOTHING`.execute(trx);
  const head = await trx
    .selectFrom('audit_chain_head')
    .select(['last_seq', 'last_hash'])
    .where('school_id', '=', e.schoolId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  // Timestamps are truncated to milliseconds so the value read back hashes identically.
  const at = new Date();
  const fields: HashedFields = {
    schoolId: e.schoolId,
    seq: Number(head.last_seq) + 1,
    at: at.toISOString(),
    actorPersonId: e.actor?.personId ?? null,
    actorLmsUserId: e.actor?.lmsUserId ?? null,
    actorRole: e.actor?.role ?? null,
    action: e.action,
    entity: e.entity,
    entityId: e.entityId === undefined || e.entityId === null ? null : String(e.entityId),
    oldValue: e.oldValue ?? null,
    newValue: e.newValue ?? null,
    source: e.source,
    requestId: e.requestId ?? null,
  };
  const hash = auditHash(head.last_hash, fields);
  const row = await trx
    .insertInto('audit_log')
    .values({
      school_id: fields.schoolId,
      seq: fields.seq,
      at,
      actor_person_id: fields.actorPersonId,
      actor_lms_user_id: fields.actorLmsUserId,
      actor_role: fields.actorRole,
      action: fields.action,
      entity: fields.entity,
      entity_id: fields.entityId,
      old_value: JSON.stringify(fields.oldValue),
      new_value: JSON.stringify(fields.newValue),
      source: fields.source,
      request_id: fields.requestId,
      prev_hash: head.last_hash,
      hash,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.updateTable('audit_chain_head').set({ last_seq: fields.seq, last_hash: hash }).where('school_id', '=', e.schoolId).execute();
  return row.id;
}
