/**
 * `npm run backup [-- <file>]` — a consistent dump of the whole database (pg_dump, custom format)
 * plus `<file>.json` (SHA-256, size, row counts). Default file: <dataDir>/backups/sodiem-<UTC time>.dump.
 * Uses DATABASE_URL, or starts the embedded PostgreSQL like the app (stop the app first then).
 */
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { loadConfig } from '../src/config/config';
import { configuredDatabaseUrl } from '../src/db/connect';
import { backupDatabase } from '../src/backup/backup';
import { isAppError } from '../src/shared/errors';

async function main(): Promise<number> {
  const config = loadConfig();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.resolve(process.argv[2] ?? path.join(config.dataDir, 'backups', `sodiem-${stamp}.dump`));
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
