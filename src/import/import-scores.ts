/**
 * Spreadsheet import of one class subject and term. Read → check the file is this class subject's
 * template (marker, term, merged cells, headers) → validate every row and cell with the grid's own
 * parser and locks → write through saveScores (same transaction, versions, locks, audit and LMS
 * outbox as typing in the grid). Mode 'all': nothing is written unless every row is valid.
 * Mode 'valid': rows with an error are skipped, the others written. Either way an error file comes
 * back: the uploaded sheet with a "Lỗi" column giving the reason per cell in Vietnamese.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { loadClassSubject, loadColumns } from '../gradebook/grid-repository';
import { loadGridView, type GridView } from '../gradebook/grid-view-model';
import { authoriseGridWrite, sameSchool } from '../gradebook/access';
import { parseCell, displayCell } from '../gradebook/score-input';
import { saveScores, type CellChange } from '../gradebook/save-scores';
import { importErrors } from './errors';
import { readSheet, type Sheet, type SheetFormat } from './sheet';
import { ERROR_HEADER, FIXED_HEADERS, MARKER, rowsToCsv, rowsToXlsx, templateFileName, termVi } from './template';

export type ImportMode = 'all' | 'valid';

export interface CellError {
  /** 1-based row and column in the file, as Excel numbers them. */
  readonly row: number;
  readonly col: number | null;
  readonly column: string | null;
  readonly code: string;
  readonly reasonVi: string;
}

export interface ImportPlan {
  readonly changes: CellChange[];
  readonly errors: CellError[];
  readonly rows: number;
  readonly validRows: number;
  readonly unchangedCells: number;
  readonly fileTerm: string;
}

export interface ErrorFile {
  readonly name: string;
  readonly mime: string;
  readonly base64: string;
}

export interface ImportResult {
  readonly mode: ImportMode;
  readonly term: string;
  readonly rows: number;
  readonly validRows: number;
  readonly written: number;
  readonly unchangedCells: number;
  readonly errors: CellError[];
  readonly errorFile: ErrorFile | null;
  readonly messageVi: string;
}

const norm = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('vi');

/** The marker row: which class subject and term the file was made for. */
export function readMarker(sheet: Sheet): { csId: number; term: string; desc: string } {
  const m = sheet.rows[0] ?? [];
  if ((m[0] ?? '').trim() !== MARKER) throw importErrors.notTemplate();
  const cs = /^lop-mon:(\d+)$/.exec((m[1] ?? '').trim());
  const term = /^hoc-ky:(HK[12])$/.exec((m[2] ?? '').trim());
  if (!cs || !term) throw importErrors.notTemplate();
  const desc = [m[4], m[3]].filter(Boolean).join(' ') || `lớp/môn số ${cs[1]}`;
  return { csId: Number(cs[1]), term: term[1]!, desc: desc.replace(/^Môn /, 'môn ') };
}

export function checkShape(view: GridView, sheet: Sheet): void {
  if (sheet.merges.length) throw importErrors.mergedCells(sheet.merges);
  const expected = [...FIXED_HEADERS, ...view.columns.map((c) => c.label)];
  const found = (sheet.rows[1] ?? []).map((h) => h.trim());
  // A trailing "Lỗi" column (an error file uploaded again after fixing) is accepted.
  const foundCmp = found[found.length - 1] === ERROR_HEADER ? found.slice(0, -1) : found;
  for (let i = 0; i < Math.max(expected.length, foundCmp.length); i++) {
    const e = expected[i];
    const f = foundCmp[i];
    if (e === f) continue;
    const where = `cột ${i + 1}`;
    const detail = e === undefined ? `${where} "${f}" không có trong sổ điểm` : f === undefined || f === '' ? `thiếu cột "${e}" (${where})` : `${where} là "${f}", sổ điểm cần "${e}"`;
    throw importErrors.columns(detail, expected, foundCmp);
  }
}

export function planImport(view: GridView, sheet: Sheet, fileTerm: string, formById: ReadonlyMap<number, string | null>): ImportPlan {
  const byCode = new Map(view.rows.filter((r) => r.code).map((r) => [norm(r.code!), r]));
  const changes: CellChange[] = [];
  const errors: CellError[] = [];
  const seen = new Map<number, number>();
  let validRows = 0;
  let unchanged = 0;
  let rows = 0;
  const firstCol = FIXED_HEADERS.length;
  sheet.rows.slice(2).forEach((cells, i) => {
    const rowNo = i + 3;
    if (cells.every((c) => c.trim() === '')) return;
    rows++;
    const rowErrors: CellError[] = [];
    const rowChanges: CellChange[] = [];
    const err = (col: number | null, code: string, reasonVi: string) =>
      rowErrors.push({ row: rowNo, col, column: col === null ? null : col <= firstCol ? FIXED_HEADERS[col - 1]! : view.columns[col - firstCol - 1]?.label ?? null, code, reasonVi });
    const code = (cells[1] ?? '').trim();
    const student = code ? byCode.get(norm(code)) : undefined;
    if (!code) err(2, 'IMPORT_NO_CODE', 'Thiếu mã học sinh.');
    else if (!student) err(2, 'IMPORT_UNKNOWN_STUDENT', `Mã học sinh "${code}" không có trong lớp ${view.ctx.className}.`);
    else if (student.left) err(2, 'IMPORT_STUDENT_LEFT', `Học sinh ${student.name} đã rời lớp${student.leftOn ? ` ngày ${student.leftOn.split('-').reverse().join('/')}` : ''}: không nhập điểm mới.`);
    else if (seen.has(student.enrolmentId)) err(2, 'IMPORT_DUPLICATE_STUDENT', `Mã học sinh "${code}" xuất hiện hai lần (dòng ${seen.get(student.enrolmentId)} và dòng ${rowNo}).`);
    else {
      seen.set(student.enrolmentId, rowNo);
      const name = (cells[2] ?? '').trim();
      if (name && norm(name) !== norm(student.name)) err(3, 'IMPORT_NAME_MISMATCH', `Mã "${code}" là của học sinh ${student.name}, không phải "${name}" (các dòng có bị xê dịch không?).`);
    }
    view.columns.forEach((col, j) => {
      const raw = (cells[firstCol + j] ?? '').trim();
      // An empty cell keeps the mark already in the book: clearing a mark is done in the grid.
      if (raw === '' || !student || student.left) return;
      const p = parseCell(raw, { kind: col.kind, valueType: col.valueType, form: formById.get(col.id) ?? null }, view.ctx.regime);
      if (!p.ok) {
        err(firstCol + j + 1, 'IMPORT_INVALID_VALUE', p.reasonVi);
        return;
      }
      const cur = student.cells[col.id] ?? { text: '', version: 0 };
      if (displayCell(p.value, view.ctx.regime) === cur.text) {
        unchanged++;
        return;
      }
      if (col.lock) {
        err(firstCol + j + 1, 'IMPORT_LOCKED', `${col.lock.reasonVi} (ô "${raw}", điểm hiện tại "${cur.text || 'trống'}").`);
        return;
      }
      rowChanges.push({ columnId: col.id, enrolmentId: student.enrolmentId, value: raw, version: cur.version });
    });
    if (rowErrors.length) errors.push(...rowErrors);
    else {
      validRows++;
      changes.push(...rowChanges);
    }
  });
  return { changes, errors, rows, validRows, unchangedCells: unchanged, fileTerm };
}

export async function buildErrorFile(view: GridView, sheet: Sheet, errors: readonly CellError[]): Promise<ErrorFile> {
  const byRow = new Map<number, CellError[]>();
  for (const e of errors) byRow.set(e.row, [...(byRow.get(e.row) ?? []), e]);
  const width = FIXED_HEADERS.length + view.columns.length;
  const rows = sheet.rows.map((r, i) => {
    const base = r.slice(0, width);
    while (base.length < width) base.push('');
    if (i === 0) return r;
    if (i === 1) return [...base, ERROR_HEADER];
    const es = byRow.get(i + 1) ?? [];
    return [...base, es.map((e) => (e.column ? `${e.column}: ${e.reasonVi}` : e.reasonVi)).join('; ')];
  });
  if (sheet.format === 'csv') {
    return { name: templateFileName(view, 'csv', 'loi-nhap-diem'), mime: 'text/csv; charset=utf-8', base64: (await rowsToCsv(rows)).toString('base64') };
  }
  const cells = new Map<string, string>(errors.filter((e) => e.col !== null).map((e) => [`${e.row}:${e.col}`, e.reasonVi]));
  const buf = await rowsToXlsx(rows, { sheetName: 'Lỗi', errorCells: cells });
  return { name: templateFileName(view, 'xlsx', 'loi-nhap-diem'), mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', base64: buf.toString('base64') };
}

export async function importScores(db: Kysely<DB>, session: Session, csId: number, file: Buffer, opts: { mode: ImportMode; term?: string; now?: Date; requestId?: string }): Promise<ImportResult> {
  const ctx = await loadClassSubject(db, csId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);
  const sheet = await readSheet(file);
  const marker = readMarker(sheet);
  if (marker.csId !== csId) throw importErrors.wrongClass(marker.desc, `môn ${ctx.subjectName} lớp ${ctx.className}`);
  if (opts.term && opts.term !== marker.term) throw importErrors.wrongTerm(termVi(marker.term), termVi(opts.term));
  const view = await loadGridView(db, session, ctx, marker.term, opts.now);
  if (view.term.code !== marker.term) throw importErrors.wrongTerm(termVi(marker.term), termVi(view.term.code));
  checkShape(view, sheet);
  const formById = new Map((await loadColumns(db, [csId])).map((c) => [c.id, c.form]));
  const plan = planImport(view, sheet, marker.term, formById);
  const errorFile = plan.errors.length ? await buildErrorFile(view, sheet, plan.errors) : null;
  if (plan.errors.length && opts.mode === 'all') {
    throw importErrors.invalid(plan.errors.length, { errors: plan.errors, errorFile, rows: plan.rows, validRows: plan.validRows });
  }
  if (plan.changes.length) await saveScores(db, session, csId, plan.changes, { ...(opts.now ? { now: opts.now } : {}), requestId: opts.requestId ?? 'import', source: 'import' });
  const written = plan.changes.length;
  const messageVi =
    (written ? `Đã ghi ${written} điểm từ ${plan.validRows} dòng.` : 'Không có điểm mới nào cần ghi.') +
    (plan.errors.length ? ` Bỏ qua ${plan.rows - plan.validRows} dòng có lỗi (xem tệp báo lỗi).` : '');
  return { mode: opts.mode, term: marker.term, rows: plan.rows, validRows: plan.validRows, written, unchangedCells: plan.unchangedCells, errors: plan.errors, errorFile, messageVi };
}

export { type SheetFormat };
