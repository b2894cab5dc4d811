import { startHarness, seedFixtureCourse, type Harness } from '../support/harness';

/**
 * Moodle's "Add LTI Advantage" (shared/fixtures/moodle-4.5/registration/dynamic-registration.json):
 * Moodle opens <tool url>?openid_configuration=…&registration_token=…; ours must carry a one-time
 * invitation, and the new platform waits for the school admin's activation.
 */
let h: Harness;
let adminCookie: string;

async function sessionFor(userId: string): Promise<string> {
  const r = await h.platform.launch(userId, '3');
  expect(r.status).toBe(200);
  const token = r.jar.get('sd_session', 'localhost');
  expect(token).toBeTruthy();
  return `sd_session=${token}`;
}

async function csrfFrom(path: string, cookie: string): Promise<string> {
  const html = await (await fetch(`${h.toolUrl}${path}`, { headers: { cookie, accept: 'text/html' } })).text();
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf token on the page');
  return m[1]!;
}

async function post(path: string, cookie: string, fields: Record<string, string>): Promise<Response> {
  const csrf = await csrfFrom('/admin/platforms', cookie);
  return fetch(`${h.toolUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ ...fields, _csrf: csrf }),
  });
}

beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  adminCookie = await sessionFor('2'); // site admin → principal + school admin
});
afterAll(async () => {
  await h?.close();
});

async function createInvite(): Promise<string> {
  const res = await post('/admin/invites', adminCookie, {});
  expect(res.status).toBe(200);
  const html = await res.text();
  const m = /id="invite-url">([^<]+)</.exec(html);
  expect(m).toBeTruthy();
  return m![1]!.replace(/&amp;/g, '&');
}

it('registers through an invitation, stays pending until the school admin activates it, then launches', async () => {
  const invite = await createInvite();
  expect(invite).toMatch(/\/lti\/register\?invite=/);
  const moodleOpens = await h.platform.dynamicRegistrationUrl(invite);
  const res = await fetch(moodleOpens, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('chờ quản trị nhà trường kích hoạt');

  const platform = await h.db.db.selectFrom('lti_platform').selectAll().where('registered_via', '=', 'dynamic').executeTakeFirstOrThrow();
  expect(platform.status).toBe('pending');
  expect(platform.issuer).toBe(h.platform.issuer);
  const deployments = await h.db.db.selectFrom('lti_deployment').select('deployment_id').where('platform_id', '=', platform.id).execute();
  expect(deployments).toHaveLength(1);
  const tool = h.platform.tool(platform.client_id)!;
  expect(tool).toBeTruthy();
  expect(deployments[0]!.deployment_id).toBe(tool.deploymentId);

  // Moodle side: the admin activates the tool and a teacher adds it to the course.
  h.platform.activateTool(platform.client_id);
  h.platform.addActivity('2', { toolClientId: platform.client_id, instanceId: '2', cmid: '4', title: 'Sổ Điểm (đăng ký động)', gradeMax: 10 });
  const refused = await h.platform.launch('3', '4');
  expect(refused.status).toBe(401);
  expect(refused.body).toContain('LTI_PLATFORM_NOT_ACTIVATED');

  const activate = await post(`/admin/platforms/${platform.id}/status`, adminCookie, { status: 'active' });
  expect(activate.status).toBe(303);
  const ok = await h.platform.launch('3', '4');
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('Giáo viên bộ môn');
});

it('an invitation works once', async () => {
  const invite = await createInvite();
  const first = await fetch(await h.platform.dynamicRegistrationUrl(invite));
  expect(first.status).toBe(200);
  const before = await h.db.db.selectFrom('lti_platform').select('id').execute();
  const again = await fetch(await h.platform.dynamicRegistrationUrl(invite), { headers: { accept: 'text/html' } });
  expect(again.status).toBe(403);
  expect(await again.text()).toContain('LTI_INVITE_INVALID');
  expect(await h.db.db.selectFrom('lti_platform').select('id').execute()).toEqual(before);
});

it('without an invitation nothing is fetched or registered', async () => {
  const before = await h.db.db.selectFrom('lti_platform').select('id').execute();
  const url = await h.platform.dynamicRegistrationUrl(`${h.toolUrl}/lti/register`);
  const res = await fetch(url, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(403);
  expect(await res.text()).toContain('LTI_INVITE_MISSING');
  const forged = await fetch(`${h.toolUrl}/lti/register?invite=guess&openid_configuration=${encodeURIComponent('http://169.254.169.254/latest')}`, { headers: { accept: 'text/html' } });
  expect(forged.status).toBe(403);
  expect(await h.db.db.selectFrom('lti_platform').select('id').execute()).toEqual(before);
});
