import { sql } from 'kysely';
import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, T_HOA, T_TUAN, P_LAN, STUDENTS, type GradebookFixture, type Client, type Person } from '../support/gradebook-factory';
import { INSPECTOR_PAGES } from '../../src/auth/inspector';
import { fingerprint as fp } from './db-fingerprint';

/**
 * Issue 8 — the inspector (thanh tra of the education office) through real HTTP: designated by the
 * principal on the staff page for a period, launched from Moodle with a temporary account that
 * Moodle sends as Instructor (editing teacher), reads the audit trail (filters, CSV), the verifier,
 * the corrections and their minutes, results and the print archive — and every write route of the
 * app refuses them (403, the database byte for byte unchanged). Routes are enumerated from the
 * running app, not listed by hand, so a route added later is covered too.
 */
const INSPECTOR: Person = { id: '40', username: 'tt.nam', givenName: 'Văn Nam', familyName: 'Đinh', idnumber: 'TT01' };

let h: Harness;
let f: GradebookFixture;
let hoa: Client;
let tuan: Client;
let lan: Client;
let insp: Client;
let correctionId: number;
let archiveId: number;
let designationId: number;

async function post(c: Client, p: string, body: unknown = {}) {
  const res = await c.post(p, body);
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: res.status, body: json };
}
async function getJson(c: Client, p: string) {
  const res = await c.get(p);
  return { status: res.status, body: (await res.json()) as any };
}
/** Today in Vietnam, plus `days`, as YYYY-MM-DD (the designation's dates are Vietnam dates). */
async function vnDay(days: number): Promise<string> {
  const r = await sql<{ d: string }>`SELECT to_char((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + ${days}::int, 'YYYY-MM-DD') AS d`.execute(h.db.db);
  return r.rows[0]!.d;
}

const fingerprint = () => fp(h.db.db);

interface RouteInfo { method: string; path: string }
/** The app's own routes (express 4 router stack: app routes and the routers it mounts). */
function appRoutes(): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: any[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) if (layer.route.methods[m]) out.push({ method: m.toUpperCase(), path: String(layer.route.path) });
      } else if (layer.name === 'router' && layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((h.server.app as any)._router.stack);
  return out;
}

/** A concrete URL for a route pattern: ids of real rows (so the write would otherwise be possible), each alternative of an enum parameter. */
function concretePaths(pattern: string): string[] {
  const idFor = (name: string, prefix: string): string => {
    if (name === 'classId') return String(f.class6A);
    if (name === 'pointId') return '1';
    if (name === 'columnId') return '1';
    if (name === 'personId') return String(f.person.get(STUDENTS[0]!.id));
    if (name === 'yearId') return String(f.schoolYearId);
    if (name === 'eid' || name === 'exId') return '1';
    if (prefix.startsWith('/corrections')) return String(correctionId);
    if (prefix.startsWith('/grid') || prefix.startsWith('/import') || prefix.startsWith('/lms-sync') || prefix.startsWith('/export/class-subject')) return String(f.math6A);
    if (prefix.startsWith('/school/years')) return String(f.schoolYearId);
    if (prefix.startsWith('/school/classes')) return String(f.class6A);
    if (prefix.startsWith('/print/archive')) return String(archiveId);
    if (prefix.startsWith('/admin/staff')) return String(designationId);
    return '1';
  };
  let paths = [''];
  const re = /:(\w+)(\(((?:\\.|[^)])*)\))?/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(pattern))) {
    const lit = pattern.slice(last, m.index);
    const constraint = m[3];
    const alts = constraint && /^[\w|-]+$/.test(constraint) ? constraint.split('|') : [idFor(m[1]!, pattern.slice(0, m.index))];
    paths = paths.flatMap((p) => alts.map((a) => p + lit + a));
    last = m.index + m[0].length;
  }
  return paths.map((p) => p + pattern.slice(last));
}

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  // The inspector's temporary Moodle account, enrolled as an editing teacher: Moodle sends Instructor.
  h.platform.addUser({ ...INSPECTOR, email: 'tt.nam@example.test' });
  h.platform.enrol('2', INSPECTOR.id, 'editingteacher');
  [hoa, tuan, lan] = await Promise.all([launchAs(h, T_HOA.id), launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  await h.db.db.updateTable('course_link').set({ class_id: f.class6A }).where('school_id', '=', h.schoolId).execute();

  // A correction applied through the workflow, with its minutes archived (the print archive).
  const v = (await getJson(hoa, `/grid/${f.math6A}?term=HK1`)).body;
  const gk = v.columns.find((c: any) => c.label === 'ĐĐGgk').id;
  const binh = f.enrolment.get(STUDENTS[1]!.id)!;
  expect((await post(hoa, `/grid/${f.math6A}/scores`, { changes: [{ columnId: gk, enrolmentId: binh, value: '6', version: 0 }] })).status).toBe(200);
  await h.db.db.insertInto('update_point').values({ term_id: f.terms.HK1, label: 'Giữa học kỳ I', deadline: new Date(Date.now() - 60_000), kinds: ['midterm'] }).execute();
  correctionId = (await post(hoa, `/grid/${f.math6A}/corrections`, { columnId: gk, enrolmentId: binh, value: '8', reasonCode: 'entry_error', reasonText: 'Nhập nhầm' })).body.id;
  expect((await post(tuan, `/corrections/${correctionId}/confirm`)).body.state).toBe('confirmed');
  expect((await post(lan, `/corrections/${correctionId}/approve`)).body.state).toBe('approved');
  expect((await post(lan, `/corrections/${correctionId}/apply`)).body.state).toBe('applied');
  expect((await lan.get(`/corrections/${correctionId}/minutes.pdf`)).status).toBe(200);
  archiveId = Number((await h.db.db.selectFrom('print_archive').select('id').where('kind', '=', 'correction_minutes').executeTakeFirstOrThrow()).id);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('designating an inspector (staff page, principal)', () => {
  it('bad periods are refused with a Vietnamese message and nothing stored', async () => {
    const before = await auditCount(h);
    const base = { role: 'inspector', person_code: INSPECTOR.idnumber };
    const noPeriod = await post(lan, '/admin/staff', base);
    expect(noPeriod.status).toBe(400);
    expect(noPeriod.body.error.code).toBe('STAFF_BAD_PERIOD');
    expect(noPeriod.body.error.message).toMatch(/phải có thời hạn/);
    expect((await post(lan, '/admin/staff', { ...base, valid_from: await vnDay(5), valid_until: await vnDay(1) })).body.error.message).toMatch(/Ngày kết thúc phải sau/);
    expect((await post(lan, '/admin/staff', { ...base, valid_from: await vnDay(-10), valid_until: await vnDay(-1) })).body.error.message).toMatch(/đã qua/);
    // 367 days counted inclusively: one too many.
    expect((await post(lan, '/admin/staff', { ...base, valid_from: await vnDay(0), valid_until: await vnDay(366) })).body.error.message).toMatch(/tối đa 366 ngày/);
    expect((await post(lan, '/admin/staff', { ...base, valid_from: '2025-02-30', valid_until: await vnDay(3) })).body.error.code).toBe('STAFF_BAD_PERIOD');
    expect((await post(lan, '/admin/staff', { ...base, valid_from: 'hôm nay', valid_until: await vnDay(3) })).body.error.code).toBe('INPUT_INVALID');
    expect((await post(lan, '/admin/staff', { role: 'inspector', valid_from: await vnDay(0), valid_until: await vnDay(3) })).body.error.code).toBe('INPUT_INVALID');
    // A teacher cannot designate anybody.
    expect((await post(hoa, '/admin/staff', { ...base, valid_from: await vnDay(0), valid_until: await vnDay(3) })).status).toBe(403);
    expect(await auditCount(h)).toBe(before);
    expect(await h.db.db.selectFrom('staff_designation').select('id').where('role', '=', 'inspector').execute()).toHaveLength(0);
  });

  it('the principal designates the inspector for 30 days; the staff page shows the period; audited', async () => {
    const before = await auditCount(h, 'staff.designate');
    const r = await post(lan, '/admin/staff', { role: 'inspector', person_code: INSPECTOR.idnumber, valid_from: await vnDay(0), valid_until: await vnDay(29), note: 'QĐ số 12/QĐ-PGDĐT' });
    expect(r.status).toBe(303);
    expect(await auditCount(h, 'staff.designate')).toBe(before + 1);
    const row = await h.db.db.selectFrom('staff_designation').select('id').where('role', '=', 'inspector').executeTakeFirstOrThrow();
    designationId = Number(row.id);
    const page = await (await lan.get('/admin/staff', 'html')).text();
    expect(page).toContain('Thanh tra (chỉ xem)');
    expect(page).toContain('QĐ số 12/QĐ-PGDĐT');
    expect(page).toContain('đang hiệu lực');
  });

  it('the launch makes the session inspector only, although Moodle sent Instructor', async () => {
    insp = await launchAs(h, INSPECTOR.id);
    const s = await h.db.db.selectFrom('app_session').select(['roles', 'lti_roles']).where('person_id', '=', (await h.db.db.selectFrom('person').select('id').where('lms_user_id', '=', INSPECTOR.id).executeTakeFirstOrThrow()).id).executeTakeFirstOrThrow();
    expect(s.roles).toEqual(['inspector']);
    expect(s.lti_roles.some((r) => r.endsWith('#Instructor'))).toBe(true);
  });
});

describe('an inspector reads', () => {
  let before: string;
  let audits: number;
  beforeAll(async () => {
    before = await fingerprint();
    audits = await auditCount(h);
  });

  it('the home page: the inspection period and the inspection pages only in the menu', async () => {
    const html = await (await insp.get('/home', 'html')).text();
    expect(html).toContain('Thanh tra (chỉ xem)');
    expect(html).toContain('QĐ số 12/QĐ-PGDĐT');
    for (const href of ['/audit', '/corrections', '/results', '/print']) expect(html).toContain(`href="${href}"`);
    for (const href of ['/grid"', '/export"', '/admin/staff"', '/dashboard"']) expect(html).not.toContain(`href="${href}`);
  });

  it('the audit trail with filters, and its CSV download', async () => {
    const all = await getJson(insp, '/audit');
    expect(all.status).toBe(200);
    const corr = await getJson(insp, `/audit?class=${f.class6A}&teacher=${f.person.get(P_LAN.id)}`);
    // The principal's correction of 6 → 8 is in the trail, resolved to class and student.
    expect(corr.body.rows.some((r: any) => r.action === 'score.correct' && r.oldText === '6' && r.newText === '8' && r.className === '6A')).toBe(true);
    expect(corr.body.rows.every((r: any) => r.actorId === f.person.get(P_LAN.id))).toBe(true);
    expect((await insp.get(`/audit?from=2024-09-01&to=2099-12-31`, 'html')).status).toBe(200);
    const csv = await insp.get(`/audit.csv?class=${f.class6A}`);
    expect(csv.status).toBe(200);
    const buf = Buffer.from(await csv.arrayBuffer());
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(buf.toString('utf8')).toContain('Sửa điểm theo đề nghị đã duyệt');
  });

  it('the verifier page', async () => {
    const v = await getJson(insp, '/audit/verify');
    expect(v.status).toBe(200);
    expect(v.body.ok).toBe(true);
    expect(await (await insp.get('/audit/verify', 'html')).text()).toContain('Chuỗi nhật ký nguyên vẹn');
  });

  it('the corrections list, a request (no actions open to them) and its minutes (HTML and the archived PDF)', async () => {
    const list = await getJson(insp, '/corrections');
    expect(list.status).toBe(200);
    expect(list.body.all.map((c: any) => c.id)).toContain(correctionId);
    expect(await (await insp.get('/corrections', 'html')).text()).toContain(`/corrections/${correctionId}`);
    const one = await getJson(insp, `/corrections/${correctionId}`);
    expect(one.body).toMatchObject({ state: 'applied', oldText: '6', newText: '8', actions: [], canWitness: false });
    const html = await (await insp.get(`/corrections/${correctionId}`, 'html')).text();
    expect(html).not.toContain('Tôi xác nhận đã chứng kiến');
    const minutes = await (await insp.get(`/corrections/${correctionId}/minutes`, 'html')).text();
    expect(minutes).toContain('BIÊN BẢN SỬA ĐIỂM');
    const pdf = await insp.get(`/corrections/${correctionId}/minutes.pdf`);
    expect(pdf.status).toBe(200);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    const archived = await h.db.db.selectFrom('print_archive').select(['pdf', 'sha256']).where('id', '=', archiveId).executeTakeFirstOrThrow();
    // The very bytes archived when the principal first printed it.
    expect(bytes.equals(archived.pdf)).toBe(true);
  });

  it('class results and statistics', async () => {
    expect((await insp.get('/results', 'html')).status).toBe(200);
    const r = await getJson(insp, `/results/class/${f.class6A}?period=HK1`);
    expect(r.status).toBe(200);
    expect(r.body.className).toBe('6A');
    expect(r.body.rows.length).toBeGreaterThan(0);
    expect((await insp.get('/results/statistics?period=HK1', 'html')).status).toBe(200);
  });

  it('the print archive: the list of a class and an archived PDF', async () => {
    expect((await insp.get('/print', 'html')).status).toBe(200);
    const cls = await (await insp.get(`/print/classes/${f.class6A}`, 'html')).text();
    expect(cls).toContain(`/print/archive/${archiveId}/pdf`);
    const pdf = await insp.get(`/print/archive/${archiveId}/pdf`);
    expect(pdf.status).toBe(200);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 4).toString()).toBe('%PDF');
  });

  it('reading changed nothing', async () => {
    expect(await auditCount(h)).toBe(audits);
    expect(await fingerprint()).toBe(before);
  });
});

describe('an inspector writes nothing', () => {
  it('every state-changing route of the app refuses them (403 INSPECTOR_READ_ONLY) and the database is unchanged', async () => {
    const writes = appRoutes().filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    // The app's write routes are many; a handful would mean the enumeration missed the routers.
    expect(writes.length).toBeGreaterThan(30);
    const before = await fingerprint();
    const tried: string[] = [];
    for (const r of writes) {
      for (const p of concretePaths(r.path)) {
        const res = await fetch(`${h.toolUrl}${p}`, {
          method: r.method,
          redirect: 'manual',
          headers: { cookie: insp.cookie, accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': insp.csrf },
          body: JSON.stringify({ comment: 'thanh tra thử', value: '10', expiryDays: 3, role: 'principal', person_code: INSPECTOR.idnumber }),
        });
        const body = (await res.json()) as any;
        expect({ route: `${r.method} ${p}`, status: res.status, code: body.error?.code }).toEqual({ route: `${r.method} ${p}`, status: 403, code: 'INSPECTOR_READ_ONLY' });
        expect(body.error.message).toMatch(/chỉ được xem/);
        tried.push(`${r.method} ${p}`);
      }
    }
    // Among them, the ones an inspector would most like to touch.
    for (const must of [`POST /corrections/${correctionId}/approve`, `POST /corrections/${correctionId}/witness`, `POST /grid/${f.math6A}/scores`, `POST /admin/staff/${designationId}/revoke`, 'POST /admin/staff', `POST /print/archive/${archiveId}/signoff`]) expect(tried).toContain(must);
    expect(await fingerprint()).toBe(before);
  }, 120_000);

  it('every other page is closed to them (403 INSPECTOR_PAGE_NOT_ALLOWED): grids, exports, dashboard, settings', async () => {
    const gets = appRoutes().filter((r) => r.method === 'GET');
    let closed = 0;
    for (const r of gets) {
      for (const p of concretePaths(r.path)) {
        // /health answers before sessions are read (load balancers); the rest goes through the guard.
        if (p === '/health' || INSPECTOR_PAGES.some((re) => re.test(p))) continue;
        const res = await insp.get(p);
        expect({ route: p, status: res.status }).toEqual({ route: p, status: 403 });
        expect(((await res.json()) as any).error.code).toBe('INSPECTOR_PAGE_NOT_ALLOWED');
        closed++;
      }
    }
    expect(closed).toBeGreaterThan(15);
  }, 120_000);
});

describe('the inspection period', () => {
  it('once the period is over, every request is refused, even mid-session', async () => {
    await h.db.db.updateTable('staff_designation').set({ valid_from: await vnDay(-40), valid_until: await vnDay(-1) }).where('id', '=', designationId).execute();
    const r = await insp.get('/audit');
    expect(r.status).toBe(403);
    const body = (await r.json()) as any;
    expect(body.error.code).toBe('INSPECTOR_PERIOD_OVER');
    expect(body.error.message).toMatch(/hết hạn/);
    expect((await lan.get('/admin/staff', 'html').then((x) => x.text()))).toContain('hết hạn');
  });

  it('a period that has not started yet is refused too; the principal revokes the designation (audited) and it is gone', async () => {
    await h.db.db.updateTable('staff_designation').set({ valid_from: await vnDay(2), valid_until: await vnDay(9) }).where('id', '=', designationId).execute();
    expect(((await (await insp.get('/home')).json()) as any).error.code).toBe('INSPECTOR_PERIOD_OVER');
    await h.db.db.updateTable('staff_designation').set({ valid_from: await vnDay(0), valid_until: await vnDay(9) }).where('id', '=', designationId).execute();
    expect((await insp.get('/audit')).status).toBe(200);
    const before = await auditCount(h, 'staff.revoke');
    expect((await post(lan, `/admin/staff/${designationId}/revoke`)).status).toBe(303);
    expect(await auditCount(h, 'staff.revoke')).toBe(before + 1);
    const rec = await h.db.db.selectFrom('audit_log').select('old_value').where('action', '=', 'staff.revoke').executeTakeFirstOrThrow();
    expect(rec.old_value).toMatchObject({ role: 'inspector', person_code: INSPECTOR.idnumber, note: 'QĐ số 12/QĐ-PGDĐT' });
    expect(((await (await insp.get('/audit')).json()) as any).error.code).toBe('INSPECTOR_PERIOD_OVER');
    expect((await post(lan, `/admin/staff/${designationId}/revoke`)).body.error.code).toBe('STAFF_NOT_FOUND');
  });
});
