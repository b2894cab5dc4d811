import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import type { AttendanceMarkData, BookData, ClassSubjectData, ColumnData, DecisionData, PeriodResultData, ScoreData, StudentData } from '../../src/print/book-data';
import type { Regime } from '../../src/rules';

/**
 * Print test data: a class with students whose names use every Vietnamese diacritic, subjects with
 * their assessment columns, and scores. `bookData` builds the plain data directly (pure view model
 * tests); `seedPrintClass` writes the same shape to the database (repository, archive and route tests).
 */
export const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
export const MIDDLE = ['Văn', 'Thị', 'Minh', 'Quốc', 'Ngọc', 'Thu', 'Hữu', 'Đức', 'Thanh', 'Gia'];
export const GIVEN = ['Ánh', 'Khánh', 'Bình', 'Cường', 'Dũng', 'Giang', 'Hằng', 'Hiếu', 'Huệ', 'Kiều', 'Lộc', 'Mỹ', 'Nguyệt', 'Oanh', 'Phúc', 'Quỳnh', 'Sơn', 'Thắng', 'Thuỷ', 'Trí', 'Tuấn', 'Uyên', 'Việt', 'Xuân', 'Yến', 'Ẩn', 'Ơn', 'Ưng', 'Đạt', 'Ý'];

/** The two names the tests look for, intact, with all their diacritics. */
export const SPECIAL = [
  { familyName: 'Nguyễn', givenName: 'Thị Ngọc Ánh' },
  { familyName: 'Đặng', givenName: 'Quốc Khánh' },
];

export function studentNames(n: number): { familyName: string; givenName: string }[] {
  const out = [...SPECIAL];
  for (let i = 0; out.length < n; i++) {
    out.push({ familyName: FAMILY[i % FAMILY.length]!, givenName: `${MIDDLE[(i * 3) % MIDDLE.length]!} ${GIVEN[(i * 7) % GIVEN.length]!}` });
  }
  return out.slice(0, n);
}

export const SUBJECTS_TT22: { code: string; name: string; assessment: 'scored' | 'comment' }[] = [
  { code: 'TOAN', name: 'Toán', assessment: 'scored' },
  { code: 'VAN', name: 'Ngữ văn', assessment: 'scored' },
  { code: 'NN1', name: 'Tiếng Anh', assessment: 'scored' },
  { code: 'GDCD', name: 'Giáo dục công dân', assessment: 'scored' },
  { code: 'LSDL', name: 'Lịch sử và Địa lí', assessment: 'scored' },
  { code: 'KHTN', name: 'Khoa học tự nhiên', assessment: 'scored' },
  { code: 'CN', name: 'Công nghệ', assessment: 'scored' },
  { code: 'TIN', name: 'Tin học', assessment: 'scored' },
  { code: 'GDTC', name: 'Giáo dục thể chất', assessment: 'comment' },
  { code: 'AN', name: 'Âm nhạc', assessment: 'comment' },
  { code: 'MT', name: 'Mĩ thuật', assessment: 'comment' },
  { code: 'HDTN', name: 'Hoạt động trải nghiệm, hướng nghiệp', assessment: 'comment' },
  { code: 'GDDP', name: 'Nội dung giáo dục của địa phương', assessment: 'comment' },
  { code: 'NN2', name: 'Tiếng Pháp', assessment: 'scored' },
];

/** Deterministic marks: student i, column j → tenths in 40..100 (some .5). */
export const markFor = (i: number, j: number, kind: ColumnData['kind']): number => {
  const base = 50 + ((i * 7 + j * 13) % 45);
  return kind === 'regular' ? Math.round(base / 10) * 10 : base - (base % 5);
};

export interface BookDataOptions {
  students?: number;
  subjects?: typeof SUBJECTS_TT22;
  regime?: Regime;
  yearName?: string;
  grade?: number;
  paper?: 'A4' | 'A3';
  /** Roll-call marks, results and year lists as the other modules would hand them over. */
  records?: boolean;
}

/**
 * Roll-call marks of the two named students in November of the first calendar year (student 0 =
 * Nguyễn Thị Ngọc Ánh, student 1 = Đặng Quốc Khánh): Ánh P on the 4th (both sessions), K on the 5th,
 * P on the 12th; Khánh K on the 4th. Month totals by hand — Ánh TS 4, P 3, K 1; Khánh TS 1, P 0, K 1;
 * per day: 4th → 3 sessions, 5th → 1, 12th → 1; class TS 5, P 3, K 2.
 */
export function absencesFor(y: number, enrolment: readonly number[]): AttendanceMarkData[] {
  const d = (n: number) => `${y}-11-${String(n).padStart(2, '0')}`;
  return [
    { enrolmentId: enrolment[0]!, day: d(4), session: 'sang', mark: 'P' },
    { enrolmentId: enrolment[0]!, day: d(4), session: 'chieu', mark: 'P' },
    { enrolmentId: enrolment[0]!, day: d(5), session: 'sang', mark: 'K' },
    { enrolmentId: enrolment[0]!, day: d(12), session: 'sang', mark: 'P' },
    { enrolmentId: enrolment[1]!, day: d(4), session: 'sang', mark: 'K' },
  ];
}

/** Plain BookData, no database: for the pure view model and rendering tests. */
export function bookData(o: BookDataOptions = {}): BookData {
  const regime = o.regime ?? 'TT22';
  const yearName = o.yearName ?? (regime === 'TT22' ? '2024-2025' : '2019-2020');
  const y = Number(yearName.slice(0, 4));
  const names = studentNames(o.students ?? 45);
  const students: StudentData[] = names.map((n, i) => ({
    enrolmentId: 1000 + i,
    ...n,
    dateOfBirth: `${y - 11}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
    gender: i % 2 ? 'nam' : 'nu',
    personCode: `HS${String(i).padStart(4, '0')}`,
    joinedOn: `${y}-09-05`,
    leftOn: null,
  }));
  const subjects: ClassSubjectData[] = (o.subjects ?? SUBJECTS_TT22.slice(0, 3)).map((s, k) => ({
    classSubjectId: 10 + k,
    subjectCode: s.code,
    subjectName: s.name,
    assessment: s.assessment,
    teacherName: `Trần Thị Hoa ${k + 1}`,
  }));
  const columns: ColumnData[] = [];
  let cid = 1;
  for (const s of subjects) {
    for (const term of ['HK1', 'HK2'] as const) {
      const rating = s.assessment === 'comment';
      const vt = rating ? 'rating' : 'score';
      if (regime === 'TT58') {
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'regular', position: 1, coefficient: 1, valueType: vt, form: 'oral' });
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'regular', position: 2, coefficient: 1, valueType: vt, form: '15min' });
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'regular', position: 3, coefficient: 1, valueType: vt, form: '15min' });
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'periodic', position: 1, coefficient: rating ? 1 : 2, valueType: vt, form: null });
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'final', position: 1, coefficient: rating ? 1 : 3, valueType: vt, form: null });
      } else {
        for (let p = 1; p <= 3; p++) columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'regular', position: p, coefficient: 1, valueType: vt, form: null });
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'midterm', position: 1, coefficient: rating ? 1 : 2, valueType: vt, form: null });
        columns.push({ id: cid++, classSubjectId: s.classSubjectId, term, kind: 'final', position: 1, coefficient: rating ? 1 : 3, valueType: vt, form: null });
      }
    }
  }
  const scores: ScoreData[] = [];
  students.forEach((st, i) =>
    columns.forEach((c, j) => {
      if (c.valueType === 'rating') scores.push({ columnId: c.id, enrolmentId: st.enrolmentId, tenths: null, rating: (i + j) % 11 === 0 ? 'CD' : 'D' });
      else scores.push({ columnId: c.id, enrolmentId: st.enrolmentId, tenths: markFor(i, j, c.kind), rating: null });
    }),
  );
  const records = o.records ? recordsFor(regime, y, students.map((s) => s.enrolmentId)) : {};
  return {
    ...records,
    school: { name: 'Trường THCS Thử Nghiệm', level: 'THCS', province: 'Hà Nội', district: 'Quận Cầu Giấy', commune: 'Phường Dịch Vọng', paper: o.paper ?? 'A4' },
    year: { name: yearName, startDate: `${y}-09-05`, endDate: `${y + 1}-05-31` },
    terms: [
      { code: 'HK1', startDate: `${y}-09-05`, endDate: `${y + 1}-01-15` },
      { code: 'HK2', startDate: `${y + 1}-01-16`, endDate: `${y + 1}-05-31` },
    ],
    klass: { id: 1, name: '6A', grade: o.grade ?? 6, homeroomName: 'Lê Văn Minh' },
    regime,
    principalName: 'Vũ Thị Lan',
    students,
    subjects,
    columns,
    scores,
    corrections: [],
  };
}

/**
 * Results and approved year lists as the results module hands them over (inputs of the pure view
 * model, not computed here): student 0 good, student 1 sent to a re-test then promoted after it,
 * student 2 repeats; the others have no result yet.
 */
function recordsFor(regime: Regime, y: number, ids: readonly number[]): Pick<BookData, 'attendance' | 'results' | 'decisions'> {
  const tt22 = regime === 'TT22';
  const res = (id: number, learning: string, conduct: string, title: string | null, absences: number): PeriodResultData => ({ enrolmentId: id, overall: tt22 ? null : '7,9', learning, conduct, title, absences });
  const period = [res(ids[0]!, tt22 ? 'Tốt' : 'Khá', 'Tốt', tt22 ? null : 'Học sinh tiên tiến', 4), res(ids[1]!, tt22 ? 'Chưa đạt' : 'Yếu', tt22 ? 'Khá' : 'Khá', null, 1), res(ids[2]!, tt22 ? 'Chưa đạt' : 'Kém', tt22 ? 'Chưa đạt' : 'Yếu', null, 50)];
  const dec = (id: number, learning: string, conduct: string, absences: number, outcome: string, title: string | null, extra: Partial<DecisionData> = {}): DecisionData => ({ enrolmentId: id, learning, conduct, absences, outcome, title, retestEligible: [], ...extra });
  const main = [
    dec(ids[0]!, tt22 ? 'Tốt' : 'Khá', 'Tốt', 4, 'promoted', tt22 ? 'Học sinh Giỏi' : 'Học sinh tiên tiến'),
    dec(ids[1]!, tt22 ? 'Chưa đạt' : 'Yếu', 'Khá', 1, 'retest', null, { retestEligible: ['Toán'] }),
    dec(ids[2]!, tt22 ? 'Chưa đạt' : 'Kém', tt22 ? 'Chưa đạt' : 'Yếu', 50, 'repeat', null),
    ...ids.slice(3).map((id) => dec(id, tt22 ? 'Đạt' : 'Trung bình', tt22 ? 'Đạt' : 'Khá', 0, 'promoted', null)),
  ];
  const after = main.map((m) => (m.enrolmentId === ids[1] ? { ...m, learning: tt22 ? 'Đạt' : 'Trung bình', outcome: 'promoted', retested: [{ subject: 'Toán', before: '3,4', after: '6,5' }] } : m));
  return { attendance: absencesFor(y, ids), results: { HK1: period, HK2: period, CN: period }, decisions: { main, afterRetest: after } };
}

export interface SeededClass {
  schoolId: number;
  classId: number;
  yearId: number;
  termIds: { HK1: number; HK2: number };
  classSubjectIds: number[];
  enrolmentIds: number[];
  columnIds: number[];
  teacherIds: number[];
  homeroomId: number;
  principalId: number;
}

/**
 * Writes `bookData(o)` to the database for an existing school (with a deployment) and returns the
 * ids. People get LMS user ids `p-<n>` so the test can create sessions for them.
 */
export async function seedPrintClass(db: Kysely<DB>, schoolId: number, o: BookDataOptions & { className?: string } = {}): Promise<SeededClass> {
  const data = bookData(o);
  const dep = await db.selectFrom('lti_deployment').select('id').where('school_id', '=', schoolId).executeTakeFirst();
  let deploymentId = dep ? Number(dep.id) : null;
  if (deploymentId === null) {
    const plat = await db.insertInto('lti_platform').values({ school_id: schoolId, issuer: `https://lms-${schoolId}.test`, client_id: 'c', platform_kid: `k${schoolId}`, registered_via: 'manual' }).returning('id').executeTakeFirstOrThrow();
    deploymentId = Number((await db.insertInto('lti_deployment').values({ platform_id: plat.id, school_id: schoolId, deployment_id: '1' }).returning('id').executeTakeFirstOrThrow()).id);
  }
  const tag = `${o.className ?? data.klass.name}-${Math.random().toString(36).slice(2, 8)}`;
  const person = async (family: string, given: string, extra: { dob?: string | null; gender?: 'nam' | 'nu' | null; code?: string | null } = {}) =>
    Number(
      (
        await db
          .insertInto('person')
          .values({ school_id: schoolId, deployment_id: deploymentId!, lms_user_id: `p-${tag}-${family}-${given}-${Math.random().toString(36).slice(2, 8)}`, family_name: family, given_name: given, display_name: `${family} ${given}`, email: null, person_code: extra.code ?? null, date_of_birth: extra.dob ?? null, gender: extra.gender ?? null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
  const homeroomId = await person('Lê', 'Văn Minh');
  const principalId = await person('Vũ', 'Thị Lan', { code: `HT-${tag}` });
  await db.insertInto('staff_designation').values({ school_id: schoolId, role: 'principal', person_code: `HT-${tag}`, lms_user_id: null }).execute();
  const yearName = data.year.name;
  let year = await db.selectFrom('school_year').select('id').where('school_id', '=', schoolId).where('name', '=', yearName).executeTakeFirst();
  if (!year) year = await db.insertInto('school_year').values({ school_id: schoolId, name: yearName, start_date: data.year.startDate, end_date: data.year.endDate, regime_overrides: JSON.stringify({}) }).returning('id').executeTakeFirstOrThrow();
  const termIds = { HK1: 0, HK2: 0 };
  for (const t of data.terms) {
    let row = await db.selectFrom('term').select('id').where('school_year_id', '=', year.id).where('code', '=', t.code).executeTakeFirst();
    if (!row) row = await db.insertInto('term').values({ school_year_id: year.id, code: t.code, start_date: t.startDate, end_date: t.endDate }).returning('id').executeTakeFirstOrThrow();
    termIds[t.code] = Number(row.id);
  }
  const klass = await db.insertInto('class').values({ school_id: schoolId, school_year_id: year.id, name: o.className ?? data.klass.name, grade: data.klass.grade, homeroom_person_id: homeroomId }).returning('id').executeTakeFirstOrThrow();
  const csMap = new Map<number, number>();
  const teacherIds: number[] = [];
  for (const s of data.subjects) {
    let subj = await db.selectFrom('subject').select('id').where('school_id', '=', schoolId).where('code', '=', s.subjectCode).executeTakeFirst();
    if (!subj) subj = await db.insertInto('subject').values({ school_id: schoolId, code: s.subjectCode, name: s.subjectName }).returning('id').executeTakeFirstOrThrow();
    const [fam, ...rest] = (s.teacherName ?? 'Trần Thị Hoa').split(' ');
    const teacherId = await person(fam!, rest.join(' '));
    teacherIds.push(teacherId);
    const cs = await db.insertInto('class_subject').values({ class_id: klass.id, subject_id: subj.id, teacher_person_id: teacherId, assessment: s.assessment }).returning('id').executeTakeFirstOrThrow();
    csMap.set(s.classSubjectId, Number(cs.id));
  }
  const enrolMap = new Map<number, number>();
  for (const st of data.students) {
    const pid = await person(st.familyName, st.givenName, { dob: st.dateOfBirth, gender: st.gender, code: st.personCode });
    const e = await db.insertInto('enrolment').values({ class_id: klass.id, person_id: pid, joined_on: st.joinedOn }).returning('id').executeTakeFirstOrThrow();
    enrolMap.set(st.enrolmentId, Number(e.id));
  }
  const colMap = new Map<number, number>();
  for (const c of data.columns) {
    const row = await db
      .insertInto('assessment_column')
      .values({ class_subject_id: csMap.get(c.classSubjectId)!, term_id: termIds[c.term], kind: c.kind, position: c.position, coefficient: c.coefficient, value_type: c.valueType, form: c.form, label: `${c.kind} ${c.position}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    colMap.set(c.id, Number(row.id));
  }
  const scoreRows = data.scores.map((s) => ({ column_id: colMap.get(s.columnId)!, enrolment_id: enrolMap.get(s.enrolmentId)!, tenths: s.tenths, rating: s.rating }));
  for (let i = 0; i < scoreRows.length; i += 1000) await db.insertInto('score').values(scoreRows.slice(i, i + 1000)).execute();
  return {
    schoolId,
    classId: Number(klass.id),
    yearId: Number(year.id),
    termIds,
    classSubjectIds: [...csMap.values()],
    enrolmentIds: [...enrolMap.values()],
    columnIds: [...colMap.values()],
    teacherIds,
    homeroomId,
    principalId,
  };
}
