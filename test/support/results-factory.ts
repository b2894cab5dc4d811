/**
 * On top of the gradebook fixture: enough subjects for a real ranking (TT22 needs six scored subjects for
 * Tốt/Khá), a TT58+TT26 class 8A in the same school year (school override for grade 8), columns created by
 * opening each grid as its teacher (the product's own default columns), and every cell filled from a plan.
 */
import type { Harness } from './harness';
import type { Client, GradebookFixture } from './gradebook-factory';
import { T_HOA, T_MINH } from './gradebook-factory';

export type Plan = Record<string, number | 'D' | 'CD'>;

export interface ResultsFixture {
  class8A: number;
  /** class_subject ids by class, then subject name */
  cs6A: Map<string, number>;
  cs8A: Map<string, number>;
  enrolment8A: Map<string, number>;
}

export const EXTRA_6A = ['Tiếng Anh', 'KHTN', 'Lịch sử và Địa lí', 'GDCD', 'Công nghệ'];
export const SUBJECTS_8A: Array<[string, 'scored' | 'comment']> = [['Toán', 'scored'], ['Ngữ văn', 'scored'], ['Tiếng Anh', 'scored'], ['Thể dục', 'comment']];
export const STUDENTS_8A = ['S1', 'S2', 'S3', 'S4'];

export async function seedResults(h: Harness, f: GradebookFixture): Promise<ResultsFixture> {
  const db = h.db.db;
  await db.updateTable('school_year').set({ regime_overrides: JSON.stringify({ '7': 'TT58', '8': 'TT58_TT26' }) }).where('id', '=', f.schoolYearId).execute();
  const subjectId = async (name: string) => {
    const found = await db.selectFrom('subject').select('id').where('school_id', '=', h.schoolId).where('name', '=', name).executeTakeFirst();
    if (found) return Number(found.id);
    const code = name.normalize('NFD').replace(/[^A-Za-z]/g, '').toUpperCase().slice(0, 12);
    return Number((await db.insertInto('subject').values({ school_id: h.schoolId, code, name }).returning('id').executeTakeFirstOrThrow()).id);
  };
  const addCs = async (classId: number, name: string, assessment: 'scored' | 'comment') =>
    Number((await db.insertInto('class_subject').values({ class_id: classId, subject_id: await subjectId(name), teacher_person_id: f.person.get(T_HOA.id)!, assessment, periods_per_week: '2', periods_per_year: 70 }).returning('id').executeTakeFirstOrThrow()).id);
  const cs6A = new Map<string, number>([['Toán', f.math6A], ['Ngữ văn', f.lit6A], ['Âm nhạc', f.music6A]]);
  for (const n of EXTRA_6A) cs6A.set(n, await addCs(f.class6A, n, 'scored'));
  const class8A = Number((await db.insertInto('class').values({ school_id: h.schoolId, school_year_id: f.schoolYearId, name: '8A', grade: 8, homeroom_person_id: f.person.get(T_MINH.id)! }).returning('id').executeTakeFirstOrThrow()).id);
  const cs8A = new Map<string, number>();
  for (const [n, a] of SUBJECTS_8A) cs8A.set(n, await addCs(class8A, n, a));
  const dep = await db.selectFrom('lti_deployment').select('id').where('school_id', '=', h.schoolId).executeTakeFirstOrThrow();
  const enrolment8A = new Map<string, number>();
  for (const [i, key] of STUDENTS_8A.entries()) {
    const p = await db.insertInto('person').values({ school_id: h.schoolId, deployment_id: dep.id, lms_user_id: `8a-${i}`, family_name: 'Học', given_name: `Sinh ${key}`, display_name: `Học Sinh ${key}`, email: null, person_code: `HS8A${i}` }).returning('id').executeTakeFirstOrThrow();
    const e = await db.insertInto('enrolment').values({ class_id: class8A, person_id: p.id, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow();
    enrolment8A.set(key, Number(e.id));
  }
  return { class8A, cs6A, cs8A, enrolment8A };
}

/** Opens the grid of each class subject for both terms as its teacher: the product creates its default columns. */
export async function openGrids(teacher: Client, csIds: Iterable<number>): Promise<void> {
  for (const id of csIds) for (const term of ['HK1', 'HK2']) {
    const res = await teacher.get(`/grid/${id}?term=${term}`);
    if (res.status !== 200) throw new Error(`grid ${id} ${term}: ${res.status}`);
  }
}

/** Every column of the class subject gets the plan's value for the student (same mark everywhere → the average is that mark). */
export async function fill(h: Harness, csId: number, enrolmentId: number, value: number | 'D' | 'CD', only?: { termId?: number; kind?: string }): Promise<void> {
  const db = h.db.db;
  let q = db.selectFrom('assessment_column').select(['id', 'value_type']).where('class_subject_id', '=', csId);
  if (only?.termId) q = q.where('term_id', '=', only.termId);
  if (only?.kind) q = q.where('kind', '=', only.kind as 'final');
  for (const col of await q.execute()) {
    const isRating = col.value_type === 'rating';
    const tenths = isRating ? null : typeof value === 'number' ? value : null;
    const rating = isRating ? (value === 'CD' ? 'CD' : 'D') : null;
    await db.insertInto('score').values({ column_id: col.id, enrolment_id: enrolmentId, tenths, rating }).onConflict((oc) => oc.columns(['column_id', 'enrolment_id']).doUpdateSet({ tenths, rating })).execute();
  }
}
