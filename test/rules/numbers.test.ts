import { computeSemesterAverage, computeYearAverage, formatScore, parseScore, rational, roundToTenths, RulesError } from '../../src/rules';

describe('score parsing and validation (TT58 Điều 6.1.d, 8.4; TT26 Điều 8.2; TT22 Điều 5)', () => {
  test.each([
    // [input, context, expected tenths, article]
    ['6,5', {}, 65, '§1.2 decimal comma'],
    ['6.5', {}, 65, '§1.2 decimal point'],
    ['10', {}, 100, 'TT58 6.1.d upper bound'],
    ['0', {}, 0, 'TT58 6.1.d lower bound'],
    [' 7 ', {}, 70, 'whitespace'],
    [8.5, {}, 85, 'number input'],
    ['6.50', {}, 65, 'trailing zero is still one decimal'],
    ['6,5', { regime: 'TT58', kind: 'periodic' }, 65, 'TT58 8.4: periodic one decimal'],
    ['6,5', { regime: 'TT58', kind: 'regular', form: 'multiple-choice' }, 65, 'TT58 8.4: multiple-choice one decimal'],
    ['6,5', { regime: 'TT58_TT26', kind: 'regular' }, 65, 'TT26 Điều 8.2: any score one decimal'],
    ['6,5', { regime: 'TT22', kind: 'regular' }, 65, 'TT22 Điều 5'],
    ['7', { regime: 'TT58', kind: 'regular', form: 'essay' }, 70, 'TT58 8.4 essay integer'],
  ] as const)('%p %j → %p tenths (%s)', (input, ctx, tenths, _why) => {
    expect(parseScore(input, ctx).tenths).toBe(tenths);
  });

  test.each([
    ['6.25', {}, 'more than one decimal (§1.2)'],
    ['10.5', {}, 'above 10 (TT58 6.1.d)'],
    ['-1', {}, 'negative'],
    ['abc', {}, 'not a number'],
    ['', {}, 'empty'],
    ['6,5', { regime: 'TT58', kind: 'regular', form: 'essay' }, 'TT58 8.4 essay regular must be integer'],
    ['6,5', { regime: 'TT58', kind: 'regular' }, 'TT58 8.4: a regular test defaults to essay form'],
    ['6,5', { regime: 'TT58', kind: 'regular', form: 'oral' }, 'A-58-ORAL-PRECISION default integer'],
  ] as const)('%p %j is rejected with RULES_INVALID_SCORE (%s)', (input, ctx, _why) => {
    expect(() => parseScore(input, ctx)).toThrow(RulesError);
    try {
      parseScore(input, ctx);
    } catch (e) {
      expect((e as RulesError).code).toBe('RULES_INVALID_SCORE');
      expect((e as RulesError).vi.length).toBeGreaterThan(0);
    }
  });

  test('formatting is string work: 65 tenths → "6.5" / "6,5"; 70 → "7.0"', () => {
    expect(formatScore({ tenths: 65 })).toBe('6.5');
    expect(formatScore({ tenths: 65 }, ',')).toBe('6,5');
    expect(formatScore({ tenths: 70 })).toBe('7.0');
    expect(formatScore({ tenths: 5 })).toBe('0.5');
  });
});

describe('rounding once, half up, on the exact value (§1.3, A-ROUND-1)', () => {
  test.each([
    // [num, den, expected tenths, hand computation]
    [645, 100, 65, '6.45 → 6.5 (half up)'],
    [64499, 10000, 64, '6.4499 → 6.4'],
    [825, 100, 83, '8.25 → 8.3'],
    [838, 130, 64, '83.8/13 = 6.44615… → 6.4 (not 6.45 → 6.5)'],
    [214, 30, 71, '21.4/3 = 7.1333… → 7.1'],
    [583, 110, 53, '58.3/11 = 5.3 exactly'],
    [561, 110, 51, '56.1/11 = 5.1 exactly'],
    [1005, 120, 84, '100.5/12 = 8.375 → 8.4'],
  ])('%i/%i → %i tenths (%s)', (num, den, tenths) => {
    expect(Number(roundToTenths(rational(num, den)))).toBe(tenths);
  });
});

describe('§6 worked examples 1–3: subject averages (TT58 Điều 10.1)', () => {
  test('example 1 (TT58-05): KTtx 6,6,6; KTđk 6.3; KThk 7 → (18 + 12.6 + 21)/8 = 51.6/8 = 6.45 → 6.5', () => {
    const r = computeSemesterAverage('TT58', { regular: ['6', '6', '6'], periodic: ['6.3'], final: '7' });
    expect(r.averageText).toBe('6.5');
    expect(r.average.tenths).toBe(65);
    expect(r.weight).toBe(8); // 3 + 2·1 + 3
    expect(r.explanation.formula).toContain('51,6/8');
    expect(r.explanation.formula).toContain('6,45');
  });

  test('example 2 (TT58-07): (26 + 2·19.0 + 3·6.6)/(4 + 6 + 3) = 83.8/13 = 6.446… → 6.4, never 6.45 → 6.5', () => {
    const r = computeSemesterAverage('TT58', { regular: ['6', '7', '6', '7'], periodic: ['6.5', '6.0', '6.5'], final: '6.6' });
    expect(r.averageText).toBe('6.4');
    expect(r.weight).toBe(13);
  });

  test('example 3 (TT58-11): HK I 7.0, HK II (22 + 14 + 21.9)/8 = 57.9/8 = 7.2375 → 7.2; year (7.0 + 14.4)/3 = 7.133 → 7.1', () => {
    const hk1 = computeSemesterAverage('TT58', { regular: ['7', '7', '7'], periodic: ['7'], final: '7' }); // (21 + 14 + 21)/8 = 7.0
    const hk2 = computeSemesterAverage('TT58', { regular: ['7', '7', '8'], periodic: ['7.0'], final: '7.3' }); // (22 + 14 + 21.9)/8
    expect(hk1.averageText).toBe('7.0');
    expect(hk2.averageText).toBe('7.2');
    const y = computeYearAverage('TT58', hk1, hk2);
    expect(y.averageText).toBe('7.1');
    expect(y.basis).toBe('both');
  });

  test('TT26/TT22 denominator nĐĐGtx + 5: TX 8, 7, 9; GK 6; CK 7 → (24 + 12 + 21)/(3 + 5) = 57/8 = 7.125 → 7.1 (TT22 Điều 9.1.b)', () => {
    expect(computeSemesterAverage('TT22', { regular: ['8', '7', '9'], periodic: ['6'], final: '7' }).averageText).toBe('7.1');
    expect(computeSemesterAverage('TT58_TT26', { regular: ['8', '7', '9'], periodic: ['6'], final: '7' }).averageText).toBe('7.1');
  });

  test('TT26/TT22 require exactly one mid-term (TT26 Điều 8.1; TT22 Điều 7)', () => {
    expect(() => computeSemesterAverage('TT22', { regular: ['8'], periodic: ['6', '7'], final: '7' })).toThrow(/giữa kỳ/);
  });

  test('missing test without make-up counts 0 and stays in the formula (TT58 Điều 8.5): TX 8, missing, 8; ĐK 8; HK 8 → (16 + 16 + 24)/8 = 56/8 = 7.0', () => {
    const r = computeSemesterAverage('TT58', { regular: ['8', null, '8'], periodic: ['8'], final: '8' });
    expect(r.averageText).toBe('7.0');
    expect(r.zeroedMissing).toBe(1);
  });

  test('make-up replaces the missing test (TT58 Điều 8.5): TX 8, make-up 6, 8; ĐK 8; HK 8 → (22 + 16 + 24)/8 = 62/8 = 7.75 → 7.8', () => {
    const r = computeSemesterAverage('TT58', { regular: ['8', { missing: true, makeUp: '6' }, '8'], periodic: ['8'], final: '8' });
    expect(r.averageText).toBe('7.8');
    expect(r.zeroedMissing).toBe(0);
  });

  test('subject taught in one semester takes that semester (TT58 Điều 10.3)', () => {
    const y = computeYearAverage('TT58', null, '6.7');
    expect(y.averageText).toBe('6.7');
    expect(y.basis).toBe('HK2');
  });

  test('a TT22 year average of (8.9 + 2·9.0)/3 = 26.9/3 = 8.967 → 9.0 (TT22-07)', () => {
    expect(computeYearAverage('TT22', '8.9', '9.0').averageText).toBe('9.0');
  });
});
