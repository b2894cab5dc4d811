import { loadConfig, ConfigError, type Config } from './config/config';
import { openConfiguredDatabase } from './db/connect';
import { migrateToLatest } from './db/migrate';
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
  if (!config.databaseUrl) log('Đang khởi động PostgreSQL nhúng… / starting embedded PostgreSQL…');
  const conn = await openConfiguredDatabase(config);
  const { database, cluster } = conn;
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
