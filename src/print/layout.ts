/**
 * Page geometry of every print, in one place (with the CSS in views/print/_style.ejs, which reads
 * these numbers). The paper book is A3 ("khổ rộng"); A4 is the default output, so grids go
 * landscape and covers/lists portrait (book-forms.md §0.2). Rows per page are multiples of 5 to
 * keep the 5-row grouping of the paper forms, and small enough that the signature lines always fit
 * at the foot of the page: pagination is done here, server-side, so no row is ever cut and every
 * page carries its signatures.
 */
export type PaperSize = 'A4' | 'A3';
export type Orientation = 'portrait' | 'landscape';

export interface PageGeometry {
  /** Sheet size in mm, already oriented. */
  readonly widthMm: number;
  readonly heightMm: number;
  /** @page margins in mm: the header/footer (book identity, "trang x / y") print inside top/bottom. */
  readonly marginTopMm: number;
  readonly marginBottomMm: number;
  /** Binding edge: an empty gutter so the giáp lai seal does not cover data (book-forms.md §0.2). */
  readonly marginLeftMm: number;
  readonly marginRightMm: number;
  /** Student rows per grid page. */
  readonly rows: number;
  /** Height of one student row in mm (fixed: pagination depends on it). */
  readonly rowMm: number;
  /** Base font size of grid pages in pt. */
  readonly fontPt: number;
}

const SHEETS: Record<PaperSize, { short: number; long: number }> = { A4: { short: 210, long: 297 }, A3: { short: 297, long: 420 } };

const ROWS: Record<PaperSize, Record<Orientation, { rows: number; rowMm: number; fontPt: number }>> = {
  A4: { landscape: { rows: 25, rowMm: 5, fontPt: 9 }, portrait: { rows: 40, rowMm: 5.5, fontPt: 9.5 } },
  A3: { landscape: { rows: 40, rowMm: 5.5, fontPt: 10 }, portrait: { rows: 60, rowMm: 5.5, fontPt: 10 } },
};

export function geometry(paper: PaperSize, orientation: Orientation): PageGeometry {
  const s = SHEETS[paper];
  const r = ROWS[paper][orientation];
  return {
    widthMm: orientation === 'landscape' ? s.long : s.short,
    heightMm: orientation === 'landscape' ? s.short : s.long,
    marginTopMm: 11,
    marginBottomMm: 11,
    marginLeftMm: 15,
    marginRightMm: 8,
    ...r,
  };
}

export const paperSizeOf = (settings: Record<string, unknown> | null | undefined): PaperSize => (settings?.paperSize === 'A3' ? 'A3' : 'A4');
