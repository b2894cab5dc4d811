import ExcelJS from 'exceljs';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, T_MINH, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

/** Class score sheet and audit trail exports over real HTTP (CSV with BOM, XLSX), authorisation. */
let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let minh: Client;
let lan: Client;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, minh, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_MINH.id), launchAs(h, P_LAN.id)]);
  // Hoa enters Trần Văn An's HK1 marks: tx 8, 7, 9, 6; gk 7,5; ck 8.
  const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as any;
  const e = f.enrolment.get(STUDENTS[0]!.id)!;
  const vals = ['8', '7', '9', '6', '7,5', '8'];
  const res = await hoa.post(`/grid/${f.math6A}/scores`, { changes: v.columns.map((c: any, i: number) => ({ columnId: c.id, enrolmentId: e, value: vals[i], version: 0 })) });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

const get = (c: Client, path: string) => fetch(`${h.toolUrl}${path}`, { headers: { cookie: c.cookie, accept: 'application/json' } });

describe('class score sheet', () => {
  it('CSV: BOM, title, header with coefficients, the mark row and the term average', async () => {
    const res = await get(hoa, `/export/class-subject/${f.math6A}.csv?term=HK1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const buf = Buffer.from(await res.arrayBuffer());
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = buf.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toContain('Toán — Lớp 6A — Học kỳ I — Năm học 2024-2025');
    expect(lines[1]).toBe('STT,Mã học sinh,Họ và tên,ĐĐGtx 1,ĐĐGtx 2,ĐĐGtx 3,ĐĐGtx 4,ĐĐGgk (hệ số 2),ĐĐGck (hệ số 3),ĐTB Học kỳ I,Ghi chú');
    // ĐTBhk = (8+7+9+6 + 2×7.5 + 3×8) / (4+2+3) = (30+15+24)/9 = 69/9 = 7.666… → 7,7
    const an = lines.find((l) => l.includes('Trần Văn An'))!;
    expect(an).toBe('2,HS01,Trần Văn An,8,7,9,6,"7,5",8,"7,7",');
  });

  it('XLSX: one sheet per term, the leaver noted', async () => {
    const res = await get(hoa, `/export/class-subject/${f.math6A}.xlsx`);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['6A HK1', '6A HK2']);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(2).getCell(3).value).toBe('Họ và tên');
    const rows: string[] = [];
    ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1).join('|')));
    expect(rows.find((r) => r.includes('Phạm Quốc Cường'))).toContain('Đã rời lớp 20/10/2024');
  });

  it('another teacher of the class may not export it (403); the principal may (export.data)', async () => {
    expect((await get(minh, `/export/class-subject/${f.math6A}.csv`)).status).toBe(403);
    expect((await get(lan, `/export/class-subject/${f.math6A}.csv`)).status).toBe(200);
  });
});

describe('class results and statistics', () => {
  it('CSV: results per period, then statistics by band (the leaver listed, not counted)', async () => {
    const res = await get(lan, `/export/class/${f.class6A}.csv`);
    expect(res.status).toBe(200);
    const text = (await res.text()).replace(/^\uFEFF/, '');
    // Subjects in Vietnamese order: Âm nhạc, Ngữ văn, Toán. Trần Văn An's Toán HK1 = 69/9 = 7,67 → 7,7.
    expect(text).toContain('STT,Họ và tên,Âm nhạc,Ngữ văn,Toán,Ghi chú');
    expect(text).toContain('2,Trần Văn An,,,"7,7",');
    expect(text).toContain('Phạm Quốc Cường,,,,Đã rời lớp');
    // HK1 statistics for Toán: 7,7 is in "6,5 đến dưới 8"; 5 of the 6 students still in the class have no average yet.
    const stats = text.split('\r\n').filter((l) => l.startsWith('Toán,'));
    expect(stats[0]).toBe('Toán,0,0,0,1,0,0,0,5,6');
  });

  it('the homeroom teacher may export the class; a subject teacher may not', async () => {
    const tuan = await launchAs(h, T_TUAN.id);
    expect((await get(tuan, `/export/class/${f.class6A}.xlsx`)).status).toBe(200);
    expect((await get(hoa, `/export/class/${f.class6A}.csv`)).status).toBe(403);
  });
});

describe('audit trail', () => {
  it('principal: every record of the school, in chain order, with its hash', async () => {
    const n = Number((await h.db.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('school_id', '=', h.schoolId).executeTakeFirstOrThrow()).n);
    expect(n).toBeGreaterThan(6);
    const res = await get(lan, '/export/audit.csv');
    expect(res.status).toBe(200);
    const lines = (await res.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^Số thứ tự,Thời gian \(giờ Việt Nam\)/);
    expect(lines).toHaveLength(n + 1);
    expect(lines.filter((l) => l.includes('score.create'))).toHaveLength(6);
  });

  it('XLSX and a date filter (a day with no records gives the header only)', async () => {
    const res = await get(lan, '/export/audit.xlsx?from=2000-01-01&to=2000-01-02');
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.actualRowCount).toBe(1);
  });

  it('a teacher may not (403); a bad date is 400', async () => {
    expect((await get(hoa, '/export/audit.csv')).status).toBe(403);
    expect((await get(lan, '/export/audit.csv?from=01-01-2025')).status).toBe(400);
  });
});
