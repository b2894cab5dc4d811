import path from 'node:path';
import { loadConfig, ConfigError, type Config } from './config/config';
import { openDatabase, type Database } from './db/database';
import { migrateToLatest } from './db/migrate';
import { startEmbeddedPostgres, type EmbeddedCluster } from './db/embedded';
import { startServer, type Server } from './server';

const log = (line: string) => console.log(line);

/** Starts the database (embedded unless DATABASE_URL), migrates, serves; in demo mode also the demo LMS. */
async function main(): Promise<void> {
  const t0 = Date.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let cluster: EmbeddedCluster | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log('Đang khởi động PostgreSQL nhúng… / starting embedded PostgreSQL…');
    cluster = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
    databaseUrl = cluster.url('postgres');
  }
  const database: Database = openDatabase(databaseUrl);
  let server: Server | undefined;
  let demoLms: { close(): Promise<void> } | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`Nhận ${signal}, đang dừng… / ${signal} received, shutting down…`);
    try {
      await server?.close();
      await demoLms?.close();
      await database.close();
      await cluster?.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    // Check the database ourselves before ltijs runs: its deploy() exits with code 0 on failure.
    const applied = await migrateToLatest(database.db);
    if (applied.length) log(`Đã áp dụng migration / migrations applied: ${applied.join(', ')}`);
    server = await startServer(config, database, { log });
    if (config.demo) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { startDemoLms } = require('./demo/demo-lms') as typeof import('./demo/demo-lms');
      demoLms = await startDemoLms(database.db, server, config);
    }
  } catch (err) {
    console.error('Không khởi động được Sổ Điểm / startup failed:', err);
    await database.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    process.exit(1);
  }
  log(`Sổ Điểm đang chạy tại / running at ${config.publicUrl} (khởi động ${Date.now() - t0} ms)`);
}

void main();
