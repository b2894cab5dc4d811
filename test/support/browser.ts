import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Frame, type Page } from 'puppeteer-core';

/** Debian's Chromium, never a downloaded one; flags keep it off the (closed) network. */
export async function launchBrowser(): Promise<Browser> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-chromium-'));
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    userDataDir,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function waitForFrame(page: Page, pred: (f: Frame) => boolean, timeoutMs = 15000): Promise<Frame> {
  const t0 = Date.now();
  for (;;) {
    const f = page.frames().find(pred);
    if (f) return f;
    if (Date.now() - t0 > timeoutMs) throw new Error(`no frame matched within ${timeoutMs} ms; frames: ${page.frames().map((x) => x.url()).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
