import { startHarness, seedFixtureCourse, type Harness } from '../support/harness';
import { seedSchoolYear, launchAs, auditActions, type Client } from '../support/school-factory';
import { ACTIONS, DEFAULT_PERMISSIONS } from '../../src/auth/permissions';

/** The principal's permissions page changes what a role may do, and the server enforces it. */
let h: Harness;
let principal: Client;
let pointId: number;
const db = () => h.db.db;

/** The form as the page posts it: every action with its ticked roles. */
function formFrom(perms: Record<string, readonly string[]>): Record<string, string[]> {
  const f: Record<string, string[]> = {};
  for (const [a, roles] of Object.entries(perms)) f[`perm:${a}`] = [...roles];
  return f;
}

beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  await db().insertInto('staff_designation').values([
    { school_id: h.schoolId, role: 'principal', person_code: 'HT001', lms_user_id: null },
    { school_id: h.schoolId, role: 'vice_principal', person_code: null, lms_user_id: '4' },
  ]).execute();
  const seed = await seedSchoolYear(db(), h.schoolId);
  const p = await db().insertInto('update_point').values({ term_id: seed.termIds.HK1, label: 'Giữa học kỳ I', deadline: new Date('2024-11-15T10:00:00Z') }).returning('id').executeTakeFirstOrThrow();
  pointId = Number(p.id);
  principal = await launchAs(h, '10');
});
afterAll(async () => {
  await h?.close();
});

it('lists every action with the regulation defaults', async () => {
  const page = await principal.get('/school/permissions');
  expect(page.status).toBe(200);
  for (const label of Object.values(ACTIONS)) expect(page.html).toContain(label);
  expect(page.html).not.toContain('đã đổi');
  expect(page.html).toMatch(/name="perm:deadline\.move" value="principal" checked/);
  expect(page.html).not.toMatch(/name="perm:deadline\.move" value="vice_principal" checked/);
});

it('only the principal sees or changes the rules', async () => {
  const vp = await launchAs(h, '4');
  expect((await vp.get('/school/permissions')).status).toBe(403);
  expect((await vp.post('/school/permissions', formFrom({ ...DEFAULT_PERMISSIONS, 'deadline.move': ['vice_principal'] }))).status).toBe(403);
  expect(await db().selectFrom('school_permission').selectAll().execute()).toEqual([]);
});

it('allowing the vice principal to move deadlines takes effect on the server at once (audited)', async () => {
  const vp = await launchAs(h, '4');
  const denied = await vp.post(`/school/update-points/${pointId}/deadline`, { deadline: '2024-11-22T17:00' });
  expect(denied.status).toBe(403);
  expect(denied.html).toContain('Dời thời điểm cập nhật điểm');

  const save = await principal.post('/school/permissions', formFrom({ ...DEFAULT_PERMISSIONS, 'deadline.move': ['principal', 'vice_principal'] }));
  expect(save.status).toBe(303);
  const change = await auditActions(db(), 'permission.change');
  expect(change).toHaveLength(1);
  expect([change[0]!.old_value, change[0]!.new_value]).toEqual([['principal'], ['principal', 'vice_principal']]);
  expect((await principal.get('/school/permissions?saved=1')).html).toContain('đã đổi');

  // The same session, no new launch: the rule is read on every request.
  const list = await vp.get('/school/deadlines');
  expect(list.status).toBe(200);
  expect(list.html).toContain('Giữa học kỳ I');
  const moved = await vp.post(`/school/update-points/${pointId}/deadline`, { deadline: '2024-11-22T17:00' });
  expect(moved.status).toBe(303);
  const p = await db().selectFrom('update_point').select('deadline').where('id', '=', pointId).executeTakeFirstOrThrow();
  expect(p.deadline.toISOString()).toBe('2024-11-22T10:00:00.000Z');
  const a = (await auditActions(db(), 'update_point.deadline_later'))[0]!;
  expect([a.old_value, a.new_value]).toEqual([{ deadline: '2024-11-15T10:00:00.000Z' }, { deadline: '2024-11-22T10:00:00.000Z' }]);

  // A deadline outside its term is refused, nothing changes.
  const outside = await vp.post(`/school/update-points/${pointId}/deadline`, { deadline: '2025-03-01T17:00' });
  expect(outside.status).toBe(400);
  expect(outside.html).toContain('SCHOOL_DEADLINE_OUTSIDE_TERM');
  expect((await db().selectFrom('update_point').select('deadline').where('id', '=', pointId).executeTakeFirstOrThrow()).deadline.toISOString()).toBe('2024-11-22T10:00:00.000Z');

  // Taking it back closes the door again.
  expect((await principal.post('/school/permissions', formFrom(DEFAULT_PERMISSIONS))).status).toBe(303);
  expect((await vp.post(`/school/update-points/${pointId}/deadline`, { deadline: '2024-11-29T17:00' })).status).toBe(403);
});

it('refuses to lock the principal out of configuring the school, and unknown roles; nothing changes', async () => {
  const before = await db().selectFrom('school_permission').selectAll().orderBy('action').execute();
  const lockout = await principal.post('/school/permissions', formFrom({ ...DEFAULT_PERMISSIONS, 'school.configure': ['school_admin'] }));
  expect(lockout.status).toBe(400);
  expect(lockout.html).toContain('SCHOOL_PERMISSION_LOCKOUT');
  const unknown = await principal.post('/school/permissions', formFrom({ ...DEFAULT_PERMISSIONS, 'print.books': ['janitor'] }));
  expect(unknown.status).toBe(400);
  expect(unknown.html).toContain('SCHOOL_PERMISSION_UNKNOWN_ROLE');
  expect(await db().selectFrom('school_permission').selectAll().orderBy('action').execute()).toEqual(before);
});
