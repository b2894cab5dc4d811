import path from 'node:path';
import ejs from 'ejs';
import type { ChromiumPool } from './chromium-pool';
import type { PrintDocument, PrintMeta } from './document';
import { geometry, type Orientation } from './layout';

/**
 * HTML → PDF. The HTML comes from views/print/book.ejs (one template family for every print); the
 * book's identity goes in Chromium's page header and "trang x / y" in its footer (pageNumber /
 * totalPages are filled in by Chromium). Orientation changes per page through CSS named pages
 * (`@page land` / `@page port`), so one PDF holds portrait covers and landscape grids.
 */
export const PRINT_VIEWS_DIR = path.resolve(__dirname, '..', '..', 'views', 'print');

export interface RenderedPdf {
  readonly pdf: Buffer;
  readonly pageCount: number;
}

function geo(paper: PrintDocument['paper']) {
  const one = (o: Orientation) => {
    const g = geometry(paper, o);
    // 0.5 mm slack so a rounding error never spills a page block onto an extra sheet.
    return { ...g, contentMm: g.heightMm - g.marginTopMm - g.marginBottomMm - 0.5 };
  };
  return { landscape: one('landscape'), portrait: one('portrait') };
}

export async function renderHtml(doc: PrintDocument): Promise<string> {
  return ejs.renderFile(path.join(PRINT_VIEWS_DIR, 'book.ejs'), { doc, geo: geo(doc.paper) }, { async: false, rmWhitespace: false, cache: process.env.NODE_ENV === 'production' });
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const FONT = `font-family: 'Times New Roman', 'Liberation Serif', 'Noto Serif', serif; font-size: 7pt; color: #000; white-space: nowrap;`;

/** The identity line on every page; the version makes a re-print that differs visibly new. */
export function headerTemplate(doc: PrintDocument, meta: PrintMeta): string {
  const id = doc.identity;
  const left = `${id.bookTitle} · ${id.schoolName} · Lớp ${id.className} · Năm học ${id.schoolYear}${id.scope ? ` · ${id.scope}` : ''}`;
  const right = `${id.periodLabel} · Bản in số ${meta.version} · dữ liệu ${meta.dataHash.slice(0, 8)}`;
  return `<div style="${FONT} width: 100%; padding: 0 8mm 0 15mm; display: flex; justify-content: space-between; gap: 4mm;"><span style="overflow: hidden; text-overflow: ellipsis;">${esc(left)}</span><span>${esc(right)}</span></div>`;
}

export function footerTemplate(meta: PrintMeta): string {
  const d = meta.printedAt;
  const when = `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`;
  return `<div style="${FONT} width: 100%; padding: 0 8mm 0 15mm; display: flex; justify-content: space-between;"><span>In từ Sổ Điểm ngày ${when}</span><span>trang <span class="pageNumber"></span> / <span class="totalPages"></span></span><span style="min-width: 30mm;"></span></div>`;
}

/** Pages of a Chromium PDF (its page objects are plain dictionaries, never in object streams). */
export function countPdfPages(pdf: Buffer): number {
  const m = pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g);
  return m ? m.length : 0;
}

export async function renderPdf(pool: ChromiumPool, doc: PrintDocument, meta: PrintMeta): Promise<RenderedPdf> {
  const html = await renderHtml(doc);
  const pdf = await pool.run(async (page) => {
    // Static HTML, no scripts and nothing to fetch: the print cannot reach the network.
    await page.setJavaScriptEnabled(false);
    await page.setContent(html, { waitUntil: 'load' });
    const bytes = await page.pdf({
      preferCSSPageSize: true,
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(doc, meta),
      footerTemplate: footerTemplate(meta),
      // Untagged: a third of the size and faster; the archive copy needs no accessibility tree.
      tagged: false,
      timeout: 0, // the pool's per-job timeout governs
    });
    return Buffer.from(bytes);
  });
  return { pdf, pageCount: countPdfPages(pdf) };
}
