import { startPlatform, type TestPlatform, type ToolRegistration } from '../support/platform';
import { startTinyTool, type TinyTool } from './support/tiny-tool';
import { fixture, seedFixtureWorld } from './support/seed';
import { phpIso8601Plus7 } from '../support/platform/http-util';

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

async function tokenRequest(assertion: string, scope: string, contentType = 'form') {
  const fields = {
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope,
  };
  const r = await fetch(p.endpoints.token, {
    method: 'POST',
    headers: { 'content-type': contentType === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: contentType === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields),
  });
  return { status: r.status, contentType: r.headers.get('content-type'), text: await r.text() };
}

function fx(name: string) {
  const f = fixture(`token/${name}.json`);
  return { scope: f.request.body.scope as string, status: f.response.status as number, body: f.response.body, headers: f.response.headers };
}

describe('token endpoint (mod/lti/token.php)', () => {
  it('grants requested ∩ permitted scopes, 200 JSON as text/html (token/02-token-all-scopes.json)', async () => {
    const f = fx('02-token-all-scopes');
    const r = await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), f.scope);
    expect(r.status).toBe(f.status);
    expect(r.contentType).toBe(f.headers['content-type']);
    const body = JSON.parse(r.text);
    expect(Object.keys(body)).toEqual(Object.keys(f.body));
    expect(body.access_token).toMatch(/^\S{32}$/);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: f.body.scope });
  });

  it.each(['03-token-nrps-only', '11-token-ags-only', '54-token-readonly-scopes'])('%s', async (name) => {
    const f = fx(name);
    const r = await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), f.scope);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).scope).toBe(f.body.scope);
  });

  it('only unpermitted scopes → invalid_scope (token/04-token-unpermitted-scope-only.json)', async () => {
    const f = fx('04-token-unpermitted-scope-only');
    const r = await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), f.scope);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual(f.body);
    expect(r.text.length).toBe(Number(f.headers['content-length']));
  });

  it('does not check aud, iss, jti; replay accepted (token/05, 06, 07, 08)', async () => {
    const scope = fx('05-token-wrong-aud').scope;
    const wrongAud = await tool.clientAssertion(reg.clientId, p.endpoints.token, { aud: 'https://example.invalid/not-the-token-endpoint' });
    expect((await tokenRequest(wrongAud, scope)).status).toBe(200);
    const bare = await tool.clientAssertion(reg.clientId, p.endpoints.token, { aud: undefined, iss: undefined, jti: undefined });
    expect((await tokenRequest(bare, scope)).status).toBe(200);
    const once = await tool.clientAssertion(reg.clientId, p.endpoints.token);
    expect((await tokenRequest(once, scope)).status).toBe(200);
    expect((await tokenRequest(once, scope)).status).toBe(200);
  });

  it('expired assertion → "Expired token" (token/09-token-expired-assertion.json)', async () => {
    const f = fx('09-token-expired-assertion');
    const now = Math.floor(Date.now() / 1000);
    const r = await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token, { iat: now - 600, exp: now - 300 }), f.scope);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual(f.body);
    expect(r.text.length).toBe(Number(f.headers['content-length']));
  });

  it('iat 120 s in the future → no leeway, PHP ISO 8601 in +0700 (token/10-token-iat-in-future-120s.json)', async () => {
    const f = fx('10-token-iat-in-future-120s');
    const iat = 1795361226; // the fixture's iat: 2026-11-22T15:27:06Z
    const now = Math.floor(Date.now() / 1000);
    const future = now + 120;
    const r = await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token, { iat: future, exp: future + 300 }), f.scope);
    expect(r.status).toBe(400);
    const msg = JSON.parse(r.text).error as string;
    expect(msg).toMatch(/^Cannot handle token with iat prior to \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0700$/);
    // same formatting as the fixture for the fixture's iat
    expect(`Cannot handle token with iat prior to ${phpIso8601Plus7(iat)}`).toBe(f.body.error);
    // a few seconds in the past is fine
    expect((await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token, { iat: now - 3 }), f.scope)).status).toBe(200);
  });

  it('wrong key, same kid → "Signature verification failed" (token/11-token-bad-signature.json)', async () => {
    const f = fx('11-token-bad-signature');
    const now = Math.floor(Date.now() / 1000);
    const a = await tool.signAssertion({ iss: reg.clientId, sub: reg.clientId, aud: p.endpoints.token, iat: now, exp: now + 300 }, { foreignKey: true });
    const r = await tokenRequest(a, f.scope);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual(f.body);
  });

  it('unknown kid → the invalid-JSON body, byte for byte (token/12-token-unknown-kid.json)', async () => {
    const f = fx('12-token-unknown-kid');
    const now = Math.floor(Date.now() / 1000);
    const a = await tool.signAssertion({ iss: reg.clientId, sub: reg.clientId, aud: p.endpoints.token, iat: now, exp: now + 300 }, { kid: 'unknown-kid' });
    const r = await tokenRequest(a, f.scope);
    expect(r.status).toBe(400);
    expect(r.text).toBe(f.body);
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('unknown client → invalid_client (token/13-token-unknown-client.json)', async () => {
    const f = fx('13-token-unknown-client');
    const r = await tokenRequest(await tool.clientAssertion('nope', p.endpoints.token), f.scope);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual(f.body);
  });

  it('JSON body → invalid_request (token/14-token-json-body.json)', async () => {
    const f = fx('14-token-json-body');
    const r = await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), f.scope, 'json');
    expect(r.status).toBe(400);
    expect(r.contentType).toBe(f.headers['content-type']);
    expect(JSON.parse(r.text)).toEqual(f.body);
    expect(r.text.length).toBe(Number(f.headers['content-length']));
  });

  it('caches the tool JWKS and re-downloads it when verification fails (key rotation, doc §5)', async () => {
    const scope = fx('03-token-nrps-only').scope;
    await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), scope);
    const hits = tool.jwksHits;
    expect((await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), scope)).status).toBe(200);
    expect(tool.jwksHits).toBe(hits); // cached
    await tool.rotateKey();
    expect((await tokenRequest(await tool.clientAssertion(reg.clientId, p.endpoints.token), scope)).status).toBe(200);
    expect(tool.jwksHits).toBe(hits + 1);
    const st = p.stats();
    expect(st.tokenRequests).toBeGreaterThan(10);
  });
});
