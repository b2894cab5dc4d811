import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { REGIMES, selectRegime, assessmentModeOf, type Regime } from '../rules';
import { dateString } from '../roster/roster-sync';
import { compareVietnamese, displayName } from '../roster/vietnamese-names';

/**
 * The school-year model the principal or school admin configures: years and terms, update time
 * points, regime per grade, classes with homeroom teachers, the subject catalogue and teaching
 * assignments. Every write is validated first (nothing changes on bad input) and audited.
 */

export interface Actor {
  schoolId: number;
  personId: number;
  lmsUserId: string | null;
  role: string;
}

const bad = (code: string, vi: string, en: string, details?: Record<string, unknown>) => new AppError(code, 'bad_request', vi, en, details);
const conflict = (code: string, vi: string, en: string) => new AppError(code, 'conflict', vi, en);
const notFound = (what: string) => new AppError('SCHOOL_NOT_FOUND', 'not_found', `Không tìm thấy ${what}.`, `Not found: ${what}.`);

const audit = (trx: Transaction<DB>, a: Actor, action: string, entity: string, entityId: number | string, oldValue: unknown, newValue: unknown) =>
  appendAudit(trx, { schoolId: a.schoolId, actor: { personId: a.personId, lmsUserId: a.lmsUserId, role: a.role }, action, entity, entityId, oldValue, newValue, source: 'admin' });

const fmt = (d: string) => d.split('-').reverse().join('/');

// ------------------------------------------------------------------ school years and terms

export interface YearInput {
  name: string;
  startDate: string;
  endDate: string;
  hk1Start: string;
  hk1End: string;
  hk2Start: string;
  hk2End: string;
}

export function validateYear(y: YearInput): void {
  const m = /^(\d{4})-(\d{4})$/.exec(y.name);
  if (!m || Number(m[2]) !== Number(m[1]) + 1) {
    throw bad('SCHOOL_YEAR_NAME_INVALID', `Tên năm học "${y.name}" không hợp lệ: phải có dạng 2024-2025 (hai năm liền nhau).`, 'The school year name must look like 2024-2025.');
  }
  for (const d of [y.startDate, y.endDate, y.hk1Start, y.hk1End, y.hk2Start, y.hk2End]) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
      throw bad('SCHOOL_DATE_INVALID', `Ngày "${d}" không hợp lệ.`, `Invalid date "${d}".`);
    }
  }
  if (y.startDate >= y.endDate) throw bad('SCHOOL_DATES_ORDER', `Ngày bắt đầu năm học (${fmt(y.startDate)}) phải trước ngày kết thúc (${fmt(y.endDate)}).`, 'The year must start before it ends.');
  if (Number(y.startDate.slice(0, 4)) !== Number(m[1]) || Number(y.endDate.slice(0, 4)) !== Number(m[2])) {
    throw bad('SCHOOL_YEAR_DATES_MISMATCH', `Năm học ${y.name} phải bắt đầu trong năm ${m[1]} và kết thúc trong năm ${m[2]}.`, 'The dates do not match the school year name.');
  }
  const terms: [string, string, string][] = [['Học kỳ I', y.hk1Start, y.hk1End], ['Học kỳ II', y.hk2Start, y.hk2End]];
  for (const [label, s, e] of terms) {
    if (s >= e) throw bad('SCHOOL_DATES_ORDER', `${label}: ngày bắt đầu (${fmt(s)}) phải trước ngày kết thúc (${fmt(e)}).`, `${label}: start must precede end.`);
    if (s < y.startDate || e > y.endDate) {
      throw bad('SCHOOL_TERM_OUTSIDE_YEAR', `${label} (${fmt(s)} – ${fmt(e)}) nằm ngoài năm học (${fmt(y.startDate)} – ${fmt(y.endDate)}).`, `${label} lies outside the school year.`);
    }
  }
  if (y.hk1End >= y.hk2Start) throw bad('SCHOOL_TERMS_OVERLAP', 'Học kỳ I phải kết thúc trước khi học kỳ II bắt đầu.', 'Term 1 must end before term 2 starts.');
}

export async function createYear(db: Kysely<DB>, a: Actor, y: YearInput): Promise<number> {
  validateYear(y);
  return db.transaction().execute(async (trx) => {
    const dup = await trx.selectFrom('school_year').select('id').where('school_id', '=', a.schoolId).where('name', '=', y.name).executeTakeFirst();
    if (dup) throw conflict('SCHOOL_YEAR_EXISTS', `Năm học ${y.name} đã có.`, 'That school year already exists.');
    const row = await trx
      .insertInto('school_year')
      .values({ school_id: a.schoolId, name: y.name, start_date: y.startDate, end_date: y.endDate, regime_overrides: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('term').values([
      { school_year_id: row.id, code: 'HK1', start_date: y.hk1Start, end_date: y.hk1End },
      { school_year_id: row.id, code: 'HK2', start_date: y.hk2Start, end_date: y.hk2End },
    ]).execute();
    await audit(trx, a, 'school_year.create', 'school_year', row.id, null, y);
    return Number(row.id);
  });
}

export async function updateYear(db: Kysely<DB>, a: Actor, yearId: number, y: Omit<YearInput, 'name'>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const year = await trx.selectFrom('school_year').selectAll().where('id', '=', yearId).where('school_id', '=', a.schoolId).forUpdate().executeTakeFirst();
    if (!year) throw notFound('năm học');
    const input = { ...y, name: year.name };
    validateYear(input);
    const terms = await trx.selectFrom('term').selectAll().where('school_year_id', '=', yearId).execute();
    // Existing update points must stay inside their (new) term.
    for (const t of terms) {
      const [s, e] = t.code === 'HK1' ? [y.hk1Start, y.hk1End] : [y.hk2Start, y.hk2End];
      const points = await trx.selectFrom('update_point').select(['label', 'deadline']).where('term_id', '=', t.id).execute();
      for (const p of points) if (!deadlineInTerm(p.deadline, s, e)) throw outsideTerm(p.label, t.code, s, e);
    }
    const old = { startDate: dateString(year.start_date), endDate: dateString(year.end_date), terms: terms.map((t) => ({ code: t.code, start: dateString(t.start_date), end: dateString(t.end_date) })) };
    await trx.updateTable('school_year').set({ start_date: y.startDate, end_date: y.endDate }).where('id', '=', yearId).execute();
    // Shrinking HK1 and growing HK2 in one go could break CHECKs mid-way; there are none across rows, so order is free.
    for (const [code, s, e] of [['HK1', y.hk1Start, y.hk1End], ['HK2', y.hk2Start, y.hk2End]] as const) {
      const t = terms.find((x) => x.code === code);
      if (t) await trx.updateTable('term').set({ start_date: s, end_date: e }).where('id', '=', t.id).execute();
      else await trx.insertInto('term').values({ school_year_id: yearId, code, start_date: s, end_date: e }).execute();
    }
    await audit(trx, a, 'school_year.update', 'school_year', yearId, old, y);
  });
}

// ------------------------------------------------------------------ update time points

/** A deadline belongs to its term when its Vietnam calendar day lies within the term's dates. */
export function deadlineInTerm(deadline: Date, termStart: string, termEnd: string): boolean {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit' }).format(deadline);
  return day >= termStart && day <= termEnd;
}

const outsideTerm = (label: string, code: string, s: string, e: string) =>
  bad('SCHOOL_DEADLINE_OUTSIDE_TERM', `Hạn "${label}" phải nằm trong ${code === 'HK1' ? 'học kỳ I' : 'học kỳ II'} (${fmt(s)} – ${fmt(e)}).`, 'The deadline lies outside its term.');

async function termOf(trx: Transaction<DB>, a: Actor, termId: number) {
  const t = await trx
    .selectFrom('term')
    .innerJoin('school_year', 'school_year.id', 'term.school_year_id')
    .select(['term.id', 'term.code', 'term.start_date', 'term.end_date', 'school_year.school_id', 'school_year.id as year_id'])
    .where('term.id', '=', termId)
    .executeTakeFirst();
  if (!t || Number(t.school_id) !== a.schoolId) throw notFound('học kỳ');
  return { ...t, start: dateString(t.start_date), end: dateString(t.end_date) };
}

export async function addUpdatePoint(db: Kysely<DB>, a: Actor, termId: number, p: { label: string; deadline: Date }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const t = await termOf(trx, a, termId);
    if (!deadlineInTerm(p.deadline, t.start, t.end)) throw outsideTerm(p.label, t.code, t.start, t.end);
    const row = await trx.insertInto('update_point').values({ term_id: termId, label: p.label, deadline: p.deadline }).returning('id').executeTakeFirstOrThrow();
    await audit(trx, a, 'update_point.create', 'update_point', row.id, null, { term: t.code, label: p.label, deadline: p.deadline.toISOString() });
    return Number(row.id);
  });
}

/** Moving a deadline (permission 'deadline.move', checked by the caller): recorded old → new. */
export async function moveDeadline(db: Kysely<DB>, a: Actor, pointId: number, deadline: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('update_point').selectAll().where('id', '=', pointId).forUpdate().executeTakeFirst();
    if (!p) throw notFound('thời điểm cập nhật');
    const t = await termOf(trx, a, Number(p.term_id));
    if (!deadlineInTerm(deadline, t.start, t.end)) throw outsideTerm(p.label, t.code, t.start, t.end);
    if (p.deadline.getTime() === deadline.getTime()) return;
    await trx.updateTable('update_point').set({ deadline, updated_at: new Date() }).where('id', '=', pointId).execute();
    await audit(trx, a, deadline > p.deadline ? 'update_point.deadline_later' : 'update_point.deadline_earlier', 'update_point', pointId, { deadline: p.deadline.toISOString() }, { deadline: deadline.toISOString() });
  });
}

// ------------------------------------------------------------------ regimes per grade

export function gradesOfLevel(level: string): number[] {
  if (level === 'THCS') return [6, 7, 8, 9];
  if (level === 'THPT') return [10, 11, 12];
  return [6, 7, 8, 9, 10, 11, 12];
}

export interface RegimeRow {
  grade: number;
  inLevel: boolean;
  roadmap: { regime: Regime; reasonVi: string } | { error: string };
  override: Regime | null;
  effective: { regime: Regime; reasonVi: string } | { error: string };
}

export function regimeTable(yearName: string, overrides: Record<string, string>, level: string): RegimeRow[] {
  const inLevel = new Set(gradesOfLevel(level));
  const safe = (f: () => { regime: Regime; reasonVi: string }) => {
    try {
      const r = f();
      return { regime: r.regime, reasonVi: r.reasonVi };
    } catch (e) {
      return { error: (e as { vi?: string; message?: string }).vi ?? String((e as Error).message) };
    }
  };
  return [6, 7, 8, 9, 10, 11, 12].map((grade) => {
    const o = overrides[String(grade)];
    const override = o && (REGIMES as readonly string[]).includes(o) ? (o as Regime) : null;
    return {
      grade,
      inLevel: inLevel.has(grade),
      roadmap: safe(() => selectRegime({ schoolYear: yearName, grade })),
      override,
      effective: safe(() => selectRegime({ schoolYear: yearName, grade, override: override ?? undefined })),
    };
  });
}

export async function setRegimeOverrides(db: Kysely<DB>, a: Actor, yearId: number, input: Record<string, string>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const year = await trx.selectFrom('school_year').select(['id', 'regime_overrides']).where('id', '=', yearId).where('school_id', '=', a.schoolId).forUpdate().executeTakeFirst();
    if (!year) throw notFound('năm học');
    const level = await schoolLevel(trx, a.schoolId);
    const next: Record<string, string> = {};
    for (const [g, r] of Object.entries(input)) {
      if (r === '') continue;
      const grade = Number(g);
      checkGrade(grade, level);
      if (!(REGIMES as readonly string[]).includes(r)) {
        throw bad('SCHOOL_REGIME_UNKNOWN', `Chế độ đánh giá "${r}" không tồn tại. Chỉ chọn: ${REGIMES.join(', ')}.`, `Unknown regime "${r}".`);
      }
      next[String(grade)] = r;
    }
    const old = (year.regime_overrides ?? {}) as Record<string, string>;
    if (JSON.stringify(old) === JSON.stringify(next)) return;
    await trx.updateTable('school_year').set({ regime_overrides: JSON.stringify(next) }).where('id', '=', yearId).execute();
    await audit(trx, a, 'school_year.regime_overrides', 'school_year', yearId, old, next);
  });
}

// ------------------------------------------------------------------ classes

async function schoolLevel(trx: Transaction<DB> | Kysely<DB>, schoolId: number): Promise<string> {
  return (await trx.selectFrom('school').select('level').where('id', '=', schoolId).executeTakeFirstOrThrow()).level;
}

function checkGrade(grade: number, level: string): void {
  if (!Number.isInteger(grade) || grade < 6 || grade > 12) throw bad('SCHOOL_GRADE_OUT_OF_RANGE', `Khối ${grade} không hợp lệ: chỉ từ khối 6 đến khối 12.`, 'Grade must be 6–12.');
  if (!gradesOfLevel(level).includes(grade)) {
    const range = level === 'THCS' ? '6–9 (THCS)' : '10–12 (THPT)';
    throw bad('SCHOOL_GRADE_OUTSIDE_LEVEL', `Khối ${grade} không thuộc cấp học của trường: chỉ khối ${range}.`, `Grade ${grade} is outside the school's level.`);
  }
}

async function checkPerson(trx: Transaction<DB>, a: Actor, personId: number | null, what: string): Promise<void> {
  if (personId === null) return;
  const p = await trx.selectFrom('person').select('school_id').where('id', '=', personId).executeTakeFirst();
  if (!p || Number(p.school_id) !== a.schoolId) throw bad('SCHOOL_UNKNOWN_PERSON', `Không có người này trong trường để làm ${what}.`, 'Unknown person.');
}

export async function addClass(db: Kysely<DB>, a: Actor, yearId: number, c: { name: string; grade: number; homeroomPersonId: number | null }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const year = await trx.selectFrom('school_year').select('id').where('id', '=', yearId).where('school_id', '=', a.schoolId).executeTakeFirst();
    if (!year) throw notFound('năm học');
    checkGrade(c.grade, await schoolLevel(trx, a.schoolId));
    const name = c.name.trim().toUpperCase();
    if (!/^[0-9A-Z][0-9A-Z._-]{0,15}$/.test(name)) throw bad('SCHOOL_CLASS_NAME_INVALID', `Tên lớp "${c.name}" không hợp lệ (ví dụ: 6A, 10A1).`, 'Invalid class name.');
    const dup = await trx.selectFrom('class').select('id').where('school_year_id', '=', yearId).where(sql<string>`upper(name)`, '=', name).executeTakeFirst();
    if (dup) throw conflict('SCHOOL_CLASS_EXISTS', `Lớp ${name} đã có trong năm học này.`, 'That class already exists this year.');
    await checkPerson(trx, a, c.homeroomPersonId, 'giáo viên chủ nhiệm');
    const row = await trx.insertInto('class').values({ school_id: a.schoolId, school_year_id: yearId, name, grade: c.grade, homeroom_person_id: c.homeroomPersonId }).returning('id').executeTakeFirstOrThrow();
    await audit(trx, a, 'class.create', 'class', row.id, null, { name, grade: c.grade, homeroom_person_id: c.homeroomPersonId });
    return Number(row.id);
  });
}

export async function setHomeroom(db: Kysely<DB>, a: Actor, classId: number, personId: number | null): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const cls = await trx.selectFrom('class').select(['id', 'homeroom_person_id']).where('id', '=', classId).where('school_id', '=', a.schoolId).forUpdate().executeTakeFirst();
    if (!cls) throw notFound('lớp');
    await checkPerson(trx, a, personId, 'giáo viên chủ nhiệm');
    const old = cls.homeroom_person_id === null ? null : Number(cls.homeroom_person_id);
    if (old === personId) return;
    await trx.updateTable('class').set({ homeroom_person_id: personId }).where('id', '=', classId).execute();
    await audit(trx, a, 'class.homeroom', 'class', classId, { homeroom_person_id: old }, { homeroom_person_id: personId });
  });
}

// ------------------------------------------------------------------ subjects and assignments

export async function addSubject(db: Kysely<DB>, a: Actor, s: { code: string; name: string }): Promise<number> {
  const code = s.code.trim().toUpperCase();
  const name = s.name.trim();
  if (!/^[A-Z0-9_]{1,20}$/.test(code)) throw bad('SCHOOL_SUBJECT_CODE_INVALID', `Mã môn "${s.code}" không hợp lệ: chỉ chữ không dấu, số, gạch dưới (ví dụ TOAN, NGU_VAN).`, 'Invalid subject code.');
  if (!name) throw bad('SCHOOL_SUBJECT_NAME_EMPTY', 'Tên môn học không được để trống.', 'Subject name is required.');
  return db.transaction().execute(async (trx) => {
    const dup = await trx.selectFrom('subject').select('id').where('school_id', '=', a.schoolId).where('code', '=', code).executeTakeFirst();
    if (dup) throw conflict('SCHOOL_SUBJECT_EXISTS', `Mã môn ${code} đã có trong danh mục.`, 'That subject code exists.');
    const row = await trx.insertInto('subject').values({ school_id: a.schoolId, code, name }).returning('id').executeTakeFirstOrThrow();
    await audit(trx, a, 'subject.create', 'subject', row.id, null, { code, name });
    return Number(row.id);
  });
}

export interface AssignmentInput {
  classId: number;
  subjectId: number;
  teacherPersonId: number | null;
  /** null = the regime's default for the subject (rules: assessmentModeOf). */
  assessment: 'scored' | 'comment' | null;
  periods: number | null;
}

/** Periods are per week under TT58 (and TT58+TT26), per year under TT22 (the programme's unit). */
export async function saveAssignment(db: Kysely<DB>, a: Actor, i: AssignmentInput): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const cls = await trx
      .selectFrom('class')
      .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
      .select(['class.id', 'class.grade', 'class.name', 'school_year.name as year', 'school_year.regime_overrides'])
      .where('class.id', '=', i.classId)
      .where('class.school_id', '=', a.schoolId)
      .executeTakeFirst();
    if (!cls) throw bad('SCHOOL_UNKNOWN_CLASS', 'Lớp đã chọn không có trong trường.', 'Unknown class.');
    const subject = await trx.selectFrom('subject').select(['id', 'name', 'code']).where('id', '=', i.subjectId).where('school_id', '=', a.schoolId).executeTakeFirst();
    if (!subject) throw bad('SCHOOL_UNKNOWN_SUBJECT', 'Môn học đã chọn không có trong danh mục.', 'Unknown subject.');
    await checkPerson(trx, a, i.teacherPersonId, 'giáo viên bộ môn');
    const overrides = (cls.regime_overrides ?? {}) as Record<string, Regime>;
    const regime = selectRegime({ schoolYear: cls.year, grade: Number(cls.grade), override: overrides[String(cls.grade)] }).regime;
    const assessment = i.assessment ?? assessmentModeOf({ name: subject.name }, regime);
    const perWeek = regime !== 'TT22';
    if (i.periods !== null && (!(i.periods > 0) || (perWeek ? i.periods > 20 || Math.round(i.periods * 10) !== i.periods * 10 : i.periods > 700 || !Number.isInteger(i.periods)))) {
      throw bad('SCHOOL_PERIODS_INVALID', perWeek ? 'Số tiết/tuần phải từ 0,5 đến 20 (một chữ số thập phân).' : 'Số tiết/năm phải là số nguyên từ 1 đến 700.', 'Invalid number of periods.');
    }
    const values = {
      teacher_person_id: i.teacherPersonId,
      assessment,
      periods_per_week: perWeek && i.periods !== null ? String(i.periods) : null,
      periods_per_year: !perWeek && i.periods !== null ? i.periods : null,
    };
    const existing = await trx.selectFrom('class_subject').selectAll().where('class_id', '=', i.classId).where('subject_id', '=', i.subjectId).forUpdate().executeTakeFirst();
    if (existing) {
      await trx.updateTable('class_subject').set(values).where('id', '=', existing.id).execute();
      await audit(trx, a, 'assignment.update', 'class_subject', existing.id, { teacher_person_id: existing.teacher_person_id, assessment: existing.assessment, periods_per_week: existing.periods_per_week, periods_per_year: existing.periods_per_year }, values);
      return Number(existing.id);
    }
    const row = await trx.insertInto('class_subject').values({ class_id: i.classId, subject_id: i.subjectId, ...values }).returning('id').executeTakeFirstOrThrow();
    await audit(trx, a, 'assignment.create', 'class_subject', row.id, null, { class: cls.name, subject: subject.code, ...values });
    return Number(row.id);
  });
}

// ------------------------------------------------------------------ read models for the pages

export async function listYears(db: Kysely<DB>, schoolId: number) {
  const years = await db.selectFrom('school_year').selectAll().where('school_id', '=', schoolId).orderBy('name', 'desc').execute();
  return years.map((y) => ({ id: Number(y.id), name: y.name, start: dateString(y.start_date), end: dateString(y.end_date), status: y.status }));
}

/** Staff who can be chosen as homeroom or subject teacher: persons of the school not currently enrolled as students. */
export async function staffCandidates(db: Kysely<DB>, schoolId: number) {
  const rows = await db
    .selectFrom('person')
    .select(['id', 'lms_user_id', 'family_name', 'given_name', 'person_code'])
    .where('school_id', '=', schoolId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('enrolment').select('enrolment.id').whereRef('enrolment.person_id', '=', 'person.id').where('enrolment.left_on', 'is', null))))
    .execute();
  rows.sort(compareVietnamese);
  return rows.map((p) => ({ id: Number(p.id), name: displayName(p), code: p.person_code }));
}

export async function loadYearPage(db: Kysely<DB>, schoolId: number, yearId: number) {
  const y = await db.selectFrom('school_year').selectAll().where('id', '=', yearId).where('school_id', '=', schoolId).executeTakeFirst();
  if (!y) return null;
  const level = await schoolLevel(db, schoolId);
  const terms = (await db.selectFrom('term').selectAll().where('school_year_id', '=', yearId).orderBy('code').execute()).map((t) => ({ id: Number(t.id), code: t.code, start: dateString(t.start_date), end: dateString(t.end_date) }));
  const points = terms.length
    ? await db.selectFrom('update_point').selectAll().where('term_id', 'in', terms.map((t) => t.id)).orderBy('deadline').execute()
    : [];
  const classes = await db
    .selectFrom('class')
    .leftJoin('person', 'person.id', 'class.homeroom_person_id')
    .select(['class.id', 'class.name', 'class.grade', 'class.homeroom_person_id', 'person.family_name', 'person.given_name', 'person.lms_user_id'])
    .where('class.school_year_id', '=', yearId)
    .orderBy('class.grade')
    .orderBy('class.name')
    .execute();
  const assignments = await db
    .selectFrom('class_subject')
    .innerJoin('class', 'class.id', 'class_subject.class_id')
    .innerJoin('subject', 'subject.id', 'class_subject.subject_id')
    .leftJoin('person', 'person.id', 'class_subject.teacher_person_id')
    .select(['class_subject.id', 'class.name as class_name', 'subject.name as subject_name', 'class_subject.assessment', 'class_subject.periods_per_week', 'class_subject.periods_per_year', 'class_subject.course_link_id', 'person.family_name', 'person.given_name', 'person.lms_user_id'])
    .where('class.school_year_id', '=', yearId)
    .orderBy('class.grade')
    .orderBy('class.name')
    .orderBy('subject.name')
    .execute();
  const subjects = (await db.selectFrom('subject').select(['id', 'code', 'name']).where('school_id', '=', schoolId).orderBy('name').execute()).map((s) => ({ id: Number(s.id), code: s.code, name: s.name }));
  const overrides = (y.regime_overrides ?? {}) as Record<string, string>;
  const personName = (p: { family_name: string | null; given_name: string | null; lms_user_id: string | null }) =>
    p.lms_user_id === null ? null : displayName({ family_name: p.family_name ?? '', given_name: p.given_name ?? '', lms_user_id: p.lms_user_id });
  return {
    year: { id: Number(y.id), name: y.name, start: dateString(y.start_date), end: dateString(y.end_date), status: y.status },
    level,
    grades: gradesOfLevel(level),
    terms,
    points: points.map((p) => ({ id: Number(p.id), termId: Number(p.term_id), label: p.label, deadline: p.deadline, term: terms.find((t) => t.id === Number(p.term_id))?.code ?? '' })),
    regimes: regimeTable(y.name, overrides, level),
    classes: classes.map((c) => ({ id: Number(c.id), name: c.name, grade: Number(c.grade), homeroomPersonId: c.homeroom_person_id === null ? null : Number(c.homeroom_person_id), homeroom: personName(c) })),
    assignments: assignments.map((x) => ({ id: Number(x.id), className: x.class_name, subjectName: x.subject_name, assessment: x.assessment, periodsPerWeek: x.periods_per_week, periodsPerYear: x.periods_per_year, linked: x.course_link_id !== null, teacher: personName(x) })),
    subjects,
    staff: await staffCandidates(db, schoolId),
  };
}

export async function openDeadlines(db: Kysely<DB>, schoolId: number) {
  const rows = await db
    .selectFrom('update_point')
    .innerJoin('term', 'term.id', 'update_point.term_id')
    .innerJoin('school_year', 'school_year.id', 'term.school_year_id')
    .select(['update_point.id', 'update_point.label', 'update_point.deadline', 'term.code', 'school_year.name as year'])
    .where('school_year.school_id', '=', schoolId)
    .where('school_year.status', '=', 'open')
    .orderBy('update_point.deadline')
    .execute();
  return rows.map((r) => ({ id: Number(r.id), label: r.label, deadline: r.deadline, term: r.code, year: r.year }));
}
