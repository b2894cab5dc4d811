import { sql } from 'kysely';
import { Client } from 'pg';
import { createTestDatabase, withDatabase, type TestDatabase } from '../support/test-db';
import { openDatabase } from '../../src/db/database';
import { migrateToLatest } from '../../src/db/migrate';
import { migrations } from '../../src/db/migrations';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.close();
});

describe('migrations', () => {
  it('the cloned template already has every migration applied', async () => {
    const rows = await sql<{ name: string }>`SELECT name FROM schema_migration ORDER BY name`.execute(tdb.db);
    expect(rows.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
  });

  it('two instances migrating an empty database at once apply each migration exactly once', async () => {
    const admin = new Client({ connectionString: process.env.SODIEM_TEST_ADMIN_URL });
    await admin.connect();
    const name = `${tdb.name}_empty`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = withDatabase(process.env.SODIEM_TEST_ADMIN_URL!, name);
    const one = openDatabase(url, { max: 2 });
    const two = openDatabase(url, { max: 2 });
    try {
      const [a, b] = await Promise.all([migrateToLatest(one.db), migrateToLatest(two.db)]);
      expect([...a, ...b].sort()).toEqual(Object.keys(migrations).sort());
    } finally {
      await one.close();
      await two.close();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('has the vi-x-icu collation needed to sort Vietnamese names', async () => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_collation WHERE collname = 'vi-x-icu'`.execute(tdb.db);
    expect(r.rows[0]?.n).toBe(1);
  });
});
