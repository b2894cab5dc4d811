import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { GENESIS_HASH } from './audit-log';

export type ChainBreak =
  | { kind: 'hash_mismatch'; seq: number; id: number }
  | { kind: 'prev_hash_mismatch'; seq: number; id: number }
  | { kind: 'sequence_gap'; expectedSeq: number; foundSeq: number; id: number }
  | { kind: 'head_mismatch'; headSeq: number; lastSeq: number };

export interface ChainReport {
  schoolId: number;
  records: number;
  ok: boolean;
  /** The first broken record: what an inspector looks at first. */
  firstBreak: ChainBreak | null;
}

/**
 * Verifies one school's chain inside PostgreSQL, set-wise: every record's hash is recomputed with
 * audit_hash() from its own fields and its stored prev_hash, and every prev_hash must equal the
 * previous record's hash with no gap in seq. Editing any field changes a hash; deleting a record
 * leaves a gap; deleting the last ones disagrees with the chain head.
 */
export async function verifyChain(db: Kysely<DB>, schoolId: number): Promise<ChainReport> {
  const first = await sql<{ id: number; seq: number; prev_seq: number | null; bad_hash: boolean; bad_link: boolean }>`
    WITH c AS (
      SELECT id, seq, hash, prev_hash,
             lag(hash) OVER w AS prev_row_hash, lag(seq) OVER w AS prev_seq,
             audit_hash(prev_hash, school_id, seq, at, actor_person_id, actor_lms_user_id, actor_role, action, entity,
                        entity_id, old_value, new_value, source, request_id) AS recomputed
      FROM audit_log WHERE school_id = ${schoolId}
      WINDOW w AS (ORDER BY seq)
    )
    SELECT id, seq, prev_seq, recomputed <> hash AS bad_hash,
           prev_hash <> coalesce(prev_row_hash, ${GENESIS_HASH}) AS bad_link
    FROM c
    WHERE seq <> coalesce(prev_seq, 0) + 1 OR recomputed <> hash OR prev_hash <> coalesce(prev_row_hash, ${GENESIS_HASH})
    ORDER BY seq LIMIT 1`.execute(db);
  const stats = await sql<{ n: number; last_seq: number | null; last_hash: string | null }>`
    SELECT count(*)::int AS n, max(seq)::int AS last_seq,
           (SELECT hash FROM audit_log WHERE school_id = ${schoolId} ORDER BY seq DESC LIMIT 1) AS last_hash
    FROM audit_log WHERE school_id = ${schoolId}`.execute(db);
  const records = stats.rows[0]?.n ?? 0;
  const f = first.rows[0];
  if (f) {
    const seq = Number(f.seq);
    const expected = f.prev_seq === null ? 1 : Number(f.prev_seq) + 1;
    if (seq !== expected) return report(schoolId, records, { kind: 'sequence_gap', expectedSeq: expected, foundSeq: seq, id: Number(f.id) });
    if (f.bad_hash) return report(schoolId, records, { kind: 'hash_mismatch', seq, id: Number(f.id) });
    return report(schoolId, records, { kind: 'prev_hash_mismatch', seq, id: Number(f.id) });
  }
  const head = await db.selectFrom('audit_chain_head').select(['last_seq', 'last_hash']).where('school_id', '=', schoolId).executeTakeFirst();
  const headSeq = head ? Number(head.last_seq) : 0;
  const lastSeq = stats.rows[0]?.last_seq ?? 0;
  if (headSeq !== lastSeq || (head && head.last_hash !== stats.rows[0]?.last_hash)) {
    return report(schoolId, records, { kind: 'head_mismatch', headSeq, lastSeq });
  }
  return report(schoolId, records, null);
}

function report(schoolId: number, records: number, firstBreak: ChainBreak | null): ChainReport {
  return { schoolId, records, ok: firstBreak === null, firstBreak };
}

export async function verifyAllChains(db: Kysely<DB>): Promise<ChainReport[]> {
  const schools = await db.selectFrom('school').select('id').orderBy('id').execute();
  const out: ChainReport[] = [];
  for (const s of schools) out.push(await verifyChain(db, Number(s.id)));
  return out;
}

export function describeBreakVi(b: ChainBreak): string {
  switch (b.kind) {
    case 'hash_mismatch':
      return `Bản ghi số ${b.seq} (id ${b.id}) đã bị sửa sau khi ghi: mã băm không khớp.`;
    case 'prev_hash_mismatch':
      return `Bản ghi số ${b.seq} (id ${b.id}) không nối tiếp bản ghi trước: chuỗi bị cắt hoặc chèn.`;
    case 'sequence_gap':
      return `Thiếu bản ghi số ${b.expectedSeq} (gặp số ${b.foundSeq}, id ${b.id}): có bản ghi đã bị xoá.`;
    case 'head_mismatch':
      return `Bản ghi cuối là số ${b.lastSeq} nhưng chuỗi ghi nhận đến số ${b.headSeq}: các bản ghi cuối đã bị xoá hoặc thêm ngoài hệ thống.`;
  }
}
