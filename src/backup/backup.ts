/**
 * Backup and restore with PostgreSQL's own tools (Debian's postgresql-client): `pg_dump
 * --format=custom` takes one consistent snapshot of the whole database (a single repeatable-read
 * transaction: the app may keep writing meanwhile), `pg_restore --single-transaction
 * --exit-on-error` restores it into an EMPTY database, all or nothing. Beside the dump, a manifest
 * (`<file>.json`) records its SHA-256, size, server version and the row counts that matter for the
 * school's records (scores, audit records, print archive), checked again after a restore.
 * The password never appears on a command line (PGPASSWORD in the child's environment only).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import pg from 'pg';
import { AppError } from '../shared/errors';

export const backupErrors = {
  tool: (tool: string, detail: string) =>
    new AppError('BACKUP_TOOL_MISSING', 'unavailable', `Không chạy được ${tool} (cài gói postgresql-client của Debian).`, `${tool} cannot be run: ${detail}`),
  version: (client: number, server: number) =>
    new AppError('BACKUP_VERSION', 'unavailable', `Máy chủ PostgreSQL ${server} mới hơn công cụ sao lưu ${client}: hãy cài postgresql-client ${server} trở lên.`, `Server ${server} is newer than pg_dump ${client}.`),
  failed: (tool: string, code: number | null, stderr: string) =>
    new AppError('BACKUP_FAILED', 'unavailable', `${tool} thất bại (mã ${code}). Không có dữ liệu nào bị thay đổi.`, `${tool} failed (${code}): ${stderr.slice(0, 500)}`),
  notEmpty: (tables: number) =>
    new AppError('BACKUP_TARGET_NOT_EMPTY', 'conflict', `Cơ sở dữ liệu đích đã có ${tables} bảng: chỉ phục hồi vào cơ sở dữ liệu rỗng (tạo mới rồi chạy lại).`, `Target database is not empty (${tables} tables).`),
  checksum: () => new AppError('BACKUP_CHECKSUM', 'bad_request', 'Tệp sao lưu không khớp mã SHA-256 trong tệp kê khai: tệp bị hỏng hoặc bị sửa. Không phục hồi.', 'The dump does not match its manifest SHA-256.'),
  missing: (file: string) => new AppError('BACKUP_FILE_MISSING', 'not_found', `Không tìm thấy tệp sao lưu ${file}.`, `Backup file not found: ${file}.`),
  counts: (detail: string) => new AppError('BACKUP_COUNTS_MISMATCH', 'conflict', `Sau phục hồi, số bản ghi không khớp tệp kê khai: ${detail}.`, `Row counts differ after restore: ${detail}.`),
};

export interface BackupManifest {
  readonly format: 'pg_dump-custom';
  readonly createdAt: string;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly serverVersion: string;
  readonly pgDumpVersion: string;
  readonly counts: Record<string, number>;
}

/** The records the school must be able to prove it kept (see README "Backup, restore and record retention"). */
export const COUNTED_TABLES = ['school', 'person', 'enrolment', 'score', 'audit_log', 'print_archive', 'correction_request'] as const;

interface Conn {
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

/** libpq arguments without the password (which goes into the child's environment only). */
export function connArgs(url: string): Conn {
  const u = new URL(url);
  const args = ['--host', u.hostname, '--port', u.port || '5432', '--username', decodeURIComponent(u.username || 'postgres')];
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: '10' };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  else delete env.PGPASSWORD;
  return { args: [...args, '--dbname', decodeURIComponent(u.pathname.slice(1) || 'postgres')], env };
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', (e) => reject(backupErrors.tool(cmd, e.message)));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function toolMajor(tool: 'pg_dump' | 'pg_restore'): Promise<{ major: number; text: string }> {
  const r = await run(tool, ['--version'], process.env);
  const m = /(\d+)(?:\.\d+)?/.exec(r.stdout);
  if (r.code !== 0 || !m) throw backupErrors.tool(tool, r.stderr || r.stdout);
  return { major: Number(m[1]), text: r.stdout.trim() };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function countRows(url: string): Promise<Record<string, number>> {
  return withClient(url, async (c) => {
    const out: Record<string, number> = {};
    for (const t of COUNTED_TABLES) {
      const exists = await c.query<{ ok: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS ok`, [`public.${t}`]);
      if (!exists.rows[0]?.ok) continue;
      const r = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.${t}`);
      out[t] = Number(r.rows[0]!.n);
    }
    return out;
  });
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function backupDatabase(url: string, file: string): Promise<BackupManifest> {
  const tool = await toolMajor('pg_dump');
  const server = await withClient(url, async (c) => (await c.query<{ v: string; n: string }>(`SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`)).rows[0]!);
  const serverMajor = Math.floor(Number(server.n) / 10000);
  if (serverMajor > tool.major) throw backupErrors.version(tool.major, serverMajor);
  // Counted before the dump: on a live system they are a lower bound of what the snapshot holds.
  const counts = await countRows(url);
  const c = connArgs(url);
  const tmp = `${file}.partial`;
  const r = await run('pg_dump', ['--format=custom', '--compress=6', '--no-owner', '--no-privileges', '--file', tmp, ...c.args], c.env);
  if (r.code !== 0) {
    await fs.rm(tmp, { force: true });
    throw backupErrors.failed('pg_dump', r.code, r.stderr);
  }
  await fs.rename(tmp, file);
  const stat = await fs.stat(file);
  const manifest: BackupManifest = { format: 'pg_dump-custom', createdAt: new Date().toISOString(), file: file.split('/').pop()!, bytes: stat.size, sha256: await sha256File(file), serverVersion: server.v, pgDumpVersion: tool.text, counts };
  await fs.writeFile(`${file}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function restoreDatabase(url: string, file: string, opts: { checkCounts?: boolean } = {}): Promise<{ counts: Record<string, number>; manifest: BackupManifest | null }> {
  await fs.stat(file).catch(() => {
    throw backupErrors.missing(file);
  });
  let manifest: BackupManifest | null = null;
  try {
    manifest = JSON.parse(await fs.readFile(`${file}.json`, 'utf8')) as BackupManifest;
  } catch {
    manifest = null;
  }
  if (manifest && manifest.sha256 !== (await sha256File(file))) throw backupErrors.checksum();
  await toolMajor('pg_restore');
  const tables = await withClient(url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`)).rows[0]!.n));
  if (tables > 0) throw backupErrors.notEmpty(tables);
  const c = connArgs(url);
  const r = await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', ...c.args, file], c.env);
  if (r.code !== 0) throw backupErrors.failed('pg_restore', r.code, r.stderr);
  const counts = await countRows(url);
  if (manifest && opts.checkCounts !== false) {
    const diff = Object.entries(manifest.counts).filter(([t, n]) => (counts[t] ?? 0) < n).map(([t, n]) => `${t} ${counts[t] ?? 0} < ${n}`);
    if (diff.length) throw backupErrors.counts(diff.join(', '));
  }
  return { counts, manifest };
}
