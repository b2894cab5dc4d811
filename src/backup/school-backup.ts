/**
 * Backup and restore of ONE school (issue 9.4), beside the whole-database pg_dump in backup.ts.
 *
 * Backup: one REPEATABLE READ READ ONLY transaction (one snapshot: the app keeps writing meanwhile and
 * the dump is still consistent across tables). Which tables and rows belong to the school is read from
 * PostgreSQL's catalog at that moment, not from a hand-kept list, so tables added by later migrations
 * are carried without touching this file: a table is the school's if it has `school_id` referencing
 * `school`, or a foreign key (NOT NULL preferred) into a table that is the school's — e.g. score →
 * assessment_column → class_subject → class(school_id). Rows are read table by table in foreign-key
 * order through a server-side cursor (bounded memory) as JSON lines (`row_to_json`, so every type —
 * bytea, jsonb, arrays, timestamps — round-trips through PostgreSQL's own text forms) into a gzip file.
 * A manifest (`<file>.json`) records the schema version (applied migrations), every table's columns,
 * row count and SHA-256 of its lines, and the SHA-256 of the whole file.
 *
 * Restore: into a migrated database that has every migration of the backup, in ONE transaction: the
 * file's SHA-256 is checked first, the school must not exist there (same id or code → refused, nothing
 * written), rows are inserted in the same order with their original ids (json_populate_recordset, in
 * batches), each table's count and SHA-256 checked again while reading, then sequences are moved past
 * the restored ids. Any failure rolls everything back. The audit chain is verified afterwards.
 *
 * Not carried (not the school's records, or secrets that must not outlive their purpose): our login
 * sessions, OIDC login states, cached LMS access tokens and ltijs' transient tables (nonces, states,
 * id_tokens). ltijs' registration of the school's LMS (platform, keys — encrypted with LTI_KEK) is
 * carried: restore on a server with the same LTI_KEK and launches work again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';
import { AppError } from '../shared/errors';
import { sha256File } from './backup';

export const SCHOOL_BACKUP_FORMAT = 'sodiem-school-backup/1';

export const schoolBackupErrors = {
  schoolNotFound: (which: string) => new AppError('BACKUP_SCHOOL_NOT_FOUND', 'not_found', `Không tìm thấy trường "${which}" (theo mã số hoặc mã trường).`, `School not found: ${which}.`),
  schoolExists: (code: string) =>
    new AppError('BACKUP_SCHOOL_EXISTS', 'conflict', `Trường ${code} đã có trong cơ sở dữ liệu đích: không phục hồi đè lên dữ liệu đang có. Hãy phục hồi vào một cơ sở dữ liệu mới (đã chạy migration).`, `School ${code} already exists in the target database; nothing restored.`),
  manifestMissing: (file: string) => new AppError('BACKUP_MANIFEST_MISSING', 'bad_request', `Thiếu tệp kê khai ${file}.json đi kèm bản sao lưu: không kiểm được tính toàn vẹn nên không phục hồi.`, `Manifest ${file}.json is missing; nothing restored.`),
  format: (detail: string) => new AppError('BACKUP_FORMAT', 'bad_request', `Tệp không phải bản sao lưu một trường của Sổ Điểm (${detail}).`, `Not a Sổ Điểm school backup: ${detail}.`),
  notMigrated: () => new AppError('BACKUP_TARGET_NOT_MIGRATED', 'conflict', 'Cơ sở dữ liệu đích chưa được tạo cấu trúc (chưa chạy migration): chạy `npm run restore` (tự chạy migration) hoặc khởi động ứng dụng một lần rồi phục hồi.', 'The target database is not migrated.'),
  schemaNewer: (missing: string[]) =>
    new AppError('BACKUP_SCHEMA_NEWER', 'conflict', `Bản sao lưu được tạo bởi phiên bản Sổ Điểm mới hơn (thiếu migration ${missing.join(', ')} ở đích): hãy cập nhật ứng dụng rồi phục hồi.`, `The backup needs migrations the target lacks: ${missing.join(', ')}.`),
  tableChecksum: (table: string) => new AppError('BACKUP_CHECKSUM', 'bad_request', `Dữ liệu bảng ${table} trong tệp sao lưu không khớp tệp kê khai (số dòng hoặc SHA-256): tệp bị hỏng hoặc bị sửa. Không phục hồi gì.`, `Table ${table} does not match the manifest; nothing restored.`),
  conflict: (table: string, detail: string) =>
    new AppError('BACKUP_RESTORE_CONFLICT', 'conflict', `Không phục hồi được bảng ${table}: trùng hoặc thiếu dữ liệu liên quan ở cơ sở dữ liệu đích (hãy phục hồi vào cơ sở dữ liệu mới). Không có gì bị thay đổi.`, `Restoring ${table} failed: ${detail}; nothing restored.`),
  cycle: (tables: string[]) => new AppError('BACKUP_SCHEMA_CYCLE', 'unavailable', `Không xác định được thứ tự sao lưu các bảng ${tables.join(', ')} (khoá ngoại vòng tròn).`, `Foreign-key cycle between ${tables.join(', ')}.`),
};

export interface SchoolBackupTable {
  readonly table: string;
  readonly columns: string[];
  readonly rows: number;
  readonly sha256: string;
}

export interface SchoolBackupManifest {
  readonly format: typeof SCHOOL_BACKUP_FORMAT;
  readonly createdAt: string;
  readonly school: { id: number; code: string; name: string };
  readonly migrations: string[];
  readonly serverVersion: string;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly tables: SchoolBackupTable[];
  readonly counts: Record<string, number>;
  readonly excluded: Array<{ table: string; why: string }>;
}

/** Not backed up even when they carry the school's id: logins and caches, not records. */
const EXCLUDED: Record<string, string> = {
  app_session: 'phiên đăng nhập (hết hạn sau vài giờ; không phải hồ sơ)',
  oidc_login: 'trạng thái đăng nhập OIDC dùng một lần',
  ags_access_token: 'mã truy cập LMS tạm thời (lấy lại khi cần)',
};

/**
 * ltijs' own registration of the school's LMS (schema lti) has no foreign key to our tables; it is
 * matched by issuer and client id of the school's lti_platform rows. Its other tables are transient.
 */
const LTI_TABLES: Array<{ table: string; where: (schoolId: number) => string }> = [
  { table: 'lti.platform', where: (id) => `(platform_url, client_id) IN (SELECT issuer, client_id FROM public.lti_platform WHERE school_id = ${id})` },
  { table: 'lti.platform_status', where: (id) => `id IN (SELECT kid FROM lti.platform WHERE (platform_url, client_id) IN (SELECT issuer, client_id FROM public.lti_platform WHERE school_id = ${id}))` },
  { table: 'lti.public_key', where: (id) => `(platform_url, client_id) IN (SELECT issuer, client_id FROM public.lti_platform WHERE school_id = ${id})` },
  { table: 'lti.private_key', where: (id) => `(platform_url, client_id) IN (SELECT issuer, client_id FROM public.lti_platform WHERE school_id = ${id})` },
];

type Q = Pick<pg.Client, 'query'>;

interface TableInfo {
  readonly name: string; // "score" for public, "lti.platform" otherwise
  readonly columns: string[]; // stored (non-generated) columns, in order
  readonly identityAlways: boolean;
  readonly pk: string[];
  /** serial / identity columns and their sequences (moved past the restored ids). */
  readonly sequences: Array<{ column: string; seq: string }>;
  readonly fks: Array<{ cols: string[]; parent: string; parentCols: string[]; notNull: boolean }>;
}

const qi = (name: string) => `"${name.replace(/"/g, '""')}"`;
const qt = (name: string) => (name.includes('.') ? name.split('.').map(qi).join('.') : `public.${qi(name)}`);

async function catalog(c: Q): Promise<Map<string, TableInfo>> {
  const rel = (schema: string, table: string) => (schema === 'public' ? table : `${schema}.${table}`);
  const tables = await c.query<{ oid: number; schema: string; table: string }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'lti') AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 2, 3`,
  );
  const cols = await c.query<{ oid: number; name: string; generated: string; identity: string; notnull: boolean; num: number; seq: string | null }>(
    `SELECT a.attrelid::int AS oid, a.attname AS name, a.attgenerated AS generated, a.attidentity AS identity, a.attnotnull AS notnull, a.attnum AS num,
       CASE WHEN a.attidentity <> '' OR EXISTS (SELECT 1 FROM pg_attrdef d WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
         THEN pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) END AS seq
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'lti') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum`,
  );
  const cons = await c.query<{ oid: number; type: string; parent: number | null; keys: number[]; fkeys: number[] | null }>(
    `SELECT conrelid::int AS oid, contype AS type, confrelid::int AS parent, conkey AS keys, confkey AS fkeys FROM pg_constraint
     WHERE contype IN ('p', 'f') AND conrelid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'lti'))`,
  );
  const nameOf = new Map(tables.rows.map((t) => [t.oid, rel(t.schema, t.table)]));
  const colsOf = new Map<number, typeof cols.rows>();
  for (const x of cols.rows) colsOf.set(x.oid, [...(colsOf.get(x.oid) ?? []), x]);
  const colName = (oid: number, num: number) => colsOf.get(oid)?.find((x) => x.num === num)?.name ?? '?';
  const out = new Map<string, TableInfo>();
  for (const t of tables.rows) {
    const mine = colsOf.get(t.oid) ?? [];
    const fks = cons.rows
      .filter((k) => k.oid === t.oid && k.type === 'f' && k.parent !== null && nameOf.has(k.parent))
      .map((k) => ({
        cols: k.keys.map((n) => colName(t.oid, n)),
        parent: nameOf.get(k.parent!)!,
        parentCols: (k.fkeys ?? []).map((n) => colName(k.parent!, n)),
        notNull: k.keys.every((n) => mine.find((m) => m.num === n)?.notnull === true),
      }));
    const pk = cons.rows.find((k) => k.oid === t.oid && k.type === 'p');
    out.set(rel(t.schema, t.table), {
      name: rel(t.schema, t.table),
      columns: mine.filter((m) => m.generated === '').map((m) => m.name),
      identityAlways: mine.some((m) => m.identity === 'a'),
      pk: pk ? pk.keys.map((n) => colName(t.oid, n)) : [],
      sequences: mine.filter((m) => m.seq !== null).map((m) => ({ column: m.name, seq: m.seq! })),
      fks,
    });
  }
  return out;
}

interface Plan {
  readonly order: Array<{ table: TableInfo; where: string }>;
  readonly excluded: Array<{ table: string; why: string }>;
}

/** Which rows of which table are the school's, and an order in which parents come before children. */
function plan(tables: Map<string, TableInfo>, schoolId: number): Plan {
  const id = Number(schoolId);
  if (!Number.isSafeInteger(id)) throw new Error('school id');
  const where = new Map<string, { sql: string; depth: number }>();
  where.set('school', { sql: `id = ${id}`, depth: 0 });
  for (const t of tables.values()) {
    if (t.name === 'school' || t.name.includes('.') || EXCLUDED[t.name]) continue;
    if (t.fks.some((k) => k.parent === 'school' && k.cols.length === 1 && k.cols[0] === 'school_id')) where.set(t.name, { sql: `school_id = ${id}`, depth: 1 });
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const t of tables.values()) {
      if (where.has(t.name) || t.name.includes('.') || EXCLUDED[t.name]) continue;
      const via = t.fks.filter((k) => k.parent !== t.name && where.has(k.parent));
      if (!via.length) continue;
      const strong = via.filter((k) => k.notNull).sort((a, b) => where.get(a.parent)!.depth - where.get(b.parent)!.depth);
      const cond = (k: (typeof via)[number]) => `(${k.cols.map(qi).join(', ')}) IN (SELECT ${k.parentCols.map(qi).join(', ')} FROM ${qt(k.parent)} WHERE ${where.get(k.parent)!.sql})`;
      // A NOT NULL key decides alone; with only nullable keys a row is the school's if any of them says so.
      const chosen = strong.length ? [strong[0]!] : via;
      where.set(t.name, { sql: chosen.map(cond).join(' OR '), depth: 1 + Math.max(...chosen.map((k) => where.get(k.parent)!.depth)) });
      changed = true;
    }
  }
  for (const l of LTI_TABLES) if (tables.has(l.table)) where.set(l.table, { sql: l.where(id), depth: 99 });
  // The last AGS timestamp sent per LMS line item (kept strictly increasing) is keyed by the line item's URL.
  const items = where.get('lms_line_item');
  if (items && tables.has('ags_last_timestamp')) where.set('ags_last_timestamp', { sql: `lineitem_url IN (SELECT lineitem_url FROM public.lms_line_item WHERE ${items.sql})`, depth: items.depth + 1 });

  // Topological order over the included tables (self-references are loaded in key order, checked per statement).
  const included = [...where.keys()].filter((n) => tables.has(n));
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, path: string[]) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'visiting') throw schoolBackupErrors.cycle([...path.slice(path.indexOf(n)), n]);
    state.set(n, 'visiting');
    for (const k of tables.get(n)!.fks) if (k.parent !== n && where.has(k.parent)) visit(k.parent, [...path, n]);
    state.set(n, 'done');
    order.push(n);
  };
  for (const n of included.sort()) visit(n, []);
  const excluded = [...tables.keys()]
    .filter((n) => !where.has(n))
    .map((n) => ({ table: n, why: EXCLUDED[n] ?? (n.startsWith('lti.') ? 'bảng tạm của ltijs' : 'không thuộc riêng trường nào') }));
  return { order: order.map((n) => ({ table: tables.get(n)!, where: where.get(n)!.sql })), excluded };
}

async function appliedMigrations(c: Q): Promise<string[] | null> {
  const ok = await c.query<{ ok: boolean }>(`SELECT to_regclass('public.schema_migration') IS NOT NULL AS ok`);
  if (!ok.rows[0]?.ok) return null;
  return (await c.query<{ name: string }>('SELECT name FROM public.schema_migration ORDER BY name')).rows.map((r) => r.name);
}

async function findSchool(c: Q, which: string): Promise<{ id: number; code: string; name: string }> {
  const r = /^\d+$/.test(which)
    ? await c.query<{ id: string; code: string; name: string }>('SELECT id::text, code, name FROM school WHERE id = $1::bigint OR code = $2 ORDER BY (id = $1::bigint) DESC LIMIT 1', [which, which])
    : await c.query<{ id: string; code: string; name: string }>('SELECT id::text, code, name FROM school WHERE code = $1', [which]);
  const s = r.rows[0];
  if (!s) throw schoolBackupErrors.schoolNotFound(which);
  return { id: Number(s.id), code: s.code, name: s.name };
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** `school` is an id or a school code. Writes `file` (gzip of JSON lines) and `file.json` (the manifest). */
export async function backupSchool(url: string, school: string, file: string): Promise<SchoolBackupManifest> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const tmp = `${file}.partial`;
  let gz: ReturnType<typeof createGzip> | null = null;
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const s = await findSchool(c, school);
    const migrations = (await appliedMigrations(c)) ?? [];
    const serverVersion = (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
    const p = plan(await catalog(c), s.id);
    const z = createGzip({ level: 6 });
    gz = z;
    const done = pipeline(z, createWriteStream(tmp));
    done.catch(() => undefined); // awaited below; a failure before then must not become an unhandled rejection
    const tables: SchoolBackupTable[] = [];
    const createdAt = new Date().toISOString();
    await write(z, `${JSON.stringify({ format: SCHOOL_BACKUP_FORMAT, createdAt, school: s, migrations })}\n`);
    for (const { table, where } of p.order) {
      await write(z, `${JSON.stringify({ table: table.name, columns: table.columns })}\n`);
      const h = createHash('sha256');
      let rows = 0;
      const order = (table.pk.length ? table.pk : table.columns.slice(0, 1)).map(qi).join(', ');
      await c.query(`DECLARE school_rows NO SCROLL CURSOR FOR SELECT row_to_json(x)::text AS j FROM (SELECT ${table.columns.map(qi).join(', ')} FROM ${qt(table.name)} WHERE ${where} ORDER BY ${order}) x`);
      for (;;) {
        const r = await c.query<{ j: string }>('FETCH 500 FROM school_rows');
        for (const row of r.rows) {
          const line = `${row.j}\n`;
          h.update(line);
          rows++;
          await write(z, line);
        }
        if (r.rows.length < 500) break;
      }
      await c.query('CLOSE school_rows');
      tables.push({ table: table.name, columns: table.columns, rows, sha256: h.digest('hex') });
    }
    z.end();
    await done;
    await c.query('COMMIT');
    await fs.rename(tmp, file);
    const manifest: SchoolBackupManifest = {
      format: SCHOOL_BACKUP_FORMAT,
      createdAt,
      school: s,
      migrations,
      serverVersion,
      file: file.split('/').pop()!,
      bytes: (await fs.stat(file)).size,
      sha256: await sha256File(file),
      tables,
      counts: Object.fromEntries(tables.map((t) => [t.table, t.rows])),
      excluded: p.excluded,
    };
    await fs.writeFile(`${file}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } catch (e) {
    gz?.destroy();
    await c.query('ROLLBACK').catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw e;
  } finally {
    await c.end();
  }
}

async function readManifest(file: string): Promise<SchoolBackupManifest> {
  await fs.stat(file).catch(() => {
    throw new AppError('BACKUP_FILE_MISSING', 'not_found', `Không tìm thấy tệp sao lưu ${file}.`, `Backup file not found: ${file}.`);
  });
  let m: SchoolBackupManifest;
  try {
    m = JSON.parse(await fs.readFile(`${file}.json`, 'utf8')) as SchoolBackupManifest;
  } catch {
    throw schoolBackupErrors.manifestMissing(file);
  }
  if (m.format !== SCHOOL_BACKUP_FORMAT) throw schoolBackupErrors.format(`format ${String(m.format)}`);
  if (m.sha256 !== (await sha256File(file))) {
    throw new AppError('BACKUP_CHECKSUM', 'bad_request', 'Tệp sao lưu không khớp mã SHA-256 trong tệp kê khai: tệp bị hỏng hoặc bị sửa. Không phục hồi.', 'The backup does not match its manifest SHA-256.');
  }
  return m;
}

const BATCH_ROWS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

export interface SchoolRestoreResult {
  readonly manifest: SchoolBackupManifest;
  readonly counts: Record<string, number>;
}

/** Restores a per-school backup into `url` (migrated, without that school), all or nothing. */
export async function restoreSchool(url: string, file: string): Promise<SchoolRestoreResult> {
  const m = await readManifest(file);
  const expected = new Map(m.tables.map((t) => [t.table, t]));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const applied = await appliedMigrations(c);
    if (!applied) throw schoolBackupErrors.notMigrated();
    const missing = m.migrations.filter((x) => !applied.includes(x));
    if (missing.length) throw schoolBackupErrors.schemaNewer(missing);
    const target = await catalog(c);
    await c.query('BEGIN');
    // Two restores of the same school at once: the second waits here, then finds the school and refuses.
    await c.query('LOCK TABLE public.school IN SHARE ROW EXCLUSIVE MODE');
    const exists = await c.query('SELECT 1 FROM public.school WHERE id = $1 OR code = $2', [m.school.id, m.school.code]);
    if (exists.rowCount) throw schoolBackupErrors.schoolExists(m.school.code);

    const counts: Record<string, number> = {};
    const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
    let header = true;
    let cur: { name: string; columns: string[]; identity: boolean; rows: number; hash: ReturnType<typeof createHash> } | null = null;
    let batch: string[] = [];
    let bytes = 0;
    const flush = async () => {
      if (!cur || !batch.length) return;
      const cols = cur.columns.map(qi).join(', ');
      try {
        await c.query('SAVEPOINT batch');
        await c.query(`INSERT INTO ${qt(cur.name)} (${cols}) ${cur.identity ? 'OVERRIDING SYSTEM VALUE ' : ''}SELECT ${cols} FROM json_populate_recordset(NULL::${qt(cur.name)}, $1::json)`, [`[${batch.join(',')}]`]);
        await c.query('RELEASE SAVEPOINT batch');
      } catch (e) {
        const pgCode = (e as { code?: string }).code ?? '';
        if (pgCode.startsWith('23')) throw schoolBackupErrors.conflict(cur.name, `${pgCode} ${(e as Error).message}`);
        throw e;
      }
      batch = [];
      bytes = 0;
    };
    const close = async () => {
      if (!cur) return;
      await flush();
      const want = expected.get(cur.name);
      if (!want || want.rows !== cur.rows || want.sha256 !== cur.hash.digest('hex')) throw schoolBackupErrors.tableChecksum(cur.name);
      counts[cur.name] = cur.rows;
      cur = null;
    };
    for await (const line of lines) {
      if (header) {
        const h = JSON.parse(line) as { format?: string; school?: { id: number } };
        if (h.format !== SCHOOL_BACKUP_FORMAT || h.school?.id !== m.school.id) throw schoolBackupErrors.format('header');
        header = false;
        continue;
      }
      if (line.startsWith('{"table":')) {
        await close();
        const t = JSON.parse(line) as { table: string; columns: string[] };
        const info = target.get(t.table);
        const absent = info ? t.columns.filter((x) => !info.columns.includes(x)) : t.columns;
        if (!info || absent.length) throw schoolBackupErrors.format(`bảng/cột không có ở đích: ${t.table} ${absent.join(', ')}`);
        cur = { name: t.table, columns: t.columns, identity: info.identityAlways, rows: 0, hash: createHash('sha256') };
        continue;
      }
      if (!cur) throw schoolBackupErrors.format('dòng dữ liệu ngoài bảng');
      cur.hash.update(`${line}\n`);
      cur.rows++;
      batch.push(line);
      bytes += line.length;
      if (batch.length >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
    }
    await close();
    const notSeen = m.tables.filter((t) => counts[t.table] === undefined);
    if (notSeen.length) throw schoolBackupErrors.tableChecksum(notSeen.map((t) => t.table).join(', '));

    // Ids were kept: move every serial/identity sequence past them, or the next insert would collide.
    for (const t of m.tables) {
      if (!counts[t.table]) continue;
      for (const { column, seq } of target.get(t.table)?.sequences ?? []) {
        await c.query(`SELECT setval($1::regclass, GREATEST((SELECT coalesce(max(${qi(column)}), 0) FROM ${qt(t.table)}), (SELECT last_value FROM ${seq})))`, [seq]);
      }
    }
    await c.query('COMMIT');
    return { manifest: m, counts };
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await c.end();
  }
}
