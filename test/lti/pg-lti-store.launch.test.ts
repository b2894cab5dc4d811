import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { importPKCS8, SignJWT } from 'jose';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { createPgLtiStore, type PgLtiStore } from '../../src/lti/pg-lti-store';

/**
 * A full LTI 1.3 launch through ltijs on our plugin: OIDC login (state row with the target link
 * query), id_token POST (nonce row, idtoken + contexttoken rows), ltik request (session read back),
 * and a replayed id_token rejected by the nonce. One Provider singleton per test file.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lti = (require('ltijs') as typeof import('ltijs')).Provider;

const ISS = 'https://moodle.test';
const CLIENT_ID = 'launch-client';

let tdb: TestDatabase;
let store: PgLtiStore;
let server: Server;
let base: string;
const platformKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const connected: { user: string; custom: unknown; path: string; query: unknown }[] = [];

function cookiesOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ');
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  store = createPgLtiStore(tdb.db, { kek: randomBytes(32) });
  const before = new Set(process.listeners('SIGINT'));
  lti.setup(randomBytes(32).toString('hex'), { plugin: store }, {
    appRoute: '/',
    loginRoute: '/login',
    keysetRoute: '/keys',
    cookies: { secure: false },
    devMode: false,
    cors: false,
    tokenMaxAge: 60,
  });
  lti.onConnect((token, req, res) => {
    connected.push({ user: token.user, custom: token.platformContext.custom, path: token.platformContext.path, query: req.query.foo });
    res.status(200).send('ok');
  });
  lti.onInvalidToken((_req, res) => {
    res.status(401).send('invalid');
  });
  await lti.deploy({ serverless: true, silent: true });
  for (const l of process.listeners('SIGINT')) if (!before.has(l)) process.removeListener('SIGINT', l);

  const app = express();
  app.use('/lti', lti.app);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await lti.registerPlatform({
    url: ISS,
    name: 'Moodle test',
    clientId: CLIENT_ID,
    authenticationEndpoint: `${ISS}/mod/lti/auth.php`,
    accesstokenEndpoint: `${ISS}/mod/lti/token.php`,
    authConfig: { method: 'RSA_KEY', key: platformKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  });
}, 30_000);

afterAll(async () => {
  await lti.close({ silent: true });
  await new Promise((r) => server.close(r));
  await tdb.close();
});

async function login(): Promise<{ state: string; nonce: string; cookie: string }> {
  const q = new URLSearchParams({
    iss: ISS,
    client_id: CLIENT_ID,
    login_hint: '7',
    target_link_uri: `${base}/lti/?foo=bar`,
  });
  const res = await fetch(`${base}/lti/login?${q}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.get('location')!);
  return { state: loc.searchParams.get('state')!, nonce: loc.searchParams.get('nonce')!, cookie: cookiesOf(res) };
}

async function idToken(nonce: string): Promise<string> {
  const key = await importPKCS8(platformKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
  return new SignJWT({
    nonce,
    name: 'Nguyễn Văn A',
    'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
    'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
    'https://purl.imsglobal.org/spec/lti/claim/deployment_id': '1',
    'https://purl.imsglobal.org/spec/lti/claim/target_link_uri': `${base}/lti/`,
    'https://purl.imsglobal.org/spec/lti/claim/resource_link': { id: 'rl-1', title: 'Sổ điểm 10A1' },
    'https://purl.imsglobal.org/spec/lti/claim/context': { id: 'course-1', label: '10A1', title: 'Toán 10A1' },
    'https://purl.imsglobal.org/spec/lti/claim/roles': ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
    'https://purl.imsglobal.org/spec/lti/claim/custom': { school: 'CVA' },
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'platform-key' })
    .setIssuer(ISS)
    .setAudience(CLIENT_ID)
    .setSubject('7')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

async function post(token: string, state: string, cookie: string): Promise<Response> {
  return fetch(`${base}/lti/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ id_token: token, state }).toString(),
  });
}

describe('a full launch through ltijs on the PostgreSQL plugin', () => {
  it('login → id_token → ltik session; the replayed id_token is rejected by the nonce', async () => {
    const { state, nonce, cookie } = await login();
    const stateRow = await store.Get(false, 'state', { state });
    expect(stateRow && stateRow[0]).toMatchObject({ state, query: { foo: 'bar' } });

    const token = await idToken(nonce);
    const res = await post(token, state, cookie);
    expect(res.status).toBe(302);
    const next = new URL(res.headers.get('location')!, base);
    expect(next.searchParams.get('ltik')).toBeTruthy();
    expect(next.searchParams.get('foo')).toBe('bar'); // query kept in the state row
    // state row deleted by ltijs (un-awaited Delete); nonce, idtoken and contexttoken rows written
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.Get(false, 'state', { state })).toBe(false);
    expect(await store.Get(false, 'nonce', { nonce })).not.toBe(false);
    const counts = await sql<{ i: number; c: number }>`SELECT (SELECT count(*)::int FROM lti.id_token) AS i,
      (SELECT count(*)::int FROM lti.context_token) AS c`.execute(tdb.db);
    expect(counts.rows[0]).toEqual({ i: 1, c: 1 });

    const app = await fetch(next, { headers: { cookie: `${cookie}; ${cookiesOf(res)}` } });
    expect(app.status).toBe(200);
    expect(connected).toEqual([{ user: '7', custom: { school: 'CVA' }, path: '/', query: 'bar' }]);

    // Replay: a fresh state (so only the nonce can stop it), same id_token.
    const second = await login();
    const replay = await post(token, second.state, second.cookie);
    expect(replay.status).toBe(401);
    expect(connected).toHaveLength(1);
  });

  it('the session ends when its idtoken row expires (24 h TTL enforced by the plugin)', async () => {
    const { state, nonce, cookie } = await login();
    const res = await post(await idToken(nonce), state, cookie);
    const next = new URL(res.headers.get('location')!, base);
    await sql`UPDATE lti.id_token SET created_at = now() - interval '25 hours'`.execute(tdb.db);
    const app = await fetch(next, { headers: { cookie: `${cookie}; ${cookiesOf(res)}` } });
    expect(app.status).toBe(401);
  });
});
