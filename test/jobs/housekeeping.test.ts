import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { runHousekeeping } from '../../src/jobs/housekeeping';
import { createPgLtiStore } from '../../src/lti/pg-lti-store';
import { createSession, loadSession } from '../../src/auth/session';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.close();
});

it('removes expired sessions and login states, keeps live ones', async () => {
  const db = tdb.db;
  const school = await db.insertInto('school').values({ code: 'S', name: 'S', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
  const platform = await db
    .insertInto('lti_platform')
    .values({ school_id: school.id, issuer: 'https://lms', client_id: 'c', platform_kid: 'k', registered_via: 'manual' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const dep = await db.insertInto('lti_deployment').values({ platform_id: platform.id, school_id: school.id, deployment_id: '1' }).returning('id').executeTakeFirstOrThrow();
  const person = await db.insertInto('person').values({ school_id: school.id, deployment_id: dep.id, lms_user_id: '3', email: null, person_code: null, gender: null }).returning('id').executeTakeFirstOrThrow();
  const live = await createSession(db, { schoolId: Number(school.id), personId: Number(person.id), courseLinkId: null, roles: ['subject_teacher'], ltiRoles: [], ttlMinutes: 60 });
  const dead = await createSession(db, { schoolId: Number(school.id), personId: Number(person.id), courseLinkId: null, roles: ['subject_teacher'], ltiRoles: [], ttlMinutes: 60 });
  await db.updateTable('app_session').set({ expires_at: new Date(Date.now() - 1000) }).where('token_hash', '=', dead.session.tokenHash).execute();
  await db.insertInto('oidc_login').values({ state: 'old', nonce: 'n', issuer: 'i', client_id: 'c', created_at: new Date(Date.now() - 3600_000) }).execute();
  await db.insertInto('oidc_login').values({ state: 'fresh', nonce: 'n', issuer: 'i', client_id: 'c' }).execute();

  const result = await runHousekeeping(db, createPgLtiStore(db, { kek: Buffer.alloc(32, 1) }));
  expect(result.app_session).toBe(1);
  expect(result.oidc_login).toBe(1);
  expect(await loadSession(db, live.token)).not.toBeNull();
  expect((await db.selectFrom('oidc_login').select('state').execute()).map((r) => r.state)).toEqual(['fresh']);
});
