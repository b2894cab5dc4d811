import { mulberry32 } from '../shared/prng';

/**
 * Deterministic demo data: a THCS school with classes 6A and 9A, realistic Vietnamese names.
 * Moodle keeps the family name in `lastname` and middle + given name in `firstname`
 * (shared/fixtures/moodle-4.5: "Văn An" / "Nguyễn").
 */
export interface DemoPerson {
  lmsUserId: string;
  username: string;
  familyName: string;
  givenName: string;
  code: string;
  dateOfBirth?: string;
  gender?: 'nam' | 'nu';
}

export interface DemoClass {
  name: string;
  grade: number;
  homeroom: string; // teacher code
  students: DemoPerson[];
}

export interface DemoSubject {
  code: string;
  name: string;
  assessment: 'scored' | 'comment';
  periodsPerYear: number;
}

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Trịnh', 'Đinh'];
const MIDDLE_M = ['Văn', 'Minh', 'Quốc', 'Đức', 'Gia', 'Hoàng', 'Thanh', 'Bảo', 'Anh', 'Hữu', 'Tuấn'];
const MIDDLE_F = ['Thị', 'Ngọc', 'Thu', 'Khánh', 'Phương', 'Thanh', 'Bảo', 'Hoài', 'Minh', 'Mai'];
const GIVEN_M = ['An', 'Bình', 'Cường', 'Dũng', 'Duy', 'Đạt', 'Đức', 'Hải', 'Hiếu', 'Huy', 'Khang', 'Khoa', 'Long', 'Minh', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Trí', 'Tú', 'Việt', 'Ân', 'Lộc', 'Thịnh'];
const GIVEN_F = ['Anh', 'Ánh', 'Châu', 'Giang', 'Hà', 'Hân', 'Hoa', 'Lan', 'Linh', 'Mai', 'My', 'Ngân', 'Nhi', 'Quỳnh', 'Tâm', 'Thảo', 'Trang', 'Uyên', 'Vy', 'Yến', 'Ngọc', 'Diệp', 'Huyền', 'Thư'];

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

export const DEMO_YEAR = { name: '2024-2025', start: '2024-09-05', end: '2025-05-31', hk1: ['2024-09-05', '2025-01-11'], hk2: ['2025-01-13', '2025-05-31'] } as const;

export const DEMO_SUBJECTS: DemoSubject[] = [
  { code: 'TOAN', name: 'Toán', assessment: 'scored', periodsPerYear: 140 },
  { code: 'VAN', name: 'Ngữ văn', assessment: 'scored', periodsPerYear: 140 },
  { code: 'ANH', name: 'Tiếng Anh', assessment: 'scored', periodsPerYear: 105 },
  { code: 'KHTN', name: 'Khoa học tự nhiên', assessment: 'scored', periodsPerYear: 140 },
  { code: 'LSDL', name: 'Lịch sử và Địa lí', assessment: 'scored', periodsPerYear: 105 },
  { code: 'GDCD', name: 'Giáo dục công dân', assessment: 'scored', periodsPerYear: 35 },
  { code: 'CN', name: 'Công nghệ', assessment: 'scored', periodsPerYear: 35 },
  { code: 'TIN', name: 'Tin học', assessment: 'scored', periodsPerYear: 35 },
  { code: 'GDTC', name: 'Giáo dục thể chất', assessment: 'comment', periodsPerYear: 70 },
  { code: 'NT', name: 'Nghệ thuật', assessment: 'comment', periodsPerYear: 70 },
  { code: 'HDTN', name: 'Hoạt động trải nghiệm, hướng nghiệp', assessment: 'comment', periodsPerYear: 105 },
  { code: 'GDDP', name: 'Nội dung giáo dục của địa phương', assessment: 'comment', periodsPerYear: 35 },
];

export const DEMO_TEACHERS: DemoPerson[] = [
  { lmsUserId: '3', username: 'gv.hoa', familyName: 'Trần', givenName: 'Thị Hoa', code: 'GV001' },
  { lmsUserId: '4', username: 'gv.minh', familyName: 'Lê', givenName: 'Văn Minh', code: 'GV002' },
  { lmsUserId: '11', username: 'gv.thu', familyName: 'Nguyễn', givenName: 'Thị Thu', code: 'GV003' },
  { lmsUserId: '12', username: 'gv.quang', familyName: 'Phạm', givenName: 'Đức Quang', code: 'GV004' },
];

export const DEMO_PRINCIPAL: DemoPerson = { lmsUserId: '10', username: 'ht.lan', familyName: 'Vũ', givenName: 'Thị Lan', code: 'HT001' };

/** An education-office inspector, designated for a period; a non-editing teacher in one course so the LMS lets him launch. */
export const DEMO_INSPECTOR: DemoPerson = { lmsUserId: '20', username: 'tt.hung', familyName: 'Đỗ', givenName: 'Văn Hùng', code: 'TT001' };

/** Who teaches what: subject code → teacher code, per class. */
export const DEMO_ASSIGNMENTS: Record<string, Record<string, string>> = {
  '6A': { TOAN: 'GV001', VAN: 'GV003', ANH: 'GV004', KHTN: 'GV002' },
  '9A': { TOAN: 'GV002', VAN: 'GV003', ANH: 'GV004', KHTN: 'GV001' },
};

function students(rnd: () => number, className: string, birthYear: number, count: number, firstId: number): DemoPerson[] {
  const out: DemoPerson[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const female = rnd() < 0.5;
    const familyName = pick(rnd, FAMILY);
    const middle = pick(rnd, female ? MIDDLE_F : MIDDLE_M);
    const given = pick(rnd, female ? GIVEN_F : GIVEN_M);
    if (middle === given) continue; // "Đức Đức" is not a name
    const givenName = `${middle} ${given}`;
    const key = `${familyName} ${givenName}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const n = out.length + 1;
    const month = 1 + Math.floor(rnd() * 12);
    const day = 1 + Math.floor(rnd() * 28);
    out.push({
      lmsUserId: String(firstId + out.length),
      username: `hs.${className.toLowerCase()}.${String(n).padStart(2, '0')}`,
      familyName,
      givenName,
      code: `HS${className}${String(n).padStart(3, '0')}`,
      dateOfBirth: `${birthYear}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      gender: female ? 'nu' : 'nam',
    });
  }
  return out;
}

export function demoClasses(): DemoClass[] {
  const rnd = mulberry32(20242025);
  return [
    { name: '6A', grade: 6, homeroom: 'GV001', students: students(rnd, '6A', 2013, 35, 100) },
    { name: '9A', grade: 9, homeroom: 'GV003', students: students(rnd, '9A', 2010, 36, 200) },
  ];
}
