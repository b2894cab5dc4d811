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
