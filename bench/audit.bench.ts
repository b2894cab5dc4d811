import { sql } from 'kysely';
import { appendAudit, GENESIS_HASH } from '../src/audit/audit-log';
import { verifyChain } from '../src/audit/verify';
import { benchDatabase, percentile, type BenchResult } from './support';

/**
 * (1) Verifying a chain of 1,000,000 audit records (target < 10 s).
 * (2) What the audit record adds to a write: the same UPDATE in a transaction with and without
 *     appendAudit (target < 2 ms added).
 */
export async function benchAudit(records = 1_000_000): Promise<BenchResult> {
  const bdb = await benchDatabase();
  const db = bdb.database.db;
  const school = await db.insertInto('school').values({ code: 'BENCH', name: 'Bench', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
  const schoolId = Number(school.id);

  // Build the chain inside PostgreSQL with the same audit_hash() the writer uses (a plpgsql loop).
  const t0 = process.hrtime.bigint();
  await db.transaction().execute(async (trx) => {
  await sql`SET LOCAL statement_timeout = 0`.execute(trx);
  await sql.raw(`
    DO $$
    DECLARE prev text := '${GENESIS_HASH}'; h text; t timestamptz := '2025-01-01T00:00:00Z';
    BEGIN
      FOR i IN 1..${records} LOOP
        h := audit_hash(prev, ${schoolId}, i, t, NULL, '3', 'subject_teacher', 'score.set', 'score', i::text,
                        jsonb_build_object('tenths', i % 101), jsonb_build_object('tenths', (i * 7) % 101), 'grid', NULL);
        INSERT INTO audit_log (school_id, seq, at, actor_person_id, actor_lms_user_id, actor_role, action, entity, entity_id,
                               old_value, new_value, source, request_id, prev_hash, hash)
        VALUES (${schoolId}, i, t, NULL, '3', 'subject_teacher', 'score.set', 'score', i::text,
                jsonb_build_object('tenths', i % 101), jsonb_build_object('tenths', (i * 7) % 101), 'grid', NULL, prev, h);
        prev := h;
      END LOOP;
      INSERT INTO audit_chain_head (school_id, last_seq, last_hash) VALUES (${schoolId}, ${records}, prev);
    END $$;`).execute(trx);
  });
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;

  const v0 = process.hrtime.bigint();
  const report = await verifyChain(db, schoolId);
  const verifyS = Number(process.hrtime.bigint() - v0) / 1e9;
  if (!report.ok || report.records !== records) throw new Error(`chain did not verify: ${JSON.stringify(report)}`);

  // (2) cost of the audit record on a write
  await sql`CREATE TABLE bench_cell (id int PRIMARY KEY, tenths smallint, version int)`.execute(db);
  await sql`INSERT INTO bench_cell SELECT g, 50, 1 FROM generate_series(1, 100) g`.execute(db);
  const time = async (withAudit: boolean, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = process.hrtime.bigint();
      await db.transaction().execute(async (trx) => {
        await sql`UPDATE bench_cell SET tenths = ${i % 101}, version = version + 1 WHERE id = ${(i % 100) + 1}`.execute(trx);
        if (withAudit) await appendAudit(trx, { schoolId, action: 'score.set', entity: 'score', entityId: (i % 100) + 1, oldValue: { tenths: 50 }, newValue: { tenths: i % 101 }, source: 'grid' });
      });
      out.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    return out.sort((a, b) => a - b);
  };
  await time(true, 100);
  const plain = await time(false, 1000);
  const audited = await time(true, 1000);
  await bdb.close();
  return {
    name: 'audit trail',
    lines: [
      `verify a chain of ${records.toLocaleString('en')} records: ${verifyS.toFixed(2)} s (${((verifyS * 1e6) / records).toFixed(1)} µs/record; target < 10 s) — loading them took ${loadS.toFixed(1)} s`,
      `a write without / with its audit record: median ${percentile(plain, 50).toFixed(2)} / ${percentile(audited, 50).toFixed(2)} ms, p95 ${percentile(plain, 95).toFixed(2)} / ${percentile(audited, 95).toFixed(2)} ms → the audit record adds ${(percentile(audited, 50) - percentile(plain, 50)).toFixed(2)} ms at the median (target < 2 ms)`,
    ],
  };
}
