import { startHarness, seedFixtureCourse, linkFixtureCourse, type Harness } from '../support/harness';

/**
 * Full launches through real HTTP: our Moodle-true platform (test/support/platform) signs with
 * real keys, ltijs + our guards validate, our session is created. Roles per Moodle role come from
 * shared/fixtures/moodle-4.5/launches/*.json (see docs/moodle-lti-behaviour.md §4).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  // A vice-principal whose Moodle manager role was given mod/lti:admin (not on the school's list).
  h.platform.addUser({ id: '12', username: 'hp.tuan', givenName: 'Minh Tuấn', familyName: 'Hồ', email: 'tuan.ho@example.test', idnumber: 'HP001' });
  h.platform.addCategoryManager('12', { ltiAdminCapability: true });
  await linkFixtureCourse(h);
  // The school designates its principal by Moodle idnumber: a category manager launches as Instructor.
  await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'principal', person_code: 'HT001', lms_user_id: null }).execute();
});
afterAll(async () => {
  await h?.close();
});

async function counts() {
  const one = async (t: 'person' | 'app_session' | 'audit_log' | 'course_link') =>
    Number((await h.db.db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { person: await one('person'), session: await one('app_session'), audit: await one('audit_log'), course: await one('course_link') };
}

/** The first leg of OIDC as Moodle's launch.php does it; returns what the tool sent to auth.php. */
async function beginLogin(userId: string, cmid = '3') {
  const res = await fetch(`${h.toolUrl}/lti/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      iss: h.platform.issuer,
      target_link_uri: `${h.toolUrl}/lti/`,
      login_hint: userId,
      lti_message_hint: JSON.stringify({ cmid: Number(cmid), launchid: `ltilaunch${cmid}_1` }),
      client_id: h.clientId,
      lti_deployment_id: '1',
    }),
  });
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get('location')!);
  return { state: loc.searchParams.get('state')!, nonce: loc.searchParams.get('nonce')!, redirectUri: loc.searchParams.get('redirect_uri')! };
}

async function postIdToken(idToken: string, state: string | undefined, path = '/lti/') {
  const body = new URLSearchParams({ id_token: idToken });
  if (state !== undefined) body.set('state', state);
  return fetch(`${h.toolUrl}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body });
}

async function signedLaunch(userId: string, overrides: Record<string, unknown> = {}, opts: { key?: 'platform' | 'foreign'; kid?: string } = {}) {
  const { state, nonce } = await beginLogin(userId);
  const payload = h.platform.buildIdTokenPayload(userId, '3', nonce, overrides);
  const token = await h.platform.signIdToken(payload, opts);
  return { state, nonce, token, payload };
}

/** The `sd_session=…` pair from a response (other cookies, e.g. ltijs' state clearing, may come first). */
function sessionCookie(res: Response): string {
  const c = res.headers.getSetCookie().find((x) => x.startsWith('sd_session='));
  if (!c) throw new Error('no session cookie set');
  return c.split(';')[0]!;
}

async function home(res: Response): Promise<{ status: number; html: string; cookie: string | null }> {
  expect(res.status).toBe(303);
  const loc = res.headers.get('location')!;
  const cookie = res.headers.getSetCookie().find((x) => x.startsWith('sd_session=')) ?? null;
  const page = await fetch(new URL(loc, h.toolUrl), { redirect: 'manual', headers: { accept: 'text/html' } });
  return { status: page.status, html: await page.text(), cookie };
}

describe('a launch per Moodle role becomes our session with the right Sổ Điểm roles', () => {
  const cases: Array<[string, string, string[]]> = [
    // [who (fixture file), Moodle user id, expected role labels]
    ['launch-teacher-iframe-via-view.php.json (editingteacher → Instructor)', '3', ['Giáo viên bộ môn']],
    ['launch-noneditingteacher-*.json (teacher → Instructor)', '4', ['Giáo viên bộ môn']],
    ['launch-student-*.json (Learner)', '5', ['Học sinh']],
    ['launch-manager-category-*.json (Instructor; designated HT001 by the school)', '10', ['Hiệu trưởng', 'Giáo viên bộ môn']],
    ['launch-siteadmin-*.json (Administrator roles)', '2', ['Hiệu trưởng', 'Quản trị nhà trường']],
    ['launch-manager-with-ltiadmin-cap-*.json (manager given mod/lti:admin → Administrator roles)', '12', ['Hiệu trưởng']],
  ];
  it.each(cases)('%s', async (_who, userId, labels) => {
    const { state, token } = await signedLaunch(userId);
    const res = await postIdToken(token, state);
    const page = await home(res);
    expect(page.status).toBe(200);
    for (const l of labels) expect(page.html).toContain(l);
    // The cookie is built for the LMS iframe.
    expect(page.cookie).toMatch(/sd_session=/);
    expect(page.cookie).toMatch(/SameSite=None/i);
    expect(page.cookie).toMatch(/Secure/i);
    expect(page.cookie).toMatch(/Partitioned/i);
  });

  it('keeps family and given names apart, the idnumber as the person code, and the course endpoints', async () => {
    const person = await h.db.db.selectFrom('person').selectAll().where('lms_user_id', '=', '3').executeTakeFirstOrThrow();
    expect(person.family_name).toBe('Trần');
    expect(person.given_name).toBe('Thị Hoa');
    expect(person.person_code).toBe('GV001');
    const link = await h.db.db.selectFrom('course_link').selectAll().where('context_id', '=', '2').executeTakeFirstOrThrow();
    expect(link.course_idnumber).toBe('2024-2025-6A-TOAN');
    expect(link.lineitems_url).toMatch(/\/mod\/lti\/services\.php\/2\/lineitems\?type_id=/);
    expect(link.nrps_url).toMatch(/\/CourseSection\/2\/bindings\/\d+\/memberships$/);
    expect(link.ags_scopes).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
  });

  it('the full browser-like flow through the platform (login initiation → auth → form post) lands on the home page', async () => {
    const result = await h.platform.launch('3', '3');
    expect(result.status).toBe(200);
    expect(result.body).toContain('Trần Thị Hoa');
    expect(result.body).toContain('Giáo viên bộ môn');
  });
});

describe('refused launches: clear Vietnamese page or 4xx, nothing written, no personal data logged', () => {
  const refuse = async (res: Response, code: RegExp) => {
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const html = await res.text();
    expect(html).toMatch(code);
    expect(html).toMatch(/Không|không/); // Vietnamese first
    expect(html).not.toContain('Trần'); // the id_token's names are never echoed
    expect(html).not.toContain('@example.test');
    return html;
  };
  let before: Awaited<ReturnType<typeof counts>>;
  beforeEach(async () => {
    before = await counts();
    h.logs.length = 0;
  });
  afterEach(async () => {
    expect(await counts()).toEqual(before);
    for (const line of h.logs) {
      expect(line).not.toMatch(/Trần|Thị Hoa|@example\.test|eyJ/);
    }
  });

  it('forged signature (signed with a key that is not the platform\'s)', async () => {
    const { state, token } = await signedLaunch('3', {}, { key: 'foreign' });
    await refuse(await postIdToken(token, state), /LTI_/);
  });
  it('wrong aud (another client id)', async () => {
    const { state, token } = await signedLaunch('3', { aud: 'SomeOtherClient' });
    await refuse(await postIdToken(token, state), /LTI_UNREGISTERED_PLATFORM/);
  });
  it('wrong iss', async () => {
    const { state, token } = await signedLaunch('3', { iss: 'https://evil.example' });
    await refuse(await postIdToken(token, state), /LTI_ISS_MISMATCH/);
  });
  it('unknown deployment', async () => {
    const { state, token } = await signedLaunch('3', { 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': '99' });
    await refuse(await postIdToken(token, state), /LTI_UNKNOWN_DEPLOYMENT/);
  });
  it('expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { state, token } = await signedLaunch('3', { iat: now - 30, exp: now - 5 });
    await refuse(await postIdToken(token, state), /LTI_JWT_EXPIRED/);
  });
  it('token from the future beyond leeway', async () => {
    const now = Math.floor(Date.now() / 1000);
    const { state, token } = await signedLaunch('3', { iat: now + 120, exp: now + 180 });
    await refuse(await postIdToken(token, state), /LTI_TOKEN_FROM_FUTURE/);
  });
  it('replayed nonce (same id_token posted again under a new login)', async () => {
    const first = await signedLaunch('3');
    await home(await postIdToken(first.token, first.state));
    const afterFirst = await counts();
    before = afterFirst;
    const again = await beginLogin('3');
    // Same nonce can only be replayed by reusing the token: the new login's nonce differs → refused.
    await refuse(await postIdToken(first.token, again.state), /LTI_NONCE_MISMATCH/);
  });
  it('replay of the same state', async () => {
    const first = await signedLaunch('3');
    await home(await postIdToken(first.token, first.state));
    before = await counts();
    await refuse(await postIdToken(first.token, first.state), /LTI_STATE_UNKNOWN/);
  });
  it('missing state', async () => {
    const { token } = await signedLaunch('3');
    await refuse(await postIdToken(token, undefined), /LTI_STATE_MISSING/);
  });
  it('mismatched state', async () => {
    const { token } = await signedLaunch('3');
    await refuse(await postIdToken(token, 'not-a-state-we-issued'), /LTI_STATE_UNKNOWN/);
  });
  it('an LtiDeepLinkingRequest posted to the resource-link route', async () => {
    const { state, token } = await signedLaunch('3', { 'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingRequest' });
    await refuse(await postIdToken(token, state), /LTI_MESSAGE_TYPE_UNSUPPORTED/);
  });
  it('a missing roles claim', async () => {
    const { state, token } = await signedLaunch('3', { 'https://purl.imsglobal.org/spec/lti/claim/roles': undefined });
    await refuse(await postIdToken(token, state), /LTI_NO_ROLES_CLAIM/);
  });
  it('a tampered session cookie', async () => {
    const res = await fetch(`${h.toolUrl}/home`, { headers: { cookie: 'sd_session=' + 'A'.repeat(43), accept: 'text/html' }, redirect: 'manual' });
    await refuse(res, /AUTH_NO_SESSION/);
  });
});

describe('sessions and CSRF', () => {
  it('a POST without the CSRF token is refused and changes nothing', async () => {
    const { state, token } = await signedLaunch('10');
    const res = await postIdToken(token, state);
    const cookie = sessionCookie(res);
    const before = await h.db.db.selectFrom('staff_designation').selectAll().execute();
    const post = (csrf?: string) =>
      fetch(`${h.toolUrl}/admin/staff`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams({ role: 'vice_principal', person_code: 'GV002', ...(csrf ? { _csrf: csrf } : {}) }),
      });
    const refused = await post();
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('AUTH_CSRF');
    expect(await h.db.db.selectFrom('staff_designation').selectAll().execute()).toEqual(before);
    // With the token from the page, the same request goes through (the session itself was valid).
    const form = await (await fetch(`${h.toolUrl}/admin/staff`, { headers: { cookie, accept: 'text/html' } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form)?.[1];
    expect(csrf).toBeTruthy();
    const accepted = await post(csrf);
    expect(accepted.status).toBe(303);
    expect(await h.db.db.selectFrom('staff_designation').selectAll().execute()).toHaveLength(before.length + 1);
  });

  it('the session travels in the URL when the browser refuses the cookie, and forms carry it', async () => {
    const { state, token } = await signedLaunch('10');
    const res = await postIdToken(token, state);
    const loc = res.headers.get('location')!;
    expect(loc).toMatch(/\/home\?_s=/);
    const page = await fetch(new URL(loc, h.toolUrl), { headers: { accept: 'text/html' } }); // no cookie sent
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Hiệu trưởng');
    expect(html).toMatch(/href="\/admin\/staff\?_s=/);
  });

  it('a student cannot open the principal\'s pages (authorised on the server)', async () => {
    const { state, token } = await signedLaunch('5');
    const res = await postIdToken(token, state);
    const cookie = sessionCookie(res);
    const page = await fetch(`${h.toolUrl}/admin/platforms`, { headers: { cookie, accept: 'text/html' } });
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('AUTH_FORBIDDEN_ROLE');
  });
});

describe('platform registration', () => {
  it('a launch for an inactive platform is refused', async () => {
    const p = await h.db.db.selectFrom('lti_platform').select(['id', 'platform_kid']).executeTakeFirstOrThrow();
    await h.db.db.updateTable('lti_platform').set({ status: 'suspended' }).where('id', '=', p.id).execute();
    const platform = await h.server.lti.provider.getPlatformById(p.platform_kid);
    await platform.platformActive(false);
    try {
      const res = await fetch(`${h.toolUrl}/lti/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: new URLSearchParams({ iss: h.platform.issuer, target_link_uri: `${h.toolUrl}/lti/`, login_hint: '3', client_id: h.clientId, lti_deployment_id: '1' }),
      });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('LTI_PLATFORM_NOT_ACTIVATED');
    } finally {
      await h.db.db.updateTable('lti_platform').set({ status: 'active' }).where('id', '=', p.id).execute();
      await platform.platformActive(true);
    }
  });

  it('the JWKS publishes the tool key of the registered platform', async () => {
    const kid = (await h.db.db.selectFrom('lti_platform').select('platform_kid').executeTakeFirstOrThrow()).platform_kid;
    const jwks = (await (await fetch(`${h.toolUrl}/lti/keys`)).json()) as { keys: Array<{ kid: string; kty: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    expect(jwks.keys.every((k) => k.kty === 'RSA')).toBe(true);
  });
});
