import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedSmallSchool, type SmallSchool } from '../export/small-school';
import { propose, approve } from '../../src/results/year-end-service';
import { backupSchool, restoreSchool } from '../../src/backup/school-backup';
import { verifyChain } from '../../src/audit/verify';
import { appendAudit } from '../../src/audit/audit-log';

/**
 * Per-school backup (issue 9.4): two schools in one database; school A's backup restored into a fresh
 * migrated database holds every score, audit record (chain verifying) and print archive entry of A and
 * nothing of B; a second restore of A is refused; a tampered file is refused; nothing half-written.
 */
let src: TestDatabase;
const targets: TestDatabase[] = [];
let a: SmallSchool;
let b: SmallSchool;
let dir: string;

async function q<T extends Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}
/** md5 of a query's rows in order, with the count: equal digests = equal contents. */
async function digest(url: string, text: string, params: unknown[] = []): Promise<string> {
  const r = await q<{ d: string; n: string }>(url, `SELECT md5(coalesce(string_agg(t::text, '|'), '')) AS d, count(*)::text AS n FROM (${text}) t`, params);
  return `${r[0]!.n}:${r[0]!.d}`;
}
const SCORES = `SELECT s.id, s.column_id, s.enrolment_id, s.tenths, s.rating, s.version, s.updated_by, s.source FROM score s
  JOIN enrolment e ON e.id = s.enrolment_id JOIN class c ON c.id = e.class_id WHERE c.school_id = $1 ORDER BY s.id`;
const AUDIT = 'SELECT school_id, seq, action, entity, entity_id, old_value::text, new_value::text, prev_hash, hash FROM audit_log WHERE school_id = $1 ORDER BY seq';
const ARCHIVE = 'SELECT id, kind, period, version, sha256, md5(pdf) FROM print_archive WHERE school_id = $1 ORDER BY id';

async function archivePrint(s: SmallSchool, text: string) {
  const pdf = Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
  await src.db
    .insertInto('print_archive')
    .values({ school_id: s.schoolId, kind: 'class_book', class_id: s.classId, class_subject_id: null, period: 'HK1', version: 1, sha256: createHash('sha256').update(pdf).digest('hex'), data_hash: 'a'.repeat(64), page_count: 1, byte_size: pdf.length, pdf, printed_by: s.principal.personId })
    .execute();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sodiem-school-backup-'));
  src = await createTestDatabase();
  a = await seedSmallSchool(src.db, 'THCS-A');
  b = await seedSmallSchool(src.db, 'THCS-B');
  for (const s of [a, b]) {
    // Two audited writes per school (propose, approve) through the real service.
    const row = await propose(src.db, s.teacher, s.classId, 'main');
    await approve(src.db, s.principal, s.classId, 'main', row.version);
    await archivePrint(s, `Sổ điểm lớp 6A ${s.schoolId}`);
    // An LMS line item and the last AGS timestamp sent for it (keyed by URL, no foreign key).
    const cs = await src.db.selectFrom('class_subject').select('id').where('class_id', '=', s.classId).orderBy('id').limit(1).executeTakeFirstOrThrow();
    const url = `https://lms.example/${s.schoolId}/lineitems/1`;
    await q(src.url, "INSERT INTO lms_line_item (class_subject_id, lineitem_url, label) VALUES ($1, $2, 'Toán — điểm trung bình')", [cs.id, url]);
    await q(src.url, "INSERT INTO ags_last_timestamp (lineitem_url, lms_user_id, last_ts) VALUES ($1, 's-HS01', now())", [url]);
  }
  // ltijs' registration of each school's LMS (matched by issuer + client id, no foreign key).
  for (const code of ['THCS-A', 'THCS-B']) {
    await q(src.url, 'INSERT INTO lti.platform (kid, platform_url, client_id) VALUES ($1, $2, $3)', [`kid-${code}`, `https://lms.${code.toLowerCase()}.example`, 'c1']);
  }
});
afterAll(async () => {
  for (const t of targets) await t.close();
  await src?.close();
  await rm(dir, { recursive: true, force: true });
});

async function freshTarget(): Promise<TestDatabase> {
  const t = await createTestDatabase();
  targets.push(t);
  return t;
}

describe('per-school backup and restore', () => {
  let file: string;

  it('backs up one school by code in one snapshot: manifest with migrations, counts and SHA-256', async () => {
    file = path.join(dir, 'thcs-a.jsonl.gz');
    const m = await backupSchool(src.url, 'THCS-A', file);
    expect(m.school).toEqual({ id: a.schoolId, code: 'THCS-A', name: 'Trường THCS THCS-A' });
    const applied = (await q<{ name: string }>(src.url, 'SELECT name FROM schema_migration ORDER BY name')).map((r) => r.name);
    expect(m.migrations).toEqual(applied);
    // 3 students × 6 subjects × 2 terms × 4 columns = 144 scores; 2 audit records; 1 archived print.
    expect(m.counts).toMatchObject({ school: 1, score: 144, audit_log: 2, print_archive: 1, person: 5, enrolment: 3, 'lti.platform': 1, lms_line_item: 1, ags_last_timestamp: 1 });
    expect(m.counts.app_session).toBeUndefined();
    expect(m.excluded.map((x) => x.table)).toEqual(expect.arrayContaining(['app_session', 'oidc_login']));
    // Guard for later migrations: a new table of a school's data must reach \`school\` through foreign keys
    // (or be added to the exclusions on purpose); only logins, caches and global bookkeeping stay out.
    expect(m.excluded.map((x) => x.table).sort()).toEqual(
      ['ags_access_token', 'app_session', 'lti.access_token', 'lti.context_token', 'lti.id_token', 'lti.nonce', 'lti.state', 'oidc_login', 'schema_migration', 'schema_migration_lock'],
    );
    expect(m.sha256).toBe(createHash('sha256').update(await readFile(file)).digest('hex'));
    expect(JSON.parse(await readFile(`${file}.json`, 'utf8')).sha256).toBe(m.sha256);
    // Parents before children.
    const order = m.tables.map((t) => t.table);
    for (const [parent, child] of [['school', 'person'], ['class', 'enrolment'], ['assessment_column', 'score'], ['print_archive', 'print_signoff']]) {
      if (order.includes(child!)) expect(order.indexOf(parent!)).toBeLessThan(order.indexOf(child!));
    }
  });

  it('restores into a fresh migrated database: every score, audit record and print of the school, none of another', async () => {
    const t = await freshTarget();
    const r = await restoreSchool(t.url, file);
    expect(r.counts.score).toBe(144);
    for (const sql of [SCORES, AUDIT, ARCHIVE]) expect(await digest(t.url, sql, [a.schoolId])).toBe(await digest(src.url, sql, [a.schoolId]));
    expect(await q(t.url, 'SELECT code FROM school')).toEqual([{ code: 'THCS-A' }]);
    expect((await q<{ n: string }>(t.url, 'SELECT count(*)::text AS n FROM score'))[0]!.n).toBe('144');
    expect((await q<{ n: string }>(t.url, 'SELECT count(*)::text AS n FROM audit_log WHERE school_id <> $1', [a.schoolId]))[0]!.n).toBe('0');
    expect((await q<{ n: string }>(t.url, 'SELECT count(*)::text AS n FROM print_archive'))[0]!.n).toBe('1');
    expect(await q(t.url, 'SELECT kid FROM lti.platform')).toEqual([{ kid: 'kid-THCS-A' }]);
    expect(await q(t.url, 'SELECT lineitem_url FROM ags_last_timestamp')).toEqual([{ lineitem_url: `https://lms.example/${a.schoolId}/lineitems/1` }]);
    expect((await q<{ n: string }>(t.url, 'SELECT count(*)::text AS n FROM app_session'))[0]!.n).toBe('0');
    // The audit verifier passes on the restored school (hashes recomputed in SQL).
    const report = await verifyChain(t.db, a.schoolId);
    expect(report.ok).toBe(true);

    // The other school restores beside it (ids do not clash: they came from the same database).
    const fileB = path.join(dir, 'thcs-b.jsonl.gz');
    await backupSchool(src.url, String(b.schoolId), fileB);
    await restoreSchool(t.url, fileB);
    expect(await digest(t.url, SCORES, [b.schoolId])).toBe(await digest(src.url, SCORES, [b.schoolId]));
    expect((await verifyChain(t.db, b.schoolId)).ok).toBe(true);
    // Sequences were moved past the restored ids: new rows get fresh ids.
    const s = await t.db.insertInto('school').values({ code: 'NEW', name: 'Mới', level: 'THCS' }).returning('id').executeTakeFirstOrThrow();
    expect(Number(s.id)).toBeGreaterThan(Math.max(a.schoolId, b.schoolId));
    const maxScore = (await q<{ m: string }>(t.url, 'SELECT max(id)::text AS m FROM score'))[0]!.m;
    const next = (await q<{ v: string }>(t.url, "SELECT nextval(pg_get_serial_sequence('score', 'id'))::text AS v"))[0]!.v;
    expect(BigInt(next)).toBeGreaterThan(BigInt(maxScore));
  });

  it('refuses, clearly and without writing, a school that already exists and a tampered file', async () => {
    const t = await freshTarget();
    await restoreSchool(t.url, file);
    const before = await digest(t.url, 'SELECT id FROM score ORDER BY id');
    await expect(restoreSchool(t.url, file)).rejects.toMatchObject({ code: 'BACKUP_SCHOOL_EXISTS', vi: expect.stringContaining('THCS-A') });
    expect(await digest(t.url, 'SELECT id FROM score ORDER BY id')).toBe(before);

    const bad = path.join(dir, 'bad.jsonl.gz');
    const bytes = await readFile(file);
    bytes[bytes.length - 12] = bytes[bytes.length - 12]! ^ 0xff;
    await writeFile(bad, bytes);
    await writeFile(`${bad}.json`, await readFile(`${file}.json`));
    const empty = await freshTarget();
    await expect(restoreSchool(empty.url, bad)).rejects.toMatchObject({ code: 'BACKUP_CHECKSUM' });
    expect(await q(empty.url, 'SELECT id FROM school')).toEqual([]);
    await expect(restoreSchool(empty.url, path.join(dir, 'none.gz'))).rejects.toMatchObject({ code: 'BACKUP_FILE_MISSING' });
    await expect(backupSchool(src.url, 'KHONG-CO', path.join(dir, 'x.gz'))).rejects.toMatchObject({ code: 'BACKUP_SCHOOL_NOT_FOUND' });
  });

  it('a backup taken while the school keeps writing is one snapshot: the chain head matches the log it dumped', async () => {
    let stop = false;
    let writes = 0;
    const score = await src.db.selectFrom('score').innerJoin('enrolment', 'enrolment.id', 'score.enrolment_id').innerJoin('class', 'class.id', 'enrolment.class_id').select(['score.id', 'score.tenths']).where('class.school_id', '=', a.schoolId).orderBy('score.id').limit(1).executeTakeFirstOrThrow();
    const writer = (async () => {
      while (!stop) {
        await src.db.transaction().execute(async (trx) => {
          await trx.updateTable('score').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', score.id).execute();
          await appendAudit(trx, { schoolId: a.schoolId, actor: { personId: a.teacher.personId, role: 'subject_teacher' }, action: 'score.update', entity: 'score', entityId: Number(score.id), newValue: { tenths: score.tenths }, source: 'grid' });
        });
        writes++;
      }
    })();
    while (writes < 3) await new Promise((r) => setTimeout(r, 5));
    const f = path.join(dir, 'live.jsonl.gz');
    const before = writes;
    const m = await backupSchool(src.url, 'THCS-A', f);
    stop = true;
    await writer;
    expect(writes).toBeGreaterThan(before);
    const t = await freshTarget();
    await restoreSchool(t.url, f);
    const head = (await q<{ last_seq: string }>(t.url, 'SELECT last_seq::text FROM audit_chain_head WHERE school_id = $1', [a.schoolId]))[0]!;
    const log = (await q<{ n: string; max: string }>(t.url, 'SELECT count(*)::text AS n, max(seq)::text AS max FROM audit_log WHERE school_id = $1', [a.schoolId]))[0]!;
    expect(log.max).toBe(head.last_seq);
    expect(log.n).toBe(String(m.counts.audit_log));
    expect((await verifyChain(t.db, a.schoolId)).ok).toBe(true);
    // The restored chain continues: the next audited write appends after the restored head.
    await t.db.transaction().execute((trx) => appendAudit(trx, { schoolId: a.schoolId, action: 'restore.check', entity: 'school', entityId: a.schoolId, source: 'admin' }));
    expect((await verifyChain(t.db, a.schoolId)).ok).toBe(true);
  });

  it('the operator commands: npm run backup -- --school <code> and npm run restore -- --school <file>', async () => {
    const run = promisify(execFile);
    const env = (url: string) => ({ ...process.env, DATABASE_URL: url, DATA_DIR: dir, NODE_ENV: 'development', SODIEM_DEMO: 'false' });
    const script = (name: string) => ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '../../scripts', name)];
    const cliFile = path.join(dir, 'cli.jsonl.gz');
    const b1 = await run(process.execPath, [...script('backup.ts'), '--school', 'THCS-B', cliFile], { env: env(src.url), cwd: path.join(__dirname, '../..') });
    expect(b1.stdout).toContain('THCS-B');
    const t = await freshTarget();
    const r1 = await run(process.execPath, [...script('restore.ts'), '--school', cliFile], { env: env(t.url), cwd: path.join(__dirname, '../..') });
    expect(r1.stdout).toContain('audit chain intact: 2');
    expect(await digest(t.url, SCORES, [b.schoolId])).toBe(await digest(src.url, SCORES, [b.schoolId]));
    // A second restore is refused with the coded message (vi / en) and exit code 2.
    const again = await run(process.execPath, [...script('restore.ts'), '--school', cliFile], { env: env(t.url), cwd: path.join(__dirname, '../..') }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(again?.code).toBe(2);
    expect(again?.stderr).toContain('BACKUP_SCHOOL_EXISTS');
  }, 120_000);
});
