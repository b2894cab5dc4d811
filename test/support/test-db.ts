import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../src/db/database';

export const TEMPLATE_DB = 'sodiem_template';

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function adminUrl(): string {
  const url = process.env.SODIEM_TEST_ADMIN_URL;
  if (!url) throw new Error('SODIEM_TEST_ADMIN_URL is not set: run tests through jest (global-setup starts PostgreSQL)');
  return url;
}

export interface TestDatabase extends Database {
  readonly url: string;
  readonly name: string;
}

/** A fresh, migrated database for one test file, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `t_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl(), name);
  const database = openDatabase(url, { max: 5 });
  return {
    ...database,
    url,
    name,
    async close() {
      await database.close();
      const a = new Client({ connectionString: adminUrl() });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
