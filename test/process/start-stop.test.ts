import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/db/embedded';

/**
 * The real entry point as `npm start` runs it: embedded PostgreSQL started by the app, demo data,
 * demo LMS; SIGTERM stops everything cleanly (exit 0, PostgreSQL shut down, no stale pid file).
 */
jest.setTimeout(120_000);

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (out += String(d)));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('running at')) {
        clearInterval(t);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(t);
      reject(new Error(`exited early (${code}): ${out}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

it('starts with demo data on the embedded database and stops cleanly on SIGTERM', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-start-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const lmsPort = await freePort();
  const pgPort = await freePort();
  const app = start({ DATA_DIR: dataDir, PORT: String(port), DEMO_LMS_PORT: String(lmsPort), EMBEDDED_PG_PORT: String(pgPort), NODE_ENV: 'development', SODIEM_DEMO: 'true' });
  await app.ready;
  expect(app.output()).toContain(`http://127.0.0.1:${lmsPort}/`);
  const about = await fetch(`http://localhost:${port}/about`);
  expect(about.status).toBe(200);
  const lms = await (await fetch(`http://127.0.0.1:${lmsPort}/`)).text();
  expect(lms).toContain('Lớp 6A');
  expect(lms).toContain('Lớp 9A');
  // The demo LMS launches into the tool for real.
  const jwks = (await (await fetch(`http://localhost:${port}/lti/keys`)).json()) as { keys: unknown[] };
  expect(jwks.keys.length).toBeGreaterThan(0);
  app.child.kill('SIGTERM');
  expect(await app.exited).toBe(0);
  expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).toBe(true);
});

it('refuses to start in production without its settings, naming the variable, with a non-zero exit', async () => {
  const app = start({ NODE_ENV: 'production', DATABASE_URL: '', PUBLIC_URL: '', LTI_ENCRYPTION_KEY: '', LTI_KEK: '' });
  app.ready.catch(() => undefined); // it is expected never to become ready
  const code = await app.exited;
  expect(code).not.toBe(0);
  expect(app.output()).toMatch(/Cấu hình không hợp lệ: DATABASE_URL/);
});
