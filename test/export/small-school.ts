import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import { createSession } from '../../src/auth/session';
import type { Session } from '../../src/auth/session';

/**
 * A small TT22 school seeded straight into the database (no LMS), with marks chosen so every figure of
 * the year-end package can be worked out by hand (see year-end-values.test.ts):
 * one class 6A (2024-2025, grade 6 → TT22), six score subjects of 35 periods a year (2 regular + mid-term
 * + end-of-term per semester, coefficients 1, 2, 3), three students:
 *   HS01 Nguyễn Văn An  — every mark 9.0 in every subject;
 *   HS02 Trần Thị Bình  — every mark 7.0; absences P 7/10/2024, K 8/10/2024, P 3/3/2025;
 *   HS03 Lê Minh Châu   — Toán HK I marks 6, 8 (regular), 7 (mid-term), 7 (end-of-term), HK II all 8.5;
 *                         KHTN all 9.0; the four other subjects all 8.0.
 * Training (rèn luyện): An Tốt/Tốt, Bình Tốt/Khá, Châu Khá/Tốt.
 */
export interface SmallSchool {
  schoolId: number;
  yearId: number;
  classId: number;
  teacher: Session;
  principal: Session;
  students: { code: string; enrolmentId: number; personId: number }[];
}

export const SUBJECTS = ['Toán', 'Ngữ văn', 'Tiếng Anh', 'Khoa học tự nhiên', 'Lịch sử và Địa lí', 'Tin học'] as const;

export async function seedSmallSchool(db: Kysely<DB>, code: string): Promise<SmallSchool> {
  const school = await db.insertInto('school').values({ code, name: `Trường THCS ${code}`, level: 'THCS', settings: JSON.stringify({ yearEndRecipient: { level: 'province', name: 'Sở GD&ĐT Thử Nghiệm' } }) }).returning('id').executeTakeFirstOrThrow();
  const schoolId = Number(school.id);
  const platform = await db.insertInto('lti_platform').values({ school_id: schoolId, issuer: `https://lms.${code.toLowerCase()}.example`, client_id: 'c1', platform_kid: `kid-${code}`, registered_via: 'manual', status: 'active' }).returning('id').executeTakeFirstOrThrow();
  const dep = await db.insertInto('lti_deployment').values({ platform_id: platform.id, school_id: schoolId, deployment_id: '1' }).returning('id').executeTakeFirstOrThrow();
  const person = async (lms: string, family: string, given: string, personCode: string, dob: string | null, gender: 'nam' | 'nu' | null) =>
    Number((await db.insertInto('person').values({ school_id: schoolId, deployment_id: dep.id, lms_user_id: lms, family_name: family, given_name: given, display_name: `${family} ${given}`, person_code: personCode, date_of_birth: dob, gender }).returning('id').executeTakeFirstOrThrow()).id);
  const teacherId = await person('t1', 'Đỗ', 'Thu Hà', 'GV01', null, 'nu');
  const principalId = await person('p1', 'Vũ', 'Thị Lan', 'HT01', null, 'nu');
  const year = await db.insertInto('school_year').values({ school_id: schoolId, name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', regime_overrides: '{}' }).returning('id').executeTakeFirstOrThrow();
  const yearId = Number(year.id);
  const hk1 = Number((await db.insertInto('term').values({ school_year_id: yearId, code: 'HK1', start_date: '2024-09-05', end_date: '2025-01-15' }).returning('id').executeTakeFirstOrThrow()).id);
  const hk2 = Number((await db.insertInto('term').values({ school_year_id: yearId, code: 'HK2', start_date: '2025-01-16', end_date: '2025-05-31' }).returning('id').executeTakeFirstOrThrow()).id);
  const classId = Number((await db.insertInto('class').values({ school_id: schoolId, school_year_id: yearId, name: '6A', grade: 6, homeroom_person_id: teacherId }).returning('id').executeTakeFirstOrThrow()).id);
  const students: SmallSchool['students'] = [];
  for (const [code2, family, given, dob, gender] of [
    ['HS01', 'Nguyễn', 'Văn An', '2013-03-15', 'nam'],
    ['HS02', 'Trần', 'Thị Bình', '2013-11-02', 'nu'],
    ['HS03', 'Lê', 'Minh Châu', '2013-07-20', 'nu'],
  ] as const) {
    const personId = await person(`s-${code2}`, family, given, code2, dob, gender);
    const e = await db.insertInto('enrolment').values({ class_id: classId, person_id: personId, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow();
    students.push({ code: code2, enrolmentId: Number(e.id), personId });
  }
  const [an, binh, chau] = students as [SmallSchool['students'][number], SmallSchool['students'][number], SmallSchool['students'][number]];
  // Marks per student, subject and term, in column order: regular 1, regular 2, mid-term, end-of-term (tenths).
  const marks = (st: typeof an, subject: string, term: 'HK1' | 'HK2'): number[] => {
    if (st === an) return [90, 90, 90, 90];
    if (st === binh) return [70, 70, 70, 70];
    if (subject === 'Toán') return term === 'HK1' ? [60, 80, 70, 70] : [85, 85, 85, 85];
    return subject === 'Khoa học tự nhiên' ? [90, 90, 90, 90] : [80, 80, 80, 80];
  };
  for (const [i, name] of SUBJECTS.entries()) {
    const subjectId = (await db.insertInto('subject').values({ school_id: schoolId, code: `M${i}`, name }).returning('id').executeTakeFirstOrThrow()).id;
    const csId = (await db.insertInto('class_subject').values({ class_id: classId, subject_id: subjectId, teacher_person_id: teacherId, assessment: 'scored', periods_per_year: 35 }).returning('id').executeTakeFirstOrThrow()).id;
    for (const [termId, term] of [[hk1, 'HK1'], [hk2, 'HK2']] as const) {
      const cols = [];
      for (const [kind, position, coefficient, label] of [['regular', 1, 1, 'ĐĐGtx 1'], ['regular', 2, 1, 'ĐĐGtx 2'], ['midterm', 1, 2, 'ĐĐGgk'], ['final', 1, 3, 'ĐĐGck']] as const) {
        cols.push(Number((await db.insertInto('assessment_column').values({ class_subject_id: csId, term_id: termId, kind, position, coefficient, value_type: 'score', label }).returning('id').executeTakeFirstOrThrow()).id));
      }
      for (const st of students) {
        const m = marks(st, name, term);
        await db.insertInto('score').values(cols.map((columnId, k) => ({ column_id: columnId, enrolment_id: st.enrolmentId, tenths: m[k]!, updated_by: teacherId }))).execute();
      }
    }
  }
  for (const [st, l1, l2] of [[an, 'Tốt', 'Tốt'], [binh, 'Tốt', 'Khá'], [chau, 'Khá', 'Tốt']] as const) {
    await db.insertInto('conduct').values([
      { enrolment_id: st.enrolmentId, term: 'HK1', regime: 'TT22', level: l1, updated_by: teacherId },
      { enrolment_id: st.enrolmentId, term: 'HK2', regime: 'TT22', level: l2, updated_by: teacherId },
    ]).execute();
  }
  await db.insertInto('attendance').values([
    { enrolment_id: binh.enrolmentId, day: '2024-10-07', session: 'sang', mark: 'P', updated_by: teacherId },
    { enrolment_id: binh.enrolmentId, day: '2024-10-08', session: 'sang', mark: 'K', updated_by: teacherId },
    { enrolment_id: binh.enrolmentId, day: '2025-03-03', session: 'sang', mark: 'P', updated_by: teacherId },
  ]).execute();
  const session = async (personId: number, role: 'homeroom_teacher' | 'principal') => (await createSession(db, { schoolId, personId, courseLinkId: null, roles: [role], ltiRoles: [], ttlMinutes: 60 })).session;
  return { schoolId, yearId, classId, teacher: await session(teacherId, 'homeroom_teacher'), principal: await session(principalId, 'principal'), students };
}

/** RFC 4180 CSV (quoted fields, CRLF) after the UTF-8 BOM → rows of cells. */
export function parseCsv(buf: Buffer): string[][] {
  const text = buf.toString('utf8').replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
