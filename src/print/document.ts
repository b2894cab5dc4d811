/**
 * The print document: what a template needs and nothing else, already paginated. Built by the pure
 * view models (class-book-view-model, teacher-sheet-view-model) and hashed as the print's "data
 * version", so it holds no clock, no printer and no version number (those travel in PrintMeta).
 */
import type { Orientation, PaperSize } from './layout';

/** Column width classes; the widths themselves live in views/print/_style.ejs. */
export type ColWidth = 'no' | 'fam' | 'given' | 'name' | 'mark' | 'avg' | 'day' | 'tot' | 'note' | 'date' | 'short' | 'text' | 'month' | 'sign' | 'flex' | 'multi';

export interface HeaderCell {
  readonly text: string;
  /** Small italic second line ("(hoặc người giám hộ)"). */
  readonly sub?: string;
  readonly colspan?: number;
  readonly rowspan?: number;
  /** 'v' = vertical text (summary subject names), 'diag' = the roll-call "Ngày / Họ và tên / Thứ" cell. */
  readonly cls?: string;
}

export interface Cell {
  readonly t: string;
  /** 'c' centred, 'l' left, 'fam' / 'given' name halves (no rule between them), 'small' long names. */
  readonly cls?: string;
  /** A roll-call day-off column closed over the page's student rows (the rows below omit that cell). */
  readonly rowspan?: number;
}

export interface GridRow {
  readonly cells: readonly Cell[];
  /** Heavy rule after every 5th row (the paper forms' grouping). */
  readonly groupEnd: boolean;
  /** A student who has left: name struck through in red (book-forms.md §0.1). */
  readonly left: boolean;
}

export interface SignatureBlock {
  readonly caption: string;
  readonly sub?: string;
  /** The person's name printed under the signature space, when known. */
  readonly name?: string | null;
  /** "‹Địa danh›, ngày … tháng … năm …" above the caption. */
  readonly dateLine?: string;
}

export interface GridPage {
  readonly type: 'grid';
  readonly orientation: Orientation;
  /** Centred title lines ("HỌC KÌ I", "Môn Toán"). */
  readonly title: readonly string[];
  /** Bold italic line under the title, left and right ("Tháng 11 năm 2024" / "Tổng số học sinh…"). */
  readonly headLeft?: string;
  readonly headRight?: string;
  readonly cols: readonly ColWidth[];
  readonly header: readonly (readonly HeaderCell[])[];
  readonly rows: readonly GridRow[];
  /** "Trong trang này có … điểm được sửa chữa…" (null on pages without scores). */
  readonly correctionNote: string | null;
  /** Extra lines under the table (e.g. "Tổng hợp chung" of the year page). */
  readonly footNote?: readonly string[];
  readonly signatures: readonly SignatureBlock[];
  /** 2nd, 3rd… page of the same table. */
  readonly continued: boolean;
  /**
   * Right-hand page of a two-page spread (TT58 score pages): its rows are numbered as the page before
   * it, and the template writes "Ghi chú: số TT ở trang này là số TT ở trang ‹n›" with that page's number.
   */
  readonly pairedWithPrevious?: boolean;
}

export interface CoverPage {
  readonly type: 'cover';
  readonly orientation: 'portrait';
  readonly topLeft: readonly string[];
  readonly title: readonly string[];
  readonly fields: readonly (readonly [string, string])[];
  readonly bottom: string;
  readonly signatures: readonly SignatureBlock[];
}

export interface DividerPage {
  readonly type: 'divider';
  readonly orientation: Orientation;
  readonly lines: readonly string[];
  readonly signatures: readonly SignatureBlock[];
}

export type PrintPage = GridPage | CoverPage | DividerPage;

export interface PrintIdentity {
  /** "SỔ GỌI TÊN VÀ GHI ĐIỂM" / "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH (THEO LỚP HỌC)" / teacher sheet. */
  readonly bookTitle: string;
  readonly schoolName: string;
  readonly className: string;
  readonly schoolYear: string;
  /** "Tháng 11/2024", "Học kỳ I", "Cả năm". */
  readonly periodLabel: string;
  /** Teacher sheets: "Môn Toán – GV Trần Thị Hoa". */
  readonly scope?: string;
}

export interface PrintDocument {
  readonly identity: PrintIdentity;
  readonly paper: PaperSize;
  readonly pages: readonly PrintPage[];
  /** ASCII file name without extension, for Content-Disposition's fallback. */
  readonly fileStem: string;
}

/** What varies between two prints of the same data: not part of the data hash. */
export interface PrintMeta {
  readonly version: number;
  readonly dataHash: string;
  readonly printedAt: Date;
}
