import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { createPgLtiStore, type PgLtiStore } from '../../src/lti/pg-lti-store';
import { rotateToolKey } from '../../src/lti/key-rotation';

/**
 * Drives the real ltijs 5.9.9 Provider through our plugin. The Provider is a process-wide singleton;
 * jest gives this file its own module registry, so it is set up exactly once here.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lti = (require('ltijs') as typeof import('ltijs')).Provider;

const ISS = 'https://moodle.cva.edu.vn';
const CLIENT_ID = 'sodiem-client';
const SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';

let tdb: TestDatabase;
let store: PgLtiStore;
let server: Server;
let base: string;
const addedSigint: NodeJS.SignalsListener[] = [];
const tokenRequests: { kid: string | undefined; verified: boolean }[] = [];

async function jwks(): Promise<{ keys: (JWK & { kid: string })[] }> {
  const res = await fetch(`${base}/lti/keys`);
  expect(res.status).toBe(200);
  return (await res.json()) as { keys: (JWK & { kid: string })[] };
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
  await lti.deploy({ serverless: true, silent: true });
  // deploy() installs SIGINT → close() → process.exit(): the application owns signals, not ltijs.
  for (const l of process.listeners('SIGINT')) {
    if (!before.has(l)) {
      process.removeListener('SIGINT', l);
      addedSigint.push(l);
    }
  }

  const app = express();
  app.use('/lti', lti.app);
  // A fake platform token endpoint: verifies ltijs' client assertion against our own JWKS.
  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    const assertion = String(req.body.client_assertion);
    const { kid } = decodeProtectedHeader(assertion);
    const jwk = (await jwks()).keys.find((k) => k.kid === kid);
    let verified = false;
    if (jwk) {
      await jwtVerify(assertion, await importJWK(jwk, 'RS256'));
      verified = true;
    }
    tokenRequests.push({ kid, verified });
    res.json({ access_token: `at-${tokenRequests.length}`, token_type: 'bearer', expires_in: 3600, scope: req.body.scope });
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await lti.close({ silent: true });
  await new Promise((r) => server.close(r));
  await tdb.close();
});

describe('ltijs Provider on the PostgreSQL plugin', () => {
  let kid = '';

  it('removed the SIGINT handler deploy() installed', () => {
    expect(addedSigint).toHaveLength(1);
  });

  it('registerPlatform stores the platform (authorizationServer included) and its sealed keys', async () => {
    const platform = await lti.registerPlatform({
      url: ISS,
      name: 'Moodle THPT Chu Văn An',
      clientId: CLIENT_ID,
      authenticationEndpoint: `${ISS}/mod/lti/auth.php`,
      accesstokenEndpoint: `${base}/token`,
      authorizationServer: `${ISS}/aud`,
      authConfig: { method: 'JWK_SET', key: `${ISS}/mod/lti/certs.php` },
    });
    kid = await platform.platformId();
    expect(kid).toMatch(/^[0-9a-f]{32}$/);

    const raw = await sql<{ t: string }>`SELECT string_agg(doc::text, ',') AS t FROM (
      SELECT doc FROM lti.public_key UNION ALL SELECT doc FROM lti.private_key) d`.execute(tdb.db);
    expect(raw.rows[0]!.t).not.toContain('BEGIN');
  }, 30_000);

  it('getPlatform / getPlatformById / getAllPlatforms read it back', async () => {
    const p = await lti.getPlatform(ISS, CLIENT_ID);
    expect(p).not.toBe(false);
    if (!p) return;
    expect(await p.platformKid()).toBe(kid);
    expect(await p.platformAuthorizationServer()).toBe(`${ISS}/aud`); // ltijs-sequelize loses this
    expect(await p.platformPublicKey()).toContain('BEGIN PUBLIC KEY');
    expect(await p.platformPrivateKey()).toContain('BEGIN RSA PRIVATE KEY');
    expect(await p.platformActive()).toBe(true); // no status row yet

    const list = await lti.getPlatform(ISS);
    expect(Array.isArray(list) && list.length).toBe(1);
    const byId = await lti.getPlatformById(kid);
    expect(byId && (await byId.platformName())).toBe('Moodle THPT Chu Văn An');
    expect(await lti.getPlatformById('unknown')).toBe(false);
    expect(await lti.getAllPlatforms()).toHaveLength(1);

    await p.platformActive(false);
    expect(await p.platformActive()).toBe(false);
    await p.platformActive(true);
    expect(await p.platformActive()).toBe(true);
  });

  it('registerPlatform again modifies instead of duplicating', async () => {
    const again = await lti.registerPlatform({
      url: ISS,
      name: 'Moodle CVA',
      clientId: CLIENT_ID,
      authenticationEndpoint: `${ISS}/mod/lti/auth.php`,
      accesstokenEndpoint: `${base}/token`,
      authConfig: { method: 'JWK_SET', key: `${ISS}/mod/lti/certs.php` },
    });
    expect(await again.platformKid()).toBe(kid);
    expect(await lti.getAllPlatforms()).toHaveLength(1);
  });

  it('updatePlatformById changes url and name, moving the key rows with it', async () => {
    const updated = await lti.updatePlatformById(kid, {
      url: 'https://lms.cva.edu.vn',
      name: 'LMS CVA',
      authenticationEndpoint: 'https://lms.cva.edu.vn/mod/lti/auth.php',
      accesstokenEndpoint: `${base}/token`,
    });
    expect(updated && (await updated.platformUrl())).toBe('https://lms.cva.edu.vn');
    expect(await lti.getPlatform(ISS, CLIENT_ID)).toBe(false);
    const p = await lti.getPlatform('https://lms.cva.edu.vn', CLIENT_ID);
    expect(p && (await p.platformName())).toBe('LMS CVA');
    const keys = await sql<{ platform_url: string }>`SELECT platform_url FROM lti.private_key UNION ALL SELECT platform_url FROM lti.public_key`.execute(tdb.db);
    expect(keys.rows.map((r) => r.platform_url)).toEqual(['https://lms.cva.edu.vn', 'https://lms.cva.edu.vn']);
    // move back for the rest of the file
    await lti.updatePlatformById(kid, { url: ISS, authenticationEndpoint: `${ISS}/mod/lti/auth.php`, accesstokenEndpoint: `${base}/token` });
  });

  it('serves the JWKS and signs client assertions with the platform kid; access tokens are cached', async () => {
    const set = await jwks();
    expect(set.keys.map((k) => k.kid)).toEqual([kid]);
    expect(set.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });

    const p = await lti.getPlatformById(kid);
    if (!p) throw new Error('platform missing');
    const t1 = await p.platformAccessToken(SCOPE);
    const t2 = await p.platformAccessToken(SCOPE);
    expect(t1.access_token).toBe(t2.access_token);
    expect(t1.token_type).toBe('Bearer');
    expect(tokenRequests).toEqual([{ kid, verified: true }]);
    const raw = await sql<{ t: string }>`SELECT doc::text AS t FROM lti.access_token`.execute(tdb.db);
    expect(raw.rows[0]!.t).not.toContain(t1.access_token);
  });

  it('rotateToolKey moves the platform to a new kid; JWKS serves both until the overlap ends', async () => {
    const school = await sql<{ id: number }>`INSERT INTO school (code, name, level) VALUES ('CVA', 'THPT Chu Văn An', 'THPT') RETURNING id`.execute(tdb.db);
    await sql`INSERT INTO lti_platform (school_id, issuer, client_id, platform_kid, registered_via)
      VALUES (${school.rows[0]!.id}, ${ISS}, ${CLIENT_ID}, ${kid}, 'manual')`.execute(tdb.db);
    await store.Replace(false, 'idtoken', { iss: ISS, clientId: CLIENT_ID, deploymentId: '1', user: '7' }, {
      iss: ISS, clientId: CLIENT_ID, deploymentId: '1', user: '7', platformId: kid,
    });

    const newKid = await rotateToolKey(tdb.db, store, kid, { overlapDays: 7, modulusLength: 2048 });
    expect(newKid).not.toBe(kid);

    expect(await lti.getPlatformById(kid)).toBe(false);
    const p = await lti.getPlatform(ISS, CLIENT_ID);
    expect(p && (await p.platformKid())).toBe(newKid);
    expect(p && (await p.platformAuthorizationServer())).toBe(`${ISS}/aud`);
    expect(await store.Get(false, 'platformStatus', { id: newKid })).toEqual([{ id: newKid, active: true }]);
    expect(await store.Get(false, 'privatekey', { kid })).toBe(false);
    const product = await sql<{ platform_kid: string }>`SELECT platform_kid FROM lti_platform`.execute(tdb.db);
    expect(product.rows).toEqual([{ platform_kid: newKid }]);
    const [idt] = (await store.Get(false, 'idtoken', { iss: ISS, clientId: CLIENT_ID, deploymentId: '1', user: '7' })) as Record<string, unknown>[];
    expect(idt!.platformId).toBe(newKid);

    expect((await jwks()).keys.map((k) => k.kid).sort()).toEqual([kid, newKid].sort());

    // New assertions are signed with the new key and verify against the published JWKS.
    await store.Delete('accesstoken', { platformUrl: ISS, clientId: CLIENT_ID, scopes: SCOPE });
    if (!p) throw new Error('platform missing');
    await p.platformAccessToken(SCOPE);
    expect(tokenRequests.at(-1)).toEqual({ kid: newKid, verified: true });

    // Overlap over: only the new key is published, and the purge removes the retired row.
    await sql`UPDATE lti.public_key SET serve_until = now() - interval '1 second' WHERE kid = ${kid}`.execute(tdb.db);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([newKid]);
    expect(await store.purgeExpired()).toMatchObject({ 'lti.public_key': 1 });

    // overlapDays: 0 drops the old key from the JWKS at once.
    const third = await rotateToolKey(tdb.db, store, newKid, { overlapDays: 0, modulusLength: 2048 });
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([third]);
    const again = await lti.getPlatformById(third);
    expect(again && (await again.platformPrivateKey())).toContain('BEGIN RSA PRIVATE KEY');
  }, 60_000);

  it('rotateToolKey on an unknown kid throws a typed error and changes nothing', async () => {
    await expect(rotateToolKey(tdb.db, store, 'no-such-kid', { overlapDays: 1, modulusLength: 2048 })).rejects.toMatchObject({
      code: 'KEY_ROTATION_PLATFORM_NOT_FOUND',
    });
  });

  it('close() leaves the shared pool open', async () => {
    await lti.close({ silent: true });
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM lti.platform`.execute(tdb.db);
    expect(r.rows[0]!.n).toBe(1);
  });
});
