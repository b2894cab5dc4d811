/**
 * `npm run backup [-- <file>]` — a consistent dump of the whole database (pg_dump, custom format)
 * plus `<file>.json` (SHA-256, size, row counts). Default file: <dataDir>/backups/sodiem-<UTC time>.dump.
 * `npm run backup -- --school <id|code> [<file>]` — one school's data only (src/backup/school-backup.ts),
 * default file <dataDir>/backups/sodiem-school-<code>-<UTC time>.jsonl.gz, plus `<file>.json`.
 * Uses DATABASE_URL, or starts the embedded PostgreSQL like the app (stop the app first then).
 */
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { loadConfig } from '../src/config/config';
import { configuredDatabaseUrl } from '../src/db/connect';
import { backupDatabase } from '../src/backup/backup';
import { backupSchool } from '../src/backup/school-backup';
import { isAppError } from '../src/shared/errors';

async function main(): Promise<number> {
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const args = process.argv.slice(2);
  const si = args.indexOf('--school');
  if (si >= 0) {
    const school = args[si + 1];
    if (!school || school.startsWith('--')) {
      console.error('Cách dùng / usage: npm run backup -- --school <mã số|mã trường> [<tệp>]');
      return 2;
    }
    const rest = args.filter((_, i) => i !== si && i !== si + 1);
    const file = path.resolve(rest[0] ?? path.join(config.dataDir, 'backups', `sodiem-school-${school.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.jsonl.gz`));
    await mkdir(path.dirname(file), { recursive: true });
    const { url, cluster } = await configuredDatabaseUrl(config);
    try {
      const t0 = Date.now();
      const m = await backupSchool(url, school, file);
      console.log(`Đã sao lưu trường / backed up school ${m.school.code}: ${file} (${m.bytes} bytes, ${Date.now() - t0} ms)`);
      console.log(`SHA-256 ${m.sha256}`);
      console.log(Object.entries(m.counts).filter(([, n]) => n > 0).map(([t, n]) => `${t}=${n}`).join(' '));
      return 0;
    } finally {
      await cluster?.stop();
    }
  }
  const file = path.resolve(args[0] ?? path.join(config.dataDir, 'backups', `sodiem-${stamp}.dump`));
  await mkdir(path.dirname(file), { recursive: true });
  const { url, cluster } = await configuredDatabaseUrl(config);
  try {
    const t0 = Date.now();
    const m = await backupDatabase(url, file);
    console.log(`Đã sao lưu / backed up: ${file} (${m.bytes} bytes, ${Date.now() - t0} ms)`);
    console.log(`SHA-256 ${m.sha256}`);
    console.log(Object.entries(m.counts).map(([t, n]) => `${t}=${n}`).join(' '));
    return 0;
  } finally {
    await cluster?.stop();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(isAppError(err) ? `${err.code}: ${err.vi} / ${err.en}` : err);
  process.exit(2);
});
