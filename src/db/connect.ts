import path from 'node:path';
import type { Config } from '../config/config';
import { openDatabase, type Database, type DatabaseOptions } from './database';
import { startEmbeddedPostgres, type EmbeddedCluster } from './embedded';

export interface ConfiguredDatabase {
  readonly database: Database;
  readonly url: string;
  /** Set when the embedded PostgreSQL was started for this process. */
  readonly cluster: EmbeddedCluster | undefined;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL in DATA_DIR/pg — the app and every operator command alike. */
export async function openConfiguredDatabase(config: Config, opts: DatabaseOptions = {}): Promise<ConfiguredDatabase> {
  const { url, cluster } = await configuredDatabaseUrl(config);
  const database = openDatabase(url, opts);
  return {
    database,
    url,
    cluster,
    async close() {
      await database.close();
      await cluster?.stop();
    },
  };
}

/** The URL only (pg_dump / pg_restore need no pool); starts the embedded server when DATABASE_URL is unset. */
export async function configuredDatabaseUrl(config: Config): Promise<{ url: string; cluster: EmbeddedCluster | undefined }> {
  if (config.databaseUrl) return { url: config.databaseUrl, cluster: undefined };
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
  return { url: cluster.url('postgres'), cluster };
}
