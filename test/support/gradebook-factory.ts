/**
 * A small school for the gradebook tests: one school year (2024-2025 → grades 6 and 9 under TT22,
 * grade 7 forced to TT58 by the school's override), classes, subjects, teaching assignments and
 * students, inserted directly; people exist in the test platform too, so they can launch for real.
 */
import { createHash } from 'node:crypto';
import type { Harness } from './harness';

export interface Person {
  id: string;
  username: string;
  givenName: string;
  familyName: string;
  idnumber: string;
}

export const T_HOA: Person = { id: '3', username: 'gv.hoa', givenName: 'Thị Hoa', familyName: 'Trần', idnumber: 'GV001' };
export const T_MINH: Person = { id: '4', username: 'gv.minh', givenName: 'Văn Minh', familyName: 'Lê', idnumber: 'GV002' };
export const T_TUAN: Person = { id: '11', username: 'gv.tuan', givenName: 'Anh Tuấn', familyName: 'Hoàng', idnumber: 'GV003' };
export const P_LAN: Person = { id: '10', username: 'ht.lan', givenName: 'Thị Lan', familyName: 'Vũ', idnumber: 'HT001' };
/** Deliberately not in order: the grid must sort by given name (last word), then middle, then family. */
export const STUDENTS: Person[] = [
  { id: '20', username: 'hs.an2', givenName: 'Văn An', familyName: 'Trần', idnumber: 'HS01' },
  { id: '21', username: 'hs.binh', givenName: 'Thị Bình', familyName: 'Lê', idnumber: 'HS02' },
  { id: '22', username: 'hs.an1', givenName: 'Thị An', familyName: 'Nguyễn', idnumber: 'HS03' },
  { id: '23', username: 'hs.duc', givenName: 'Minh Đức', familyName: 'Đỗ', idnumber: 'HS04' },
  { id: '24', username: 'hs.dung', givenName: 'Thị Dung', familyName: 'Phạm', idnumber: 'HS05' },
  { id: '25', username: 'hs.anh', givenName: 'Quỳnh Anh', familyName: 'Vũ', idnumber: 'HS06' },
];
/** Left the class in October (enrolment.left_on set): greyed in the grid, never deleted. */
export const LEAVER: Person = { id: '26', username: 'hs.cuong', givenName: 'Quốc Cường', familyName: 'Phạm', idnumber: 'HS07' };
export const STUDENT_9A: Person = { id: '30', username: 'hs.khoa', givenName: 'Đăng Khoa', familyName: 'Bùi', idnumber: 'HS90' };

export interface GradebookFixture {
  schoolYearId: number;
  terms: { HK1: number; HK2: number };
  class6A: number;
  class9A: number;
  class7A: number;
  /** Toán 6A (TT22, 140 periods/year → 4 ĐĐGtx), taught by Hoa. */
  math6A: number;
  /** Âm nhạc 6A (TT22 comment subject: Đạt/Chưa đạt), taught by Minh. */
  music6A: number;
  /** Ngữ văn 6A taught by Minh: Hoa's "other teacher's class-subject". */
  lit6A: number;
  /** Toán 9A taught by Minh. */
  math9A: number;
  /** Toán 7A, TT58 by the school's override (4 periods/week → 4 KTtx), taught by Hoa. */
  math7A: number;
  person: Map<string, number>;
  enrolment: Map<string, number>;
  enrolment9A: Map<string, number>;
}

export async function seedGradebook(h: Harness): Promise<GradebookFixture> {
  const p = h.platform;
  const all = [T_HOA, T_MINH, T_TUAN, P_LAN, ...STUDENTS, LEAVER, STUDENT_9A];
  for (const u of all) p.addUser({ ...u, email: `${u.username}@example.test` });
  p.addCourse({ id: '2', shortname: '6A-TOAN', fullname: 'Lop 6A - Toan', idnumber: '2024-2025-6A-TOAN', category: 'Khối 6' });
  for (const t of [T_HOA, T_MINH, T_TUAN]) p.enrol('2', t.id, 'editingteacher');
  for (const s of [...STUDENTS, LEAVER, STUDENT_9A]) p.enrol('2', s.id, 'student');
  p.addCategoryManager(P_LAN.id);
  p.addActivity('2', { toolClientId: h.clientId, instanceId: '1', cmid: '3', title: 'Sổ điểm điện tử', gradeMax: 10 });

  const db = h.db.db;
  await db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'principal', person_code: P_LAN.idnumber, lms_user_id: null }).execute();
  const dep = await db.selectFrom('lti_deployment').select('id').where('school_id', '=', h.schoolId).executeTakeFirstOrThrow();
  const person = new Map<string, number>();
  for (const u of all) {
    const r = await db
      .insertInto('person')
      .values({ school_id: h.schoolId, deployment_id: dep.id, lms_user_id: u.id, family_name: u.familyName, given_name: u.givenName, display_name: `${u.familyName} ${u.givenName}`, email: `${u.username}@example.test`, person_code: u.idnumber })
      .returning('id')
      .executeTakeFirstOrThrow();
    person.set(u.id, Number(r.id));
  }
  const year = await db
    .insertInto('school_year')
    .values({ school_id: h.schoolId, name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', regime_overrides: JSON.stringify({ '7': 'TT58' }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const hk1 = await db.insertInto('term').values({ school_year_id: year.id, code: 'HK1', start_date: '2024-09-05', end_date: '2025-01-15' }).returning('id').executeTakeFirstOrThrow();
  const hk2 = await db.insertInto('term').values({ school_year_id: year.id, code: 'HK2', start_date: '2025-01-16', end_date: '2025-05-31' }).returning('id').executeTakeFirstOrThrow();
  const klass = async (name: string, grade: number, homeroom: number | null) =>
    Number((await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: year.id, name, grade, homeroom_person_id: homeroom }).returning('id').executeTakeFirstOrThrow()).id);
  const class6A = await klass('6A', 6, person.get(T_TUAN.id)!);
  const class9A = await klass('9A', 9, null);
  const class7A = await klass('7A', 7, null);
  const subject = async (code: string, name: string) => Number((await db.insertInto('subject').values({ school_id: h.schoolId, code, name }).returning('id').executeTakeFirstOrThrow()).id);
  const toan = await subject('TOAN', 'Toán');
  const amnhac = await subject('AMNHAC', 'Âm nhạc');
  const van = await subject('VAN', 'Ngữ văn');
  const cs = async (classId: number, subjectId: number, teacher: Person, assessment: 'scored' | 'comment', ppw: string | null, ppy: number | null) =>
    Number(
      (await db.insertInto('class_subject').values({ class_id: classId, subject_id: subjectId, teacher_person_id: person.get(teacher.id)!, assessment, periods_per_week: ppw, periods_per_year: ppy }).returning('id').executeTakeFirstOrThrow()).id,
    );
  const math6A = await cs(class6A, toan, T_HOA, 'scored', '4', 140);
  const music6A = await cs(class6A, amnhac, T_MINH, 'comment', '1', 35);
  const lit6A = await cs(class6A, van, T_MINH, 'scored', '4', 140);
  const math9A = await cs(class9A, toan, T_MINH, 'scored', '4', 140);
  const math7A = await cs(class7A, toan, T_HOA, 'scored', '4', 140);
  const enrolment = new Map<string, number>();
  for (const s of [...STUDENTS, LEAVER]) {
    const r = await db
      .insertInto('enrolment')
      .values({ class_id: class6A, person_id: person.get(s.id)!, joined_on: '2024-09-05', left_on: s === LEAVER ? '2024-10-20' : null })
      .returning('id')
      .executeTakeFirstOrThrow();
    enrolment.set(s.id, Number(r.id));
  }
  const enrolment9A = new Map<string, number>();
  const e9 = await db.insertInto('enrolment').values({ class_id: class9A, person_id: person.get(STUDENT_9A.id)!, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow();
  enrolment9A.set(STUDENT_9A.id, Number(e9.id));
  // 7A shares the 6A students' people for simplicity (a TT58 grid needs rows).
  for (const s of STUDENTS.slice(0, 2)) await db.insertInto('enrolment').values({ class_id: class7A, person_id: person.get(s.id)!, joined_on: '2024-09-05' }).execute();
  return { schoolYearId: Number(year.id), terms: { HK1: Number(hk1.id), HK2: Number(hk2.id) }, class6A, class9A, class7A, math6A, music6A, lit6A, math9A, math7A, person, enrolment, enrolment9A };
}

export interface Client {
  readonly userId: string;
  readonly cookie: string;
  readonly token: string;
  readonly csrf: string;
  get(path: string, accept?: 'json' | 'html'): Promise<Response>;
  post(path: string, body: unknown, opts?: { csrf?: string | null }): Promise<Response>;
}

/** A real launch through the test platform (OIDC login → signed id_token → our session cookie). */
export async function launchAs(h: Harness, userId: string): Promise<Client> {
  const login = await fetch(`${h.toolUrl}/lti/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ iss: h.platform.issuer, target_link_uri: `${h.toolUrl}/lti/`, login_hint: userId, lti_message_hint: JSON.stringify({ cmid: 3, launchid: 'ltilaunch3_1' }), client_id: h.clientId, lti_deployment_id: '1' }),
  });
  const loc = new URL(login.headers.get('location')!);
  const idToken = await h.platform.signIdToken(h.platform.buildIdTokenPayload(userId, '3', loc.searchParams.get('nonce')!));
  const res = await fetch(`${h.toolUrl}/lti/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ id_token: idToken, state: loc.searchParams.get('state')! }),
  });
  if (res.status !== 303) throw new Error(`launch of ${userId} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sd_session='))!.split(';')[0]!;
  const token = cookie.slice('sd_session='.length);
  const row = await h.db.db.selectFrom('app_session').select('csrf_secret').where('token_hash', '=', createHash('sha256').update(token).digest('hex')).executeTakeFirstOrThrow();
  const csrf = row.csrf_secret;
  return {
    userId,
    cookie,
    token,
    csrf,
    get: (path, accept = 'json') => fetch(`${h.toolUrl}${path}`, { redirect: 'manual', headers: { cookie, accept: accept === 'json' ? 'application/json' : 'text/html' } }),
    post: (path, body, opts = {}) =>
      fetch(`${h.toolUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, accept: 'application/json', 'content-type': 'application/json', ...(opts.csrf === null ? {} : { 'x-csrf-token': opts.csrf ?? csrf }) },
        body: JSON.stringify(body),
      }),
  };
}

export async function auditCount(h: Harness, action?: string): Promise<number> {
  let q = h.db.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n'));
  if (action) q = q.where('action', '=', action);
  return Number((await q.executeTakeFirstOrThrow()).n);
}
