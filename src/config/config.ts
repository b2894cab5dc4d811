import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Every setting, read from the environment once and validated at start. A bad value stops the
 * app with a message naming the variable (Vietnamese first, English second).
 */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  /** The tool's public base URL as the LMS reaches it (no trailing slash). */
  readonly publicUrl: string;
  /** Unset → embedded PostgreSQL in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Signs ltijs cookies and ltiks (rotatable on its own). */
  readonly ltiEncryptionKey: string;
  /** Key-encryption key for stored private keys and access tokens (AES-256-GCM). */
  readonly ltiKek: Buffer;
  readonly sessionTtlMinutes: number;
  readonly ltiTokenMaxAgeSeconds: number;
  readonly chromiumPath: string;
  /** The print pool (src/print/chromium-pool.ts): how many browsers, how long a queue, when to recycle. */
  readonly printPool: PrintPoolConfig;
  /** Seed the demo school and run the demo LMS beside the tool. */
  readonly demo: boolean;
  readonly demoLmsPort: number;
  /** Cookies carry Secure; SameSite=None; Partitioned (needed inside the LMS iframe). */
  readonly crossSiteCookies: boolean;
}

export interface PrintPoolConfig {
  /** PRINT_POOL_SIZE: browsers running at once (default 2, the 2-core machine). */
  readonly size: number;
  /** PRINT_QUEUE_MAX: prints allowed to wait when every browser is busy (default 100). */
  readonly maxQueue: number;
  /** PRINT_TIMEOUT_MS: per-print limit (default 60 000). */
  readonly timeoutMs: number;
  /** PRINT_RECYCLE_AFTER: a browser is restarted after this many prints (default 20; 0 = never). */
  readonly recycleAfterJobs: number;
  /** PRINT_RECYCLE_RSS_MB: a browser whose processes hold more than this after a print is restarted (default 600; 0 = never). */
  readonly recycleAboveRssMb: number;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly variable: string, vi: string, en: string) {
    super(`Cấu hình không hợp lệ: ${variable} — ${vi}\nInvalid configuration: ${variable} — ${en}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `phải là số nguyên từ ${min} đến ${max} (đang là "${raw}")`, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function url(env: Env, name: string, dflt: string | undefined): string | undefined {
  const raw = env[name] ?? dflt;
  if (raw === undefined || raw === '') return undefined;
  try {
    const u = new URL(raw);
    if (!/^(https?|postgres(ql)?):$/.test(u.protocol)) throw new Error('protocol');
  } catch {
    throw new ConfigError(name, `không phải một URL hợp lệ`, `is not a valid URL`);
  }
  return raw.replace(/\/+$/, '');
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `phải là true hoặc false (đang là "${raw}")`, `must be true or false (got "${raw}")`);
}

interface Secrets {
  ltiEncryptionKey: string;
  ltiKek: string;
}

/** Demo/dev only: secrets are generated once into the local data folder, never committed. */
function localSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets: Secrets = { ltiEncryptionKey: randomBytes(32).toString('base64url'), ltiKek: randomBytes(32).toString('base64') };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function kek(raw: string, name: string): Buffer {
  const buf = Buffer.from(raw, 'base64');
  if (buf.length !== 32) throw new ConfigError(name, 'phải là 32 byte mã hoá base64', 'must be 32 bytes, base64-encoded');
  return buf;
}

/** The print pool's settings alone (also used by tools that start a pool without the whole app config). */
export function printPoolConfig(env: Env = process.env): PrintPoolConfig {
  return {
    size: int(env, 'PRINT_POOL_SIZE', 2, 1, 16),
    maxQueue: int(env, 'PRINT_QUEUE_MAX', 100, 0, 10_000),
    timeoutMs: int(env, 'PRINT_TIMEOUT_MS', 60_000, 1_000, 600_000),
    recycleAfterJobs: int(env, 'PRINT_RECYCLE_AFTER', 20, 0, 100_000),
    recycleAboveRssMb: int(env, 'PRINT_RECYCLE_RSS_MB', 600, 0, 100_000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test') {
    throw new ConfigError('NODE_ENV', 'phải là development, production hoặc test', 'must be development, production or test');
  }
  const production = nodeEnv === 'production';
  const port = int(env, 'PORT', 3000, 1, 65535);
  const databaseUrl = url(env, 'DATABASE_URL', undefined);
  const dataDir = path.resolve(env.DATA_DIR || '.data');
  if (production) {
    for (const name of ['DATABASE_URL', 'PUBLIC_URL', 'LTI_ENCRYPTION_KEY', 'LTI_KEK'] as const) {
      if (!env[name]) throw new ConfigError(name, 'bắt buộc khi NODE_ENV=production', 'is required when NODE_ENV=production');
    }
  }
  const secrets: Secrets =
    env.LTI_ENCRYPTION_KEY && env.LTI_KEK ? { ltiEncryptionKey: env.LTI_ENCRYPTION_KEY, ltiKek: env.LTI_KEK } : localSecrets(dataDir);
  if (secrets.ltiEncryptionKey.length < 32) {
    throw new ConfigError('LTI_ENCRYPTION_KEY', 'phải dài ít nhất 32 ký tự', 'must be at least 32 characters long');
  }
  const demo = bool(env, 'SODIEM_DEMO', !production);
  if (production && demo) throw new ConfigError('SODIEM_DEMO', 'không được bật khi NODE_ENV=production', 'must be off when NODE_ENV=production');
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`)!;
  return {
    env: nodeEnv,
    port,
    host: env.HOST || '0.0.0.0',
    publicUrl,
    databaseUrl,
    dataDir,
    ltiEncryptionKey: secrets.ltiEncryptionKey,
    ltiKek: kek(secrets.ltiKek, 'LTI_KEK'),
    sessionTtlMinutes: int(env, 'SESSION_TTL_MINUTES', 480, 5, 24 * 60),
    ltiTokenMaxAgeSeconds: int(env, 'LTI_TOKEN_MAX_AGE', 60, 5, 600),
    chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
    printPool: printPoolConfig(env),
    demo,
    demoLmsPort: int(env, 'DEMO_LMS_PORT', port + 1, 1, 65535),
    crossSiteCookies: bool(env, 'CROSS_SITE_COOKIES', true),
  };
}
