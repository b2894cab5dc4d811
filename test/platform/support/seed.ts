import fs from 'node:fs';
import path from 'node:path';
import type { TestPlatform, ToolRegistration } from '../../support/platform';
import type { TinyTool } from './tiny-tool';

// A copy of shared/fixtures/moodle-4.5 lives in the repo so a fresh clone's tests are self-contained.
export const FIXTURES = path.resolve(__dirname, '../../fixtures/moodle-4.5');
export const FIXTURE_ISS = 'http://127.0.0.1:8080';
export const FIXTURE_TOOL = 'http://localhost:3000';

export function fixture<T = any>(rel: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, rel), 'utf8')) as T;
}

/** Replace the fixtures' hosts by the running platform / tool. */
export function rehost<T>(value: T, platformUrl: string, toolUrl?: string): T {
  let s = JSON.stringify(value).split(FIXTURE_ISS).join(platformUrl);
  if (toolUrl) s = s.split(FIXTURE_TOOL).join(toolUrl);
  return JSON.parse(s) as T;
}

/**
 * The world of the fixtures (README table): course 2 "Lop 6A - Toan" with grade items 1–3 not belonging to
 * the tool, LTI activities cmid 3 (instance 1, max 10 → item 4) and cmid 4 (instance 2, grade type None →
 * TEXT item max 100 → item 5), users 2–10.
 */
export function seedFixtureWorld(p: TestPlatform, tool: TinyTool, opts: { clientId?: string } = {}): ToolRegistration {
  p.addUser({ id: '2', username: 'admin', givenName: 'Admin', familyName: 'User', email: 'admin@example.test', siteAdmin: true });
  p.addUser({ id: '3', username: 'gv.hoa', givenName: 'Thị Hoa', familyName: 'Trần', email: 'hoa.tran@example.test', idnumber: 'GV001' });
  p.addUser({ id: '4', username: 'gv.minh', givenName: 'Văn Minh', familyName: 'Lê', email: 'minh.le@example.test', idnumber: 'GV002' });
  p.addUser({ id: '5', username: 'hs.an', givenName: 'Văn An', familyName: 'Nguyễn', email: 'an.nguyen@example.test', idnumber: 'HS2024001' });
  p.addUser({ id: '6', username: 'hs.binh', givenName: 'Thị Bình', familyName: 'Trần', email: 'binh.tran@example.test', idnumber: 'HS2024002' });
  p.addUser({ id: '7', username: 'hs.cuong', givenName: 'Quốc Cường', familyName: 'Phạm', email: 'cuong.pham@example.test', idnumber: 'HS2024003' });
  p.addUser({ id: '8', username: 'hs.dung', givenName: 'Thị Dung', familyName: 'Lê', email: 'dung.le@example.test', idnumber: 'HS2024004' });
  p.addUser({ id: '9', username: 'hs.duc', givenName: 'Minh Đức', familyName: 'Đỗ', email: 'duc.do@example.test', idnumber: 'HS2024005' });
  p.addUser({ id: '10', username: 'ht.lan', givenName: 'Thị Lan', familyName: 'Vũ', email: 'lan.vu@example.test', idnumber: 'HT001' });
  p.addCourse({ id: '2', shortname: '6A-TOAN', fullname: 'Lop 6A - Toan', idnumber: '2024-2025-6A-TOAN', category: 'Khối 6' });
  p.addCourse({ id: '3', shortname: '6B-VAN', fullname: 'Lop 6B - Ngu van', idnumber: '2024-2025-6B-VAN', category: 'Khối 6' });
  p.enrol('2', '3', 'editingteacher');
  p.enrol('2', '4', 'teacher');
  for (const s of ['5', '6', '7', '8']) p.enrol('2', s, 'student');
  p.enrol('2', '9', 'student', { suspended: true });
  p.addCategoryManager('10');
  const reg = p.registerTool({
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    loginUrl: `${tool.url}/login`,
    redirectUris: [`${tool.url}/launch`, `${tool.url}/launch2`],
    targetLinkUri: `${tool.url}/launch`,
    jwksUrl: `${tool.url}/jwks`,
    customParams: {
      khoi: '6',
      nam_hoc: '2024-2025',
      user_username: '$User.username',
      person_sourcedid: '$Person.sourcedId',
      course_idnumber: '$CourseSection.sourcedId',
    },
  });
  p.addManualGradeItem('2', 'Course total', 30); // 1
  p.addManualGradeItem('2', 'Kiểm tra 15 phút - Bài 1', 10); // 2 (assignment)
  p.addManualGradeItem('2', 'Điểm miệng HK1', 10); // 3 (manual item)
  p.addActivity('2', { toolClientId: reg.clientId, instanceId: '1', cmid: '3', title: 'Sổ điểm điện tử', gradeMax: 10, custom: { activity_param: 'hello', lop: '6A' } }); // item 4
  p.addActivity('2', { toolClientId: reg.clientId, instanceId: '2', cmid: '4', title: 'Sổ điểm - không chấm điểm', gradeMax: 100, custom: { activity_param: 'hello', lop: '6A' } }); // item 5
  return reg;
}

/** Structural shape of a JSON value: keys and value types, recursively (arrays by their first element). */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = shape((v as Record<string, unknown>)[k]);
    return out;
  }
  return typeof v;
}

export async function getToken(p: TestPlatform, tool: TinyTool, clientId: string, scopes: string[]): Promise<string> {
  const r = await fetch(p.endpoints.token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await tool.clientAssertion(clientId, p.endpoints.token),
      scope: scopes.join(' '),
    }),
  });
  const body = JSON.parse(await r.text()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${r.status}`);
  return body.access_token;
}
