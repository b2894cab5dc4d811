import { startHarness, type Harness } from '../support/harness';
import { seedGradebook, launchAs, auditCount, P_LAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * Two rollover confirmations at the same moment (a double click, two board members): exactly one class 7A is
 * created and each student is enrolled once. The approved list of 6A (TT22) is set up directly: the whole
 * propose → approve flow is tested in whole-year-http.test.ts.
 */
let h: Harness;
let f: GradebookFixture;
let lan: Client;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  lan = await launchAs(h, P_LAN.id);
});
afterAll(async () => {
  await h?.close();
});

it('concurrent confirmations create 7A once and enrol each promoted student once', async () => {
  const db = h.db.db;
  const lanId = f.person.get(P_LAN.id)!;
  // Four promoted, two repeating (the leaver is not on the list: lists hold active students only).
  const students = STUDENTS.map((s, i) => ({ enrolmentId: f.enrolment.get(s.id)!, name: s.familyName, outcome: i < 4 ? 'promoted' : 'repeat', retestEligible: [] }));
  await db.insertInto('year_decision').values({ class_id: f.class6A, school_year_id: f.schoolYearId, round: 'main', state: 'approved', payload: JSON.stringify({ regime: 'TT22', students }), options: '{}', proposed_by: lanId, approved_by: lanId, approved_at: new Date(), frozen_at: new Date() }).execute();
  const next = Number((await db.insertInto('school_year').values({ school_id: h.schoolId, name: '2025-2026', start_date: '2025-09-05', end_date: '2026-05-31', regime_overrides: '{}' }).returning('id').executeTakeFirstOrThrow()).id);

  const body = { from: f.schoolYearId, to: next };
  const [a, b] = await Promise.all([lan.post('/year-end/rollover', body), lan.post('/year-end/rollover', body)]);
  expect([a.status, b.status]).toEqual([200, 200]);
  const [ra, rb] = [(await a.json()) as any, (await b.json()) as any];
  // One of them did the work (7A and 6A created, 6 students), the other found it done.
  expect([ra.enrolled + rb.enrolled, [...ra.createdClasses, ...rb.createdClasses].sort()]).toEqual([6, ['6A', '7A']]);
  const classes = await db.selectFrom('class').select(['name', 'grade']).where('school_year_id', '=', next).orderBy('name').execute();
  expect(classes).toEqual([{ name: '6A', grade: 6 }, { name: '7A', grade: 7 }]);
  const enrolments = await db.selectFrom('enrolment as e').innerJoin('class as k', 'k.id', 'e.class_id').select(['k.name', 'e.person_id']).where('k.school_year_id', '=', next).execute();
  expect(enrolments).toHaveLength(6);
  expect(new Set(enrolments.map((e) => Number(e.person_id))).size).toBe(6);
  expect(enrolments.filter((e) => e.name === '7A')).toHaveLength(4);
  // Audited once (the second confirmation changed nothing).
  expect(await auditCount(h, 'year_end.rollover')).toBe(1);
  expect(await auditCount(h, 'class.create')).toBe(2);
});
