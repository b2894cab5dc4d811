import { startServer } from '../src/server';
import { registerPlatform } from '../src/lti/platform-registry';
import { startPlatform } from '../test/support/platform';
import { benchConfig, benchDatabase, percentile, type BenchResult } from './support';

/**
 * How many launches one process validates per second: OIDC login initiation + id_token POST
 * (signature via the platform JWKS, state/nonce, claims, person/course upsert, session), measured
 * at the tool. Tokens are signed beforehand so the platform's signing cost is not counted.
 */
export async function benchLaunch(total = 300, concurrency = 8): Promise<BenchResult> {
  const bdb = await benchDatabase();
  const config = await benchConfig();
  const server = await startServer(config, bdb.database, { log: () => undefined });
  const platform = await startPlatform({ host: '127.0.0.1' });
  const toolUrl = config.publicUrl;
  platform.registerTool({ clientId: 'BenchClient0001', deploymentId: '1', loginUrl: `${toolUrl}/lti/login`, redirectUris: [`${toolUrl}/lti/`], targetLinkUri: `${toolUrl}/lti/`, jwksUrl: `${toolUrl}/lti/keys` });
  platform.addCourse({ id: '2', shortname: '6A-TOAN', fullname: 'Lớp 6A - Toán', idnumber: '2024-2025-6A-TOAN' });
  for (let i = 0; i < 50; i++) {
    platform.addUser({ id: String(100 + i), username: `hs${i}`, givenName: 'Văn An', familyName: 'Nguyễn', idnumber: `HS${i}` });
    platform.enrol('2', String(100 + i), 'student');
  }
  platform.addActivity('2', { toolClientId: 'BenchClient0001', instanceId: '1', cmid: '3', title: 'Sổ điểm', gradeMax: 10 });
  const school = await bdb.database.db.insertInto('school').values({ code: 'B', name: 'Bench', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
  await registerPlatform(
    server.lti.provider,
    bdb.database.db,
    { schoolId: Number(school.id), issuer: platform.issuer, clientId: 'BenchClient0001', name: 'b', authEndpoint: platform.endpoints.auth, tokenEndpoint: platform.endpoints.token, jwksUrl: platform.endpoints.jwks, deploymentIds: ['1'] },
    { via: 'manual', active: true, actor: null },
  );

  const one = async (i: number): Promise<number> => {
    const userId = String(100 + (i % 50));
    const login = await fetch(`${toolUrl}/lti/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ iss: platform.issuer, target_link_uri: `${toolUrl}/lti/`, login_hint: userId, client_id: 'BenchClient0001', lti_deployment_id: '1' }),
    });
    const loc = new URL(login.headers.get('location')!);
    const token = await platform.signIdToken(platform.buildIdTokenPayload(userId, '3', loc.searchParams.get('nonce')!));
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${toolUrl}/lti/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id_token: token, state: loc.searchParams.get('state')! }),
    });
    await res.arrayBuffer();
    if (res.status !== 303) throw new Error(`launch ${i} failed: ${res.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };

  for (let i = 0; i < 10; i++) await one(i); // warm-up
  const latencies: number[] = [];
  const t0 = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) latencies.push(await one(next++));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  await server.close();
  await platform.close();
  await bdb.close();
  return {
    name: 'LTI launch validation (one process)',
    lines: [
      `${total} full launches (login initiation + id_token POST), ${concurrency} at a time: ${(total / seconds).toFixed(1)} launches/s end to end`,
      `id_token POST → session: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (includes fetching the platform JWKS, which ltijs does on every launch)`,
    ],
  };
}
