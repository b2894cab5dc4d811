import fs from 'node:fs';
import { printPoolConfig } from '../src/config/config';
import { ChromiumPool, processTreeRssKb, pssKb } from '../src/print/chromium-pool';
import { buildClassBook, parsePeriod } from '../src/print/class-book-view-model';
import { renderPdf } from '../src/print/render-pdf';
import { bookData, SUBJECTS_TT22 } from '../test/support/print-factory';
import type { BenchResult } from './support';

/**
 * Print throughput with real Chromium: the semester book of a 45-student class with 14 subjects
 * on a warm pool (target < 3 s), then 30 such classes queued at once on a pool of 2, with the peak
 * memory of node + every Chromium process (sampled from /proc every 100 ms) — as Pss (shared pages
 * counted once, what the machine really spends) and as summed RSS (shared pages counted per process,
 * the figure first reported). The pool uses the app's configured settings (src/config, env overrides).
 * Pure rendering (view model → HTML → PDF): the database part of a print is a few indexed reads.
 */
function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Every descendant of the given pids (Chromium's renderer, GPU and utility processes). */
function descendants(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(d));
      children.set(ppid, list);
    } catch {
      /* the process ended meanwhile */
    }
  }
  const out: number[] = [];
  const stack = [...roots];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

export async function benchPrint(): Promise<BenchResult> {
  const cfg = printPoolConfig();
  const pool = new ChromiumPool({ size: cfg.size, maxQueue: Math.max(cfg.maxQueue, 30), jobTimeoutMs: 300_000, recycleAfterJobs: cfg.recycleAfterJobs, recycleAboveRssMb: cfg.recycleAboveRssMb });
  const meta = { version: 1, dataHash: '0'.repeat(64), printedAt: new Date() };
  const lines: string[] = [];
  try {
    const data = bookData({ regime: 'TT22', students: 45, subjects: SUBJECTS_TT22.slice(0, 14) });
    const period = parsePeriod('HK1')!;
    // Warm-up: launches both browsers.
    await Promise.all([renderPdf(pool, buildClassBook(data, period), meta), renderPdf(pool, buildClassBook(data, period), meta)]);
    const times: number[] = [];
    let pages = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      const r = await renderPdf(pool, buildClassBook(data, period), meta);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      pages = r.pageCount;
    }
    times.sort((a, b) => a - b);
    lines.push(`semester book, 45 students × 14 subjects (${pages} pages), warm pool: median ${(times[2]! / 1000).toFixed(2)} s, min ${(times[0]! / 1000).toFixed(2)} s, max ${(times[4]! / 1000).toFixed(2)} s (target < 3 s)`);

    let peakKb = 0;
    let peakChromeKb = 0;
    let peakRssKb = 0;
    const sampler = setInterval(() => {
      const pids = pool.browserPids();
      const chrome = pids.reduce((a, p) => a + processTreeRssKb(p), 0);
      const total = chrome + pssKb(process.pid);
      peakChromeKb = Math.max(peakChromeKb, chrome);
      peakKb = Math.max(peakKb, total);
      peakRssKb = Math.max(peakRssKb, descendants(pids).reduce((a, p) => a + rssKb(p), 0) + rssKb(process.pid));
    }, 100);
    const t0 = process.hrtime.bigint();
    const docs = Array.from({ length: 30 }, () => buildClassBook(data, period));
    const results = await Promise.all(docs.map((d) => renderPdf(pool, d, meta)));
    const total = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    lines.push(`30 classes queued at once on a pool of ${cfg.size} (recycle after ${cfg.recycleAfterJobs} jobs / above ${cfg.recycleAboveRssMb} MB): total ${total.toFixed(1)} s (${(total / 30).toFixed(2)} s per class, ${results.reduce((a, r) => a + r.pageCount, 0)} pages); peak memory node + Chromium ${(peakKb / 1024).toFixed(0)} MB Pss (Chromium ${(peakChromeKb / 1024).toFixed(0)} MB), ${(peakRssKb / 1024).toFixed(0)} MB as summed RSS; browsers launched: ${pool.stats().launches}, recycled: ${pool.stats().recycles}`);
  } finally {
    await pool.close();
  }
  return { name: 'print (Chromium pool, PDF)', lines };
}
