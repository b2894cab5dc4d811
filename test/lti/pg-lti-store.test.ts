import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { createPgLtiStore, LTI_PURGE_LOCK_KEY, LtiStoreError, type PgLtiStore } from '../../src/lti/pg-lti-store';

const KEY = 'ltijs-encryption-key-flag';
const KEK = randomBytes(32);
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAfake\n-----END RSA PRIVATE KEY-----\n';

let tdb: TestDatabase;
let store: PgLtiStore;
const warnings: string[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  store = createPgLtiStore(tdb.db, { kek: KEK, kekVersion: 3, logger: { warn: (m) => warnings.push(m) } });
  await store.setup();
});
afterAll(async () => {
  await store.Close();
  await tdb.close();
});

async function ageRows(table: string, seconds: number): Promise<void> {
  await sql`UPDATE ${sql.table(table)} SET created_at = now() - make_interval(secs => ${seconds})`.execute(tdb.db);
}

describe('Get', () => {
  it('returns false (never []) when nothing matches, with or without a query', async () => {
    await expect(store.Get(false, 'platform')).resolves.toBe(false);
    await expect(store.Get(false, 'platform', { kid: 'nope' })).resolves.toBe(false);
    await expect(store.Get(KEY, 'publickey')).resolves.toBe(false);
  });

  it('throws on an unknown field, an operator or an unknown collection', async () => {
    await expect(store.Get(false, 'platform', { name: 'x' })).rejects.toMatchObject({ code: 'LTI_STORE_UNKNOWN_FIELD' });
    await expect(store.Get(false, 'platform', { kid: { $ne: 'x' } })).rejects.toMatchObject({ code: 'LTI_STORE_BAD_QUERY' });
    await expect(store.Get(false, 'sessions', {})).rejects.toBeInstanceOf(LtiStoreError);
  });
});

describe('encrypted collections', () => {
  it('keyed Get returns the decrypted document with createdAt in ms; the row holds no PEM', async () => {
    const index = { kid: 'k-enc', platformUrl: 'https://m.example', clientId: 'c1' };
    await store.Replace(KEY, 'privatekey', { platformUrl: 'https://m.example', clientId: 'c1' }, { key: PEM, kid: 'k-enc' }, index);
    const got = await store.Get(KEY, 'privatekey', { kid: 'k-enc' });
    expect(got).not.toBe(false);
    const doc = (got as Record<string, unknown>[])[0]!;
    expect(doc.key).toBe(PEM);
    expect(doc.kid).toBe('k-enc');
    expect(typeof doc.createdAt).toBe('number');
    expect(Math.abs(Date.now() - (doc.createdAt as number))).toBeLessThan(60_000);

    const raw = await sql<{ t: string }>`SELECT doc::text AS t FROM lti.private_key WHERE kid = 'k-enc'`.execute(tdb.db);
    const text = raw.rows[0]!.t;
    expect(text).not.toContain('BEGIN');
    expect(text).not.toContain('MIIE');
    expect(JSON.parse(text)).toEqual({ v: 3, iv: expect.any(String), tag: expect.any(String), data: expect.any(String) });
  });

  it('refuses to store an encrypted collection without the key flag', async () => {
    await expect(
      store.Replace(false, 'privatekey', { platformUrl: 'u', clientId: 'c' }, { key: PEM, kid: 'x' }, { kid: 'x', platformUrl: 'u', clientId: 'c' }),
    ).rejects.toMatchObject({ code: 'LTI_STORE_BAD_QUERY' });
  });

  it('tampered ciphertext (or a box moved to another table) fails to decrypt', async () => {
    const index = { kid: 'k-tamper', platformUrl: 'https://t.example', clientId: 'c1' };
    await store.Replace(KEY, 'privatekey', { platformUrl: 'https://t.example', clientId: 'c1' }, { key: PEM, kid: 'k-tamper' }, index);
    const { rows } = await sql<{ doc: { data: string } }>`SELECT doc FROM lti.private_key WHERE kid = 'k-tamper'`.execute(tdb.db);
    const data = Buffer.from(rows[0]!.doc.data, 'base64');
    data[0] = data[0]! ^ 0x01;
    await sql`UPDATE lti.private_key SET doc = jsonb_set(doc, '{data}', to_jsonb(${data.toString('base64')}::text)) WHERE kid = 'k-tamper'`.execute(tdb.db);
    await expect(store.Get(KEY, 'privatekey', { kid: 'k-tamper' })).rejects.toMatchObject({ code: 'LTI_STORE_DECRYPT_FAILED' });

    // A genuine private-key box pasted into the public key table must not be served.
    await sql`INSERT INTO lti.public_key (kid, platform_url, client_id, doc)
      SELECT 'k-moved', 'https://moved.example', client_id, doc FROM lti.private_key WHERE kid = 'k-enc'`.execute(tdb.db);
    await expect(store.Get(KEY, 'publickey', { kid: 'k-moved' })).rejects.toMatchObject({ code: 'LTI_STORE_DECRYPT_FAILED' });
    await store.Delete('public_key' as string, { kid: 'k-moved' }); // wrong name: logged, not thrown
    await store.Delete('publickey', { kid: 'k-moved' });
    await store.Delete('privatekey', { kid: 'k-tamper' });
  });

  it('another KEK cannot read the rows; an old KEK passed as previousKeks can', async () => {
    const other = createPgLtiStore(tdb.db, { kek: randomBytes(32), kekVersion: 3 });
    await expect(other.Get(KEY, 'privatekey', { kid: 'k-enc' })).rejects.toMatchObject({ code: 'LTI_STORE_DECRYPT_FAILED' });
    const rotated = createPgLtiStore(tdb.db, { kek: randomBytes(32), kekVersion: 4, previousKeks: { 3: KEK } });
    const [doc] = (await rotated.Get(KEY, 'privatekey', { kid: 'k-enc' })) as Record<string, unknown>[];
    expect(doc!.key).toBe(PEM);
  });

  it('access tokens are sealed; 20 concurrent Replaces of the same token all succeed (upsert, no 23505)', async () => {
    const q = { platformUrl: 'https://m.example', clientId: 'c1', scopes: 'https://purl.imsglobal.org/spec/lti-ags/scope/score' };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.Replace(KEY, 'accesstoken', q, { token: { access_token: `secret-token-${i}`, token_type: 'bearer', expires_in: 3600, scope: q.scopes } }, q),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const got = (await store.Get(KEY, 'accesstoken', q)) as Record<string, any>[];
    expect(got).toHaveLength(1);
    expect(got[0]!.token.access_token).toMatch(/^secret-token-\d+$/);
    expect(typeof got[0]!.createdAt).toBe('number');
    const raw = await sql<{ t: string }>`SELECT doc::text AS t FROM lti.access_token`.execute(tdb.db);
    expect(raw.rows.map((r) => r.t).join()).not.toContain('secret-token');
  });
});

describe('Replace, Modify, Delete on plain collections', () => {
  const platform = {
    platformName: 'Moodle THPT Chu Văn An',
    platformUrl: 'https://moodle.cva.edu.vn',
    clientId: 'abc',
    authEndpoint: 'https://moodle.cva.edu.vn/mod/lti/auth.php',
    accesstokenEndpoint: 'https://moodle.cva.edu.vn/mod/lti/token.php',
    authorizationServer: 'https://moodle.cva.edu.vn/aud',
    kid: 'kid-1',
    authConfig: { method: 'JWK_SET', key: 'https://moodle.cva.edu.vn/mod/lti/certs.php' },
  };

  it('Replace by {platformUrl, clientId} upserts; Get by each queried field returns the whole document', async () => {
    await store.Replace(false, 'platform', { platformUrl: platform.platformUrl, clientId: 'abc' }, platform);
    await store.Replace(false, 'platform', { platformUrl: platform.platformUrl, clientId: 'abc' }, { ...platform, platformName: 'CVA' });
    const byKid = (await store.Get(false, 'platform', { kid: 'kid-1' })) as Record<string, unknown>[];
    expect(byKid).toEqual([{ ...platform, platformName: 'CVA' }]);
    expect(await store.Get(false, 'platform', { platformUrl: platform.platformUrl })).toEqual(byKid);
    expect(await store.Get(false, 'platform')).toEqual(byKid);
  });

  it('Modify merges several fields and can change index columns', async () => {
    await store.Modify(false, 'platform', { kid: 'kid-1' }, {
      platformUrl: 'https://lms.cva.edu.vn',
      clientId: 'xyz',
      platformName: 'CVA 2',
      authEndpoint: 'https://lms.cva.edu.vn/auth',
      authorizationServer: undefined, // ltijs passes undefined for "unchanged"
    });
    const [doc] = (await store.Get(false, 'platform', { platformUrl: 'https://lms.cva.edu.vn', clientId: 'xyz' })) as Record<string, unknown>[];
    expect(doc).toMatchObject({
      kid: 'kid-1',
      clientId: 'xyz',
      platformName: 'CVA 2',
      authEndpoint: 'https://lms.cva.edu.vn/auth',
      accesstokenEndpoint: platform.accesstokenEndpoint,
      authorizationServer: platform.authorizationServer,
    });
    expect(await store.Get(false, 'platform', { platformUrl: platform.platformUrl })).toBe(false);
  });

  it('Modify on an encrypted collection merges every field into the sealed document', async () => {
    await store.Modify(false, 'privatekey', { kid: 'k-enc' }, { platformUrl: 'https://moved.example', note: 'a', other: 2 });
    const [doc] = (await store.Get(KEY, 'privatekey', { platformUrl: 'https://moved.example' })) as Record<string, unknown>[];
    expect(doc).toMatchObject({ key: PEM, kid: 'k-enc', note: 'a', other: 2 });
  });

  it('Modify rejects unknown query fields', async () => {
    await expect(store.Modify(false, 'platform', { name: 'x' }, { platformName: 'y' })).rejects.toMatchObject({ code: 'LTI_STORE_UNKNOWN_FIELD' });
  });

  it('Replace of platformStatus by {id}', async () => {
    await store.Replace(false, 'platformStatus', { id: 'kid-1' }, { id: 'kid-1', active: false });
    await store.Replace(false, 'platformStatus', { id: 'kid-1' }, { id: 'kid-1', active: true });
    expect(await store.Get(false, 'platformStatus', { id: 'kid-1' })).toEqual([{ id: 'kid-1', active: true }]);
  });

  it('idtoken/contexttoken round-trip with createdAt, Replace keyed by the full query', async () => {
    const q = { iss: 'https://m', clientId: 'c', deploymentId: '1', user: '42' };
    await store.Replace(false, 'idtoken', q, { ...q, userInfo: { name: 'Nguyễn Văn A' }, platformId: 'kid-1' });
    const [tok] = (await store.Get(false, 'idtoken', q)) as Record<string, unknown>[];
    expect(tok).toMatchObject({ ...q, userInfo: { name: 'Nguyễn Văn A' }, platformId: 'kid-1' });
    expect(tok!.createdAt).toBeInstanceOf(Date);

    await store.Replace(false, 'contexttoken', { contextId: 'ctx', user: '42' }, { contextId: 'ctx', user: '42', path: '/', roles: ['Learner'] });
    await store.Modify(false, 'contexttoken', { contextId: 'ctx', user: '42' }, { path: '/grades' });
    const [ctx] = (await store.Get(false, 'contexttoken', { contextId: 'ctx', user: '42' })) as Record<string, unknown>[];
    expect(ctx).toMatchObject({ contextId: 'ctx', user: '42', path: '/grades', roles: ['Learner'] });
  });

  it('Delete never rejects, even on a bad query or unknown collection, and is awaited-or-not safe', async () => {
    const before = warnings.length;
    await expect(store.Delete('platform', { nope: 1 })).resolves.toBe(false);
    await expect(store.Delete('nosuch', { a: 'b' })).resolves.toBe(false);
    await expect(store.Delete('state', undefined as unknown as Record<string, unknown>)).resolves.toBe(false);
    expect(warnings.length).toBe(before + 3);
    expect(warnings.join()).not.toMatch(/nope|Nguyễn/);
    await store.Insert(false, 'state', { state: 's1', query: { a: '1' } });
    await expect(store.Delete('state', { state: 's1' })).resolves.toBe(true);
    expect(await store.Get(false, 'state', { state: 's1' })).toBe(false);
  });
});

describe('nonce', () => {
  it('the second Insert of the same nonce throws', async () => {
    await store.Insert(false, 'nonce', { nonce: 'n-1' });
    await expect(store.Insert(false, 'nonce', { nonce: 'n-1' })).rejects.toMatchObject({ code: 'LTI_STORE_DUPLICATE' });
  });

  it('two concurrent Inserts: exactly one succeeds', async () => {
    for (let i = 0; i < 10; i++) {
      const nonce = `race-${i}`;
      const r = await Promise.allSettled([store.Insert(false, 'nonce', { nonce }), store.Insert(false, 'nonce', { nonce })]);
      expect(r.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    }
  });

  it('is remembered for 10 minutes by default, then may be inserted again', async () => {
    await store.Insert(false, 'nonce', { nonce: 'n-old' });
    await sql`UPDATE lti.nonce SET created_at = now() - interval '9 minutes' WHERE nonce = 'n-old'`.execute(tdb.db);
    expect(await store.Get(false, 'nonce', { nonce: 'n-old' })).not.toBe(false);
    await sql`UPDATE lti.nonce SET created_at = now() - interval '11 minutes' WHERE nonce = 'n-old'`.execute(tdb.db);
    expect(await store.Get(false, 'nonce', { nonce: 'n-old' })).toBe(false);
    await expect(store.Insert(false, 'nonce', { nonce: 'n-old' })).resolves.toBe(true);
  });
});

describe('TTL and purge', () => {
  it('expired rows are invisible to Get and removed by purgeExpired', async () => {
    await store.Insert(false, 'state', { state: 'st-exp', query: {} });
    await store.Replace(false, 'contexttoken', { contextId: 'c-exp', user: 'u' }, { contextId: 'c-exp', user: 'u' });
    await sql`UPDATE lti.state SET created_at = now() - interval '601 seconds' WHERE state = 'st-exp'`.execute(tdb.db);
    await sql`UPDATE lti.context_token SET created_at = now() - interval '25 hours' WHERE context_id = 'c-exp'`.execute(tdb.db);
    await ageRows('lti.access_token', 3601);
    expect(await store.Get(false, 'state', { state: 'st-exp' })).toBe(false);
    expect(await store.Get(false, 'contexttoken', { contextId: 'c-exp', user: 'u' })).toBe(false);
    expect(await store.Get(KEY, 'accesstoken')).toBe(false);

    const counts = await store.purgeExpired();
    expect(counts).toMatchObject({ 'lti.state': 1, 'lti.context_token': 1, 'lti.access_token': 1 });
    const left = await sql<{ n: number }>`SELECT (SELECT count(*) FROM lti.state WHERE state = 'st-exp')
      + (SELECT count(*) FROM lti.access_token) AS n`.execute(tdb.db);
    expect(Number(left.rows[0]!.n)).toBe(0);
    // live rows survive
    expect(await store.Get(false, 'platform', { kid: 'kid-1' })).not.toBe(false);
  });

  it('returns null while another connection holds the purge lock', async () => {
    const other = new Client({ connectionString: tdb.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [LTI_PURGE_LOCK_KEY]);
      await expect(store.purgeExpired()).resolves.toBeNull();
      await other.query('SELECT pg_advisory_unlock($1::bigint)', [LTI_PURGE_LOCK_KEY]);
      await expect(store.purgeExpired()).resolves.not.toBeNull();
    } finally {
      await other.end();
    }
  });
});

describe('lifecycle', () => {
  it('Close() leaves the shared pool usable', async () => {
    await store.Close();
    const r = await sql<{ one: number }>`SELECT 1 AS one`.execute(tdb.db);
    expect(r.rows[0]!.one).toBe(1);
  });
});
