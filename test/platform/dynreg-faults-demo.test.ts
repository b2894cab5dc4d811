import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startPlatform, SCOPE, CLAIM, type TestPlatform, type ToolRegistration } from '../support/platform';
import { startTinyTool, type TinyTool } from './support/tiny-tool';
import { fixture, getToken, rehost, seedFixtureWorld } from './support/seed';

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
afterEach(() => p.clearFaults());

describe('dynamic registration (registration/dynamic-registration.json)', () => {
  const fx = fixture('registration/dynamic-registration.json');

  it('openid-configuration is public and equals the fixture', async () => {
    const r = await fetch(p.endpoints.openidConfiguration);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(rehost(fx.openid_configuration.body, p.url));
    expect(await (await fetch(`${p.url}/mod/lti/openid-configuration.php`)).json()).toEqual(rehost(fixture('platform/openid-configuration.json'), p.url));
  });

  it('registration URL, token, 200 response, Pending until activated', async () => {
    const url = new URL(await p.dynamicRegistrationUrl(`${tool.url}/register?x=1`));
    expect(url.searchParams.get('x')).toBe('1'); // appended with &
    expect(url.searchParams.get('openid_configuration')).toBe(p.endpoints.openidConfiguration);
    const regToken = url.searchParams.get('registration_token')!;
    expect(decodeProtectedHeader(regToken)).toEqual({ typ: 'JWT', alg: 'RS256', kid: p.kid });
    const claims = decodeJwt(regToken);
    expect(Object.keys(claims)).toEqual(Object.keys(fx.registration_token_decoded.payload));
    expect(claims.sub).toMatch(/^[A-Za-z0-9]{15}$/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);

    const body = rehost(fx.registration_request.body, p.url, tool.url);
    expect((await fetch(p.endpoints.registration, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(401);
    const r = await fetch(p.endpoints.registration, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${regToken}` },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
    const out = await r.json();
    const expected = rehost(fx.registration_response.body, p.url, tool.url);
    expected.client_id = claims.sub;
    expected['https://purl.imsglobal.org/spec/lti-tool-configuration'].deployment_id = '2';
    expect(out).toEqual(expected);

    const t = p.tool(claims.sub as string)!;
    expect(t.state).toBe('pending');
    p.addActivity('2', { toolClientId: t.clientId, instanceId: '30', cmid: '30', title: 'Công cụ đăng ký động' });
    // Documented choice: launching a Pending tool fails with a Moodle error page, nothing reaches the tool.
    const before = tool.loginInitiations.length;
    const blocked = await p.launch('3', '30');
    expect(blocked.status).toBe(403);
    expect(blocked.body).toContain('tooltypepending');
    expect(tool.loginInitiations.length).toBe(before);
    p.activateTool(t.clientId);
    const ok = await p.launch('3', '30');
    expect(ok.status).toBe(200);
    const payload = tool.launches[tool.launches.length - 1]!.payload!;
    expect(payload.aud).toBe(t.clientId);
    expect(payload[CLAIM.deploymentId]).toBe('2');
    // the token can't be used twice
    const again = await fetch(p.endpoints.registration, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${regToken}` },
      body: JSON.stringify(body),
    });
    expect(again.status).toBe(401);
  });
});

describe('fault injection', () => {
  it('status + reason phrase + body, limited times, counted in stats', async () => {
    const token = await getToken(p, tool, reg.clientId, [SCOPE.nrps]);
    const url = `${p.url}/mod/lti/services.php/CourseSection/2/bindings/1/memberships`;
    const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json' };
    p.inject({ match: /\/memberships/, status: 503, statusText: 'Máy chủ bận', body: '{"status":503}', times: 1 });
    const before = p.stats().nrpsRequests;
    const r1 = await fetch(url, { headers });
    expect(r1.status).toBe(503);
    expect(r1.statusText).toBe('Máy chủ bận');
    expect(await r1.json()).toEqual({ status: 503 });
    expect((await fetch(url, { headers })).status).toBe(200);
    expect(p.stats().nrpsRequests).toBe(before + 2);
  });

  it('delay, method filter, closed connection', async () => {
    p.inject({ match: 'token.php', method: 'POST', delayMs: 150, times: 1 });
    const t0 = Date.now();
    await getToken(p, tool, reg.clientId, [SCOPE.nrps]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    p.inject({ match: 'token.php', closeConnection: true });
    await expect(getToken(p, tool, reg.clientId, [SCOPE.nrps])).rejects.toThrow();
    p.clearFaults();
    await expect(getToken(p, tool, reg.clientId, [SCOPE.nrps])).resolves.toMatch(/^\S{32}$/);
  });
});

describe('demo page', () => {
  it('lists courses and one launch link per person', async () => {
    const html = await (await fetch(`${p.url}/`)).text();
    expect(html).toContain('LMS mô phỏng (demo)');
    expect(html).toContain('Lop 6A - Toan');
    expect(html).toContain('Mở với tư cách Trần Thị Hoa (giáo viên)');
    expect(html).toContain('Mở với tư cách Nguyễn Văn An (học sinh)');
    expect(html).toContain(p.launchPageUrl('5', '3').replace(/&/g, '&amp;'));
    const grades = await fetch(`${p.url}/grade/report/index.php?id=2`);
    expect(grades.status).toBe(200);
  });
});
