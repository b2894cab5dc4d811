import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, STUDENTS, type GradebookFixture, type Client as AppClient } from '../support/gradebook-factory';
import { withDatabase } from '../support/test-db';
import { backupDatabase, restoreDatabase } from '../../src/backup/backup';
import { verifyAllChains } from '../../src/audit/verify';
import { openDatabase } from '../../src/db/database';

/**
 * A backup of a live school restored into an empty database holds every score, every audit record
 * (hash chain intact) and every print archive entry (PDF bytes identical). Real pg_dump/pg_restore.
 */
let h: Harness;
let f: GradebookFixture;
let hoa: AppClient;
let dir: string;
const created: string[] = [];

const admin = async <T>(fn: (c: Client) => Promise<T>) => {
  const c = new Client({ connectionString: process.env.SODIEM_TEST_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};
async function emptyDb(): Promise<string> {
  const name = `r_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  created.push(name);
  return withDatabase(process.env.SODIEM_TEST_ADMIN_URL!, name);
}
/** md5 of a table's rows in key order: equal digests = equal contents. */
async function digest(url: string, sql: string): Promise<string> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ d: string; n: string }>(`SELECT md5(coalesce(string_agg(t::text, '|'), '')) AS d, count(*)::text AS n FROM (${sql}) t`);
    return `${r.rows[0]!.n}:${r.rows[0]!.d}`;
  } finally {
    await c.end();
  }
}
const SCORES = 'SELECT id, column_id, enrolment_id, tenths, rating, version, updated_by, source FROM score ORDER BY id';
const AUDIT = 'SELECT school_id, seq, action, entity, entity_id, old_value::text, new_value::text, prev_hash, hash FROM audit_log ORDER BY school_id, seq';
const ARCHIVE = 'SELECT id, kind, period, version, sha256, md5(pdf) FROM print_archive ORDER BY id';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sodiem-backup-'));
  h = await startHarness();
  f = await seedGradebook(h);
  hoa = await launchAs(h, T_HOA.id);
  // Six HK1 marks for Trần Văn An through the grid (→ 6 scores, 6 audit records besides column creation).
  const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as any;
  const e = f.enrolment.get(STUDENTS[0]!.id)!;
  const vals = ['8', '7', '9', '6', '7,5', '8'];
  expect((await hoa.post(`/grid/${f.math6A}/scores`, { changes: v.columns.map((c: any, i: number) => ({ columnId: c.id, enrolmentId: e, value: vals[i], version: 0 })) })).status).toBe(200);
  // One archived print (a small stand-in PDF: the archive stores bytes, whatever they are).
  const pdf = Buffer.from('%PDF-1.7\n% Sổ điểm lớp 6A\n%%EOF\n');
  await h.db.db
    .insertInto('print_archive')
    .values({ school_id: h.schoolId, kind: 'class_book', class_id: f.class6A, class_subject_id: null, period: 'HK1', version: 1, sha256: createHash('sha256').update(pdf).digest('hex'), data_hash: 'a'.repeat(64), page_count: 1, byte_size: pdf.length, pdf, printed_by: f.person.get(T_HOA.id)! })
    .execute();
});
afterAll(async () => {
  await h?.close();
  for (const n of created) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`));
  await rm(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  let file: string;

  it('backs up while the app runs: a dump and a manifest with SHA-256 and counts', async () => {
    file = path.join(dir, 'sodiem.dump');
    const m = await backupDatabase(h.db.url, file);
    expect(m.counts.score).toBe(6);
    expect(m.counts.print_archive).toBe(1);
    expect(m.counts.audit_log).toBeGreaterThanOrEqual(7);
    expect(m.sha256).toBe(createHash('sha256').update(await readFile(file)).digest('hex'));
    expect(JSON.parse(await readFile(`${file}.json`, 'utf8')).sha256).toBe(m.sha256);
  });

  it('restores into an empty database: every score, audit record and print archive entry', async () => {
    const target = await emptyDb();
    const r = await restoreDatabase(target, file);
    expect(r.counts.score).toBe(6);
    for (const q of [SCORES, AUDIT, ARCHIVE]) expect(await digest(target, q)).toBe(await digest(h.db.url, q));
    // The restored audit chain still verifies (same hashes, recomputed in SQL by the verifier).
    const d = openDatabase(target, { max: 2 });
    try {
      const reports = await verifyAllChains(d.db);
      expect(reports.every((x) => x.ok)).toBe(true);
    } finally {
      await d.close();
    }
  });

  it('refuses a non-empty target and a tampered dump, changing nothing', async () => {
    await expect(restoreDatabase(h.db.url, file)).rejects.toMatchObject({ code: 'BACKUP_TARGET_NOT_EMPTY' });
    const bad = path.join(dir, 'bad.dump');
    const bytes = await readFile(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await writeFile(bad, bytes);
    await writeFile(`${bad}.json`, await readFile(`${file}.json`));
    const target = await emptyDb();
    await expect(restoreDatabase(target, bad)).rejects.toMatchObject({ code: 'BACKUP_CHECKSUM' });
    expect(await digest(target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).toMatch(/^0:/);
  });

  it('a missing file is a clear error', async () => {
    await expect(restoreDatabase(await emptyDb(), path.join(dir, 'none.dump'))).rejects.toMatchObject({ code: 'BACKUP_FILE_MISSING' });
  });
});
