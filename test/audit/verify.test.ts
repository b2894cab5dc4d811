import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { appendAudit } from '../../src/audit/audit-log';
import { verifyChain } from '../../src/audit/verify';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.close();
});

async function school(code: string): Promise<number> {
  const r = await tdb.db.insertInto('school').values({ code, name: code, level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

async function fill(schoolId: number, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    await tdb.db.transaction().execute((trx) =>
      appendAudit(trx, {
        schoolId,
        actor: { personId: null, lmsUserId: String(i), role: 'subject_teacher' },
        action: 'score.set',
        entity: 'score',
        entityId: i,
        oldValue: i % 3 === 0 ? null : { tenths: i, note: 'Điểm kiểm tra 15 phút — Nguyễn Thị Ngọc Ánh' },
        newValue: { tenths: (i * 7) % 101, nested: { b: [1, 2.5, 'x'], a: true } },
        source: 'grid',
        requestId: i % 2 ? null : `req-${i}`,
      }),
    );
  }
}

/** Tampering needs the append-only trigger off: what a DBA with superuser rights could do. */
async function tamper(statement: string): Promise<void> {
  await sql.raw(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`).execute(tdb.db);
  try {
    await sql.raw(statement).execute(tdb.db);
  } finally {
    await sql.raw(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`).execute(tdb.db);
  }
}

it('an intact chain verifies, with Vietnamese text, nested values and nulls', async () => {
  const s = await school('A');
  await fill(s, 30);
  expect(await verifyChain(tdb.db, s)).toEqual({ schoolId: s, records: 30, ok: true, firstBreak: null });
});

it('the database refuses UPDATE and DELETE of audit rows', async () => {
  const s = await school('B');
  await fill(s, 2);
  await expect(tdb.db.updateTable('audit_log').set({ action: 'x' }).where('school_id', '=', s).execute()).rejects.toThrow(/append-only/);
  await expect(tdb.db.deleteFrom('audit_log').where('school_id', '=', s).execute()).rejects.toThrow(/append-only/);
});

it('a direct UPDATE of a record is detected and the first broken record named', async () => {
  const s = await school('C');
  await fill(s, 25);
  await tamper(`UPDATE audit_log SET new_value = '{"tenths": 100}' WHERE school_id = ${s} AND seq = 17`);
  const r = await verifyChain(tdb.db, s);
  expect(r.ok).toBe(false);
  expect(r.firstBreak).toMatchObject({ kind: 'hash_mismatch', seq: 17 });
});

it('a forged hash is detected at that very record', async () => {
  const s = await school('D');
  await fill(s, 10);
  await tamper(`UPDATE audit_log SET hash = repeat('a', 64) WHERE school_id = ${s} AND seq = 4`);
  const r = await verifyChain(tdb.db, s);
  expect(r.firstBreak).toMatchObject({ kind: 'hash_mismatch', seq: 4 });
});

it('a deleted record leaves a gap; deleted last records disagree with the chain head', async () => {
  const s = await school('E');
  await fill(s, 12);
  await tamper(`DELETE FROM audit_log WHERE school_id = ${s} AND seq = 5`);
  expect((await verifyChain(tdb.db, s)).firstBreak).toMatchObject({ kind: 'sequence_gap', expectedSeq: 5, foundSeq: 6 });
  const t = await school('F');
  await fill(t, 12);
  await tamper(`DELETE FROM audit_log WHERE school_id = ${t} AND seq >= 11`);
  expect((await verifyChain(tdb.db, t)).firstBreak).toEqual({ kind: 'head_mismatch', headSeq: 12, lastSeq: 10 });
});

it('concurrent writers of one school each get their own place in the chain', async () => {
  const s = await school('G');
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      tdb.db.transaction().execute((trx) => appendAudit(trx, { schoolId: s, action: 'x', entity: 'e', entityId: i, source: 'system' })),
    ),
  );
  const r = await verifyChain(tdb.db, s);
  expect(r).toMatchObject({ ok: true, records: 20 });
});

it('a rolled-back write leaves no audit record', async () => {
  const s = await school('H');
  await fill(s, 3);
  await expect(
    tdb.db.transaction().execute(async (trx) => {
      await appendAudit(trx, { schoolId: s, action: 'x', entity: 'e', source: 'system' });
      throw new Error('the change failed');
    }),
  ).rejects.toThrow('the change failed');
  expect(await verifyChain(tdb.db, s)).toMatchObject({ ok: true, records: 3 });
});
