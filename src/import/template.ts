/**
 * The import template of one class subject and term: a marker row the importer checks (class
 * subject id and term, so a file of another class is refused), the header row (STT, code, name,
 * then the term's columns exactly as the grid labels them under the regime), one row per student
 * still in the class, pre-filled with the current marks (unchanged cells are not rewritten).
 */
import ExcelJS from 'exceljs';
import { format as csvFormat } from '@fast-csv/format';
import type { GridView } from '../gradebook/grid-view-model';

export const MARKER = 'SODIEM';
export const FIXED_HEADERS = ['STT', 'Mã học sinh', 'Họ và tên'] as const;
export const ERROR_HEADER = 'Lỗi';

export const termVi = (code: string) => (code === 'HK1' ? 'Học kỳ I' : code === 'HK2' ? 'Học kỳ II' : code);

export function markerRow(view: GridView): string[] {
  return [MARKER, `lop-mon:${view.ctx.id}`, `hoc-ky:${view.term.code}`, `Lớp ${view.ctx.className}`, `Môn ${view.ctx.subjectName}`, `Năm học ${view.ctx.schoolYearName}`];
}

export function templateRows(view: GridView): string[][] {
  const header = [...FIXED_HEADERS, ...view.columns.map((c) => c.label)];
  const rows = view.rows.filter((r) => !r.left).map((r, i) => [String(i + 1), r.code ?? '', r.name, ...view.columns.map((c) => r.cells[c.id]?.text ?? '')]);
  return [markerRow(view), header, ...rows];
}

export function templateFileName(view: GridView, ext: 'xlsx' | 'csv', suffix = 'mau-nhap-diem'): string {
  const ascii = `${view.ctx.className}-${view.ctx.subjectName}-${view.term.code}`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').replace(/[^A-Za-z0-9-]+/g, '-');
  return `${suffix}-${ascii}.${ext}`;
}

/** XLSX: text-formatted score cells (Excel must not turn "8,5" into a date), frozen header, widths. */
export async function rowsToXlsx(rows: string[][], opts: { sheetName: string; errorCells?: ReadonlyMap<string, string>; title?: string }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Sổ Điểm';
  const ws = wb.addWorksheet(opts.sheetName, { views: [{ state: 'frozen', ySplit: 2, xSplit: 3 }] });
  rows.forEach((r, i) => {
    const row = ws.addRow(r.map((v, j) => (i >= 2 && j === 0 && /^\d+$/.test(v) ? Number(v) : v)));
    if (i === 1) row.font = { bold: true };
    if (i === 0) row.font = { italic: true, color: { argb: 'FF666666' } };
  });
  const width = Math.max(...rows.map((r) => r.length));
  for (let c = 1; c <= width; c++) {
    const col = ws.getColumn(c);
    col.width = c === 1 ? 6 : c === 2 ? 14 : c === 3 ? 26 : 11;
    if (c > 3) col.numFmt = '@';
  }
  for (const [key, reason] of opts.errorCells ?? []) {
    const [r, c] = key.split(':').map(Number) as [number, number];
    const cell = ws.getCell(r, c);
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } };
    cell.note = reason;
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** CSV: UTF-8 with BOM (Excel then reads Vietnamese correctly), every field quoted. */
export function rowsToCsv(rows: string[][]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = csvFormat({ writeBOM: true, quoteColumns: true });
    s.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    const width = Math.max(...rows.map((r) => r.length));
    for (const r of rows) s.write([...r, ...Array<string>(width - r.length).fill('')]);
    s.end();
  });
}
