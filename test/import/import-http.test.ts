import ExcelJS from 'exceljs';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_MINH, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * Spreadsheet import over real HTTP (real launches, real app, fresh PostgreSQL): the template, the
 * happy path through the grid's save path, and every bad input of issue 9 — each one answered with
 * a clear Vietnamese message and nothing written.
 */
let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let minh: Client;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, minh] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_MINH.id)]);
});
afterAll(async () => {
  await h?.close();
});

const scoreCount = async () => Number((await h.db.db.selectFrom('score').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

async function upload(c: Client, csId: number, body: Buffer, q = 'mode=all') {
  const res = await fetch(`${h.toolUrl}/import/${csId}?${q}`, { method: 'POST', headers: { cookie: c.cookie, accept: 'application/json', 'content-type': 'application/octet-stream', 'x-csrf-token': c.csrf }, body });
  return { status: res.status, body: (await res.json()) as any };
}

async function templateXlsx(c: Client, csId: number): Promise<ExcelJS.Workbook> {
  const res = await fetch(`${h.toolUrl}/import/${csId}/template.xlsx?term=HK1`, { headers: { cookie: c.cookie } });
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
  return wb;
}
const rowOf = (ws: ExcelJS.Worksheet, code: string) => {
  for (let r = 3; r <= ws.rowCount; r++) if (ws.getRow(r).getCell(2).value === code) return r;
  throw new Error(`no row ${code}`);
};
const xlsxBuffer = async (wb: ExcelJS.Workbook) => Buffer.from(await wb.xlsx.writeBuffer());
const csvTemplate = async (c: Client, csId: number) => {
  const res = await fetch(`${h.toolUrl}/import/${csId}/template.csv?term=HK1`, { headers: { cookie: c.cookie } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
};

describe('template', () => {
  it('XLSX: marker row, regime headers (TT22 Toán 6A), the six students still in the class with their codes', async () => {
    const ws = (await templateXlsx(hoa, f.math6A)).worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('SODIEM');
    expect(ws.getRow(1).getCell(2).value).toBe(`lop-mon:${f.math6A}`);
    expect((ws.getRow(2).values as unknown[]).slice(1)).toEqual(['STT', 'Mã học sinh', 'Họ và tên', 'ĐĐGtx 1', 'ĐĐGtx 2', 'ĐĐGtx 3', 'ĐĐGtx 4', 'ĐĐGgk', 'ĐĐGck']);
    // 7 enrolled − 1 leaver (HS07) = 6 rows, Vietnamese order: Nguyễn Thị An first.
    expect(ws.rowCount).toBe(8);
    expect(ws.getRow(3).getCell(3).value).toBe('Nguyễn Thị An');
    expect(ws.getRow(3).getCell(2).value).toBe('HS03');
  });

  it('CSV: UTF-8 with BOM, Vietnamese intact', async () => {
    const buf = await csvTemplate(hoa, f.math6A);
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(buf.toString('utf8')).toContain('"Mã học sinh"');
  });

  it('another teacher cannot download or upload (403), a principal-less id is 404', async () => {
    expect((await fetch(`${h.toolUrl}/import/${f.math6A}/template.xlsx`, { headers: { cookie: minh.cookie, accept: 'application/json' } })).status).toBe(403);
    const r = await upload(minh, f.math6A, await csvTemplate(hoa, f.math6A));
    expect(r.status).toBe(403);
    expect((await fetch(`${h.toolUrl}/import/999999/template.csv`, { headers: { cookie: hoa.cookie, accept: 'application/json' } })).status).toBe(404);
  });
});

describe('happy path', () => {
  it('XLSX filled in Excel (numbers and "7,5" text) is written through the grid save path with audit', async () => {
    const wb = await templateXlsx(hoa, f.math6A);
    const ws = wb.worksheets[0]!;
    const r1 = rowOf(ws, 'HS01');
    ws.getRow(r1).getCell(4).value = 8; // ĐĐGtx 1 typed as a number
    ws.getRow(r1).getCell(5).value = '7,5'; // ĐĐGtx 2 typed as text with a decimal comma
    const r2 = rowOf(ws, 'HS02');
    ws.getRow(r2).getCell(4).value = 9.5;
    const before = await auditCount(h, 'score.create');
    const t0 = Date.now();
    const r = await upload(hoa, f.math6A, await xlsxBuffer(wb));
    const ms = Date.now() - t0;
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ written: 3, rows: 6, validRows: 6, errors: [], errorFile: null });
    expect(ms).toBeLessThan(2000);
    expect(await auditCount(h, 'score.create')).toBe(before + 3);
    const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as any;
    const row = v.rows.find((x: any) => x.code === 'HS01');
    const tx1 = v.columns.find((c: any) => c.label === 'ĐĐGtx 1').id;
    const tx2 = v.columns.find((c: any) => c.label === 'ĐĐGtx 2').id;
    expect(row.cells[tx1].text).toBe('8');
    expect(row.cells[tx2].text).toBe('7,5');
  });

  it('uploading the same file again writes nothing (unchanged cells are not rewritten)', async () => {
    const wb = await templateXlsx(hoa, f.math6A); // pre-filled with the marks above
    const n = await scoreCount();
    const r = await upload(hoa, f.math6A, await xlsxBuffer(wb));
    expect(r.status).toBe(200);
    expect(r.body.written).toBe(0);
    expect(r.body.unchangedCells).toBe(3);
    expect(await scoreCount()).toBe(n);
  });
});

describe('bad input: a clear message and nothing written', () => {
  async function expectRefused(body: Buffer, code: string, q = 'mode=all', c = hoa) {
    const n = await scoreCount();
    const r = await upload(c, f.math6A, body, q);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message).toMatch(/[ăâđêôơư]/i); // Vietnamese first
    expect(await scoreCount()).toBe(n);
    return r.body.error;
  }

  it('a score "8,55" (CSV): IMPORT_INVALID, reason on that cell, an error file with a "Lỗi" column', async () => {
    const csv = (await csvTemplate(hoa, f.math6A)).toString('utf8').replace(/("HS04","Đỗ Minh Đức",)""/, '$1"8,55"');
    const err = await expectRefused(Buffer.from(csv, 'utf8'), 'IMPORT_INVALID');
    expect(err.details.errors).toHaveLength(1);
    expect(err.details.errors[0]).toMatchObject({ code: 'IMPORT_INVALID_VALUE', column: 'ĐĐGtx 1', col: 4 });
    expect(err.details.errors[0].reasonVi).toMatch(/8,55/);
    const file = Buffer.from(err.details.errorFile.base64, 'base64').toString('utf8');
    expect(file).toContain('"Lỗi"');
    expect(file).toMatch(/ĐĐGtx 1: .*8,55/);
  });

  it('valid-rows-only mode writes the good rows and skips the bad one', async () => {
    const csv = (await csvTemplate(hoa, f.math6A))
      .toString('utf8')
      .replace(/("HS04","Đỗ Minh Đức",)""/, '$1"8,55"')
      .replace(/("HS05","Phạm Thị Dung",)""/, '$1"6"');
    const n = await scoreCount();
    const r = await upload(hoa, f.math6A, Buffer.from(csv, 'utf8'), 'mode=valid');
    expect(r.status).toBe(200);
    // 6 rows, 1 with an error → 5 valid; one new mark (HS05 ĐĐGtx 1 = 6).
    expect(r.body).toMatchObject({ rows: 6, validRows: 5, written: 1 });
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errorFile.name).toMatch(/\.csv$/);
    expect(await scoreCount()).toBe(n + 1);
  });

  it('an unknown student code', async () => {
    const csv = (await csvTemplate(hoa, f.math6A)).toString('utf8').replace('"HS02"', '"HS99"');
    const err = await expectRefused(Buffer.from(csv, 'utf8'), 'IMPORT_INVALID');
    expect(err.details.errors.map((e: any) => e.code)).toContain('IMPORT_UNKNOWN_STUDENT');
    expect(err.details.errors[0].reasonVi).toContain('HS99');
  });

  it('a file of another class (Toán 7A template uploaded to Toán 6A)', async () => {
    const wb = await templateXlsx(hoa, f.math7A);
    const err = await expectRefused(await xlsxBuffer(wb), 'IMPORT_WRONG_CLASS');
    expect(err.message).toContain('7A');
  });

  it('a renamed column', async () => {
    const wb = await templateXlsx(hoa, f.math6A);
    wb.worksheets[0]!.getRow(2).getCell(8).value = 'Giữa kỳ';
    const err = await expectRefused(await xlsxBuffer(wb), 'IMPORT_COLUMNS');
    expect(err.message).toContain('"Giữa kỳ"');
    expect(err.message).toContain('"ĐĐGgk"');
  });

  it('merged cells', async () => {
    const wb = await templateXlsx(hoa, f.math6A);
    wb.worksheets[0]!.mergeCells('D3:E3');
    await expectRefused(await xlsxBuffer(wb), 'IMPORT_MERGED_CELLS');
  });

  it('a file of 50 MB', async () => {
    await expectRefused(Buffer.alloc(50 * 1024 * 1024, 0x41), 'IMPORT_TOO_LARGE');
  });

  it('a CSV in Windows-1258', async () => {
    // "Mã học sinh" in Windows-1258: ã = 0xE3, ọ = o + combining dot below 0xF2: not valid UTF-8.
    const head = Buffer.from(`SODIEM,lop-mon:${f.math6A},hoc-ky:HK1\r\nSTT,M`, 'latin1');
    const body = Buffer.concat([head, Buffer.from([0xe3]), Buffer.from(' ho', 'latin1'), Buffer.from([0xf2]), Buffer.from('c sinh,H\r\n', 'latin1')]);
    await expectRefused(body, 'IMPORT_ENCODING');
  });

  it('not a template, an old .xls, an empty file', async () => {
    await expectRefused(Buffer.from('a,b,c\r\n1,2,3\r\n'), 'IMPORT_NOT_TEMPLATE');
    await expectRefused(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'IMPORT_UNSUPPORTED_FORMAT');
    await expectRefused(Buffer.alloc(0), 'IMPORT_EMPTY');
  });

  it('a name that does not match the code (shifted rows) and a duplicated student', async () => {
    const csv = (await csvTemplate(hoa, f.math6A)).toString('utf8').replace('"Lê Thị Bình"', '"Lê Thị Bính"');
    const lines = csv.split(/\r?\n/).filter((l) => l !== '');
    const dup = lines.find((l) => l.includes('"HS05"'))!;
    const err = await expectRefused(Buffer.from([...lines, dup].join('\n'), 'utf8'), 'IMPORT_INVALID');
    expect(err.details.errors.map((e: any) => e.code).sort()).toEqual(['IMPORT_DUPLICATE_STUDENT', 'IMPORT_NAME_MISMATCH']);
  });

  it('logs carry no names or marks', () => {
    const text = h.logs.join('\n');
    for (const s of STUDENTS) expect(text).not.toContain(s.familyName + ' ' + s.givenName);
    expect(text).not.toContain('8,55');
  });
});

describe('locks and concurrent edits apply to imports as to the grid', () => {
  it('a changed mark in a column locked by a past update point is refused per cell; the same mark passes unchanged', async () => {
    // HK1 regular columns locked since 01/12/2024 (a past update point).
    await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Cập nhật HK1', deadline: new Date('2024-12-01T10:00:00Z'), kinds: ['regular'] }).execute();
    const wb = await templateXlsx(hoa, f.math6A);
    const ws = wb.worksheets[0]!;
    // Unchanged file (HS01 tx1 = 8 already): nothing to write, no error.
    const same = await upload(hoa, f.math6A, await xlsxBuffer(wb));
    expect(same.status).toBe(200);
    expect(same.body.written).toBe(0);
    ws.getRow(rowOf(ws, 'HS01')).getCell(4).value = 10;
    const n = await scoreCount();
    const r = await upload(hoa, f.math6A, await xlsxBuffer(wb));
    expect(r.status).toBe(400);
    expect(r.body.error.details.errors).toHaveLength(1);
    expect(r.body.error.details.errors[0]).toMatchObject({ code: 'IMPORT_LOCKED', column: 'ĐĐGtx 1' });
    expect(r.body.error.details.errors[0].reasonVi).toContain('"8"');
    expect(await scoreCount()).toBe(n);
  });
});
