import { decodeProtectedHeader } from 'jose';
import { startPlatform, CLAIM, ROLE, type TestPlatform, type ToolRegistration } from '../support/platform';
import { startTinyTool, type TinyTool } from './support/tiny-tool';
import { fixture, rehost, seedFixtureWorld, shape } from './support/seed';

let p: TestPlatform;
let tool: TinyTool;
let reg: ToolRegistration;

beforeAll(async () => {
  p = await startPlatform();
  tool = await startTinyTool(p);
  reg = seedFixtureWorld(p, tool);
});
afterAll(async () => {
  await tool.close();
  await p.close();
});
beforeEach(() => {
  tool.authOverrides = {};
  tool.redirectPath = '/launch';
});

function lastLaunch() {
  const l = tool.launches[tool.launches.length - 1];
  if (!l) throw new Error('no launch received');
  return l;
}

describe('OIDC launch flow', () => {
  it('sends the login initiation like launches/launch-teacher-iframe-via-view.php.json', async () => {
    const fx = fixture('launches/launch-teacher-iframe-via-view.php.json');
    const r = await p.launch('3', '3');
    expect(r.status).toBe(200);
    const init = tool.loginInitiations[tool.loginInitiations.length - 1]!;
    expect(Object.keys(init)).toEqual(Object.keys(fx.oidc_login_initiation.params));
    expect(init.iss).toBe(p.issuer);
    expect(init.login_hint).toBe('3');
    expect(init.client_id).toBe(reg.clientId);
    expect(init.lti_deployment_id).toBe('1');
    expect(init.target_link_uri).toBe(`${tool.url}/launch`);
    expect(init.lti_message_hint).toMatch(/^\{"cmid":3,"launchid":"ltilaunch1_\d+"\}$/);
    const l = lastLaunch();
    expect(Object.keys(l.form)).toEqual(fx.launch_post.form_keys);
    expect(l.verifyError).toBeUndefined();
    expect(l.nonceMatches).toBe(true);
    expect(l.headers.origin).toBe(p.url);
    expect(l.headers.referer).toBe(`${p.url}/`);
    expect(l.headers['sec-fetch-site']).toBe('cross-site');
    expect(l.headers['sec-fetch-dest']).toBe('iframe');
  });

  it('id_token: header and claims shaped exactly like the teacher fixture', async () => {
    const fx = fixture('launches/launch-teacher-iframe-via-view.php.json');
    const r = await p.launch('3', '3');
    const l = lastLaunch();
    expect(decodeProtectedHeader(r.idToken!)).toEqual({ typ: 'JWT', alg: 'RS256', kid: p.kid });
    const payload = { ...l.payload! };
    expect(Object.keys(payload)).toEqual(Object.keys(fx.payload)); // same claims, same order
    expect(shape(payload)).toEqual(shape(fx.payload));
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    // Everything except per-launch randomness equals the fixture (hosts rewritten).
    const expected = rehost(fx.payload, p.url, tool.url);
    for (const k of ['nonce', 'iat', 'exp', 'aud', CLAIM.basicOutcome, CLAIM.launchPresentation, CLAIM.toolPlatform]) {
      delete expected[k];
      delete payload[k];
    }
    expect(payload).toEqual(expected);
    expect(JSON.parse((l.payload![CLAIM.basicOutcome] as any).lis_result_sourcedid).data).toMatchObject({ instanceid: '1', userid: '3', typeid: '1' });
    expect(l.payload![CLAIM.launchPresentation]).toEqual({
      locale: 'en',
      document_target: 'iframe',
      return_url: expect.stringMatching(new RegExp(`^${p.url}/mod/lti/return\\.php\\?course=2&launch_container=3&instanceid=1&sesskey=\\S+$`)),
    });
    expect(Object.keys(l.payload![CLAIM.toolPlatform] as object)).toEqual(Object.keys(fx.payload[CLAIM.toolPlatform]));
    expect(l.payload![CLAIM.toolPlatform]).toMatchObject({ product_family_code: 'moodle', version: '2024090300', name: 'LTITEST' });
  });

  const roleCases: Array<[string, string, string, string[]]> = [
    ['editingteacher', '3', 'launches/launch-teacher-iframe-via-view.php.json', [ROLE.instructor]],
    ['non-editing teacher', '4', 'launches/launch-noneditingteacher-iframe-via-view.php.json', [ROLE.instructor]],
    ['student', '5', 'launches/launch-student-iframe-via-view.php.json', [ROLE.learner]],
    ['category manager', '10', 'launches/launch-manager-category-iframe-via-view.php.json', [ROLE.instructor]],
    ['site admin', '2', 'launches/launch-siteadmin-iframe-via-view.php.json', [ROLE.institutionAdmin, ROLE.instructor, ROLE.systemAdmin]],
  ];
  it.each(roleCases)('roles for %s match %s', async (_who, userId, file, roles) => {
    const fx = fixture(file);
    await p.launch(userId, '3');
    const l = lastLaunch();
    expect(l.payload![CLAIM.roles]).toEqual(roles);
    expect(l.payload![CLAIM.roles]).toEqual(fx.payload[CLAIM.roles]);
    expect(l.payload!.name).toBe(fx.payload.name);
    expect(l.payload![CLAIM.lis]).toEqual(fx.payload[CLAIM.lis]);
    expect(l.payload![CLAIM.custom]).toEqual(rehost(fx.payload[CLAIM.custom], p.url));
  });
});

describe('OIDC errors (launch-errors/)', () => {
  it('prompt=login → error form-posted with state (launch-errors/fault-prompt-login.json)', async () => {
    const fx = fixture('launch-errors/fault-prompt-login.json');
    tool.authOverrides = { prompt: 'login' };
    const r = await p.launch('5', '3');
    expect(r.authError).toEqual(fx.tool_received.platform_error);
    const l = lastLaunch();
    expect(Object.keys(l.form)).toEqual(fx.tool_received.form_keys);
    expect(l.stateKnown).toBe(true);
  });

  it('response_mode=query → Invalid response_mode (launch-errors/fault-response-mode-query.json)', async () => {
    const fx = fixture('launch-errors/fault-response-mode-query.json');
    tool.authOverrides = { response_mode: 'query' };
    const r = await p.launch('5', '3');
    expect(r.authError).toEqual(fx.tool_received.platform_error);
  });

  it('login_hint of another user → access_denied (launch-errors/fault-wrong-login-hint.json)', async () => {
    const fx = fixture('launch-errors/fault-wrong-login-hint.json');
    tool.authOverrides = { login_hint: '7' };
    const r = await p.launch('5', '3');
    expect(r.authError).toEqual(fx.tool_received.platform_error);
    expect(Object.keys(lastLaunch().form)).toEqual(fx.tool_received.form_keys);
  });

  it('unregistered redirect_uri → HTML "Invalid request", nothing posted (launch-errors/fault-redirect-unregistered.json)', async () => {
    tool.authOverrides = { redirect_uri: `${tool.url}/evil` };
    const before = tool.launches.length;
    const r = await p.launch('5', '3');
    expect(r.status).toBe(404);
    expect(r.url.startsWith(p.endpoints.auth)).toBe(true);
    expect(r.body).toContain('Invalid request');
    expect(r.body).toContain('Error code: invalidrequest');
    expect(tool.launches.length).toBe(before);
  });

  it('missing nonce → HTML "Invalid request" (launch-errors/fault-no-nonce.json)', async () => {
    tool.authOverrides = { nonce: null };
    const before = tool.launches.length;
    const r = await p.launch('5', '3');
    expect(r.status).toBe(404);
    expect(r.body).toContain('invalidrequest');
    expect(tool.launches.length).toBe(before);
  });

  it('second registered redirect URI works (launch-errors/fault-redirect-launch2.json)', async () => {
    tool.redirectPath = '/launch2';
    const r = await p.launch('5', '3');
    expect(r.status).toBe(200);
    expect(lastLaunch().path).toBe('/launch2');
    expect(lastLaunch().payload?.sub).toBe('5');
  });

  it('lti_message_hint is single use: replaying auth.php → HTML invalidrequest (launch-errors/replay-auth-same-message-hint.json)', async () => {
    const r = await p.launch('5', '3');
    expect(r.idToken).toBeDefined();
    const before = tool.launches.length;
    const cookie = r.jar.header(p.url, { topHost: '127.0.0.1', embedded: true, initiatorHost: '127.0.0.1', method: 'GET' });
    const replay = await fetch(r.authRequest!.toString(), { headers: { cookie } });
    expect(replay.status).toBe(404);
    expect(await replay.text()).toContain('invalidrequest');
    expect(tool.launches.length).toBe(before);
  });

  it('suspended student: view.php redirects to the enrol page (launch-errors/student-suspended.json)', async () => {
    const fx = fixture('launch-errors/student-suspended.json');
    const res = await fetch(p.launchPageUrl('9', '3'), { redirect: 'manual' });
    expect(res.status).toBe(fx.navigation_chain[1].status);
    expect(res.headers.get('location')).toBe('/enrol/index.php?id=2');
    const r = await p.launch('9', '3');
    expect(r.body).toContain('You cannot enrol yourself in this course.');
    expect(r.idToken).toBeUndefined();
  });
});

describe('containers, cookies and the view page', () => {
  it('view.php embeds launch.php in an iframe with the Moodle allow list (browser-flows/flow-teacher-iframe-via-view.php.json)', async () => {
    const fx = fixture('browser-flows/flow-teacher-iframe-via-view.php.json');
    const html = await (await fetch(p.launchPageUrl('3', '3'))).text();
    const frame = fx.iframes_on_moodle_page[0];
    expect(html).toContain('id="contentframe"');
    expect(html).toContain(`src="${p.url}/mod/lti/launch.php?id=3&amp;triggerview=0"`);
    expect(html).toContain(`allow="${rehost(frame.allow, p.url, tool.url)}"`);
    expect(html).not.toContain('sandbox');
  });

  it('embedded launch: only the Partitioned (CHIPS) probe cookie comes back (launches/launch-student2-cookieprobe-iframe-via-view.php.json)', async () => {
    await p.launch('6', '3');
    const c = lastLaunch().cookies;
    expect(c.lti_state_chips).toBeDefined();
    expect(c.lti_state_lax).toBeUndefined();
    expect(c.lti_state_none).toBeUndefined();
    expect(c.lti_state_nosamesite).toBeUndefined();
  });

  it('top-level launch: None;Secure and no-SameSite come back, Lax does not (doc §3 table)', async () => {
    await p.launch('6', '3', { embedded: false });
    const c = lastLaunch().cookies;
    expect(c.lti_state_lax).toBeUndefined();
    expect(c.lti_state_none).toBeDefined();
    expect(c.lti_state_nosamesite).toBeDefined();
  });

  it('"New window" container: document_target window, launch_container=4, window.open with &amp; (launches/launch-teacher-newwindow-container-nograde-lineitem-deleted.json)', async () => {
    const fx = fixture('launches/launch-teacher-newwindow-container-nograde-lineitem-deleted.json');
    p.addActivity('2', { toolClientId: reg.clientId, instanceId: '50', cmid: '50', title: 'Cửa sổ mới', container: 'window' });
    const html = await (await fetch(p.launchPageUrl('3', '50'))).text();
    expect(html).toContain(`window.open('${p.url}/mod/lti/launch.php?id=50&amp;triggerview=0','lti-50')`);
    expect(html).toContain('Open in new window');
    await p.launch('3', '50');
    const lp = lastLaunch().payload![CLAIM.launchPresentation] as Record<string, string>;
    expect(lp.document_target).toBe(fx.payload[CLAIM.launchPresentation].document_target);
    expect(lp.return_url).toContain('launch_container=4&instanceid=50');
    // no grade item → no lineitem in the AGS claim, like the fixture after the item was deleted
    expect(Object.keys(lastLaunch().payload![CLAIM.ags] as object)).toEqual(Object.keys(fx.payload[CLAIM.ags]));
  });

  it('LtiDeepLinkingRequest shaped like launches/launch-teacher-deeplinking-request-dynreg-tool.json', async () => {
    const fx = fixture('launches/launch-teacher-deeplinking-request-dynreg-tool.json');
    const r = await p.launch('3', '3', { messageType: 'LtiDeepLinkingRequest' });
    expect(r.loginInitiation?.lti_message_hint).toMatch(/^\{"launchid":"ltilaunch_ContentItemSelectionRequest\d+"\}$/);
    const payload = lastLaunch().payload!;
    expect(Object.keys(payload)).toEqual(Object.keys(fx.payload));
    // custom differs only because the fixture's tool (dynamic registration) had other tool parameters
    expect({ ...(shape(payload) as object), [CLAIM.custom]: null }).toEqual({ ...(shape(fx.payload) as object), [CLAIM.custom]: null });
    expect(payload[CLAIM.custom]).toEqual({ khoi: '6', nam_hoc: '2024-2025', user_username: 'gv.hoa', person_sourcedid: 'GV001', course_idnumber: '2024-2025-6A-TOAN' });
    expect(payload[CLAIM.launchPresentation]).toEqual({ locale: 'en' });
    expect(payload[CLAIM.nrps]).toBeUndefined();
    const dl = payload[CLAIM.deepLinkingSettings] as Record<string, unknown>;
    const fdl = { ...fx.payload[CLAIM.deepLinkingSettings] };
    expect(Object.keys(dl)).toEqual(Object.keys(fdl));
    expect(dl.deep_link_return_url).toMatch(new RegExp(`^${p.url}/mod/lti/contentitem_return\\.php\\?course=2&id=1&sesskey=\\S+$`));
    for (const k of ['deep_link_return_url', 'title']) delete (fdl as any)[k];
    expect(dl).toMatchObject(fdl);
  });

  it('buildIdTokenPayload + signIdToken for forged tokens', async () => {
    const payload = p.buildIdTokenPayload('5', '3', 'n-1', { [CLAIM.roles]: [ROLE.instructor] });
    expect(payload[CLAIM.roles]).toEqual([ROLE.instructor]);
    const good = await p.signIdToken(payload);
    const forged = await p.signIdToken(payload, { key: 'foreign' });
    expect(decodeProtectedHeader(good).kid).toBe(p.kid);
    expect(decodeProtectedHeader(forged).kid).toBe(p.kid); // same kid, wrong key
    const jwks = (await (await fetch(p.endpoints.jwks)).json()) as { keys: object[] };
    expect(jwks.keys).toHaveLength(1);
    expect(Object.keys(jwks.keys[0] ?? {})).toEqual(Object.keys(fixture('platform/platform-jwks.json').keys[0]));
  });
});
