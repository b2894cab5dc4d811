import { exemptionEffect, exemptionAllowed, coveredSemesters, computeStudentYear, isRulesError, type TermSpan, type ExemptionRecord } from '../../src/rules';

/**
 * Exemption effects worked out by hand from TT58 Điều 12 / TT22 Điều 10 (assessment-rules.md §2.7, §4.5, A-58-EXEMPT-SEM).
 * School year 2024-2025: HK I 05/09/2024–15/01/2025, HK II 20/01/2025–31/05/2025.
 */
const terms: TermSpan[] = [
  { code: 'HK1', start: '2024-09-05', end: '2025-01-15' },
  { code: 'HK2', start: '2025-01-20', end: '2025-05-31' },
];
const ex = (scope: ExemptionRecord['scope'], from: string, to: string): ExemptionRecord => ({ scope, from, to });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isRulesError(e) ? e.code : 'other';
  }
  return 'none';
};

describe('which subjects and scopes the regulation allows', () => {
  it.each([
    ['TT58', 'Thể dục', 'HK1', true],
    ['TT58', 'Âm nhạc', 'year', true],
    ['TT58_TT26', 'Mỹ thuật', 'HK2', true],
    ['TT58', 'Toán', 'year', false],
    ['TT58', 'Thể dục', 'practical', false], // TT58 exempts the whole subject, not a part (Điều 12.4)
    ['TT58', 'GDQP-AN', 'practical', true], // Điều 12.5
    ['TT58', 'GDQP-AN', 'year', false],
    ['TT22', 'Giáo dục thể chất', 'practical', true],
    ['TT22', 'GDQP-AN', 'practical', true],
    ['TT22', 'Giáo dục thể chất', 'year', false], // TT22 Điều 10: only the practical part
    ['TT22', 'Âm nhạc', 'practical', false],
    ['TT22', 'Công nghệ', 'practical', false],
  ] as const)('%s %s %s → %s', (regime, subject, scope, ok) => {
    expect(exemptionAllowed(regime, subject, scope)).toBe(ok);
    expect(code(() => exemptionEffect(regime, subject, [ex(scope, '2024-09-05', '2025-05-31')], terms))).toBe(ok ? 'none' : 'RULES_EXEMPTION_NOT_ALLOWED');
  });
});

describe('the period decides the semesters', () => {
  it('a whole-year scope whose dates start in HK II covers HK II only', () => {
    expect(coveredSemesters(ex('year', '2025-01-20', '2025-05-31'), terms)).toEqual(['HK2']);
    expect(coveredSemesters(ex('year', '2024-09-05', '2025-05-31'), terms)).toEqual(['HK1', 'HK2']);
    // Starts in the last days of HK I: it overlaps HK I, so HK I is covered too (a semester is granted whole, Điều 12.4).
    expect(coveredSemesters(ex('year', '2025-01-10', '2025-05-31'), terms)).toEqual(['HK1', 'HK2']);
  });
  it('a semester scope never reaches the other semester; dates outside it cover nothing', () => {
    expect(coveredSemesters(ex('HK2', '2024-09-05', '2025-05-31'), terms)).toEqual(['HK2']);
    expect(coveredSemesters(ex('HK1', '2025-02-01', '2025-03-01'), terms)).toEqual([]);
    // Between the semesters (16–19/01) touches neither.
    expect(coveredSemesters(ex('year', '2025-01-16', '2025-01-19'), terms)).toEqual([]);
  });
  it('refuses bad dates and a period that ends before it starts', () => {
    expect(code(() => coveredSemesters(ex('HK1', '2024-02-30', '2024-12-01'), terms))).toBe('RULES_INVALID_DATE');
    expect(code(() => coveredSemesters(ex('HK1', '2024-12-01', '2024-11-01'), terms))).toBe('RULES_INVALID_DATE');
    expect(code(() => coveredSemesters(ex('HK1', '1/9/2024', '2024-12-01'), terms))).toBe('RULES_INVALID_DATE');
  });
});

describe('TT58 Điều 12.4: whole-subject exemption', () => {
  it('HK II only: HK I ranks with the subject, HK II leaves it out, the year result is HK I', () => {
    const e = exemptionEffect('TT58', 'Thể dục', [ex('HK2', '2025-01-20', '2025-05-31')], terms);
    expect(e.wholeSemesters).toEqual(['HK2']);
    expect(e.ranking).toEqual({ HK1: 'own', HK2: 'excluded', year: 'included' });
    expect(e.yearFrom).toEqual(['HK1']);
    expect(e.columnsRequired).toEqual({ HK1: true, HK2: false });
    expect(e.explanation.summaryVi).toContain('kết quả cả năm của môn là kết quả học kỳ I');
    expect(e.explanation.clause).toEqual({ doc: 'TT58', article: 12, clause: 4 });
  });
  it('the same with A-58-EXEMPT-SEM = keep: HK II ranks with the year result', () => {
    const e = exemptionEffect('TT58_TT26', 'Thể dục', [ex('HK2', '2025-01-20', '2025-05-31')], terms, { 'A-58-EXEMPT-SEM': 'keep' });
    expect(e.ranking).toEqual({ HK1: 'own', HK2: 'year-result', year: 'included' });
    expect(e.explanation.options).toEqual([{ id: 'A-58-EXEMPT-SEM', value: 'keep' }]);
  });
  it('whole year (or HK I + HK II records): out of every ranking, no marks needed, no year result', () => {
    for (const recs of [[ex('year', '2024-09-05', '2025-05-31')], [ex('HK1', '2024-09-05', '2025-01-15'), ex('HK2', '2025-01-20', '2025-05-31')]]) {
      const e = exemptionEffect('TT58', 'Âm nhạc', recs, terms);
      expect(e.ranking).toEqual({ HK1: 'excluded', HK2: 'excluded', year: 'excluded' });
      expect(e.yearFrom).toEqual([]);
      expect(e.columnsRequired).toEqual({ HK1: false, HK2: false });
    }
  });
  it('a period outside both semesters changes nothing', () => {
    const e = exemptionEffect('TT58', 'Mỹ thuật', [ex('year', '2025-06-01', '2025-08-31')], terms);
    expect(e.ranking).toEqual({ HK1: 'own', HK2: 'own', year: 'included' });
    expect(e.yearFrom).toEqual(['HK1', 'HK2']);
    expect(e.explanation.summaryVi).toContain('không trùng học kỳ nào');
  });
});

describe('practical part (TT22 Điều 10, TT58 Điều 12.5): theory instead, nothing leaves the ranking', () => {
  it('TT22 GDTC, HK I only: every column still required, HK I assessed on theory, HK II normal', () => {
    const e = exemptionEffect('TT22', 'Giáo dục thể chất', [ex('practical', '2024-10-01', '2024-12-31')], terms);
    expect(e.practicalSemesters).toEqual(['HK1']);
    expect(e.wholeSemesters).toEqual([]);
    expect(e.ranking).toEqual({ HK1: 'own', HK2: 'own', year: 'included' });
    expect(e.yearFrom).toEqual(['HK1', 'HK2']);
    expect(e.columnsRequired).toEqual({ HK1: true, HK2: true });
    expect(e.evaluation).toEqual({ HK1: 'theory', HK2: 'normal' });
    expect(e.explanation.clause).toEqual({ doc: 'TT22', article: 10 });
    expect(e.explanation.summaryVi).toContain('nội dung lý thuyết');
  });
  it('TT58 GDQP-AN for the year: both semesters on theory, clause 12.5', () => {
    const e = exemptionEffect('TT58', 'GDQP-AN', [ex('practical', '2024-09-05', '2025-05-31')], terms);
    expect(e.evaluation).toEqual({ HK1: 'theory', HK2: 'theory' });
    expect(e.explanation.clause).toEqual({ doc: 'TT58', article: 12, clause: 5 });
  });
  it('computeStudentYear accepts the TT58 GDQP-AN practical exemption and ranks the subject normally', () => {
    // GDQP-AN 4.0 in both semesters stays in the ranking: ĐTB (8 + 8 + 4)/3 = 6.67 → 6.7 ≥ 6.5, but 4.0 < 5.0
    // fails Khá's floor and meets Trung bình's (≥ 3.5, key 8.0 ≥ 5.0) → Trung bình (a K→Tb drop is not adjusted, 13.6).
    const marks = (v: string) => ({ regular: [v, v, v], periodic: [v], final: v });
    const y = computeStudentYear({
      regime: 'TT58',
      subjects: [{ name: 'Toán', hk1: marks('8'), hk2: marks('8') }, { name: 'Ngữ văn', hk1: marks('8'), hk2: marks('8') }, { name: 'GDQP-AN', hk1: marks('4'), hk2: marks('4'), exempt: 'practical' }],
      conduct: {},
      absences: 0,
    });
    expect(y.rankings.year.strict).toBe('Trung bình');
  });
});
