/**
 * The app in its own process for load benchmarks, so the load generator does not share the
 * server's event loop (a real deployment does not either). Prints READY when listening.
 */
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/database';
import { startServer } from '../src/server';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = openDatabase(config.databaseUrl!, { max: Number(process.env.DB_POOL_MAX ?? 10) });
  const server = await startServer(config, database, { log: () => undefined });
  process.on('SIGTERM', () => {
    void server.close().then(() => database.close()).then(() => process.exit(0));
  });
  console.log('READY');
}

void main();
