import { startPlatform, fromWireLatin1, SCOPE, type TestPlatform, type ToolRegistration } from '../support/platform';
import { startTinyTool, type TinyTool } from './support/tiny-tool';
import { fixture, getToken, rehost, seedFixtureWorld } from './support/seed';

let p: TestPlatform;
let tool: TinyTool;
let reg: ToolRegistration;
let token: string;

beforeAll(async () => {
  p = await startPlatform();
  tool = await startTinyTool(p);
  reg = seedFixtureWorld(p, tool);
  token = await getToken(p, tool, reg.clientId, [SCOPE.lineitem, SCOPE.lineitemReadonly, SCOPE.resultReadonly, SCOPE.score, SCOPE.nrps]);
});
afterAll(async () => {
  await tool.close();
  await p.close();
});

/** Replay a fixture request against the platform; returns the real response and the rehosted fixture. */
async function replay(name: string, opts: { token?: string | null } = {}) {
  const f = rehost(fixture(`nrps/${name}.json`), p.url, tool.url);
  const headers: Record<string, string> = { ...f.request.headers };
  delete headers.authorization;
  const t = opts.token === undefined ? token : opts.token;
  if (t !== null && f.request.headers.authorization) headers.authorization = `Bearer ${t}`;
  const res = await fetch(f.request.url, { method: f.request.method, headers });
  const text = await res.text();
  return { f, res, text, json: text ? JSON.parse(text) : undefined };
}

describe('NRPS memberships', () => {
  it('full roster equals nrps/02-nrps-full.json (fields, roles, names, order, suspended left out)', async () => {
    const { f, res, json } = await replay('02-nrps-full');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(f.response.headers['content-type']);
    expect(json).toEqual(f.response.body);
    // gv.minh (non-editing teacher) is a Learner; admin, ht.lan (not enrolled) and hs.duc (suspended) are absent.
    const ids = json.members.map((m: { user_id: string }) => m.user_id);
    expect(ids).toEqual(['8', '4', '5', '7', '6', '3']);
  });

  it.each(['03-nrps-limit2-page1', '04-nrps-limit2-page2', '05-nrps-limit2-page3'])('paging %s: body and Link header', async (name) => {
    const { f, res, json } = await replay(name);
    expect(json).toEqual(f.response.body);
    expect(res.headers.get('link')).toBe(f.response.headers.link ?? null);
  });

  it.each(['06-nrps-role-Learner', '07-nrps-role-Instructor-fulluri'])('role filter %s', async (name) => {
    const { f, json } = await replay(name);
    expect(json).toEqual(f.response.body);
  });

  it('rlid adds message with basic outcome only (nrps/08-nrps-rlid-1.json)', async () => {
    const { f, json } = await replay('08-nrps-rlid-1');
    expect(json.members.map((m: { user_id: string }) => m.user_id)).toEqual(f.response.body.members.map((m: { user_id: string }) => m.user_id));
    const strip = (m: Record<string, any>) => ({
      ...m,
      message: m.message.map((x: Record<string, any>) => ({
        ...x,
        'https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome': Object.keys(x['https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome']),
      })),
    });
    expect(json.members.map(strip)).toEqual(f.response.body.members.map(strip));
    expect(Object.keys(json.members[0])).toEqual(Object.keys(f.response.body.members[0]));
  });

  it('Accept: application/json → 400 "No handler found" (nrps/09-nrps-accept-json.json)', async () => {
    const { f, res, json } = await replay('09-nrps-accept-json');
    expect(res.status).toBe(400);
    expect(res.statusText.trim()).toBe(f.response.statusText);
    expect(json).toEqual(f.response.body);
  });

  it('no token → 401 (nrps/10-nrps-no-token.json)', async () => {
    const { f, res, json } = await replay('10-nrps-no-token', { token: null });
    expect(res.status).toBe(401);
    expect(res.statusText).toBe(f.response.statusText);
    expect(json).toEqual(f.response.body);
  });

  it('token without the NRPS scope → 401 (nrps/12-nrps-with-ags-only-token.json)', async () => {
    const agsOnly = await getToken(p, tool, reg.clientId, [SCOPE.lineitemReadonly]);
    const { f, res, json } = await replay('12-nrps-with-ags-only-token', { token: agsOnly });
    expect(res.status).toBe(401);
    expect(json).toEqual(f.response.body);
  });

  it('counts NRPS requests in stats()', () => {
    expect(p.stats().nrpsRequests).toBeGreaterThanOrEqual(10);
  });
});
