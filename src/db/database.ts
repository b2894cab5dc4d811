import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema';

// NUMERIC stays a string (exact); scores are parsed into integer tenths by the repositories.
// BIGINT (OID 20) counts are small in practice; parse them as numbers for convenience.
pg.types.setTypeParser(20, (v) => Number(v));

export interface Database {
  readonly db: Kysely<DB>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  statementTimeoutMs?: number;
  onPoolError?: (err: Error) => void;
}

/** The one place that opens connections. Embedded and DATABASE_URL take the same path. */
export function openDatabase(url: string, opts: DatabaseOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 30000,
    application_name: 'so-diem',
  });
  // Without a listener an idle client's error (server restart) would crash the process.
  pool.on('error', opts.onPoolError ?? ((err) => console.error('[db] lỗi kết nối rỗi / idle client error:', err.message)));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
