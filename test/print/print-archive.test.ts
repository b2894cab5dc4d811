import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSession } from '../../src/auth/session';
import type { Role } from '../../src/auth/roles';
import { startHarness, type Harness } from '../support/harness';
import { seedPrintClass, SUBJECTS_TT22, type SeededClass } from '../support/print-factory';

/**
 * The archive through HTTP on the real app: print → archived with hashes; same data → same entry;
 * a changed score → version 2, visibly so on every page; the principal's monthly sign-off is a
 * recorded, audited event; download is refused to roles the school's rules do not allow.
 */
jest.setTimeout(180_000);

let h: Harness;
let c: SeededClass;

interface Client {
  get(p: string, accept?: string): Promise<Response>;
  post(p: string, form: Record<string, string>, accept?: string): Promise<Response>;
}

async function clientFor(personId: number, roles: Role[]): Promise<Client> {
  const { token, session } = await createSession(h.db.db, { schoolId: h.schoolId, personId, courseLinkId: null, roles, ltiRoles: [], ttlMinutes: 30 });
  const headers = { cookie: `sd_session=${token}` };
  return {
    get: (p, accept = 'text/html') => fetch(`${h.toolUrl}${p}`, { redirect: 'manual', headers: { ...headers, accept } }),
    post: (p, form, accept = 'application/json') =>
      fetch(`${h.toolUrl}${p}`, { method: 'POST', redirect: 'manual', headers: { ...headers, accept, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: session.csrfToken, ...form }) }),
  };
}

beforeAll(async () => {
  h = await startHarness();
  c = await seedPrintClass(h.db.db, h.schoolId, { students: 20, subjects: SUBJECTS_TT22.filter((s) => ['TOAN', 'GDTC'].includes(s.code)) });
});
afterAll(async () => {
  await h?.close();
});

const pdfText = (pdf: Buffer): string => {
  const f = path.join(os.tmpdir(), `sodiem-archive-${process.pid}-${Date.now()}.pdf`);
  fs.writeFileSync(f, pdf);
  try {
    return execFileSync('pdftotext', ['-layout', f, '-'], { encoding: 'utf8' }).normalize('NFC');
  } finally {
    fs.rmSync(f, { force: true });
  }
};

describe('print archive', () => {
  let principal: Client;
  let firstId: number;

  beforeAll(async () => {
    principal = await clientFor(c.principalId, ['principal', 'subject_teacher']);
  });

  it('prints a semester book and archives it with the PDF SHA-256, the data hash, the printer and the page count (audited)', async () => {
    const res = await principal.post(`/print/classes/${c.classId}`, { kind: 'class_book', period: 'HK1' });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { archiveId: number; version: number; sha256: string; dataHash: string; pageCount: number; reused: boolean };
    expect(out).toMatchObject({ version: 1, reused: false });
    firstId = out.archiveId;
    const row = await h.db.db.selectFrom('print_archive').selectAll().where('id', '=', firstId).executeTakeFirstOrThrow();
    expect(createHash('sha256').update(row.pdf).digest('hex')).toBe(row.sha256);
    expect(Number(row.printed_by)).toBe(c.principalId);
    expect(row.page_count).toBe(out.pageCount);
    expect(row.period).toBe('HK1');
    const audit = await h.db.db.selectFrom('audit_log').select(['action', 'entity_id', 'new_value']).where('action', '=', 'print.archive').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.new_value).toMatchObject({ sha256: row.sha256, version: 1, period: 'HK1' });
    // No personal data in the audit record: hashes and scope only.
    expect(JSON.stringify(audit[0]!.new_value)).not.toMatch(/Nguyễn|Ánh/);
  });

  it('same data again → the same archive entry, not a new version', async () => {
    const res = await principal.post(`/print/classes/${c.classId}`, { kind: 'class_book', period: 'HK1' });
    const out = (await res.json()) as { archiveId: number; version: number; reused: boolean };
    expect(out).toMatchObject({ archiveId: firstId, version: 1, reused: true });
    expect(Number((await h.db.db.selectFrom('print_archive').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(1);
  });

  it('a changed score → version 2, printed as "Bản in số 2" on every page, both versions downloadable', async () => {
    await h.db.db.updateTable('score').set({ tenths: 100 }).where('column_id', '=', c.columnIds[0]!).where('enrolment_id', '=', c.enrolmentIds[0]!).execute();
    const res = await principal.post(`/print/classes/${c.classId}`, { kind: 'class_book', period: 'HK1' });
    const out = (await res.json()) as { archiveId: number; version: number; reused: boolean; pageCount: number };
    expect(out.version).toBe(2);
    expect(out.archiveId).not.toBe(firstId);
    const dl = await principal.get(`/print/archive/${out.archiveId}/pdf`, 'application/pdf');
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('application/pdf');
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="So-Lop-6A-HK1-v2\.pdf"; filename\*=UTF-8''/);
    const pdf = Buffer.from(await dl.arrayBuffer());
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(dl.headers.get('x-content-sha256'));
    const pages = pdfText(pdf).split('\f').slice(0, out.pageCount);
    for (const p of pages) expect(p).toContain('Bản in số 2');
    // Nguyễn Thị Ngọc Ánh's first ĐĐGtx is now 10: (10+6+8 + 2×8,5 + 3×5,5)/8 = 57,5/8 = 7,1875 → 7,2
    const toan = pages.find((p) => p.includes('Môn Toán'))!;
    expect(toan.split('\n').find((l) => l.includes('Nguyễn Thị Ngọc Ánh'))).toMatch(/10 +6 +8 +8,5 +5,5 +7,2/);
    const v1 = await principal.get(`/print/archive/${firstId}/pdf`, 'application/pdf');
    expect(v1.status).toBe(200);
    expect(pdfText(Buffer.from(await v1.arrayBuffer()))).toContain('Bản in số 1');
  });

  it('the class page lists both versions with their printer', async () => {
    const res = await principal.get(`/print/classes/${c.classId}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('số 1');
    expect(html).toContain('số 2');
    expect(html).toContain('Vũ Thị Lan');
  });

  it("the principal's monthly sign-off is recorded on the month's print and audited; only monthly prints take one", async () => {
    const res = await principal.post(`/print/classes/${c.classId}`, { kind: 'class_book', period: '2024-11' });
    const month = (await res.json()) as { archiveId: number };
    const sign = await principal.post(`/print/archive/${month.archiveId}/signoff`, {});
    expect(sign.status).toBe(200);
    expect(await sign.json()).toMatchObject({ created: true });
    const again = await principal.post(`/print/archive/${month.archiveId}/signoff`, {});
    expect(await again.json()).toMatchObject({ created: false });
    const rows = await h.db.db.selectFrom('print_signoff').selectAll().where('archive_id', '=', month.archiveId).execute();
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.person_id)).toBe(c.principalId);
    expect(rows[0]!.role).toBe('principal');
    expect(await h.db.db.selectFrom('audit_log').select('action').where('action', '=', 'print.signoff').execute()).toHaveLength(1);
    const semester = await principal.post(`/print/archive/${firstId}/signoff`, {});
    expect(semester.status).toBe(409);
    expect(((await semester.json()) as { error: { code: string } }).error.code).toBe('PRINT_SIGNOFF_NOT_ALLOWED');
  });

  it('the teacher sheet of one class subject is archived in its own scope', async () => {
    const res = await principal.post(`/print/classes/${c.classId}`, { kind: 'teacher_sheet', period: 'HK1', class_subject_id: String(c.classSubjectIds[0]) });
    const out = (await res.json()) as { version: number; pageCount: number };
    expect(out.version).toBe(1);
    expect(out.pageCount).toBe(1);
  });

  it('download, print and sign-off are refused (403) to a subject teacher; a bad period is 400', async () => {
    const teacher = await clientFor(c.teacherIds[0]!, ['subject_teacher']);
    const dl = await teacher.get(`/print/archive/${firstId}/pdf`, 'application/json');
    expect(dl.status).toBe(403);
    expect(((await dl.json()) as { error: { code: string } }).error.code).toBe('AUTH_NOT_PERMITTED');
    expect((await teacher.post(`/print/classes/${c.classId}`, { kind: 'class_book', period: 'HK1' })).status).toBe(403);
    expect((await teacher.post(`/print/archive/${firstId}/signoff`, {})).status).toBe(403);
    const bad = await principal.post(`/print/classes/${c.classId}`, { kind: 'class_book', period: '2024-13' });
    expect(bad.status).toBe(400);
    // Another school's print is not found, not leaked.
    const other = await h.db.db.insertInto('school').values({ code: 'OTHER', name: 'Trường khác', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
    const p = await h.db.db.selectFrom('person').select(['id', 'deployment_id']).where('id', '=', c.principalId).executeTakeFirstOrThrow();
    const stranger = await h.db.db.insertInto('person').values({ school_id: other.id, deployment_id: p.deployment_id, lms_user_id: 'stranger', family_name: 'Lạ', given_name: 'Người', display_name: 'x', email: null, person_code: null, date_of_birth: null, gender: null }).returning('id').executeTakeFirstOrThrow();
    const { token } = await createSession(h.db.db, { schoolId: Number(other.id), personId: Number(stranger.id), courseLinkId: null, roles: ['principal'], ltiRoles: [], ttlMinutes: 5 });
    const res = await fetch(`${h.toolUrl}/print/archive/${firstId}/pdf`, { headers: { cookie: `sd_session=${token}`, accept: 'application/json' } });
    expect(res.status).toBe(404);
  });

  it('logs no personal data', () => {
    for (const l of h.logs) expect(l).not.toMatch(/Nguyễn|Ánh|Vũ Thị Lan/);
  });
});
