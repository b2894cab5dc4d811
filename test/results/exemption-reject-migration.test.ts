import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import * as m0018 from '../../src/db/migrations/0018_exemption_reject';

/**
 * Migration 0018: the one-record-per-student(-subject-scope) rule holds among records that are not rejected
 * (partial unique indexes), and the migration goes down and up again cleanly.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.close();
});

const indexes = async () =>
  (await sql<{ indexname: string; indexdef: string }>`SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('exemption', 'disability_override') ORDER BY indexname`.execute(t.db)).rows;
const columns = async () =>
  (await sql<{ c: string }>`SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_name IN ('exemption', 'disability_override') AND column_name LIKE 'reject%' ORDER BY 1`.execute(t.db)).rows.map((r) => r.c);

it('adds who/when/why of a rejection and makes uniqueness partial; down restores the old constraints; up again works', async () => {
  const cols = ['disability_override.reject_comment', 'disability_override.rejected_at', 'disability_override.rejected_by', 'exemption.reject_comment', 'exemption.rejected_at', 'exemption.rejected_by'];
  expect(await columns()).toEqual(cols);
  const after = await indexes();
  expect(after.find((i) => i.indexname === 'exemption_active_key')?.indexdef).toMatch(/UNIQUE.*\(enrolment_id, subject_id, scope\) WHERE \(rejected_at IS NULL\)/);
  expect(after.find((i) => i.indexname === 'disability_override_active_key')?.indexdef).toMatch(/UNIQUE.*\(enrolment_id\) WHERE \(rejected_at IS NULL\)/);
  await m0018.down(t.db);
  expect(await columns()).toEqual([]);
  const down = (await indexes()).map((i) => i.indexname);
  expect(down).toEqual(expect.arrayContaining(['exemption_enrolment_id_subject_id_scope_key', 'disability_override_enrolment_id_key']));
  expect(down).not.toContain('exemption_active_key');
  await m0018.up(t.db);
  expect(await columns()).toEqual(cols);
  expect((await indexes()).map((i) => i.indexname)).not.toContain('exemption_enrolment_id_subject_id_scope_key');
});
