import { ConfigError, loadConfig, printPoolConfig } from '../../src/config/config';
import { ChromiumPool, printPoolFromConfig, processTreeRssKb, pssKb } from '../../src/print/chromium-pool';
import { isAppError } from '../../src/shared/errors';

/** Real Debian Chromium (CHROMIUM_PATH or /usr/bin/chromium), never a downloaded one. */
jest.setTimeout(120_000);

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return isAppError(e) ? e.code : `UNTYPED ${String(e)}`;
  }
};

describe('ChromiumPool', () => {
  it('reuses its browsers: 5 jobs on a pool of 2 launch at most 2 browsers, each job on its own page', async () => {
    const pool = new ChromiumPool({ size: 2 });
    try {
      const titles = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          pool.run(async (page) => {
            await page.setContent(`<title>job ${i}</title><p>Nguyễn Thị Ngọc Ánh</p>`);
            return page.title();
          }),
        ),
      );
      expect(titles).toEqual(['job 0', 'job 1', 'job 2', 'job 3', 'job 4']);
      expect(pool.stats().launches).toBeLessThanOrEqual(2);
      expect(pool.stats().browsers).toBeLessThanOrEqual(2);
      // A later job reuses a warm browser: no new launch.
      await pool.run(async (page) => page.setContent('<p>x</p>'));
      expect(pool.stats().launches).toBeLessThanOrEqual(2);
      // Pages are closed after each job: only the initial blank tab of each browser remains.
      for (const pid of pool.browserPids()) expect(pid).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('refuses with PRINT_QUEUE_FULL when the bounded queue is full, and keeps FIFO order', async () => {
    const pool = new ChromiumPool({ size: 1, maxQueue: 2 });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const order: number[] = [];
      const first = pool.run(async () => {
        await gate;
        order.push(0);
      });
      const queued = [1, 2].map((i) => pool.run(async () => void order.push(i)));
      expect(await code(pool.run(async () => undefined))).toBe('PRINT_QUEUE_FULL');
      expect(pool.stats().queued).toBe(2);
      release();
      await Promise.all([first, ...queued]);
      expect(order).toEqual([0, 1, 2]);
    } finally {
      await pool.close();
    }
  });

  it('times out a stuck job with PRINT_TIMEOUT (even a renderer in an endless loop) and still works after', async () => {
    const pool = new ChromiumPool({ size: 1, jobTimeoutMs: 1500, closeGraceMs: 1000 });
    try {
      const stuck = pool.run(async (page) => {
        await page.setContent('<p>loop</p>');
        await page.evaluate(() => {
          for (;;) {
            /* a renderer that never yields */
          }
        });
      });
      expect(await code(stuck)).toBe('PRINT_TIMEOUT');
      const after = await pool.run(async (page) => {
        await page.setContent('<p id="v">Đặng Quốc Khánh</p>');
        return page.$eval('#v', (e) => e.textContent);
      });
      expect(after).toBe('Đặng Quốc Khánh');
    } finally {
      await pool.close();
    }
  });

  it('restarts a crashed browser on the next job', async () => {
    const pool = new ChromiumPool({ size: 1 });
    try {
      await pool.run(async (page) => page.setContent('<p>1</p>'));
      const [pid] = pool.browserPids();
      process.kill(pid!, 'SIGKILL');
      // No wait: the next job may start before puppeteer has seen the disconnect, and must still succeed.
      const ok = await pool.run(async (page) => {
        await page.setContent('<p>2</p>');
        return 'ok';
      });
      expect(ok).toBe('ok');
      expect(pool.stats().launches).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('fails with PRINT_BROWSER_FAILED when Chromium cannot be started', async () => {
    const pool = new ChromiumPool({ size: 1, executablePath: '/nonexistent/chromium' });
    try {
      expect(await code(pool.run(async () => undefined))).toBe('PRINT_BROWSER_FAILED');
    } finally {
      await pool.close();
    }
  });

  it('recycles a browser after N jobs: the next job gets a fresh browser, pids change', async () => {
    const pool = new ChromiumPool({ size: 1, recycleAfterJobs: 2, recycleAboveRssMb: 0 });
    try {
      const pids: number[] = [];
      for (let i = 0; i < 5; i++) {
        await pool.run(async (page) => {
          await page.setContent(`<p>${i}</p>`);
          pids.push(pool.browserPids()[0]!);
        });
      }
      // Jobs 1–2 on browser A, 3–4 on B, 5 on C: three launches, two recycles.
      expect(pool.stats().launches).toBe(3);
      expect(pool.stats().recycles).toBe(2);
      expect(pids[0]).toBe(pids[1]);
      expect(pids[2]).toBe(pids[3]);
      expect(new Set(pids).size).toBe(3);
      // The recycled browsers' processes are gone.
      await new Promise((r) => setTimeout(r, 300));
      expect(processTreeRssKb(pids[0]!)).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('recycles a browser whose processes hold more than the RSS threshold after a job', async () => {
    // 1 MB: any real Chromium is above it, so every job ends with a recycle.
    const pool = new ChromiumPool({ size: 1, recycleAfterJobs: 0, recycleAboveRssMb: 1 });
    try {
      for (let i = 0; i < 3; i++) await pool.run(async (page) => page.setContent('<p>x</p>'));
      expect(pool.stats().launches).toBe(3);
      expect(pool.stats().recycles).toBe(3);
      expect(pool.stats().browsers).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('measures a live browser’s process tree (more than the browser process alone)', async () => {
    const pool = new ChromiumPool({ size: 1 });
    try {
      await pool.run(async (page) => {
        await page.setContent('<p>x</p>');
        const pid = pool.browserPids()[0]!;
        // The browser process and its renderer, GPU and utility children, each counted by its Pss.
        expect(pssKb(pid)).toBeGreaterThan(0);
        expect(processTreeRssKb(pid)).toBeGreaterThan(pssKb(pid));
      });
    } finally {
      await pool.close();
    }
  });
});

describe('print pool settings (src/config)', () => {
  it('reads the same environment variables with defaults', () => {
    expect(printPoolConfig({})).toEqual({ size: 2, maxQueue: 100, timeoutMs: 60_000, recycleAfterJobs: 20, recycleAboveRssMb: 600 });
    expect(printPoolConfig({ PRINT_POOL_SIZE: '3', PRINT_QUEUE_MAX: '10', PRINT_TIMEOUT_MS: '5000', PRINT_RECYCLE_AFTER: '0', PRINT_RECYCLE_RSS_MB: '800' })).toEqual({ size: 3, maxQueue: 10, timeoutMs: 5000, recycleAfterJobs: 0, recycleAboveRssMb: 800 });
  });
  it('refuses a bad value, naming the variable in Vietnamese and English', () => {
    expect(() => printPoolConfig({ PRINT_POOL_SIZE: '0' })).toThrow(ConfigError);
    expect(() => printPoolConfig({ PRINT_POOL_SIZE: '0' })).toThrow(/PRINT_POOL_SIZE — phải là số nguyên từ 1 đến 16[\s\S]*must be an integer from 1 to 16/);
    expect(() => printPoolConfig({ PRINT_TIMEOUT_MS: 'soon' })).toThrow(/PRINT_TIMEOUT_MS/);
  });
  it('is part of the app configuration and builds the app’s pool', async () => {
    const cfg = loadConfig({ NODE_ENV: 'test', LTI_ENCRYPTION_KEY: 'k'.repeat(40), LTI_KEK: Buffer.alloc(32, 1).toString('base64'), PRINT_POOL_SIZE: '1', CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(cfg.printPool.size).toBe(1);
    const pool = printPoolFromConfig(cfg);
    try {
      expect(pool.stats().size).toBe(1);
      // The configured Chromium path is the one used.
      expect(await code(pool.run(async () => undefined))).toBe('PRINT_BROWSER_FAILED');
    } finally {
      await pool.close();
    }
  });
});
