/**
 * One streamed table writer for both formats, so every export is written once:
 * CSV (@fast-csv/format, UTF-8 with BOM so Excel reads Vietnamese) or XLSX (exceljs streaming
 * writer: rows are committed as they come, memory stays bounded whatever the row count).
 * Writers respect back-pressure: `row()` resolves when the destination has drained.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { format as csvFormat, type CsvFormatterStream } from '@fast-csv/format';

export type TableFormat = 'csv' | 'xlsx';
export type CellOut = string | number | null;

export interface TableWriter {
  /** Starts a new sheet (XLSX) or, in CSV, a blank line then the title (one CSV = one table, normally one sheet). */
  sheet(name: string, header: readonly string[], opts?: { widths?: readonly number[]; preamble?: readonly string[][] }): void;
  row(cells: readonly CellOut[]): Promise<void>;
  end(): Promise<void>;
}

export const MIME: Record<TableFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function tableWriter(fmt: TableFormat, out: Writable): TableWriter {
  return fmt === 'csv' ? csvWriter(out) : xlsxWriter(out);
}

function csvWriter(out: Writable): TableWriter {
  const s: CsvFormatterStream<string[], string[]> = csvFormat({ writeBOM: true, rowDelimiter: '\r\n' });
  s.pipe(out);
  let sheets = 0;
  const write = async (r: readonly CellOut[]) => {
    if (!s.write(r.map((c) => (c === null ? '' : String(c))))) await once(s, 'drain');
  };
  return {
    sheet(name, header, opts) {
      if (sheets++ > 0) s.write([]);
      for (const p of opts?.preamble ?? []) s.write([...p]);
      s.write([...header]);
      void name;
    },
    row: write,
    async end() {
      s.end();
      await once(out, 'finish').catch(() => undefined);
    },
  };
}

function xlsxWriter(out: Writable): TableWriter {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  wb.creator = 'Sổ Điểm';
  let ws: ExcelJS.Worksheet | null = null;
  let n = 0;
  const closeSheet = () => {
    if (ws) (ws as unknown as { commit(): void }).commit();
  };
  return {
    sheet(name, header, opts) {
      closeSheet();
      const pre = opts?.preamble ?? [];
      ws = wb.addWorksheet(name.replace(/[\\/?*[\]:]/g, '-').slice(0, 31), { views: [{ state: 'frozen', ySplit: pre.length + 1 }] });
      (opts?.widths ?? []).forEach((w, i) => (ws!.getColumn(i + 1).width = w));
      for (const p of pre) ws.addRow([...p]).commit();
      const hr = ws.addRow([...header]);
      hr.font = { bold: true };
      hr.commit();
    },
    async row(cells) {
      if (!ws) throw new Error('sheet() first');
      ws.addRow([...cells]).commit();
      // Let the zip stream flush every few hundred rows (back-pressure from the socket).
      if (++n % 500 === 0) await new Promise((r) => setImmediate(r));
    },
    async end() {
      closeSheet();
      await wb.commit();
    },
  };
}
