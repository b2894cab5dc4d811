import { ChromiumPool } from '../../src/print/chromium-pool';
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
      await new Promise((r) => setTimeout(r, 300));
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
});
