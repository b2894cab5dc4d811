import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';

/**
 * Every row of every table of ours, hashed per table: "nothing changed" in the corrections and
 * inspector tests means this string is identical before and after (not only the audit count).
 */
export async function fingerprint(db: Kysely<DB>): Promise<string> {
  const tables = await sql<{ t: string }>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`.execute(db);
  const parts: string[] = [];
  for (const { t } of tables.rows) {
    const r = await sql<{ n: string; h: string | null }>`SELECT count(*)::text AS n, md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))) AS h FROM ${sql.table(t)} x`.execute(db);
    parts.push(`${t}:${r.rows[0]!.n}:${r.rows[0]!.h ?? ''}`);
  }
  return parts.join('\n');
}

/** The tables whose fingerprints differ (for a readable failure). */
export function changedTables(a: string, b: string): string[] {
  const m = new Map(a.split('\n').map((l) => [l.split(':')[0], l]));
  return b.split('\n').filter((l) => m.get(l.split(':')[0]) !== l).map((l) => l.split(':')[0]!);
}
