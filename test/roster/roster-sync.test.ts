import { startHarness, seedFixtureCourse, type Harness } from '../support/harness';
import { seedSchoolYear, launchAs, waitForRosterSyncs, auditActions, type Client } from '../support/school-factory';
import { syncRoster, todayInVietnam, isLearnerOnly } from '../../src/roster/roster-sync';
import { ltijsNrpsReader } from '../../src/roster/nrps-client';
import { linkCourse } from '../../src/courses/course-setup';
import { compareVietnamese } from '../../src/roster/vietnamese-names';

/**
 * Roster sync against our Moodle-true platform: NRPS omits suspended members, lists the non-editing
 * teacher as Learner, pages with Link rel="next" and sends members unsorted.
 */
let h: Harness;
let seed: Awaited<ReturnType<typeof seedSchoolYear>>;
let courseLinkId: number;
let teacher: Client;

const db = () => h.db.db;
const reader = (o: { pageSize?: number; timeoutMs?: number } = {}) => ltijsNrpsReader(h.server.lti.provider, o);

async function enrolments() {
  return db()
    .selectFrom('enrolment')
    .innerJoin('person', 'person.id', 'enrolment.person_id')
    .select(['person.lms_user_id', 'enrolment.left_on', 'enrolment.id'])
    .where('enrolment.class_id', '=', seed.classIds['6A']!)
    .orderBy('person.lms_user_id')
    .execute();
}
const active = async () => (await enrolments()).filter((e) => e.left_on === null).map((e) => e.lms_user_id).sort();

beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  seed = await seedSchoolYear(db(), h.schoolId);
  // The non-editing teacher launches first (Instructor in the launch, Learner in NRPS), before the course is set up.
  const minh = await launchAs(h, '4');
  expect(minh.finalUrl).toContain('/course/setup');
  teacher = await launchAs(h, '3');
  courseLinkId = Number((await db().selectFrom('course_link').select('id').where('context_id', '=', '2').executeTakeFirstOrThrow()).id);
  const hoa = await db().selectFrom('person').select('id').where('lms_user_id', '=', '3').executeTakeFirstOrThrow();
  await linkCourse(db(), { schoolId: h.schoolId, courseLinkId, schoolYearId: seed.yearId, classId: seed.classIds['6A']!, subjectId: seed.subjectIds.TOAN!, actor: { personId: Number(hoa.id), lmsUserId: '3', role: 'subject_teacher' } });
});
afterAll(async () => {
  await h?.close();
});

describe('on launch: background, throttled, never breaking the page', () => {
  it('the first launch of a linked course syncs in the background; a second launch within 10 minutes does not', async () => {
    h.platform.resetStats();
    const again = await launchAs(h, '3');
    expect(again.finalUrl).toMatch(/\/home/);
    await waitForRosterSyncs(db(), courseLinkId, 1);
    // Active students only: 9 is suspended (omitted by NRPS), 3 is Instructor, 4 (non-editing teacher) launched as staff.
    expect(await active()).toEqual(['5', '6', '7', '8']);
    const n = await db().selectFrom('roster_sync').select('id').where('course_link_id', '=', courseLinkId).execute();
    expect(n).toHaveLength(1);
    await launchAs(h, '3');
    await new Promise((r) => setTimeout(r, 300));
    expect(await db().selectFrom('roster_sync').select('id').where('course_link_id', '=', courseLinkId).execute()).toHaveLength(1);
    // Joined with today's date (Vietnam), persons created with names and idnumber as person code.
    const an = await db().selectFrom('person').selectAll().where('lms_user_id', '=', '5').executeTakeFirstOrThrow();
    expect([an.family_name, an.given_name, an.person_code]).toEqual(['Nguyễn', 'Văn An', 'HS2024001']);
  });

  it('an NRPS failure during a launch-triggered sync is recorded and the page still opens', async () => {
    await db().updateTable('roster_sync').set({ started_at: new Date(Date.now() - 11 * 60_000) }).where('course_link_id', '=', courseLinkId).execute();
    h.platform.inject({ match: '/memberships', status: 500, statusText: 'Internal Server Error', body: '{"status":500}' });
    try {
      const before = await enrolments();
      const c = await launchAs(h, '3');
      expect(c.finalUrl).toMatch(/\/home/);
      expect(c.body).toContain('Trần Thị Hoa');
      await waitForRosterSyncs(db(), courseLinkId, 2);
      const last = await db().selectFrom('roster_sync').selectAll().where('course_link_id', '=', courseLinkId).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last.error_code).toBe('ROSTER_NRPS_SERVER_ERROR');
      expect(await enrolments()).toEqual(before);
      expect(h.logs.join('\n')).not.toMatch(/Nguyễn|Văn An|an\.nguyen/);
    } finally {
      h.platform.clearFaults();
    }
  });
});

describe('on demand', () => {
  it('reads every NRPS page (Link rel="next") and changes nothing when nothing changed', async () => {
    h.platform.resetStats();
    const o = await syncRoster(db(), reader({ pageSize: 2 }), courseLinkId);
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    // 6 active members (2 teachers + 4 students) in pages of 2.
    expect(o.membersSeen).toBe(6);
    expect(h.platform.stats().nrpsRequests).toBe(3);
    expect(o.joined).toEqual([]);
    expect(o.left).toEqual([]);
    expect(o.skippedStaff).toBe(1); // gv.minh
  });

  it('a suspended student is marked as left with the date, never deleted; the score survives; re-activated on return', async () => {
    const bình = (await enrolments()).find((e) => e.lms_user_id === '6')!;
    const cs = await db().selectFrom('class_subject').select('id').where('course_link_id', '=', courseLinkId).executeTakeFirstOrThrow();
    const col = await db()
      .insertInto('assessment_column')
      .values({ class_subject_id: cs.id, term_id: seed.termIds.HK1, kind: 'regular', position: 1, coefficient: 1, value_type: 'score', label: 'TX1' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db().insertInto('score').values({ column_id: col.id, enrolment_id: bình.id, tenths: 85 }).execute();

    h.platform.enrol('2', '6', 'student', { suspended: true });
    const o = await syncRoster(db(), reader(), courseLinkId, { actor: { personId: null, lmsUserId: null, role: 'system' } });
    expect(o.ok && o.left.map((l) => l.lmsUserId)).toEqual(['6']);
    const after = (await enrolments()).find((e) => e.lms_user_id === '6')!;
    expect(after.id).toBe(bình.id);
    expect(after.left_on).not.toBeNull();
    const score = await db().selectFrom('score').select('tenths').where('enrolment_id', '=', bình.id).executeTakeFirstOrThrow();
    expect(score.tenths).toBe(85);
    const leave = (await auditActions(db(), 'roster.leave')).at(-1)!;
    expect(leave.source).toBe('roster');
    expect(leave.new_value).toEqual({ left_on: todayInVietnam() });

    // Roster page shows who left and keeps them in a separate list.
    const page = await teacher.get('/roster');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Rời lớp');
    expect(page.html).toContain('Trần Thị Bình');

    h.platform.enrol('2', '6', 'student', { suspended: false });
    const back = await syncRoster(db(), reader(), courseLinkId);
    expect(back.ok && back.joined).toEqual([expect.objectContaining({ lmsUserId: '6', rejoined: true })]);
    expect((await enrolments()).find((e) => e.lms_user_id === '6')!.left_on).toBeNull();
    expect((await auditActions(db(), 'roster.rejoin')).length).toBe(1);
  });

  it('withheld names: a newcomer is shown by user id; a known student keeps the stored names', async () => {
    h.platform.addUser({ id: '11', username: 'hs.x', givenName: '', familyName: '' });
    h.platform.enrol('2', '11', 'student');
    h.platform.addUser({ id: '5', username: 'hs.an', givenName: '', familyName: '', idnumber: 'HS2024001' });
    const o = await syncRoster(db(), reader(), courseLinkId);
    expect(o.ok && o.joined.map((j) => j.name)).toEqual(['#11']);
    const an = await db().selectFrom('person').selectAll().where('lms_user_id', '=', '5').executeTakeFirstOrThrow();
    expect([an.family_name, an.given_name]).toEqual(['Nguyễn', 'Văn An']);
    const page = await teacher.get('/roster');
    expect(page.html).toContain('#11');
    expect(page.html).toContain('LMS không cung cấp họ tên');
    h.platform.addUser({ id: '5', username: 'hs.an', givenName: 'Văn An', familyName: 'Nguyễn', email: 'an.nguyen@example.test', idnumber: 'HS2024001' });
  });

  it.each([
    ['401', { status: 401, statusText: 'Unauthorized', body: '{"status":401,"reason":"Unauthorized"}' }, 'ROSTER_NRPS_UNAUTHORIZED', 'từ chối'],
    ['500', { status: 500, statusText: 'Internal Server Error', body: 'oops' }, 'ROSTER_NRPS_SERVER_ERROR', 'đang gặp lỗi'],
    ['malformed JSON', { status: 200, body: '{"members": [' }, 'ROSTER_NRPS_MALFORMED', 'không đúng định dạng'],
    ['wrong shape', { status: 200, body: '{"members": "none"}' }, 'ROSTER_NRPS_MALFORMED', 'không đúng định dạng'],
    ['timeout', { delayMs: 2000 }, 'ROSTER_NRPS_TIMEOUT', 'không trả lời kịp'],
  ])('NRPS %s → error recorded, nothing changed, Vietnamese message on the roster page', async (_n, fault, code, vi) => {
    const before = await enrolments();
    const audits = (await auditActions(db(), '')).length;
    h.platform.inject({ match: '/memberships', ...fault });
    try {
      // got retries a 5xx twice with back-off (about 3 s), so only the timeout case gets a short limit.
      const o = await syncRoster(db(), reader({ timeoutMs: code === 'ROSTER_NRPS_TIMEOUT' ? 500 : 15_000 }), courseLinkId);
      expect(o).toEqual(expect.objectContaining({ ok: false, errorCode: code }));
    } finally {
      h.platform.clearFaults();
    }
    expect(await enrolments()).toEqual(before);
    expect((await auditActions(db(), '')).length).toBe(audits);
    const row = await db().selectFrom('roster_sync').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row.error_code).toBe(code);
    const page = await teacher.get('/roster');
    expect(page.html).toContain(vi);
    expect(page.html).toContain(code);
  });

  it('an empty learner list never empties a class', async () => {
    h.platform.inject({ match: '/memberships', status: 200, body: JSON.stringify({ id: 'x', context: { id: '2' }, members: [{ status: 'Active', roles: ['Instructor'], user_id: '3' }] }) });
    try {
      const o = await syncRoster(db(), reader(), courseLinkId);
      expect(o).toEqual(expect.objectContaining({ ok: false, errorCode: 'ROSTER_NRPS_EMPTY' }));
    } finally {
      h.platform.clearFaults();
    }
    expect((await active()).length).toBeGreaterThan(0);
  });

  it('the button: teachers sync over HTTP; students may neither sync nor see the list', async () => {
    const res = await teacher.post('/roster/sync', {});
    expect(res.status).toBe(303);
    expect(res.location).toContain('/roster?synced=ok');
    const page = await teacher.get('/roster?synced=ok');
    expect(page.html).toContain('Đã đồng bộ danh sách');
    const student = await launchAs(h, '5');
    expect((await student.post('/roster/sync', {})).status).toBe(403);
    expect((await student.get('/roster')).status).toBe(403);
    const noCsrf = await fetch(`${h.toolUrl}/roster/sync`, { method: 'POST', redirect: 'manual', headers: { cookie: `sd_session=${teacher.token}` } });
    expect(noCsrf.status).toBe(403);
  });

  it('lists students the Vietnamese way: given name, then middle names, then family name', async () => {
    h.platform.addUser({ id: '12', username: 'hs.an2', givenName: 'Thị An', familyName: 'Trần', idnumber: 'HS2024012' });
    h.platform.enrol('2', '12', 'student');
    await syncRoster(db(), reader(), courseLinkId);
    const html = (await teacher.get('/roster')).html;
    const activeHtml = html.slice(0, html.indexOf('Đã rời lớp') > 0 ? html.indexOf('Đã rời lớp') : undefined);
    const order = ['Trần Thị An', 'Nguyễn Văn An', 'Trần Thị Bình', 'Phạm Quốc Cường', 'Lê Thị Dung'].map((n) => activeHtml.indexOf(n));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Đ after D, as Vietnamese readers expect.
    const people = [
      { family_name: 'Đỗ', given_name: 'Minh Đức', lms_user_id: '1' },
      { family_name: 'Lê', given_name: 'Thị Dung', lms_user_id: '2' },
    ];
    expect(people.sort(compareVietnamese).map((p) => p.given_name)).toEqual(['Thị Dung', 'Minh Đức']);
  });

  it('the learner rule on roles', () => {
    expect(isLearnerOnly({ roles: ['Learner'] })).toBe(true);
    expect(isLearnerOnly({ roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'] })).toBe(true);
    expect(isLearnerOnly({ roles: ['Instructor'] })).toBe(false);
    expect(isLearnerOnly({ roles: ['Learner', 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'] })).toBe(false);
    expect(isLearnerOnly({ roles: ['Learner', 'http://purl.imsglobal.org/vocab/lis/v2/person#Administrator'] })).toBe(false);
  });

  it('records every change in the audit chain with source "roster"', async () => {
    const rows = await auditActions(db(), 'roster.');
    const actions = new Set(rows.map((r) => r.action));
    for (const a of ['roster.join', 'roster.leave', 'roster.rejoin', 'roster.sync']) expect(actions.has(a)).toBe(true);
    expect(rows.every((r) => r.source === 'roster')).toBe(true);
    const joins = rows.filter((r) => r.action === 'roster.join');
    expect(joins.length).toBe(6); // 5,6,7,8 then 11 and 12
  });
});
