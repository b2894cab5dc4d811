import { defaultColumns, requiredRegular, columnSpec, addableKinds } from '../../src/gradebook/column-layout';
import { parseCell, displayCell } from '../../src/gradebook/score-input';
import { compareVietnameseNames } from '../../src/gradebook/averages';

const shape = (cols: ReturnType<typeof defaultColumns>) => cols.map((c) => `${c.label}×${c.coefficient}${c.valueType === 'rating' ? '(Đ/CĐ)' : ''}`);

describe('default columns per regime (assessment-rules.md §2.2, §3, §4.2)', () => {
  it('TT22 scored, 140 periods/year → 4 ĐĐGtx ×1, ĐĐGgk ×2, ĐĐGck ×3 (TT22 Điều 6.2: > 70 periods → 4)', () => {
    const n = requiredRegular('TT22', 'scored', '4', 140).regular;
    expect(n).toBe(4);
    expect(shape(defaultColumns('TT22', 'scored', n))).toEqual(['ĐĐGtx 1×1', 'ĐĐGtx 2×1', 'ĐĐGtx 3×1', 'ĐĐGtx 4×1', 'ĐĐGgk×2', 'ĐĐGck×3']);
  });
  it('TT22 scored, 35 periods/year → 2 ĐĐGtx; 70 → 3', () => {
    expect(requiredRegular('TT22', 'scored', null, 35).regular).toBe(2);
    expect(requiredRegular('TT22', 'scored', null, 70).regular).toBe(3);
  });
  it('TT58+TT26 scored: same coefficients, "Giữa kỳ"/"Cuối kỳ" labels; periods/year derived from periods/week (2 × 35 = 70 → 3)', () => {
    const n = requiredRegular('TT58_TT26', 'scored', '2', null).regular;
    expect(n).toBe(3);
    expect(shape(defaultColumns('TT58_TT26', 'scored', n))).toEqual(['ĐĐGtx 1×1', 'ĐĐGtx 2×1', 'ĐĐGtx 3×1', 'Giữa kỳ×2', 'Cuối kỳ×3']);
  });
  it('TT58 scored, 4 periods/week → at least 4 KTtx (Điều 8.2): Miệng + 15-minute tests ×1, two 1-period tests ×2, semester test ×3', () => {
    const n = requiredRegular('TT58', 'scored', '4', null).regular;
    expect(n).toBe(4);
    const cols = defaultColumns('TT58', 'scored', n);
    expect(shape(cols)).toEqual(['Miệng×1', '15 phút 1×1', '15 phút 2×1', '15 phút 3×1', '1 tiết 1×2', '1 tiết 2×2', 'Học kỳ×3']);
    expect(cols.map((c) => c.kind)).toEqual(['regular', 'regular', 'regular', 'regular', 'periodic', 'periodic', 'final']);
    expect(requiredRegular('TT58', 'scored', '1', null).regular).toBe(2);
    expect(requiredRegular('TT58', 'scored', '1,5', null).regular).toBe(3);
  });
  it('TT22 comment subject: 2 ĐĐGtx + mid + end, all rated, coefficient 1 (TT22 Điều 6, 7)', () => {
    const n = requiredRegular('TT22', 'comment', null, null).regular;
    expect(n).toBe(2);
    expect(shape(defaultColumns('TT22', 'comment', n))).toEqual(['ĐĐGtx 1×1(Đ/CĐ)', 'ĐĐGtx 2×1(Đ/CĐ)', 'ĐĐGgk×1(Đ/CĐ)', 'ĐĐGck×1(Đ/CĐ)']);
  });
  it('TT58 comment subject: every test counts once (Điều 7.3.b)', () => {
    expect(defaultColumns('TT58', 'comment', 2).every((c) => c.coefficient === 1 && c.valueType === 'rating')).toBe(true);
  });
  it('no periods recorded → the legal minimum of 2', () => {
    expect(requiredRegular('TT22', 'scored', null, null).regular).toBe(2);
  });
  it('a teacher adds regular columns; TT58 also 1-period tests; TT22 never a second mid-term', () => {
    expect(addableKinds('TT22')).toEqual(['regular']);
    expect(addableKinds('TT58')).toEqual(['regular', 'periodic']);
    expect(columnSpec('TT22', 'scored', 'regular', 5).label).toBe('ĐĐGtx 5');
  });
});

describe('cell input through the rules engine', () => {
  const scored = { kind: 'regular' as const, valueType: 'score' as const, form: null };
  const rated = { kind: 'regular' as const, valueType: 'rating' as const, form: null };
  it.each([
    ['7,5', 75],
    ['7.5', 75],
    [' 10 ', 100],
    ['0', 0],
    ['8,50', 85],
  ])('accepts %p as %p tenths', (raw, tenths) => {
    expect(parseCell(raw, scored, 'TT22')).toEqual({ ok: true, value: { tenths, rating: null } });
  });
  it.each([
    ['10,5', /từ 0 đến 10/],
    ['11', /từ 0 đến 10/],
    ['-1', /từ 0 đến 10/],
    ['8,55', /nhiều hơn một chữ số thập phân/],
    ['abc', /không phải là số/],
    ['Đ', /không nhận Đ\/CĐ/],
  ])('refuses %p in a scored column with a Vietnamese reason', (raw, reason) => {
    const r = parseCell(raw, scored, 'TT22');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasonVi).toMatch(reason);
  });
  it('TT58 15-minute (essay) regular tests are integers (Điều 8.4); the 1-period test takes one decimal', () => {
    const r = parseCell('7,5', { kind: 'regular', valueType: 'score', form: '15min' }, 'TT58');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasonVi).toMatch(/số nguyên/);
    expect(parseCell('7,5', { kind: 'periodic', valueType: 'score', form: null }, 'TT58').ok).toBe(true);
  });
  it('rating columns take Đ/CĐ/Đạt/Chưa đạt, refuse numbers; TT22 shows Đạt/Chưa đạt', () => {
    expect(parseCell('đ', rated, 'TT22')).toEqual({ ok: true, value: { tenths: null, rating: 'D' } });
    expect(parseCell('Chưa đạt', rated, 'TT22')).toEqual({ ok: true, value: { tenths: null, rating: 'CD' } });
    const r = parseCell('8', rated, 'TT22');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasonVi).toMatch(/không nhận điểm số/);
    expect(displayCell({ tenths: null, rating: 'CD' }, 'TT22')).toBe('Chưa đạt');
    expect(displayCell({ tenths: null, rating: 'CD' }, 'TT58')).toBe('CĐ');
    expect(displayCell({ tenths: 75, rating: null }, 'TT22')).toBe('7,5');
    expect(displayCell({ tenths: 80, rating: null }, 'TT22')).toBe('8');
  });
});

describe('Vietnamese name order', () => {
  it('given name (last word of given_name) first, then middle, then family name', () => {
    const people = [
      { familyName: 'Trần', givenName: 'Văn An' },
      { familyName: 'Lê', givenName: 'Thị Bình' },
      { familyName: 'Nguyễn', givenName: 'Thị An' },
      { familyName: 'Đỗ', givenName: 'Minh Đức' },
      { familyName: 'Phạm', givenName: 'Thị Dung' },
      { familyName: 'Vũ', givenName: 'Quỳnh Anh' },
    ];
    // An < Anh < Bình < Dung < Đức (Đ after D in Vietnamese); the two "An": middle "Thị" < "Văn".
    expect([...people].sort(compareVietnameseNames).map((p) => `${p.familyName} ${p.givenName}`)).toEqual([
      'Nguyễn Thị An',
      'Trần Văn An',
      'Vũ Quỳnh Anh',
      'Lê Thị Bình',
      'Phạm Thị Dung',
      'Đỗ Minh Đức',
    ]);
  });
});
