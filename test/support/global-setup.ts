import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded';
import { openDatabase } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { TEMPLATE_DB, withDatabase } from './test-db';

/**
 * One PostgreSQL for the whole run: the embedded one, or the server named by TEST_DATABASE_URL
 * (CI's second pass against Debian's PostgreSQL). A template database is migrated once; each test
 * file then clones it (CREATE DATABASE … TEMPLATE), which is fast and fully isolated.
 */
export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let cluster: EmbeddedCluster | undefined;
  if (!adminUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-test-pg-'));
    fs.chmodSync(dir, 0o755); // the server runs as user postgres when we are root
    cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false });
    adminUrl = cluster.url('postgres');
    (globalThis as { __SODIEM_PG__?: EmbeddedCluster }).__SODIEM_PG__ = cluster;
  }
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
  const database = openDatabase(templateUrl, { max: 2 });
  await migrateToLatest(database.db);
  await database.close();
  // Jest forks its workers after globalSetup, so they inherit this.
  process.env.SODIEM_TEST_ADMIN_URL = adminUrl;
}

