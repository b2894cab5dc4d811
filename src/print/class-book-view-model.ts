/**
 * Pure view models of the class book, per regime (book-forms.md):
 *  - TT58 / TT58+TT26: "SỔ GỌI TÊN VÀ GHI ĐIỂM" (§4),
 *  - TT22: "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH (THEO LỚP HỌC)" (§1),
 * and the print runs made from it: a month ('2024-11'), a semester ('HK1', 'HK2') or the year ('CN').
 *
 * Roll-call marks, results (overall average, learning level, conduct / rèn luyện, titles) and the
 * approved year-end lists come from their modules through BookData. What is still NOT in the
 * database is printed as the form's empty cells, so the print is complete as a form ("DATA:"):
 * personal details beyond name / date of birth / gender (place of birth, ethnicity, priority group,
 * address, parents).
 */
import type { Regime } from '../rules';
import type { WeekPlan } from '../rules/attendance-plan';
import { nonSchoolReason, weekdayOf, type NonSchoolReason } from '../attendance/school-days';
import type { BookData, ClassSubjectData, ColumnData, DecisionData, PeriodResultData, StudentData } from './book-data';
import type { Cell, ColWidth, CoverPage, DividerPage, GridPage, GridRow, HeaderCell, PrintDocument, PrintPage, SignatureBlock } from './document';
import { geometry, type Orientation } from './layout';
import { asciiSlug, compareNames, splitName } from './names';
import { indexScores, markText, subjectResult, type ScoreIndex, type Term } from './subject-results';

// ------------------------------------------------------------------------------------------------
// Periods
// ------------------------------------------------------------------------------------------------
export type Period = { type: 'month'; year: number; month: number; code: string } | { type: 'HK1' | 'HK2' | 'CN'; code: string };

export function parsePeriod(code: string): Period | null {
  const m = /^(\d{4})-(\d{2})$/.exec(code);
  if (m) {
    const month = Number(m[2]);
    return month >= 1 && month <= 12 ? { type: 'month', year: Number(m[1]), month, code } : null;
  }
  return code === 'HK1' || code === 'HK2' || code === 'CN' ? { type: code, code } : null;
}

export function periodLabel(p: Period): string {
  switch (p.type) {
    case 'month':
      return `Tháng ${p.month}/${p.year}`;
    case 'HK1':
      return 'Học kỳ I';
    case 'HK2':
      return 'Học kỳ II';
    case 'CN':
      return 'Cả năm học';
  }
}

// ------------------------------------------------------------------------------------------------
// Shared pieces
// ------------------------------------------------------------------------------------------------
export type BookForm = 'TT58' | 'TT22';
export const bookFormOf = (r: Regime): BookForm => (r === 'TT22' ? 'TT22' : 'TT58');

export const BOOK_TITLE: Record<BookForm, string> = {
  TT58: 'SỔ GỌI TÊN VÀ GHI ĐIỂM',
  // "(theo lớp học)" is the TT32/2020 Điều 21 name; whether the cover prints it is open (book-forms.md §6.1).
  TT22: 'SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH (THEO LỚP HỌC)',
};

const ROMAN: Record<Term, string> = { HK1: 'I', HK2: 'II' };

export interface Ctx {
  readonly data: BookData;
  readonly form: BookForm;
  readonly students: readonly StudentData[];
  readonly idx: ScoreIndex;
  readonly corrections: ReadonlyMap<string, number>;
  /** The last day the print covers: a student who left on or before it is struck through. */
  readonly asOf: string;
  /** enrolmentId → day → the marks of that day in session order ("P", "K", "PK" for two sessions). */
  readonly absences: ReadonlyMap<number, ReadonlyMap<string, string>>;
  readonly results: Readonly<Record<Term | 'CN', ReadonlyMap<number, PeriodResultData>>>;
  readonly decisions: { readonly main: ReadonlyMap<number, DecisionData> | null; readonly afterRetest: ReadonlyMap<number, DecisionData> | null };
  /** The class's calendar (null: none loaded, only Sundays are days off). */
  readonly calendar: { readonly plan: WeekPlan; readonly holidays: ReadonlyMap<string, string>; readonly terms: readonly { start: string; end: string }[] } | null;
}

const SESSION_ORDER = { sang: 0, chieu: 1 } as const;

export function makeCtx(data: BookData, asOf: string): Ctx {
  const students = [...data.students].filter((s) => s.joinedOn <= asOf).sort(compareNames);
  const corrections = new Map<string, number>();
  for (const c of data.corrections) corrections.set(`${c.columnId}:${c.enrolmentId}`, (corrections.get(`${c.columnId}:${c.enrolmentId}`) ?? 0) + 1);
  const absences = new Map<number, Map<string, string>>();
  const marks = [...(data.attendance ?? [])].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : SESSION_ORDER[a.session] - SESSION_ORDER[b.session]));
  for (const m of marks) {
    let byDay = absences.get(m.enrolmentId);
    if (!byDay) absences.set(m.enrolmentId, (byDay = new Map()));
    byDay.set(m.day, (byDay.get(m.day) ?? '') + m.mark);
  }
  const byEnrolment = <T extends { enrolmentId: number }>(xs: readonly T[] | null | undefined): Map<number, T> => new Map((xs ?? []).map((x) => [x.enrolmentId, x]));
  const results = { HK1: byEnrolment(data.results?.HK1), HK2: byEnrolment(data.results?.HK2), CN: byEnrolment(data.results?.CN) };
  const decisions = {
    main: data.decisions?.main ? byEnrolment(data.decisions.main) : null,
    afterRetest: data.decisions?.afterRetest ? byEnrolment(data.decisions.afterRetest) : null,
  };
  const calendar = data.calendar
    ? { plan: data.calendar.plan, holidays: new Map(data.calendar.holidays.map((h) => [h.day, h.label])), terms: data.terms.map((t) => ({ start: t.startDate, end: t.endDate })) }
    : null;
  return { data, form: bookFormOf(data.regime), students, idx: indexScores(data.scores), corrections, asOf, absences, results, decisions, calendar };
}

/**
 * How the paper forms write levels: TT58 summary columns are narrow and use the book's own
 * abbreviations (book-forms.md §4.5: HL G/K/TB/Y/Kém, HK T/K/TB/Y, TĐ HSG/HSTT); TT22 writes
 * the words (Tốt, Khá, Đạt, Chưa đạt).
 */
const ABBR_58: Record<string, string> = { Giỏi: 'G', Khá: 'K', 'Trung bình': 'TB', Yếu: 'Y', Kém: 'Kém', Tốt: 'T', 'Học sinh giỏi': 'HSG', 'Học sinh tiên tiến': 'HSTT' };
export const levelText = (form: BookForm, level: string | null | undefined): string => (level ? (form === 'TT58' ? (ABBR_58[level] ?? level) : level) : '');

const hasLeft = (s: StudentData, asOf: string): boolean => s.leftOn !== null && s.leftOn <= asOf;

/** The name cells: TT58 splits family+middle / given (no rule between them), TT22 one cell. */
export function nameCells(form: BookForm, s: StudentData): Cell[] {
  const n = splitName(s);
  if (form === 'TT58') return [{ t: n.familyMiddle, cls: `fam${n.familyMiddle.length > 22 ? ' small' : ''}` }, { t: n.given, cls: 'given' }];
  return [{ t: n.full, cls: `l${n.full.length > 28 ? ' small' : ''}` }];
}
export const nameCols = (form: BookForm): ColWidth[] => (form === 'TT58' ? ['fam', 'given'] : ['name']);
export const nameHeader = (form: BookForm, rowspan: number, text = 'Họ và tên'): HeaderCell => ({ text, rowspan, colspan: form === 'TT58' ? 2 : 1 });

const dateLine = (d: BookData): string => `${d.school.commune || d.school.district || d.school.province || '…………'}, ngày …… tháng …… năm 20……`;

export const SIG = {
  homeroomConfirm: (d: BookData): SignatureBlock => ({ caption: 'Ký xác nhận của giáo viên chủ nhiệm', name: d.klass.homeroomName }),
  subjectTeacher: (teacher: string | null): SignatureBlock => ({ caption: 'Giáo viên môn học', sub: '(Kí và ghi rõ họ tên)', name: teacher }),
  homeroom: (d: BookData): SignatureBlock => ({ caption: 'GIÁO VIÊN CHỦ NHIỆM', sub: '(Ký và ghi rõ họ tên)', name: d.klass.homeroomName }),
  principal: (d: BookData, sub = '(Ký, ghi rõ họ tên và đóng dấu)'): SignatureBlock => ({ caption: 'HIỆU TRƯỞNG', sub, name: d.principalName, dateLine: dateLine(d) }),
  principalCheck: (d: BookData): SignatureBlock => ({ caption: 'Kiểm tra của Hiệu trưởng', sub: '(Ký tên, đóng dấu)', name: d.principalName }),
};

interface RowSource {
  readonly cells: readonly Cell[];
  readonly left: boolean;
  /** Score cells of this row (columnId, enrolmentId) to count corrections per page. */
  readonly cellKeys?: readonly string[];
  /** Spread pages: the score cells of each subject on the page, in the order of `correctionSubjects`. */
  readonly subjectKeys?: readonly (readonly string[])[];
}

export interface GridSpec {
  readonly orientation: Orientation;
  readonly title: readonly string[];
  readonly headLeft?: string;
  readonly headRight?: string;
  readonly cols: readonly ColWidth[];
  readonly header: readonly (readonly HeaderCell[])[];
  readonly signatures: readonly SignatureBlock[];
  /** null: no score on the page; otherwise the subject named in the note. */
  readonly correctionSubject?: string | null;
  /** Spread pages: several subjects, each with its own count in the note ("…, trong đó môn: A 1 điểm, B 0 điểm"). */
  readonly correctionSubjects?: readonly string[];
  /** Right page of a spread: numbered as the page before it (the form's "Ghi chú: số TT ở trang này…"). */
  readonly pairedWithPrevious?: boolean;
  readonly footNote?: readonly string[];
  /** Rows taken by a tall header (vertical subject names): fewer student rows fit. */
  readonly rowsLess?: number;
  /** Rows appended after the last student (the roll-call "Tổng số" line). */
  readonly tail?: readonly RowSource[];
}

/**
 * Cuts rows into pages of the geometry's row count (a multiple of 5), pads the last page with empty
 * rows to the end of its group of 5, and writes each page's correction count. Every page repeats the
 * header and carries the signatures: nothing depends on the browser's own page breaking.
 */
export function paginate(ctx: Ctx, spec: GridSpec, rows: readonly RowSource[]): GridPage[] {
  const g = geometry(ctx.data.school.paper, spec.orientation);
  const per = Math.max(5, g.rows - (spec.rowsLess ?? 0));
  const all = [...rows];
  const tail = spec.tail ?? [];
  const pages: GridPage[] = [];
  const width = spec.cols.length;
  const blank = (): RowSource => ({ cells: Array.from({ length: width }, () => ({ t: '' })), left: false });
  let i = 0;
  do {
    const chunk = all.slice(i, i + per);
    i += per;
    const last = i >= all.length;
    if (last) {
      // Pad to the end of the 5-row group (at least one group), leaving room for the tail rows.
      const target = Math.min(per - tail.length, Math.max(5, Math.ceil((chunk.length + tail.length) / 5) * 5 - tail.length));
      while (chunk.length < target) chunk.push(blank());
      chunk.push(...tail);
    }
    const gridRows: GridRow[] = chunk.map((r, k) => ({ cells: r.cells, left: r.left, groupEnd: (k + 1) % 5 === 0 && k + 1 < chunk.length }));
    let corrected = 0;
    for (const r of chunk) for (const key of r.cellKeys ?? []) corrected += ctx.corrections.get(key) ?? 0;
    const perSubject = (spec.correctionSubjects ?? []).map((name, j) => {
      let n = 0;
      for (const r of chunk) for (const key of r.subjectKeys?.[j] ?? []) n += ctx.corrections.get(key) ?? 0;
      return { name, n };
    });
    corrected += perSubject.reduce((a, x) => a + x.n, 0);
    pages.push({
      type: 'grid',
      orientation: spec.orientation,
      title: spec.title,
      ...(spec.headLeft !== undefined ? { headLeft: spec.headLeft } : {}),
      ...(spec.headRight !== undefined ? { headRight: spec.headRight } : {}),
      cols: spec.cols,
      header: spec.header,
      rows: gridRows,
      correctionNote: spec.correctionSubjects
        ? `Trong trang này có ${corrected} điểm được sửa chữa, trong đó môn: ${perSubject.map((x) => `${x.name} ${x.n} điểm`).join(', ')}.`
        : spec.correctionSubject === undefined || spec.correctionSubject === null
          ? null
          : `Trong trang này có ${corrected} điểm được sửa chữa${spec.correctionSubject ? `, trong đó môn: ${spec.correctionSubject} ${corrected} điểm` : ''}.`,
      ...(spec.pairedWithPrevious ? { pairedWithPrevious: true } : {}),
      ...(spec.footNote && last ? { footNote: spec.footNote } : {}),
      signatures: spec.signatures,
      continued: pages.length > 0,
    });
  } while (i < all.length);
  return pages;
}

const no = (k: number): Cell => ({ t: String(k + 1), cls: 'c' });
const empties = (n: number): Cell[] => Array.from({ length: n }, () => ({ t: '' }));

// ------------------------------------------------------------------------------------------------
// Cover(s)
// ------------------------------------------------------------------------------------------------
function levelWords(d: BookData): { upper: string; school: string } {
  const thpt = d.school.level === 'THPT' || d.klass.grade >= 10;
  return thpt ? { upper: 'TRUNG HỌC PHỔ THÔNG', school: 'TRƯỜNG TRUNG HỌC PHỔ THÔNG' } : { upper: 'TRUNG HỌC CƠ SỞ', school: 'TRƯỜNG TRUNG HỌC CƠ SỞ' };
}

const schoolProper = (d: BookData): string => d.school.name.replace(/^Trường\s+(THCS|THPT|Trung học cơ sở|Trung học phổ thông)\s+/i, '');

export function coverPages(ctx: Ctx): PrintPage[] {
  const d = ctx.data;
  const lw = levelWords(d);
  if (ctx.form === 'TT58') {
    // book-forms.md §4.1.1: the TT58 cover carries both signatures.
    const page: CoverPage = {
      type: 'cover',
      orientation: 'portrait',
      topLeft: ['BỘ GIÁO DỤC VÀ ĐÀO TẠO', `SỞ GIÁO DỤC VÀ ĐÀO TẠO ${d.school.province.toUpperCase()}`.trim()],
      title: ['SỔ GỌI TÊN VÀ GHI ĐIỂM', lw.upper],
      fields: [
        [lw.school, schoolProper(d)],
        ['Xã (phường, thị trấn)', d.school.commune ?? ''],
        ['Huyện (quận, TX, TP thuộc tỉnh)', d.school.district ?? ''],
        ['Tỉnh/TP', d.school.province],
        ['Lớp', d.klass.name],
        ['Năm học', d.year.name],
      ],
      bottom: '',
      signatures: [
        { caption: 'Giáo viên chủ nhiệm', sub: '(Ký và ghi rõ họ, tên)', name: d.klass.homeroomName },
        { caption: 'Hiệu trưởng', sub: '(Ký, ghi rõ họ, tên và đóng dấu)', name: d.principalName, dateLine: dateLine(d) },
      ],
    };
    return [page];
  }
  // TT22 (book-forms.md §1.1): cover, then the inner cover with the signatures. The usage notes
  // page (§1.1 #2) is not printed: only a paraphrase is known, and a paraphrase is not the form.
  const cover: CoverPage = {
    type: 'cover',
    orientation: 'portrait',
    topLeft: [`TRƯỜNG: ${d.school.name}`, `Huyện/Quận/Thị xã/Thành phố: ${d.school.district ?? ''}`, `Tỉnh/Thành phố: ${d.school.province}`],
    title: ['SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH', '(THEO LỚP HỌC)', `CẤP ${lw.upper}`],
    fields: [['Lớp', d.klass.name]],
    bottom: `NĂM HỌC ${d.year.name.replace('-', ' - ')}`,
    signatures: [],
  };
  const inner: CoverPage = {
    type: 'cover',
    orientation: 'portrait',
    topLeft: [`TRƯỜNG: ${d.school.name}`, `Tỉnh/Thành phố: ${d.school.province}`],
    title: ['SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH', '(THEO LỚP HỌC)'],
    fields: [
      [lw.school, schoolProper(d)],
      ['Xã (Phường, thị trấn)', d.school.commune ?? ''],
      ['Tỉnh/Thành phố', d.school.province],
      ['LỚP', `${d.klass.name} – Năm học ${d.year.name}`],
    ],
    bottom: '',
    signatures: [
      { caption: 'GIÁO VIÊN CHỦ NHIỆM', sub: '(Ký, ghi rõ họ tên)', name: d.klass.homeroomName },
      { caption: 'HIỆU TRƯỞNG', sub: '(Ký, ghi rõ họ tên, đóng dấu)', name: d.principalName, dateLine: dateLine(d) },
    ],
  };
  return [cover, inner];
}

// ------------------------------------------------------------------------------------------------
// Sơ yếu lý lịch (two facing pages with the same numbers)
// ------------------------------------------------------------------------------------------------
const dob = (iso: string | null): string => {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})/.exec(iso) : null;
  return m ? `${m[3]}/${m[2]}/${m[1]}` : '';
};

export function studentListPages(ctx: Ctx): GridPage[] {
  const f = ctx.form;
  const d = ctx.data;
  const leftHeader: HeaderCell[] = [
    { text: 'Số TT' },
    nameHeader(f, 1, f === 'TT22' ? 'Họ và tên học sinh' : 'Họ và tên'),
    { text: 'Ngày, tháng, năm sinh' },
    { text: 'Nơi sinh' },
    { text: 'Nam nữ' },
    { text: 'Dân tộc' },
    f === 'TT22' ? { text: 'Đối tượng ưu tiên' } : { text: 'Con LS, con TB, con BB, con của người được hưởng chế độ như TB, con GĐ có công với CM' },
    { text: f === 'TT22' ? 'Địa chỉ gia đình' : 'Chỗ ở hiện nay' },
  ];
  const left = paginate(
    ctx,
    {
      orientation: 'portrait',
      title: [f === 'TT22' ? 'SƠ YẾU LÝ LỊCH' : 'SƠ YẾU LÝ LỊCH HỌC SINH'],
      cols: ['no', ...nameCols(f), 'date', 'text', 'short', 'short', 'text', 'flex'],
      header: [leftHeader],
      signatures: [SIG.homeroomConfirm(d)],
      // TT58's priority-group header wraps over nine lines: five rows fewer, or the last rows run into the signature.
      ...(f === 'TT58' ? { rowsLess: 5 } : {}),
    },
    // DATA: place of birth, ethnicity, priority group and address have no table yet.
    ctx.students.map((s, k) => ({ cells: [no(k), ...nameCells(f, s), { t: dob(s.dateOfBirth), cls: 'c' }, { t: '' }, { t: s.gender === 'nam' ? 'Nam' : s.gender === 'nu' ? 'Nữ' : '', cls: 'c' }, ...empties(3)], left: hasLeft(s, ctx.asOf) })),
  );
  const rightHeader: HeaderCell[] = [
    { text: 'Số TT' },
    { text: f === 'TT22' ? 'Họ và tên cha, nghề nghiệp, điện thoại, email' : 'Họ và tên cha, nghề nghiệp', sub: '(hoặc người giám hộ)' },
    { text: f === 'TT22' ? 'Họ và tên mẹ, nghề nghiệp, điện thoại, email' : 'Họ và tên mẹ, nghề nghiệp', sub: '(hoặc người giám hộ)' },
    f === 'TT22'
      ? { text: 'Những thay đổi cần chú ý trong năm học', sub: '(gia đình, sức khỏe, nơi ở…)' }
      : { text: 'Những thay đổi cần chú ý của học sinh', sub: `(hoàn cảnh gia đình, nơi ở, sức khỏe${d.klass.grade >= 10 ? ', chuyển ban trong quá trình học tập' : ''})` },
  ];
  const right = paginate(
    ctx,
    {
      orientation: 'portrait',
      title: [f === 'TT22' ? 'HỌC SINH' : 'SƠ YẾU LÝ LỊCH HỌC SINH'],
      cols: ['no', 'flex', 'flex', 'flex'],
      header: [rightHeader],
      signatures: [SIG.homeroomConfirm(d)],
      // Same rows per page as the facing left page: the numbers must match across the spread.
      ...(f === 'TT58' ? { rowsLess: 5 } : {}),
    },
    // DATA: parents and changes during the year have no table yet.
    ctx.students.map((s, k) => ({ cells: [no(k), ...empties(3)], left: hasLeft(s, ctx.asOf) })),
  );
  // Facing pages: left page i, then right page i (same numbers on both).
  const out: GridPage[] = [];
  for (let k = 0; k < left.length; k++) out.push(left[k]!, right[k]!);
  return out;
}

// ------------------------------------------------------------------------------------------------
// Kiểm diện / điểm danh: one page per month
// ------------------------------------------------------------------------------------------------
const WEEKDAY = ['CN', '2', '3', '4', '5', '6', '7'];
const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** A roll-call day that is no school day of the class: why, and the day off's name when it is one. */
export interface DayOff {
  readonly reason: NonSchoolReason;
  readonly label: string | null;
}

/**
 * The attendance module's school-day rule (school-days.ts), read-only: a day off, a day outside both
 * terms or a weekday without a session is not a school day. Without a calendar, Sundays only.
 */
export function dayOff(ctx: Ctx, day: string): DayOff | null {
  const cal = ctx.calendar;
  if (!cal) return weekdayOf(day) === 0 ? { reason: 'no-session', label: null } : null;
  const reason = nonSchoolReason(day, cal.terms, cal.plan, cal.holidays);
  return reason ? { reason, label: reason === 'holiday' ? (cal.holidays.get(day) ?? null) : null } : null;
}

const offCls = (base: string, off: DayOff | null): string => (off ? `${base} off`.trim() : base);

export function attendancePages(ctx: Ctx, year: number, month: number): GridPage[] {
  const f = ctx.form;
  const d = ctx.data;
  const n = daysIn(year, month);
  const days = Array.from({ length: n }, (_, k) => k + 1);
  const ym = `${year}-${String(month).padStart(2, '0')}-`;
  const dayKeys = days.map((k) => `${ym}${String(k).padStart(2, '0')}`);
  const offs = dayKeys.map((day) => dayOff(ctx, day));
  const header: HeaderCell[][] = [
    [{ text: 'Số TT', rowspan: 2 }, { text: 'Họ và tên', rowspan: 2, colspan: f === 'TT58' ? 2 : 1, cls: 'diag' }, ...days.map((k, j) => ({ text: String(k), cls: offCls('', offs[j]!) })), { text: f === 'TT22' ? 'Tổng số buổi nghỉ' : 'TS ngày nghỉ', colspan: 3 }],
    [
      ...dayKeys.map((day, j) => {
        const wd = weekdayOf(day);
        return { text: WEEKDAY[wd]!, cls: offCls(wd === 0 ? 'sun' : '', offs[j]!) };
      }),
      { text: 'TS' },
      { text: f === 'TT22' ? 'P' : 'p' },
      { text: f === 'TT22' ? 'K' : 'k' },
    ],
  ];
  // Per-day column totals: the number of sessions missed that day (the form's "Tổng số" line).
  const perDay = days.map(() => 0);
  let allP = 0;
  let allK = 0;
  const rows: RowSource[] = ctx.students.map((s, k) => {
    const mine = ctx.absences.get(s.enrolmentId);
    let p = 0;
    let kk = 0;
    const cells = dayKeys.map((day, j): Cell => {
      const m = mine?.get(day) ?? '';
      for (const ch of m) ch === 'P' ? p++ : kk++;
      perDay[j]! += m.length;
      // TT58 writes the marks in lower case ("p" / "k", book-forms.md §4.3), TT22 in capitals.
      // A mark on a day off is still printed (the calendar refuses such marks, but the book never hides one).
      return { t: f === 'TT58' ? m.toLowerCase() : m, cls: offCls('c', offs[j]!) };
    });
    allP += p;
    allK += kk;
    const tot = (v: number): Cell => ({ t: v ? String(v) : '', cls: 'c' });
    return { cells: [no(k), ...nameCells(f, s), ...cells, tot(p + kk), tot(p), tot(kk)], left: hasLeft(s, ctx.asOf) };
  });
  const num = (v: number, off: DayOff | null = null): Cell => ({ t: v ? String(v) : '', cls: offCls('c b', off) });
  const totalRow: RowSource = { cells: [{ t: '' }, { t: 'Tổng số', cls: f === 'TT58' ? 'fam b' : 'l b' }, ...(f === 'TT58' ? [{ t: '' }] : []), ...perDay.map((v, j) => num(v, offs[j]!)), num(allP + allK), num(allP), num(allK)], left: false };
  const named = dayKeys.flatMap((day, j) => (offs[j]?.label ? [`${Number(day.slice(8))}/${month} – ${offs[j]!.label}`] : []));
  const pages = paginate(
    ctx,
    {
      orientation: 'landscape',
      title: [],
      headLeft: `Tháng ${month} năm ${year}`,
      headRight: `Tổng số học sinh của lớp ${d.klass.name}: ${ctx.students.filter((s) => !hasLeft(s, ctx.asOf)).length}`,
      cols: ['no', ...nameCols(f), ...days.map((): ColWidth => 'day'), 'tot', 'tot', 'tot'],
      header,
      signatures: [SIG.homeroomConfirm(d)],
      tail: [totalRow],
      // The names of the month's days off in words as well (the column only has room for them sideways).
      ...(named.length ? { footNote: [`Cột tô xám: không phải ngày học của lớp. Ngày nghỉ: ${named.join('; ')}.`] } : {}),
    },
    rows,
  );
  const first = 1 + nameCols(f).length;
  return pages.map((p, k) => closeDays(p, offs, first, k === pages.length - 1 ? 1 : 0));
}

/**
 * Each day-off column of a page becomes one grey cell spanning the student rows (not the "Tổng số"
 * line): no rules across a day nobody attends, the day off's name written down it ("Nghỉ Quốc khánh"),
 * and a few hundred fewer cells for the browser to lay out and paint. A column holding any mark keeps
 * its cells (greyed one by one) so the mark stays in its row.
 */
function closeDays(p: GridPage, offs: readonly (DayOff | null)[], first: number, tail: number): GridPage {
  const span = p.rows.length - tail;
  if (span < 2) return p;
  const closed = new Set<number>();
  offs.forEach((off, j) => {
    if (off && p.rows.slice(0, span).every((r) => r.cells[first + j]?.t === '')) closed.add(first + j);
  });
  if (!closed.size) return p;
  const rows = p.rows.map((r, k): GridRow => {
    if (k >= span) return r;
    if (k > 0) return { ...r, cells: r.cells.filter((_, i) => !closed.has(i)) };
    return {
      ...r,
      cells: r.cells.map((c, i) => {
        if (!closed.has(i)) return c;
        const label = offs[i - first]!.label;
        // "Nghỉ bù Quốc khánh" already says it: no second "Nghỉ".
        return { t: label ? (/^nghỉ/i.test(label.normalize('NFC')) ? label : `Nghỉ ${label}`) : '', cls: 'off closed', rowspan: span };
      }),
    };
  });
  return { ...p, rows };
}

/** Months of a term, "YYYY-MM", from its start month to its end month. */
export function monthsBetween(start: string, end: string): { year: number; month: number }[] {
  const out: { year: number; month: number }[] = [];
  let y = Number(start.slice(0, 4));
  let m = Number(start.slice(5, 7));
  const ey = Number(end.slice(0, 4));
  const em = Number(end.slice(5, 7));
  while (y < ey || (y === ey && m <= em)) {
    out.push({ year: y, month: m });
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Subject pages
// ------------------------------------------------------------------------------------------------
interface Group {
  readonly label: string;
  readonly sub?: string;
  readonly columns: readonly (ColumnData | null)[];
}

const pad = <T>(xs: readonly T[], n: number): (T | null)[] => [...xs, ...Array.from({ length: Math.max(0, n - xs.length) }, () => null)];
const byPos = (a: ColumnData, b: ColumnData): number => a.position - b.position;

/** The mark columns of a subject in a term, grouped as the form prints them (empty form cells padded). */
export function markGroups(regime: Regime, cols: readonly ColumnData[]): { groups: Group[]; final: ColumnData | null; mid: ColumnData | null } {
  const of = (k: ColumnData['kind']) => cols.filter((c) => c.kind === k).sort(byPos);
  const final = of('final')[0] ?? null;
  if (regime === 'TT58') {
    const regular = of('regular');
    const oral = regular.filter((c) => c.form === 'oral');
    const written = regular.filter((c) => c.form !== 'oral');
    // The paper book writes several marks side by side in wide cells; we give each mark a cell
    // and pad to the usual minimum (oral 3, 15-minute 3, one-period 3).
    return {
      groups: [
        { label: 'M', columns: pad(oral, 3) },
        { label: 'V', columns: pad(written, 3) },
        { label: 'hs2', columns: pad(of('periodic'), 3) },
      ],
      final,
      mid: null,
    };
  }
  // TT26 / TT22: up to 4 ĐĐGtx per semester (the form prints 4 cells; unused ones stay blank).
  return { groups: [{ label: 'ĐĐGtx', columns: pad(of('regular'), 4) }], final, mid: of('midterm')[0] ?? null };
}

export interface SubjectPageOptions {
  /** Teacher's reconciliation sheet: the personal book's "Nhận xét…" column instead of "Ghi chú". */
  readonly teacherSheet?: boolean;
}

export function subjectPages(ctx: Ctx, subj: ClassSubjectData, term: Term, opts: SubjectPageOptions = {}): GridPage[] {
  const d = ctx.data;
  const f = ctx.form;
  const regime = d.regime;
  const allCols = d.columns.filter((c) => c.classSubjectId === subj.classSubjectId);
  const cols = allCols.filter((c) => c.term === term);
  const { groups, final, mid } = markGroups(regime, cols);
  const hk2 = term === 'HK2';
  const comment = subj.assessment === 'comment';
  const R = ROMAN[term];
  const markCols = groups.flatMap((g) => g.columns);
  const lastCol = opts.teacherSheet ? (f === 'TT22' ? 'Nhận xét sự tiến bộ, ưu điểm nổi bật, hạn chế chủ yếu' : 'Ghi chú') : 'Ghi chú';

  let header: HeaderCell[][];
  let tailHeads: string[]; // computed columns after the marks
  if (f === 'TT22' && comment) {
    // book-forms.md §1.4: Mức đánh giá — Đạt (Đ), Chưa đạt (CĐ): Thường xuyên ×4 | Giữa kì | Cuối kì | Học kì [| Cả năm]
    const span = markCols.length + 3 + (hk2 ? 1 : 0);
    header = [
      [{ text: 'Số TT', rowspan: 3 }, nameHeader(f, 3), { text: 'Mức đánh giá', sub: 'Đạt (Đ), Chưa đạt (CĐ)', colspan: span }, ...(hk2 ? [{ text: 'Mức đánh giá lại', rowspan: 3 }] : []), { text: lastCol, rowspan: 3 }],
      [{ text: 'Thường xuyên', colspan: markCols.length }, { text: 'Giữa kì', rowspan: 2 }, { text: 'Cuối kì', rowspan: 2 }, { text: 'Học kì', rowspan: 2 }, ...(hk2 ? [{ text: 'Cả năm', rowspan: 2 }] : [])],
      markCols.map((_, k) => ({ text: String(k + 1) })),
    ];
    tailHeads = hk2 ? ['sem', 'year', 'retest'] : ['sem'];
  } else if (f === 'TT22' || regime === 'TT58_TT26') {
    // §1.5: ĐĐGtx (4) | ĐĐGgk | ĐĐGck | ĐTBmhkI (HK II: ĐTBmhkII | ĐTBmcn | Đánh giá lại) | Ghi chú
    const avg = comment ? 'Xếp loại HK' : `ĐTBmhk${R}`;
    header = [
      [
        { text: 'Số TT', rowspan: 2 },
        nameHeader(f, 2),
        { text: 'ĐĐGtx', colspan: markCols.length },
        { text: 'ĐĐGgk', rowspan: 2 },
        { text: 'ĐĐGck', rowspan: 2 },
        { text: avg, rowspan: 2 },
        ...(hk2 ? [{ text: comment ? 'Cả năm' : 'ĐTBmcn', rowspan: 2 }] : []),
        ...(hk2 && f === 'TT22' ? [{ text: 'Đánh giá lại', rowspan: 2 }] : []),
        { text: lastCol, rowspan: 2 },
      ],
      markCols.map((_, k) => ({ text: String(k + 1) })),
    ];
    tailHeads = hk2 ? (f === 'TT22' ? ['sem', 'year', 'retest'] : ['sem', 'year']) : ['sem'];
  } else {
    // §4.4 TT58: Điểm hs 1 (M | V) | Điểm hs 2 (V) | KT hk | TBm  [HK II: TBm cả năm]
    const [gm, gv, g2] = groups as [Group, Group, Group];
    header = [
      [
        { text: 'Số TT', rowspan: 3 },
        nameHeader(f, 3),
        { text: comment ? 'Kiểm tra thường xuyên' : 'Điểm hệ số 1', colspan: gm.columns.length + gv.columns.length },
        { text: comment ? 'Kiểm tra định kỳ' : 'Điểm hệ số 2', sub: comment ? undefined : '(V)', colspan: g2.columns.length, rowspan: 2 },
        { text: 'KT hk', rowspan: 3 },
        { text: comment ? `Xếp loại HK${R}` : `TBm HK${R}`, rowspan: 3 },
        ...(hk2 ? [{ text: comment ? 'Xếp loại CN' : 'TBm CN', rowspan: 3 }] : []),
      ],
      [
        { text: 'Miệng (M)', colspan: gm.columns.length },
        { text: 'Viết (V)', colspan: gv.columns.length },
      ],
      markCols.map((_, k) => ({ text: String(k < gm.columns.length ? k + 1 : k < gm.columns.length + gv.columns.length ? k - gm.columns.length + 1 : k - gm.columns.length - gv.columns.length + 1) })),
    ];
    tailHeads = hk2 ? ['sem', 'year'] : ['sem'];
  }

  const middle: (ColumnData | null)[] = f === 'TT58' && regime === 'TT58' ? [final] : [mid, final];
  const hasNote = f === 'TT22' || regime === 'TT58_TT26';
  // TT22 comment pages: "Học kì" [+ "Cả năm"] inside the rating group, then "Mức đánh giá lại" (HK II).
  const tailLen = f === 'TT22' && comment ? (hk2 ? 3 : 1) : tailHeads.length;
  const widths: ColWidth[] = [
    'no',
    ...nameCols(f),
    ...markCols.map((): ColWidth => 'mark'),
    // Word headers (ĐĐGgk, ĐĐGck) need the wider cell; TT58's "KT hk" fits a mark cell.
    ...middle.map((): ColWidth => (f === 'TT58' && regime === 'TT58' ? 'mark' : 'avg')),
    ...Array.from({ length: tailLen }, (): ColWidth => 'avg'),
    ...(hasNote ? [opts.teacherSheet && f === 'TT22' ? ('flex' as ColWidth) : ('note' as ColWidth)] : []),
  ];
  const rows: RowSource[] = ctx.students.map((s, k) => {
    const res = subjectResult(regime, subj.assessment, allCols, ctx.idx, s.enrolmentId);
    const mk = (c: ColumnData | null): Cell => ({ t: c ? markText(ctx.idx.get(c.id)?.get(s.enrolmentId)) : '', cls: 'c' });
    const sem = res[term];
    let tail: Cell[];
    if (f === 'TT22' && comment) tail = [{ t: sem, cls: 'c b' }, ...(hk2 ? [{ t: res.year, cls: 'c b' }, { t: '' }] : [])];
    else tail = tailHeads.map((h): Cell => ({ t: h === 'sem' ? sem : h === 'year' ? res.year : '', cls: 'c b' }));
    const note: Cell[] = hasNote ? [{ t: '' }] : [];
    return {
      cells: [no(k), ...nameCells(f, s), ...markCols.map(mk), ...middle.map(mk), ...tail, ...note],
      left: hasLeft(s, ctx.asOf),
      cellKeys: [...markCols, ...middle].flatMap((c) => (c ? [`${c.id}:${s.enrolmentId}`] : [])),
    };
  });
  const subjectTitle = `Môn ${subj.subjectName}`;
  return paginate(
    ctx,
    {
      orientation: 'landscape',
      title: [opts.teacherSheet ? `Lớp ${d.klass.name} – ${subjectTitle} – Học kì ${R}` : f === 'TT22' ? `HỌC KÌ ${R}` : `HỌC KỲ ${R}`, ...(opts.teacherSheet ? [] : [subjectTitle])],
      cols: widths,
      header,
      // Issue 10: subject teachers and the homeroom teacher check and sign every page (the TT22 form
      // shows the subject teacher; TT58 the homeroom teacher's confirmation — both are printed).
      signatures: opts.teacherSheet ? [SIG.subjectTeacher(subj.teacherName)] : [SIG.subjectTeacher(subj.teacherName), SIG.homeroomConfirm(d)],
      correctionSubject: subj.subjectName,
    },
    rows,
  );
}

/** Ministry order of subjects (book-forms.md §1.5, §1.6): comment subjects first in TT22 books. */
const ORDER = ['ngữ văn', 'toán', 'ngoại ngữ', 'tiếng anh', 'giáo dục công dân', 'lịch sử và địa lí', 'lịch sử', 'địa lí', 'khoa học tự nhiên', 'vật lí', 'hoá học', 'hóa học', 'sinh học', 'công nghệ', 'tin học', 'giáo dục thể chất', 'thể dục', 'nghệ thuật', 'âm nhạc', 'mĩ thuật', 'mỹ thuật', 'hoạt động trải nghiệm', 'nội dung giáo dục của địa phương', 'giáo dục quốc phòng'];
const rank = (name: string): number => {
  const n = name.normalize('NFC').toLowerCase();
  const i = ORDER.findIndex((o) => n.startsWith(o));
  return i < 0 ? ORDER.length : i;
};
const vi = new Intl.Collator('vi');
export function orderedSubjects(ctx: Ctx): ClassSubjectData[] {
  const bySubject = (a: ClassSubjectData, b: ClassSubjectData) => rank(a.subjectName) - rank(b.subjectName) || vi.compare(a.subjectName, b.subjectName);
  const list = [...ctx.data.subjects].sort(bySubject);
  return ctx.form === 'TT22' ? [...list.filter((s) => s.assessment === 'comment'), ...list.filter((s) => s.assessment === 'scored')] : list;
}

// ------------------------------------------------------------------------------------------------
// TT58 score spreads (book-forms.md §4.4): the paper book prints a semester's subjects on double
// pages — two subject blocks on the left page (with the names), three on the right (numbers only).
// Everything about the spread's shape is in TT58_SPREAD: change it here, the pages follow.
// ------------------------------------------------------------------------------------------------
export const TT58_SPREAD = {
  /** Subject blocks on the left page (after Số TT and the name) and on the right page (after Số TT). */
  left: 2,
  right: 3,
  /** Header of the mark groups of a block, per regime (TT58: Điểm hs 1 split M | V, then Điểm hs 2). */
  groups: { TT58: [{ top: 'Điểm hs 1', sub: 'M' }, { top: 'Điểm hs 1', sub: 'V' }, { top: 'Điểm hs 2', sub: 'V' }], TT26: [{ top: 'ĐĐGtx', sub: '' }] },
  /** Computed columns at the end of a block. */
  semester: 'TBm',
  year: 'TBm CN',
} as const;

/** Several marks written side by side in one wide cell, as the paper book does ("5  6  8"). */
const joinMarks = (ctx: Ctx, cols: readonly (ColumnData | null)[], enrolmentId: number): string =>
  cols
    .flatMap((c) => (c ? [markText(ctx.idx.get(c.id)?.get(enrolmentId))] : []))
    .filter(Boolean)
    .join('  ');

interface SpreadBlock {
  readonly subj: ClassSubjectData;
  readonly header2: HeaderCell[];
  readonly header3: HeaderCell[];
  readonly cols: ColWidth[];
  readonly cells: (s: StudentData) => Cell[];
  readonly keys: (s: StudentData) => string[];
}

function spreadBlock(ctx: Ctx, subj: ClassSubjectData, term: Term): SpreadBlock {
  const regime = ctx.data.regime;
  const allCols = ctx.data.columns.filter((c) => c.classSubjectId === subj.classSubjectId);
  const { groups, final, mid } = markGroups(regime, allCols.filter((c) => c.term === term));
  const hk2 = term === 'HK2';
  const tt58 = regime === 'TT58';
  const heads = tt58 ? TT58_SPREAD.groups.TT58 : TT58_SPREAD.groups.TT26;
  const middle: { text: string; col: ColumnData | null }[] = tt58 ? [{ text: 'KT hk', col: final }] : [{ text: 'ĐĐGgk', col: mid }, { text: 'ĐĐGck', col: final }];
  const tails = hk2 ? [TT58_SPREAD.semester, TT58_SPREAD.year] : [TT58_SPREAD.semester];
  const header2: HeaderCell[] = tt58
    ? [{ text: heads[0]!.top, colspan: 2 }, { text: heads[2]!.top, sub: `(${heads[2]!.sub})`, rowspan: 2 }]
    : [{ text: heads[0]!.top, rowspan: 2 }];
  header2.push(...middle.map((m): HeaderCell => ({ text: m.text, rowspan: 2 })), ...tails.map((t): HeaderCell => ({ text: t, rowspan: 2 })));
  const header3: HeaderCell[] = tt58 ? [{ text: heads[0]!.sub }, { text: heads[1]!.sub }] : [];
  return {
    subj,
    header2,
    header3,
    cols: [...groups.map((): ColWidth => 'multi'), ...middle.map((): ColWidth => 'mark'), ...tails.map((): ColWidth => 'avg')],
    cells: (s) => {
      const res = subjectResult(regime, subj.assessment, allCols, ctx.idx, s.enrolmentId);
      return [
        ...groups.map((g): Cell => ({ t: joinMarks(ctx, g.columns, s.enrolmentId), cls: 'l multi' })),
        ...middle.map((m): Cell => ({ t: m.col ? markText(ctx.idx.get(m.col.id)?.get(s.enrolmentId)) : '', cls: 'c' })),
        { t: res[term], cls: 'c b' },
        ...(hk2 ? [{ t: res.year, cls: 'c b' }] : []),
      ];
    },
    keys: (s) => [...groups.flatMap((g) => g.columns), ...middle.map((m) => m.col)].flatMap((c) => (c ? [`${c.id}:${s.enrolmentId}`] : [])),
  };
}

/** One semester's score spreads: left page (names + 2 subjects), right page (3 subjects), repeated per 5 subjects. */
export function spreadPages(ctx: Ctx, term: Term): GridPage[] {
  const f = ctx.form;
  const d = ctx.data;
  const subs = orderedSubjects(ctx);
  const per = TT58_SPREAD.left + TT58_SPREAD.right;
  const out: GridPage[] = [];
  const title = [`HỌC KỲ ${ROMAN[term]}`];
  const page = (blocks: SpreadBlock[], withNames: boolean): GridPage[] => {
    const header: HeaderCell[][] = [
      [{ text: 'Số TT', rowspan: 3 }, ...(withNames ? [nameHeader(f, 3)] : []), ...blocks.map((b): HeaderCell => ({ text: b.subj.subjectName.toUpperCase(), colspan: b.cols.length }))],
      blocks.flatMap((b) => b.header2),
      blocks.flatMap((b) => b.header3),
    ];
    return paginate(
      ctx,
      {
        orientation: 'landscape',
        title,
        cols: ['no', ...(withNames ? nameCols(f) : []), ...blocks.flatMap((b) => b.cols)],
        header: header[2]!.length ? header : [header[0]!.map((h) => ({ ...h, ...(h.rowspan ? { rowspan: 2 } : {}) })), header[1]!],
        // The homeroom teacher confirms every page; each subject teacher signs for their block (issue 10).
        signatures: [...blocks.map((b) => ({ caption: `GV môn ${b.subj.subjectName}`, sub: '(Ký, ghi rõ họ tên)', name: b.subj.teacherName })), SIG.homeroomConfirm(d)],
        correctionSubjects: blocks.map((b) => b.subj.subjectName),
        ...(withNames ? {} : { pairedWithPrevious: true }),
      },
      ctx.students.map((s, k) => ({
        cells: [no(k), ...(withNames ? nameCells(f, s) : []), ...blocks.flatMap((b) => b.cells(s))],
        left: hasLeft(s, ctx.asOf),
        subjectKeys: blocks.map((b) => b.keys(s)),
      })),
    );
  };
  for (let i = 0; i < subs.length; i += per) {
    const group = subs.slice(i, i + per).map((sj) => spreadBlock(ctx, sj, term));
    const left = page(group.slice(0, TT58_SPREAD.left), true);
    const rightBlocks = group.slice(TT58_SPREAD.left);
    const right = rightBlocks.length ? page(rightBlocks, false) : [];
    // Facing pages, chunk by chunk: left 1, right 1, left 2, right 2 (same student numbers on each pair).
    for (let k = 0; k < left.length; k++) out.push(left[k]!, ...(right[k] ? [right[k]!] : []));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Summary pages
// ------------------------------------------------------------------------------------------------
const SHORT: Record<string, string> = {
  'giáo dục công dân': 'GDCD',
  'hoạt động trải nghiệm, hướng nghiệp': 'HĐTN-HN',
  'hoạt động trải nghiệm - hướng nghiệp': 'HĐTN-HN',
  'nội dung giáo dục của địa phương': 'GDĐP',
  'giáo dục quốc phòng và an ninh': 'GDQP-AN',
  // Long names do not fit the vertical header cell (they were cut off on the rendered page).
  'giáo dục thể chất': 'GDTC',
  'khoa học tự nhiên': 'KHTN',
  'lịch sử và địa lí': 'LS và ĐL',
};
const shortName = (n: string): string => SHORT[n.normalize('NFC').toLowerCase()] ?? n;

export function summaryPages(ctx: Ctx, which: Term | 'CN'): GridPage[] {
  const d = ctx.data;
  const f = ctx.form;
  const subs = orderedSubjects(ctx);
  const allResults = ctx.students.map((s) =>
    subs.map((sub) => subjectResult(d.regime, sub.assessment, d.columns.filter((c) => c.classSubjectId === sub.classSubjectId), ctx.idx, s.enrolmentId)),
  );
  const val = (k: number, j: number): string => {
    const r = allResults[k]![j]!;
    return which === 'CN' ? r.year : r[which];
  };
  const subjHead = subs.map((s): HeaderCell => ({ text: shortName(s.subjectName), cls: 'v' }));
  let header: HeaderCell[][];
  let extra: number; // result columns after the subjects (filled by resultCells)
  let title: string;
  if (f === 'TT22') {
    const nc = subs.filter((s) => s.assessment === 'comment').length;
    const ns = subs.length - nc;
    title = which === 'CN' ? 'TỔNG HỢP CẢ NĂM HỌC' : `TỔNG HỢP HỌC KỲ ${ROMAN[which]}`;
    const groups: HeaderCell[] = [
      ...(nc ? [{ text: 'Môn học đánh giá bằng nhận xét', colspan: nc }] : []),
      ...(ns ? [{ text: 'Môn học đánh giá bằng nhận xét kết hợp đánh giá bằng điểm số', colspan: ns }] : []),
    ];
    // §1.6: semester pages end with học tập, then rèn luyện; the year page has the subjects only.
    const results: HeaderCell[] = which === 'CN' ? [] : [{ text: 'Kết quả học tập', rowspan: 2 }, { text: 'Kết quả rèn luyện', rowspan: 2 }];
    header = [[{ text: 'Số TT', rowspan: 2 }, nameHeader(f, 2), ...groups, ...results], subjHead];
    extra = results.length;
  } else {
    title = which === 'CN' ? 'TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CẢ NĂM HỌC' : `TỔNG HỢP KẾT QUẢ HỌC KỲ ${ROMAN[which]}`;
    if (which === 'CN') {
      header = [[{ text: 'Số TT', rowspan: 2 }, nameHeader(f, 2), ...subs.map((s): HeaderCell => ({ text: shortName(s.subjectName), cls: 'v', rowspan: 2 })), { text: 'TB cmcn', rowspan: 2 }, { text: 'Điểm KT lại', colspan: 3 }], [{ text: '1' }, { text: '2' }, { text: '3' }]];
      extra = 4;
    } else {
      header = [[{ text: 'Số TT', rowspan: 2 }, nameHeader(f, 2), ...subs.map((s): HeaderCell => ({ text: shortName(s.subjectName), cls: 'v', rowspan: 2 })), { text: 'TB', rowspan: 2 }, { text: 'Kết quả xếp loại và thi đua', colspan: 3 }], [{ text: 'HL' }, { text: 'HK' }, { text: 'TĐ' }]];
      extra = 4;
    }
  }
  // The results module's figures for the period (TB, HL, HK, TĐ / học tập, rèn luyện).
  const resultCells = (s: StudentData): Cell[] => {
    const r = ctx.results[which].get(s.enrolmentId);
    const c = (t: string | null | undefined): Cell => ({ t: t ?? '', cls: 'c' });
    if (f === 'TT22') return which === 'CN' ? [] : [c(r?.learning), c(r?.conduct)];
    if (which !== 'CN') return [{ t: r?.overall ?? '', cls: 'c b' }, c(levelText(f, r?.learning)), c(levelText(f, r?.conduct)), c(levelText(f, r?.title))];
    // Điểm KT lại: the re-tested subjects of the approved list after re-tests (up to the form's 3 cells).
    const retested = ctx.decisions.afterRetest?.get(s.enrolmentId)?.retested ?? [];
    const kt = retested.slice(0, 3).map((x): Cell => ({ t: `${shortName(x.subject)} ${x.after}`, cls: 'c small' }));
    return [{ t: r?.overall ?? '', cls: 'c b' }, ...kt, ...empties(3 - kt.length)];
  };
  return paginate(
    ctx,
    {
      orientation: 'landscape',
      title: [title],
      cols: ['no', ...nameCols(f), ...subs.map((): ColWidth => 'avg'), ...Array.from({ length: extra }, (): ColWidth => 'short')],
      header,
      signatures: [SIG.homeroomConfirm(d)],
      correctionSubject: '',
      rowsLess: 5,
    },
    ctx.students.map((s, k) => ({ cells: [no(k), ...nameCells(f, s), ...subs.map((_, j): Cell => ({ t: val(k, j), cls: 'c' })), ...resultCells(s)], left: hasLeft(s, ctx.asOf) })),
  );
}

/** The year decisions page: TT22 "XẾP LOẠI CẢ NĂM HỌC" (§1.7), TT58 right half of the year spread (§4.6). */
/** TT58 "Ở lại lớp, KT lại, rèn luyện HK trong hè": what the main list decided for those not promoted. */
const STAY_58: Record<string, string> = { promoted: '', repeat: 'Ở lại lớp', retest: 'KT lại', 'summer-training': 'RLHK hè' };

interface YearRow {
  readonly s: StudentData;
  readonly learning: string | null;
  readonly conduct: string | null;
  readonly absences: number | null;
  /** The approved main list's outcome, the approved list after re-tests' entry, and the final outcome. */
  readonly main: string | null;
  readonly after: DecisionData | null;
  readonly final: string | null;
  readonly title: string | null;
}

/**
 * The year page's rows. The levels and absences are the results module's figures; outcomes and
 * titles are printed only from the principal-approved lists (a proposed list is not a decision).
 * The approved list's frozen figures win over today's computation: the book shows what was decided.
 */
function yearRows(ctx: Ctx): { rows: YearRow[]; total: number; promoted: number | null; promotedLater: number | null; repeat: number | null } {
  const main = ctx.decisions.main;
  const afterList = ctx.decisions.afterRetest;
  const rows = ctx.students.map((s): YearRow => {
    const r = ctx.results.CN.get(s.enrolmentId);
    const m = main?.get(s.enrolmentId) ?? null;
    const a = m && m.outcome !== 'promoted' && m.outcome !== 'repeat' ? (afterList?.get(s.enrolmentId) ?? null) : null;
    return {
      s,
      learning: m ? m.learning : (r?.learning ?? null),
      conduct: m ? m.conduct : (r?.conduct ?? null),
      absences: m ? m.absences : r ? r.absences : null,
      main: m?.outcome ?? null,
      after: a,
      final: a ? a.outcome : (m?.outcome ?? null),
      title: m?.title ?? null,
    };
  });
  const active = rows.filter((r) => !hasLeft(r.s, ctx.asOf));
  const count = (p: (r: YearRow) => boolean): number | null => (main ? active.filter(p).length : null);
  return {
    rows,
    total: active.length,
    promoted: count((r) => r.final === 'promoted'),
    promotedLater: count((r) => r.final === 'promoted' && r.main !== 'promoted'),
    repeat: count((r) => r.final === 'repeat'),
  };
}

export function yearDecisionPages(ctx: Ctx): GridPage[] {
  const d = ctx.data;
  const f = ctx.form;
  const y = yearRows(ctx);
  const c = (t: string | null | undefined, cls = 'c'): Cell => ({ t: t ?? '', cls });
  const x = (on: boolean): Cell => ({ t: on ? 'x' : '', cls: 'c b' });
  const n = (v: number | null): string => (v === null ? '……' : String(v));
  if (f === 'TT22') {
    return paginate(
      ctx,
      {
        orientation: 'landscape',
        title: ['XẾP LOẠI CẢ NĂM HỌC'],
        cols: ['no', ...nameCols(f), 'short', 'short', 'short', 'short', 'short', 'short', 'short', 'flex'],
        header: [
          [
            { text: 'Số TT', rowspan: 2 },
            nameHeader(f, 2),
            { text: 'Mức đánh giá', colspan: 2 },
            { text: 'Mức đánh giá sau khi rèn luyện trong kì nghỉ hè; kiểm tra, đánh giá lại', colspan: 2 },
            { text: 'Tổng số buổi nghỉ học', rowspan: 2 },
            { text: 'Được lên lớp', rowspan: 2 },
            { text: 'Không được lên lớp', rowspan: 2 },
            { text: 'Khen thưởng', rowspan: 2 },
          ],
          [{ text: 'Kết quả rèn luyện' }, { text: 'Kết quả học tập' }, { text: 'Kết quả rèn luyện' }, { text: 'Kết quả học tập' }],
        ],
        footNote: [`Tổng hợp chung — Tổng số học sinh: ${y.total}  Được lên lớp: ${n(y.promoted)}  Trong đó ${n(y.promotedLater)} được lên lớp sau khi học tập, rèn luyện thêm trong hè.  Không được lên lớp: ${n(y.repeat)}`],
        signatures: [SIG.homeroom(d), { ...SIG.principal(d, '(Ký và ghi rõ họ tên)') }],
        rowsLess: 5,
      },
      y.rows.map((r, k) => ({
        cells: [no(k), ...nameCells(f, r.s), c(r.conduct), c(r.learning), c(r.after?.conduct), c(r.after?.learning), c(r.absences === null ? '' : String(r.absences)), x(r.final === 'promoted'), x(r.final === 'repeat'), c(r.title, 'l small')],
        left: hasLeft(r.s, ctx.asOf),
      })),
    );
  }
  return paginate(
    ctx,
    {
      orientation: 'landscape',
      title: ['TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CẢ NĂM HỌC'],
      cols: ['no', ...nameCols(f), 'short', 'short', 'short', 'short', 'short', 'short', 'short', 'short', 'short'],
      header: [
        [
          { text: 'Số TT', rowspan: 2 },
          nameHeader(f, 2),
          { text: 'XẾP LOẠI', colspan: 2 },
          { text: 'TS ngày nghỉ học', rowspan: 2 },
          { text: 'Được lên lớp', rowspan: 2 },
          { text: 'Ở lại lớp, KT lại, rèn luyện HK trong hè', rowspan: 2 },
          { text: 'Xếp loại lại về HK, HL sau KT lại hoặc rèn luyện HK', colspan: 3 },
          { text: 'Danh hiệu HSG, HSTT', rowspan: 2 },
        ],
        [{ text: 'HL' }, { text: 'HK' }, { text: 'HL' }, { text: 'HK' }, { text: 'Lên lớp, ở lại lớp' }],
      ],
      footNote: [`TỔNG HỢP CHUNG — Tổng số học sinh: ${y.total}  - Được lên lớp: ${n(y.promoted)}  - Ở lại lớp: ${n(y.repeat)}  - Được lên lớp sau khi kiểm tra lại các môn học hoặc rèn luyện trong hè: ${n(y.promotedLater)}`],
      signatures: [{ caption: 'Giáo viên chủ nhiệm', sub: '(Ký và ghi rõ họ, tên)', name: d.klass.homeroomName }, { caption: 'Hiệu trưởng', sub: '(Ký tên, đóng dấu)', name: d.principalName, dateLine: dateLine(d) }],
      rowsLess: 5,
    },
    y.rows.map((r, k) => ({
      cells: [
        no(k),
        ...nameCells(f, r.s),
        c(levelText(f, r.learning)),
        c(levelText(f, r.conduct)),
        c(r.absences === null ? '' : String(r.absences)),
        x(r.main === 'promoted'),
        c(r.main ? STAY_58[r.main] : '', 'c small'),
        c(levelText(f, r.after?.learning)),
        c(levelText(f, r.after?.conduct)),
        c(r.after ? (r.final === 'promoted' ? 'Lên lớp' : r.final === 'repeat' ? 'Ở lại lớp' : '') : '', 'c small'),
        c(levelText(f, r.title)),
      ],
      left: hasLeft(r.s, ctx.asOf),
    })),
  );
}

/**
 * The principal's check: TT22's last page "NHẬN XÉT CỦA HIỆU TRƯỞNG…" (Tháng | Nhận xét | Ký tên,
 * đóng dấu; §1.8). No TT58 page is known (§4.1.9): the TT22 layout is used for both [L].
 */
export function principalCheckPage(ctx: Ctx, months: readonly { year: number; month: number }[]): GridPage {
  const f = ctx.form;
  return {
    type: 'grid',
    orientation: 'portrait',
    title: [f === 'TT22' ? 'NHẬN XÉT CỦA HIỆU TRƯỞNG VỀ SỬ DỤNG SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH' : 'KIỂM TRA CỦA HIỆU TRƯỞNG VỀ SỬ DỤNG SỔ GỌI TÊN VÀ GHI ĐIỂM'],
    cols: ['month', 'flex', 'sign'],
    header: [[{ text: 'Tháng' }, { text: 'Nhận xét' }, { text: 'Ký tên, đóng dấu' }]],
    rows: months.map((m, k) => ({ cells: [{ t: `${m.month}/${m.year}`, cls: 'c tall' }, { t: '' }, { t: '' }], left: false, groupEnd: k < months.length - 1 })),
    correctionNote: null,
    signatures: [],
    continued: false,
  };
}

function divider(ctx: Ctx, term: Term): DividerPage {
  return { type: 'divider', orientation: 'portrait', lines: ['PHẦN GHI ĐIỂM', ctx.form === 'TT22' ? `HỌC KÌ ${ROMAN[term]}` : `HỌC KỲ ${ROMAN[term]}`], signatures: [] };
}

// ------------------------------------------------------------------------------------------------
// The book of a period
// ------------------------------------------------------------------------------------------------
const termOf = (d: BookData, code: Term) => d.terms.find((t) => t.code === code);

/** The last day a period covers (leavers before it are struck through). */
export function periodEnd(d: BookData, p: Period): string {
  if (p.type === 'month') return `${p.year}-${String(p.month).padStart(2, '0')}-${String(daysIn(p.year, p.month)).padStart(2, '0')}`;
  if (p.type === 'CN') return d.year.endDate;
  return termOf(d, p.type)?.endDate ?? d.year.endDate;
}

export function buildClassBook(data: BookData, period: Period): PrintDocument {
  const ctx = makeCtx(data, periodEnd(data, period));
  const pages: PrintPage[] = [];
  const months = (code: Term) => {
    const t = termOf(data, code);
    return t ? monthsBetween(t.startDate, t.endDate) : [];
  };
  // TT58's year summary is one spread (§4.6): averages on the left page, decisions on the right, page
  // pair by page pair (both hold the same rows). TT22 has two separate sections (§1.6, §1.7).
  const yearPages = (): PrintPage[] => {
    const left = summaryPages(ctx, 'CN');
    const right = yearDecisionPages(ctx);
    if (ctx.form !== 'TT58' || left.length !== right.length) return [...left, ...right];
    return left.flatMap((l, k) => [l, right[k]!]);
  };
  // A month shared by the two semesters (HK I ends mid-January) is printed once in the year's book.
  const yearMonths = () => [...months('HK1'), ...months('HK2')].filter((m, i, all) => all.findIndex((x) => x.year === m.year && x.month === m.month) === i);
  const semester = (code: Term) => {
    pages.push(divider(ctx, code));
    // TT58 books print the subjects in spreads (§4.4); TT22 books one page block per subject (§1.4–1.5).
    if (ctx.form === 'TT58') pages.push(...spreadPages(ctx, code));
    else for (const s of orderedSubjects(ctx)) pages.push(...subjectPages(ctx, s, code));
    pages.push(...summaryPages(ctx, code));
  };
  switch (period.type) {
    case 'month':
      // Monthly run: the month's roll-call, confirmed by the homeroom teacher, and the principal's check row.
      pages.push(...attendancePages(ctx, period.year, period.month), principalCheckPage(ctx, [{ year: period.year, month: period.month }]));
      break;
    case 'HK1':
      pages.push(...coverPages(ctx), ...studentListPages(ctx));
      for (const m of months('HK1')) pages.push(...attendancePages(ctx, m.year, m.month));
      semester('HK1');
      break;
    case 'HK2':
      for (const m of months('HK2')) pages.push(...attendancePages(ctx, m.year, m.month));
      semester('HK2');
      pages.push(...yearPages());
      break;
    case 'CN':
      pages.push(...coverPages(ctx), ...studentListPages(ctx));
      for (const m of yearMonths()) pages.push(...attendancePages(ctx, m.year, m.month));
      semester('HK1');
      semester('HK2');
      pages.push(...yearPages(), principalCheckPage(ctx, yearMonths()));
      break;
  }
  return {
    identity: { bookTitle: BOOK_TITLE[ctx.form], schoolName: data.school.name, className: data.klass.name, schoolYear: data.year.name, periodLabel: periodLabel(period) },
    paper: data.school.paper,
    pages,
    fileStem: `So-${ctx.form}-Lop-${asciiSlug(data.klass.name)}-${asciiSlug(data.year.name)}-${period.code}`,
  };
}
