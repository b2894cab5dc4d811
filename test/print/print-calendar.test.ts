import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addHolidays, saveClassPlan } from '../../src/attendance/calendar-service';
import { nonSchoolReason } from '../../src/attendance/school-days';
import type { Session } from '../../src/auth/session';
import type { BookData } from '../../src/print/book-data';
import { ChromiumPool } from '../../src/print/chromium-pool';
import { attendancePages, buildClassBook, dayOff, makeCtx, parsePeriod } from '../../src/print/class-book-view-model';
import type { PrintDocument } from '../../src/print/document';
import { loadBookData } from '../../src/print/print-repository';
import { renderPdf } from '../../src/print/render-pdf';
import { bookData, seedPrintClass, SUBJECTS_TT22, type SeededClass } from '../support/print-factory';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/**
 * The printed roll-call follows the school calendar (issues #6, #10): every day that is not a school day
 * of the class — a day off, a weekday without a session, a day outside the terms — is a grey column, a
 * named day off is written in it ("Nghỉ Quốc khánh") and under the table; a school day is not touched.
 *
 * Calendar of these tests, worked out from the 2025 calendar: 1 Sept 2025 is a Monday, so 2 Sept
 * (Quốc khánh) is a Tuesday, 3 Sept a Wednesday, 6/13/20/27 Sept Saturdays and 7/14/21/28 Sundays.
 * The class studies Monday–Friday mornings only: Saturday is a weekday without a session.
 */
jest.setTimeout(240_000);

const MON_FRI = { 1: { sang: 'main' }, 2: { sang: 'main' }, 3: { sang: 'main' }, 4: { sang: 'main' }, 5: { sang: 'main' } } as const;

/** 45 students, school year 2025-2026 with HK I from 1 Sept, the calendar above. */
function calendarBook(extra: Partial<BookData> = {}): BookData {
  const base = bookData({ regime: 'TT22', yearName: '2025-2026', students: 45 });
  return {
    ...base,
    year: { name: '2025-2026', startDate: '2025-09-01', endDate: '2026-05-31' },
    terms: [
      { code: 'HK1', startDate: '2025-09-01', endDate: '2026-01-15' },
      { code: 'HK2', startDate: '2026-01-19', endDate: '2026-05-25' },
    ],
    calendar: { plan: MON_FRI, holidays: [{ day: '2025-09-02', label: 'Quốc khánh' }] },
    ...extra,
  };
}

describe('nonSchoolReason (attendance module, school-days.ts)', () => {
  const terms = [{ start: '2025-09-01', end: '2026-01-15' }];
  const off = new Set(['2025-09-02', '2025-09-07']);
  it('names why a day is not a school day, and says nothing of a school day', () => {
    expect(nonSchoolReason('2025-09-02', terms, MON_FRI, off)).toBe('holiday');
    expect(nonSchoolReason('2025-09-06', terms, MON_FRI, off)).toBe('no-session'); // Saturday
    expect(nonSchoolReason('2025-08-29', terms, MON_FRI, off)).toBe('outside-term'); // a Friday before HK I
    expect(nonSchoolReason('2025-09-03', terms, MON_FRI, off)).toBeNull(); // Wednesday
    // A day off on a Sunday is named as the day off.
    expect(nonSchoolReason('2025-09-07', terms, MON_FRI, off)).toBe('holiday');
  });
});

describe('roll-call view model with a calendar', () => {
  const ctx = makeCtx(calendarBook(), '2025-09-30');
  const pages = attendancePages(ctx, 2025, 9);
  // TT22 columns: Số TT, Họ và tên, then day 1 at index 2.
  const col = (day: number) => 1 + day;

  it('knows each kind of day', () => {
    expect(dayOff(ctx, '2025-09-02')).toEqual({ reason: 'holiday', label: 'Quốc khánh' });
    expect(dayOff(ctx, '2025-09-06')).toEqual({ reason: 'no-session', label: null });
    expect(dayOff(ctx, '2025-09-07')).toEqual({ reason: 'no-session', label: null });
    expect(dayOff(ctx, '2025-08-31')).toEqual({ reason: 'outside-term', label: null });
    expect(dayOff(ctx, '2025-09-03')).toBeNull();
  });

  it('greys the header of the day off, the Saturday and the Sunday, not the school day', () => {
    expect(pages).toHaveLength(2); // 45 students, 25 rows per A4 landscape page
    const [numbers, weekdays] = pages[0]!.header;
    // Header row 1: Số TT, Họ và tên, then the days: day d is cell d + 1.
    expect(numbers![3]!).toMatchObject({ text: '2', cls: 'off' });
    expect(numbers![7]!).toMatchObject({ text: '6', cls: 'off' });
    expect(numbers![4]!.cls).toBe('');
    // Header row 2 starts with the days: day d is cell d - 1.
    expect(weekdays![1]!).toMatchObject({ text: '3', cls: 'off' }); // Tuesday 2 Sept
    expect(weekdays![5]!).toMatchObject({ text: '7', cls: 'off' }); // Saturday 6 Sept
    expect(weekdays![6]!).toMatchObject({ text: 'CN', cls: 'sun off' });
    expect(weekdays![2]!).toMatchObject({ text: '4', cls: '' }); // Wednesday 3 Sept
  });

  it('closes each day-off column over the page, with "Nghỉ Quốc khánh" on 2 Sept', () => {
    const first = pages[0]!.rows[0]!.cells;
    expect(first[col(2)]).toEqual({ t: 'Nghỉ Quốc khánh', cls: 'off closed', rowspan: 25 });
    expect(first[col(6)]).toEqual({ t: '', cls: 'off closed', rowspan: 25 });
    expect(first[col(3)]).toEqual({ t: '', cls: 'c' });
    // September 2025 has 9 closed columns (2; Saturdays 6, 13, 20, 27; Sundays 7, 14, 21, 28): the rows
    // under the first carry 1 + 1 + 30 + 3 - 9 = 26 cells.
    expect(pages[0]!.rows[1]!.cells).toHaveLength(26);
    // Last page: 20 students padded to 24 rows, then "Tổng số" (not closed: 35 cells, the day off grey).
    const last = pages[1]!;
    expect(last.rows[0]!.cells[col(2)]).toMatchObject({ t: 'Nghỉ Quốc khánh', rowspan: 24 });
    const total = last.rows[last.rows.length - 1]!.cells;
    expect(total).toHaveLength(35);
    expect(total[col(2)]!.cls).toBe('c b off');
    expect(total[col(3)]!.cls).toBe('c b');
    expect(last.footNote).toEqual(['Cột tô xám: không phải ngày học của lớp. Ngày nghỉ: 2/9 – Quốc khánh.']);
    expect(pages[0]!.footNote).toBeUndefined();
  });

  it('keeps a mark recorded on a day off in its row (the column is greyed cell by cell)', () => {
    const data = calendarBook({ attendance: [{ enrolmentId: 1000, day: '2025-09-06', session: 'sang', mark: 'P' }] });
    const c = makeCtx(data, '2025-09-30');
    const p = attendancePages(c, 2025, 9)[0]!;
    const row = p.rows.find((r) => r.cells.some((x) => x.t === 'P'))!;
    expect(row.cells[col(6)]).toEqual({ t: 'P', cls: 'c off' });
    expect(p.rows.every((r) => r.cells[col(6)]!.rowspan === undefined)).toBe(true);
    // The other days off of the page are still closed.
    expect(p.rows[0]!.cells[col(7)]).toMatchObject({ rowspan: 25 });
  });

  it('does not write "Nghỉ" twice when the day off is named "Nghỉ …"', () => {
    const data = calendarBook({ calendar: { plan: MON_FRI, holidays: [{ day: '2025-09-01', label: 'Nghỉ bù Quốc khánh' }, { day: '2025-09-02', label: 'Quốc khánh' }] } });
    const p = attendancePages(makeCtx(data, '2025-09-30'), 2025, 9);
    expect(p[0]!.rows[0]!.cells[col(1)]!.t).toBe('Nghỉ bù Quốc khánh');
    expect(p[0]!.rows[0]!.cells[col(2)]!.t).toBe('Nghỉ Quốc khánh');
    expect(p[1]!.footNote).toEqual(['Cột tô xám: không phải ngày học của lớp. Ngày nghỉ: 1/9 – Nghỉ bù Quốc khánh; 2/9 – Quốc khánh.']);
  });

  it('without a calendar, Sundays only, as before', () => {
    const plain = makeCtx(bookData({ regime: 'TT22', yearName: '2025-2026' }), '2025-09-30');
    expect(dayOff(plain, '2025-09-07')).toEqual({ reason: 'no-session', label: null });
    expect(dayOff(plain, '2025-09-06')).toBeNull();
    expect(dayOff(plain, '2025-09-02')).toBeNull();
  });
});

describe('from the database to the PDF', () => {
  let tdb: TestDatabase;
  let c: SeededClass;
  let schoolId: number;
  let pool: ChromiumPool;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-print-cal-'));

  beforeAll(async () => {
    pool = new ChromiumPool({ size: 1, jobTimeoutMs: 120_000 });
    tdb = await createTestDatabase();
    const db = tdb.db;
    schoolId = Number((await db.insertInto('school').values({ code: 'PC', name: 'Trường THCS Lịch Học', level: 'THCS', settings: JSON.stringify({}) }).returning('id').executeTakeFirstOrThrow()).id);
    c = await seedPrintClass(db, schoolId, { regime: 'TT22', yearName: '2025-2026', students: 12, subjects: SUBJECTS_TT22.filter((s) => s.code === 'TOAN') });
    // The factory's year starts on 5 Sept; this school starts on 1 Sept.
    await db.updateTable('school_year').set({ start_date: '2025-09-01' }).where('id', '=', c.yearId).execute();
    await db.updateTable('term').set({ start_date: '2025-09-01' }).where('id', '=', c.termIds.HK1).execute();
    // The calendar is kept through the attendance module itself, as the principal would.
    const principal: Session = { tokenHash: 'x', schoolId, personId: c.principalId, courseLinkId: null, roles: ['principal'], ltiRoles: [], csrfToken: 'x', expiresAt: new Date(Date.now() + 3600_000) };
    await addHolidays(db, principal, c.yearId, '2025-09-02', '2025-09-02', 'Quốc khánh');
    await saveClassPlan(db, principal, c.yearId, c.classId, MON_FRI);
    // One absence on a school day (Wednesday 3 Sept) for the first student in name order.
    await db.insertInto('attendance').values({ enrolment_id: c.enrolmentIds[0]!, day: '2025-09-03', session: 'sang', mark: 'K', updated_by: c.homeroomId }).execute();
  });
  afterAll(async () => {
    await pool.close();
    await tdb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the class plan and the days off with the book data', async () => {
    const data = await loadBookData(tdb.db, schoolId, c.classId);
    expect(data.calendar).toEqual({ plan: MON_FRI, holidays: [{ day: '2025-09-02', label: 'Quốc khánh' }] });
  });

  it('the September page: the day off named, the Saturday closed, the school day with its mark', async () => {
    const doc: PrintDocument = buildClassBook(await loadBookData(tdb.db, schoolId, c.classId), parsePeriod('2025-09')!);
    const r = await renderPdf(pool, doc, { version: 1, dataHash: 'c'.repeat(64), printedAt: new Date('2025-10-01T08:00:00Z') });
    const file = path.join(dir, 'sept.pdf');
    fs.writeFileSync(file, r.pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).normalize('NFC');
    const page = text.split('\f')[0]!.replace(/[ \t]+/g, ' ');
    expect(page).toContain('Tháng 9 năm 2025');
    expect(page).toContain('Ngày nghỉ: 2/9 – Quốc khánh.');
    // The sideways label in the 2 Sept column (pdftotext writes rotated text on lines of its own).
    expect(text.normalize('NFC')).toMatch(/Nghỉ Quốc khánh|khánh Quốc Nghỉ/);
    // 12 students and the "Tổng số" line; the K on 3 Sept is the only mark: first row TS 1, P empty, K 1.
    const firstRow = page.split('\n').find((l) => /^\s*1 /.test(l))!;
    expect(firstRow).toMatch(/ K +1 +1\s*$/);
    const total = [...page.split('\n')].reverse().find((l) => /Tổng số +\d/.test(l))!;
    expect(total).toMatch(/Tổng số +1 +1 +1\s*$/);
  });
});
