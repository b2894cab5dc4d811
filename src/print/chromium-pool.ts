import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { PrintPoolConfig } from '../config/config';
import { isAppError } from '../shared/errors';
import { printBrowserFailed, printPoolClosed, printQueueFull, printTimeout } from './errors';

/**
 * A few headless Chromium browsers shared by every print. Launching Chromium costs ~0.5 s and
 * ~100 MB, so browsers are launched lazily, once, and reused; a job gets a fresh page (closed
 * afterwards) so no state leaks between prints. At most `size` jobs run at once and at most
 * `maxQueue` wait (FIFO): a school printing 30 classes at once queues instead of exhausting memory.
 *
 * A browser's memory grows with what it printed (renderer caches, fonts, the PDF compositor), so a
 * browser is recycled — closed, and relaunched lazily by the next job — after `recycleAfterJobs`
 * prints or when its process tree holds more than `recycleAboveRssMb` after a print.
 *
 * Debian's /usr/bin/chromium is used (CHROMIUM_PATH overrides); puppeteer-core never downloads one.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Memory: no disk cache, caches dropped eagerly. (Not --renderer-process-limit=1: a page stuck in a
  // loop would then block the next job's page, which shares its renderer.)
  '--disk-cache-size=1',
  '--aggressive-cache-discard',
  '--disable-extensions',
  '--mute-audio',
] as const;

export interface ChromiumPoolOptions {
  /** Browsers running at once (default 2: the 2-core machine). */
  size?: number;
  /** Jobs allowed to wait when every browser is busy (default 100). */
  maxQueue?: number;
  /** Per-job limit, counted from the moment the job gets its page (default 60 s). */
  jobTimeoutMs?: number;
  executablePath?: string;
  /** Extra time given to a page to close after a timeout before the browser is killed. */
  closeGraceMs?: number;
  /** Restart a browser after this many jobs (0 = never; default 20). */
  recycleAfterJobs?: number;
  /** Restart a browser whose process tree holds more than this many MB after a job (0 = never; default 600). */
  recycleAboveRssMb?: number;
}

export interface PoolStats {
  readonly size: number;
  readonly browsers: number;
  readonly running: number;
  readonly queued: number;
  /** Browsers launched since the pool was created (a restart after a crash counts). */
  readonly launches: number;
  /** Browsers closed on purpose after N jobs or above the memory threshold. */
  readonly recycles: number;
}

type Job<T> = (page: Page) => Promise<T>;

interface Waiter {
  start: (slot: Slot) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  index: number;
  browser: Browser | null;
  launching: Promise<Browser> | null;
  userDataDir: string | null;
  busy: boolean;
  /** Jobs run by the current browser. */
  jobs: number;
}

export function defaultChromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export class ChromiumPool {
  private readonly slots: Slot[];
  private readonly queue: Waiter[] = [];
  private readonly maxQueue: number;
  private readonly jobTimeoutMs: number;
  private readonly executablePath: string;
  private readonly closeGraceMs: number;
  private readonly recycleAfterJobs: number;
  private readonly recycleAboveKb: number;
  private launches = 0;
  private recycles = 0;
  private closed = false;

  constructor(opts: ChromiumPoolOptions = {}) {
    const size = Math.max(1, Math.floor(opts.size ?? 2));
    this.slots = Array.from({ length: size }, (_, index) => ({ index, browser: null, launching: null, userDataDir: null, busy: false, jobs: 0 }));
    this.maxQueue = Math.max(0, Math.floor(opts.maxQueue ?? 100));
    this.jobTimeoutMs = opts.jobTimeoutMs ?? 60_000;
    this.executablePath = opts.executablePath ?? defaultChromiumPath();
    // Generous: closing a page that just printed 50 sheets takes seconds on a loaded 2-core machine, and
    // a close that misses the grace kills the whole browser (a relaunch costs more than the wait).
    this.closeGraceMs = opts.closeGraceMs ?? 10_000;
    this.recycleAfterJobs = Math.max(0, Math.floor(opts.recycleAfterJobs ?? 20));
    this.recycleAboveKb = Math.max(0, Math.floor(opts.recycleAboveRssMb ?? 600)) * 1024;
  }

  stats(): PoolStats {
    return {
      size: this.slots.length,
      browsers: this.slots.filter((s) => s.browser?.connected).length,
      running: this.slots.filter((s) => s.busy).length,
      queued: this.queue.length,
      launches: this.launches,
      recycles: this.recycles,
    };
  }

  /** OS process ids of the running browsers (the benchmark samples their memory in /proc). */
  browserPids(): number[] {
    return this.slots.flatMap((s) => {
      const pid = s.browser?.process()?.pid;
      return pid ? [pid] : [];
    });
  }

  /** Runs `job` on a fresh page of a pooled browser; rejects with PRINT_QUEUE_FULL / PRINT_TIMEOUT / PRINT_BROWSER_FAILED. */
  async run<T>(job: Job<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closed) throw printPoolClosed();
    const slot = await this.acquire();
    try {
      return await this.execute(slot, job, opts.timeoutMs ?? this.jobTimeoutMs);
    } finally {
      // Recycling happens before the slot is handed on, so the next job starts on a fresh browser.
      await this.recycleIfDue(slot);
      this.release(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.queue.splice(0)) w.reject(printPoolClosed());
    await Promise.all(this.slots.map((s) => this.dispose(s)));
  }

  private acquire(): Promise<Slot> {
    const free = this.slots.find((s) => !s.busy);
    if (free && this.queue.length === 0) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (this.queue.length >= this.maxQueue) return Promise.reject(printQueueFull(this.queue.length));
    return new Promise<Slot>((resolve, reject) => {
      this.queue.push({
        start: (slot) => resolve(slot),
        reject,
      });
    });
  }

  private release(slot: Slot): void {
    const next = this.queue.shift();
    if (next && !this.closed) {
      // Hand the slot straight to the next waiter: it stays busy, FIFO order is kept.
      next.start(slot);
      return;
    }
    slot.busy = false;
  }

  private async browserFor(slot: Slot): Promise<Browser> {
    if (slot.browser?.connected) return slot.browser;
    if (slot.browser) await this.dispose(slot); // crashed or disconnected: start a new one
    if (!slot.launching) {
      slot.launching = (async () => {
        const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-print-'));
        slot.userDataDir = userDataDir;
        try {
          const browser = await puppeteer.launch({
            executablePath: this.executablePath,
            headless: true,
            userDataDir,
            args: [...CHROMIUM_ARGS],
            // Printing needs no network: nothing in the print HTML is fetched.
            protocolTimeout: Math.max(this.jobTimeoutMs * 2, 30_000),
          });
          this.launches++;
          browser.on('disconnected', () => {
            if (slot.browser === browser) slot.browser = null;
          });
          slot.browser = browser;
          return browser;
        } catch (e) {
          fs.rmSync(userDataDir, { recursive: true, force: true });
          slot.userDataDir = null;
          throw printBrowserFailed(firstLine(e));
        } finally {
          slot.launching = null;
        }
      })();
    }
    return slot.launching;
  }

  private async execute<T>(slot: Slot, job: Job<T>, timeoutMs: number): Promise<T> {
    let browser = await this.browserFor(slot);
    let page: Page;
    try {
      page = await browser.newPage();
    } catch {
      // A browser that cannot open a page is broken — typically it crashed and puppeteer has not
      // noticed the disconnect yet. Start a fresh one and try once more before failing the print.
      await this.dispose(slot);
      browser = await this.browserFor(slot);
      try {
        page = await browser.newPage();
      } catch (e) {
        await this.dispose(slot);
        throw printBrowserFailed(firstLine(e));
      }
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(printTimeout(timeoutMs));
      }, timeoutMs);
    });
    const work = job(page);
    work.catch(() => undefined); // its rejection after a timeout is expected, not unhandled
    try {
      return await Promise.race([work, timeout]);
    } catch (e) {
      if (isAppError(e)) throw e;
      if (!browser.connected) throw printBrowserFailed(firstLine(e));
      throw e;
    } finally {
      clearTimeout(timer);
      const closedInTime = await withTimeout(page.close().then(() => true, () => false), this.closeGraceMs, false);
      // A renderer stuck in a loop ignores page.close(): kill its browser, the slot relaunches lazily.
      if (!closedInTime || (timedOut && !browser.connected)) await this.dispose(slot, true);
    }
  }

  private async recycleIfDue(slot: Slot): Promise<void> {
    const b = slot.browser;
    if (!b || this.closed) return;
    slot.jobs++;
    const pid = b.process()?.pid;
    const tooMany = this.recycleAfterJobs > 0 && slot.jobs >= this.recycleAfterJobs;
    const tooBig = !tooMany && this.recycleAboveKb > 0 && pid !== undefined && processTreeRssKb(pid) > this.recycleAboveKb;
    if (tooMany || tooBig) {
      this.recycles++;
      await this.dispose(slot);
    }
  }

  private async dispose(slot: Slot, kill = false): Promise<void> {
    const b = slot.browser;
    slot.browser = null;
    slot.jobs = 0;
    if (b) {
      if (kill) b.process()?.kill('SIGKILL');
      await withTimeout(b.close().catch(() => undefined), this.closeGraceMs, undefined);
      b.process()?.kill('SIGKILL');
    }
    if (slot.userDataDir) {
      // After a crash Chromium's child processes may still be writing the profile for a moment:
      // retry, and never let a leftover temporary folder fail a print.
      try {
        fs.rmSync(slot.userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      } catch {
        /* left in the OS temp folder */
      }
      slot.userDataDir = null;
    }
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 200);
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(fallback);
      },
    );
  });
}

/** The app's pool from its validated configuration (src/config: PRINT_POOL_SIZE, PRINT_QUEUE_MAX, PRINT_TIMEOUT_MS, PRINT_RECYCLE_AFTER, PRINT_RECYCLE_RSS_MB, CHROMIUM_PATH). */
export function printPoolFromConfig(cfg: { printPool: PrintPoolConfig; chromiumPath: string }): ChromiumPool {
  return new ChromiumPool({
    size: cfg.printPool.size,
    maxQueue: cfg.printPool.maxQueue,
    jobTimeoutMs: cfg.printPool.timeoutMs,
    recycleAfterJobs: cfg.printPool.recycleAfterJobs,
    recycleAboveRssMb: cfg.printPool.recycleAboveRssMb,
    executablePath: cfg.chromiumPath,
  });
}

/**
 * Memory (kB) of a process and all its descendants, from /proc (0 where /proc is unavailable). Uses
 * the proportional set size (Pss: shared pages divided among the processes sharing them): Chromium's
 * processes share the browser binary and fonts, and summing their RSS counts those several times
 * (~800 MB for a browser showing one paragraph, against ~200 MB of Pss).
 */
export function processTreeRssKb(root: number): number {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  const children = new Map<number, number[]>();
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid);
      if (list) list.push(Number(d));
      else children.set(ppid, [Number(d)]);
    } catch {
      /* the process ended meanwhile */
    }
  }
  let kb = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    kb += pssKb(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return kb;
}

/** One process's Pss in kB (its RSS where smaps_rollup is not available; 0 once it has ended). */
export function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    /* no smaps_rollup (old kernel) or the process ended */
  }
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
