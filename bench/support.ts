import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startEmbeddedPostgres, freePort, type EmbeddedCluster } from '../src/db/embedded';
import { openDatabase, type Database } from '../src/db/database';
import { migrateToLatest } from '../src/db/migrate';
import { loadConfig, type Config } from '../src/config/config';

export interface BenchDb {
  database: Database;
  url: string;
  close(): Promise<void>;
}

let cluster: EmbeddedCluster | undefined;

/** A throw-away embedded PostgreSQL shared by the benchmarks of one run. */
export async function benchDatabase(): Promise<BenchDb> {
  if (!cluster) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-bench-pg-'));
    fs.chmodSync(dir, 0o755);
    cluster = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), persistent: false });
  }
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = cluster.url(name);
  const database = openDatabase(url, { max: 10 });
  await migrateToLatest(database.db);
  return { database, url, close: () => database.close() };
}

export async function stopBenchCluster(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}

export async function benchConfig(): Promise<Config> {
  const port = await freePort();
  return loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://localhost:${port}`,
    LTI_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
    LTI_KEK: randomBytes(32).toString('base64'),
    SODIEM_DEMO: 'false',
  });
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface BenchResult {
  name: string;
  lines: string[];
}

/** Starts bench/serve.ts in a child process on the given config and database; resolves when listening. */
export async function spawnServer(config: Config, databaseUrl: string): Promise<{ stop(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const prof = process.env.BENCH_SERVER_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`] : [];
  const child = spawn(process.execPath, [...prof, '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'serve.ts')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(config.port),
      HOST: config.host,
      PUBLIC_URL: config.publicUrl,
      LTI_ENCRYPTION_KEY: config.ltiEncryptionKey,
      LTI_KEK: config.ltiKek.toString('base64'),
      SODIEM_DEMO: 'false',
      DATABASE_URL: databaseUrl,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('READY') && resolve());
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `node -r ts-node/register/transpile-only bench/x.bench.ts` runs one benchmark on its own. */
export function runStandalone(bench: () => Promise<BenchResult>): void {
  void bench().then(
    async (r) => {
      console.log(`## ${r.name}`);
      for (const l of r.lines) console.log(`  ${l}`);
      await stopBenchCluster();
    },
    async (e) => {
      console.error(e);
      await stopBenchCluster();
      process.exitCode = 1;
    },
  );
}
