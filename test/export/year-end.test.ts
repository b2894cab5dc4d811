import { createHash } from 'node:crypto';
import { readZip, unzipTest } from './zip-reader';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, T_HOA, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

/** The year-end package over HTTP: a .zip with manifest.json (counts, SHA-256 per file) and the CSV file set. */
let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let lan: Client;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [hoa, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, P_LAN.id)]);
  const v = (await (await hoa.get(`/grid/${f.math6A}?term=HK1`)).json()) as any;
  const e = f.enrolment.get(STUDENTS[0]!.id)!;
  const vals = ['8', '7', '9', '6', '7,5', '8'];
  expect((await hoa.post(`/grid/${f.math6A}/scores`, { changes: v.columns.map((c: any, i: number) => ({ columnId: c.id, enrolmentId: e, value: vals[i], version: 0 })) })).status).toBe(200);
  await h.db.db.updateTable('school').set({ settings: JSON.stringify({ yearEndRecipient: { level: 'commune', name: 'UBND phường Thử Nghiệm' } }) }).where('id', '=', h.schoolId).execute();
});
afterAll(async () => {
  await h?.close();
});

describe('year-end package', () => {
  it('manifest: recipient from the school setting, counts, SHA-256 of every file, every file complete', async () => {
    const res = await fetch(`${h.toolUrl}/export/year-end/${f.schoolYearId}.zip`, { headers: { cookie: lan.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain('goi-cuoi-nam-2024-2025.zip');
    const zip = Buffer.from(await res.arrayBuffer());
    const files = readZip(zip);
    const t = unzipTest(zip);
    if (t !== null) expect(t).toContain('No errors detected');
    const m = JSON.parse(files.get('nam-hoc-2024-2025/manifest.json')!.toString('utf8'));
    expect(m.recipient).toEqual({ level: 'commune', levelVi: 'Cơ quan quản lý giáo dục cấp xã/phường', name: 'UBND phường Thử Nghiệm' });
    // 6A: 7 students (leaver included, with the date they left), 7A: 2, 9A: 1 → 10.
    expect(m.counts).toEqual({ classes: 3, students: 10 });
    const byName = new Map<string, any>(m.files.map((x: any) => [x.name, x]));
    expect([...byName.keys()].sort()).toEqual(['danh-hieu.csv', 'hoc-luc.csv', 'hoc-sinh.csv', 'ket-qua-mon-hoc.csv', 'quyet-dinh.csv', 'ren-luyen-hanh-kiem.csv', 'vang-mat.csv']);
    for (const [name, meta] of byName) {
      const body = files.get(`nam-hoc-2024-2025/${name}`)!;
      expect(createHash('sha256').update(body).digest('hex')).toBe(meta.sha256);
      expect(body.length).toBe(meta.bytes);
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      // rows + 1 header line
      expect(body.toString('utf8').trim().split('\r\n')).toHaveLength(meta.rows + 1);
    }
    expect(byName.get('hoc-sinh.csv').rows).toBe(10);
    // Subjects × students: 6A 3 × 7 = 21, 7A 1 × 2 = 2, 9A 1 × 1 = 1 → 24.
    expect(byName.get('ket-qua-mon-hoc.csv').rows).toBe(24);
    // Learning level and conduct: HK I, HK II and the year for each of the 10 students.
    expect(byName.get('hoc-luc.csv')).toMatchObject({ status: 'complete', rows: 30 });
    expect(byName.get('ren-luyen-hanh-kiem.csv')).toMatchObject({ status: 'complete', rows: 30 });
    // Titles: TT22 classes (6A: 7, 9A: 1) the year only; 7A under TT58 (the school's override) HK I, HK II, year: 2 × 3.
    expect(byName.get('danh-hieu.csv')).toMatchObject({ status: 'complete', rows: 14 });
    expect(byName.get('vang-mat.csv').rows).toBe(10);
    for (const meta of byName.values()) expect(meta.status).toBe('complete');
    const results = files.get('nam-hoc-2024-2025/ket-qua-mon-hoc.csv')!.toString('utf8');
    // ĐTBhk1 of Trần Văn An in Toán: (8+7+9+6 + 2×7,5 + 3×8)/9 = 69/9 = 7,67 → 7,7.
    expect(results).toContain('HS01,Trần Văn An,6A,Toán,"7,7",,');
    expect(files.get('nam-hoc-2024-2025/hoc-sinh.csv')!.toString('utf8')).toContain('HS07,Phạm,Quốc Cường,,,6A,6,05/09/2024,20/10/2024');
  });

  it('without the setting the manifest says the recipient is not configured; teachers are refused', async () => {
    await h.db.db.updateTable('school').set({ settings: JSON.stringify({}) }).where('id', '=', h.schoolId).execute();
    const res = await fetch(`${h.toolUrl}/export/year-end/${f.schoolYearId}.zip`, { headers: { cookie: lan.cookie } });
    const m = JSON.parse(readZip(Buffer.from(await res.arrayBuffer())).get('nam-hoc-2024-2025/manifest.json')!.toString('utf8'));
    expect(m.recipient).toBeNull();
    expect(m.recipientNoteVi).toContain('chưa khai báo');
    expect((await fetch(`${h.toolUrl}/export/year-end/${f.schoolYearId}.zip`, { headers: { cookie: hoa.cookie, accept: 'application/json' } })).status).toBe(403);
    expect((await fetch(`${h.toolUrl}/export/year-end/999999.zip`, { headers: { cookie: lan.cookie, accept: 'application/json' } })).status).toBe(404);
  });
});
