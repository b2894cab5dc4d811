/**
 * `npm run restore -- <file> [--database <name>]` — restores a dump made by `npm run backup` into an
 * EMPTY database (all or nothing, checked against <file>.json). With DATABASE_URL the target is
 * that database (or <name> on the same server, created if missing); without it, the embedded
 * PostgreSQL in <dataDir>/pg (a fresh data directory: move the old one away first).
 * `npm run restore -- --school <file> [--database <name>]` — one school's backup (npm run backup -- --school):
 * the target is migrated first, then the school is loaded in one transaction (refused if it exists there),
 * then its audit chain is verified.
 */
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config';
import { configuredDatabaseUrl } from '../src/db/connect';
import { restoreDatabase } from '../src/backup/backup';
import { restoreSchool } from '../src/backup/school-backup';
import { openDatabase } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { verifyChain } from '../src/audit/verify';
import { isAppError } from '../src/shared/errors';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const dbi = args.indexOf('--database');
  const dbName = dbi >= 0 ? args[dbi + 1] : undefined;
  const school = args.includes('--school');
  const file = args.filter((a, i) => !a.startsWith('--') && !(dbi >= 0 && i === dbi + 1))[0];
  if (!file) {
    console.error('Cách dùng / usage: npm run restore -- <tệp.dump> [--database <tên>]  |  npm run restore -- --school <tệp.jsonl.gz> [--database <tên>]');
    return 2;
  }
  if (dbName !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(dbName)) {
    console.error('Tên cơ sở dữ liệu không hợp lệ / invalid database name');
    return 2;
  }
  const config = loadConfig();
  const { url: serverUrl, cluster } = await configuredDatabaseUrl(config);
  let url = serverUrl;
  try {
    if (dbName) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
        if (!exists.rowCount) await admin.query(`CREATE DATABASE ${dbName}`);
      } finally {
        await admin.end();
      }
      const u = new URL(url);
      u.pathname = `/${dbName}`;
      url = u.toString();
    }
    const t0 = Date.now();
    if (school) {
      const d = openDatabase(url, { max: 2 });
      try {
        await migrateToLatest(d.db);
        const r = await restoreSchool(url, path.resolve(file));
        console.log(`Đã phục hồi trường / restored school ${r.manifest.school.code} from ${file} (${Date.now() - t0} ms)`);
        console.log(Object.entries(r.counts).filter(([, n]) => n > 0).map(([t, n]) => `${t}=${n}`).join(' '));
        const chain = await verifyChain(d.db, r.manifest.school.id);
        console.log(chain.ok ? `Nhật ký kiểm tra nguyên vẹn / audit chain intact: ${chain.records} bản ghi` : `LỖI: chuỗi nhật ký bị đứt / audit chain broken at ${JSON.stringify(chain.firstBreak)}`);
        return chain.ok ? 0 : 1;
      } finally {
        await d.close();
      }
    }
    const r = await restoreDatabase(url, path.resolve(file));
    console.log(`Đã phục hồi / restored ${file} (${Date.now() - t0} ms)`);
    console.log(Object.entries(r.counts).map(([t, n]) => `${t}=${n}`).join(' '));
    if (!r.manifest) console.log('Cảnh báo: không có tệp kê khai .json, không kiểm được SHA-256 / warning: no manifest, checksum not verified');
    return 0;
  } finally {
    await cluster?.stop();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(isAppError(err) ? `${err.code}: ${err.vi} / ${err.en}` : err);
  process.exit(2);
});
