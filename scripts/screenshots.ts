/**
 * `npm run screenshots` — starts the demo (its own data folder and ports), launches Sổ Điểm from the
 * demo LMS inside its iframe as each role, and saves PNGs of the main pages to .data/screenshots/,
 * so a change to the UI can be looked at as a teacher would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { Frame, Page } from 'puppeteer-core';
import { freePort } from '../src/db/embedded';
import { launchBrowser, waitForFrame } from '../test/support/browser';

const OUT = path.resolve(process.argv[2] ?? '.data/screenshots');

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-shots-'));
  fs.chmodSync(dataDir, 0o755);
  const [port, lmsPort, pgPort] = [await freePort(), await freePort(), await freePort()];
  const app = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), DEMO_LMS_PORT: String(lmsPort), EMBEDDED_PG_PORT: String(pgPort), SODIEM_DEMO: 'true', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    app.stdout!.on('data', (d) => String(d).includes('running at') && resolve());
    app.once('exit', (c) => reject(new Error(`the app exited (${c})`)));
  });
  const lms = `http://127.0.0.1:${lmsPort}`;
  const browser = await launchBrowser();
  const shots: string[] = [];
  try {
    // Who: [file prefix, LMS user id, course module id (demo activity of course 6A-TOAN = 102)]
    const people: Array<[string, string, string]> = [
      ['teacher', '3', '102'],
      ['principal', '10', '102'],
      ['student', '100', '102'],
      ['inspector', '20', '102'],
    ];
    for (const [who, user, cmid] of people) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 1366, height: 900 });
      await page.goto(`${lms}/mod/lti/view.php?id=${cmid}&loginas=${user}`, { waitUntil: 'load' });
      const frame = await waitForFrame(page, (f) => f !== page.mainFrame() && /\/(home|course)/.test(f.url()));
      await frame.waitForSelector('h1');
      shots.push(await shot(page, `${who}-home`));
      const links = await frame.$$eval('nav.tabs a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
      for (const href of links.slice(1)) {
        await open(frame, href);
        shots.push(await shot(page, `${who}-${href.split('?')[0]!.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}`));
      }
      await context.close();
    }
  } finally {
    await browser.close();
    app.kill('SIGTERM');
  }
  console.log(shots.join('\n'));
}

async function open(frame: Frame, href: string): Promise<void> {
  await frame.goto(new URL(href, frame.url()).toString(), { waitUntil: 'load' });
  await frame.waitForSelector('h1', { timeout: 10_000 }).catch(() => undefined);
}

async function shot(page: Page, name: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 300));
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
