import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type { ChromiumPool } from './chromium-pool';
import type { PrintDocument, PrintMeta } from './document';
import { geometry, type Orientation } from './layout';

/**
 * HTML → PDF. The HTML comes from views/print/book.ejs (one template family for every print).
 * Orientation changes per page through CSS named pages (`@page land` / `@page port`), so one PDF
 * holds portrait covers and landscape grids.
 *
 * The book's identity (top) and "trang x / y" (bottom) are written into each page's own HTML, not
 * through Chromium's displayHeaderFooter: pagination is done server-side (every <section> is exactly
 * one sheet: fixed height, overflow hidden), so page numbers are known in advance, and Chromium's
 * header/footer templates cost a separate layout per sheet — about a third of page.pdf's time on a
 * 48-page semester book.
 */
export const PRINT_VIEWS_DIR = path.resolve(__dirname, '..', '..', 'views', 'print');

export interface RenderedPdf {
  readonly pdf: Buffer;
  readonly pageCount: number;
}

/** The sheet's own top/bottom margin; the rest of layout.ts's margin holds the identity / page-number bands. */
const SHEET_EDGE_MM = 4;

function geo(paper: PrintDocument['paper']) {
  const one = (o: Orientation) => {
    const g = geometry(paper, o);
    // 0.5 mm slack so a rounding error never spills a page block onto an extra sheet.
    const sectionMm = g.heightMm - 2 * SHEET_EDGE_MM - 0.5;
    return { ...g, edgeMm: SHEET_EDGE_MM, sectionMm, bandTopMm: g.marginTopMm - SHEET_EDGE_MM, bandBottomMm: g.marginBottomMm - SHEET_EDGE_MM, contentMm: g.heightMm - g.marginTopMm - g.marginBottomMm - 0.5 };
  };
  return { landscape: one('landscape'), portrait: one('portrait') };
}

/** What every page prints in its top and bottom bands. */
export function bands(doc: PrintDocument, meta: PrintMeta): { left: string; right: string; printed: string } {
  const id = doc.identity;
  const d = meta.printedAt;
  return {
    left: `${id.bookTitle} · ${id.schoolName} · Lớp ${id.className} · Năm học ${id.schoolYear}${id.scope ? ` · ${id.scope}` : ''}`,
    // The version makes a re-print that differs visibly new.
    right: `${id.periodLabel} · Bản in số ${meta.version} · dữ liệu ${meta.dataHash.slice(0, 8)}`,
    printed: `In từ Sổ Điểm ngày ${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`,
  };
}

let compiled: ejs.TemplateFunction | null = null;
/** The template compiled once per process (ejs re-reads and re-compiles every include otherwise). */
function template(): ejs.TemplateFunction {
  if (compiled && process.env.NODE_ENV !== 'development') return compiled;
  const file = path.join(PRINT_VIEWS_DIR, 'book.ejs');
  compiled = ejs.compile(fs.readFileSync(file, 'utf8'), { filename: file, async: false, rmWhitespace: false, cache: process.env.NODE_ENV !== 'development' });
  return compiled;
}

export async function renderHtml(doc: PrintDocument, meta: PrintMeta): Promise<string> {
  return template()({ doc, geo: geo(doc.paper), band: bands(doc, meta) });
}

/** Pages of a Chromium PDF (its page objects are plain dictionaries, never in object streams). */
export function countPdfPages(pdf: Buffer): number {
  const m = pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g);
  return m ? m.length : 0;
}

export async function renderPdf(pool: ChromiumPool, doc: PrintDocument, meta: PrintMeta): Promise<RenderedPdf> {
  const html = await renderHtml(doc, meta);
  const pdf = await pool.run(async (page) => {
    // Static HTML, no scripts and nothing to fetch: the print cannot reach the network.
    await page.setJavaScriptEnabled(false);
    // Nothing external to wait for: the DOM is all there is.
    await page.setContent(html, { waitUntil: 'domcontentloaded' });
    const bytes = await page.pdf({
      preferCSSPageSize: true,
      printBackground: true,
      displayHeaderFooter: false,
      // Untagged: a third of the size and faster; the archive copy needs no accessibility tree.
      tagged: false,
      timeout: 0, // the pool's per-job timeout governs
    });
    return Buffer.from(bytes);
  });
  return { pdf, pageCount: countPdfPages(pdf) };
}
