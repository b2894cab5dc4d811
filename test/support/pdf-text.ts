import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChromiumPool } from '../../src/print/chromium-pool';

/**
 * Print tests render with the real Chromium and read the PDF back with pdftotext (poppler-utils):
 * one pool and one scratch folder per test file.
 */
export function usePrintPool(prefix: string): { pool: () => ChromiumPool; dir: string } {
  let pool: ChromiumPool | undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  beforeAll(() => {
    pool = new ChromiumPool({ size: 2, jobTimeoutMs: 120_000 });
  });
  afterAll(async () => {
    await pool?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { pool: () => pool!, dir };
}

/** Spaces collapsed, Unicode composed: what an inspector reads, whatever the PDF's glyph spacing. */
export const normPdfText = (s: string): string => s.normalize('NFC').replace(/[ \t]+/g, ' ');

/** The text of each page with pdftotext's layout spacing kept (pages are separated by form feeds). */
export function pdfPages(file: string, pageCount: number): string[] {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).split('\f').slice(0, pageCount);
}
