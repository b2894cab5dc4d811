/**
 * An uploaded sheet → rows of strings, whatever the format (.xlsx via exceljs, CSV via ./csv).
 * Numbers typed in Excel arrive as numbers: 8.5 → "8.5" (parseCell accepts both separators);
 * formulas give their cached result; merged ranges are reported so the caller can refuse them.
 */
import ExcelJS from 'exceljs';
import { importErrors } from './errors';
import { decodeUtf8Strict, parseCsv } from './csv';

export type SheetFormat = 'xlsx' | 'csv';
export interface Sheet {
  readonly format: SheetFormat;
  readonly rows: string[][];
  readonly merges: string[];
}

export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 300;
const MAX_COLS = 80;

const isZip = (b: Buffer) => b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const isOle = (b: Buffer) => b.length > 8 && b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0;

export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('formula' in v || 'sharedFormula' in v) return cellText((v as { result?: ExcelJS.CellValue }).result ?? null);
    if ('text' in v) return String((v as { text: unknown }).text);
    if ('error' in v) return String((v as { error: unknown }).error);
  }
  return String(v);
}

export async function readSheet(buf: Buffer): Promise<Sheet> {
  if (buf.length > MAX_IMPORT_BYTES) throw importErrors.tooLarge(MAX_IMPORT_BYTES);
  if (!buf.length) throw importErrors.empty();
  if (isOle(buf)) throw importErrors.format();
  if (isZip(buf)) {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(buf as unknown as ArrayBuffer);
    } catch {
      throw importErrors.unreadable();
    }
    const ws = wb.worksheets[0];
    if (!ws) throw importErrors.empty();
    if (ws.rowCount > MAX_IMPORT_ROWS + 5) throw importErrors.tooManyRows(MAX_IMPORT_ROWS);
    const merges = [...((ws.model as { merges?: string[] }).merges ?? [])];
    const rows: string[][] = [];
    const width = Math.min(ws.columnCount, MAX_COLS);
    for (let r = 1; r <= ws.rowCount; r++) {
      const row = ws.getRow(r);
      const out: string[] = [];
      for (let c = 1; c <= width; c++) out.push(cellText(row.getCell(c).value).normalize('NFC'));
      rows.push(out);
    }
    return { format: 'xlsx', rows: trimRows(rows), merges };
  }
  // Anything else must be text: a binary file fails the strict UTF-8 decoding or the template check.
  const rows = parseCsv(decodeUtf8Strict(buf));
  if (rows.length > MAX_IMPORT_ROWS + 5) throw importErrors.tooManyRows(MAX_IMPORT_ROWS);
  return { format: 'csv', rows: trimRows(rows.map((r) => r.slice(0, MAX_COLS))), merges: [] };
}

/** Drops trailing empty cells and trailing empty rows (Excel keeps formatted-but-empty ones). */
function trimRows(rows: string[][]): string[][] {
  const out = rows.map((r) => {
    let n = r.length;
    while (n > 0 && r[n - 1]!.trim() === '') n--;
    return r.slice(0, n);
  });
  while (out.length && out[out.length - 1]!.length === 0) out.pop();
  return out;
}
