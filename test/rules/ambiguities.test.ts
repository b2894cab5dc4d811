/** Every §8 ambiguity with both interpretations; expectations computed by hand in the comments. */
import {
  applyRetest,
  computeCommentSemester,
  computeSemesterAverage,
  computeStudentYear,
  computeYearAverage,
  countAbsences,
  decideYearOutcome,
  eligibleRetestSubjects,
  parseScore,
  rankLearning,
  requiredAssessments,
  resolveOptions,
  yearConduct58,
  type PartialRuleOptions,
  type RankingSubjectInput,
} from '../../src/rules';
import { commented, fill, scored } from './helpers';

const final = (regime: 'TT58' | 'TT58_TT26' | 'TT22', subjects: RankingSubjectInput[], options?: PartialRuleOptions, chuyenSubject?: string) =>
  rankLearning({ regime, subjects, ...(options ? { options } : {}), ...(chuyenSubject ? { chuyenSubject } : {}) }).final;

describe('§8 ambiguities, both interpretations', () => {
  // (18 + 2·6.7 + 21)/8 = 52.4/8 = 6.55
  const m655 = { regular: ['6', '6', '6'], periodic: ['6.7'], final: '7' };
  test.each([
    ['half-up', '6.6'], // 6.55 → 6.6
    ['half-even', '6.6'], // 6.55: 5 is odd → 6.6
    ['truncate', '6.5'],
  ] as const)('A-ROUND-1 = %s: 52.4/8 = 6.55 → %s', (mode, expected) => {
    expect(computeSemesterAverage('TT58', m655, { 'A-ROUND-1': mode }).averageText).toBe(expected);
  });
  test('A-ROUND-1: 6.45 half-even → 6.4, half-up → 6.5', () => {
    const m = { regular: ['6', '6', '6'], periodic: ['6.3'], final: '7' }; // 51.6/8 = 6.45
    expect(computeSemesterAverage('TT58', m, { 'A-ROUND-1': 'half-even' }).averageText).toBe('6.4');
    expect(computeSemesterAverage('TT58', m).averageText).toBe('6.5');
  });

  test('A-ROUND-2: example 3 chained on rounded (7.0, 7.2) → 7.1; on unrounded (7.0, 7.2375) → 21.475/3 = 7.158 → 7.2', () => {
    const hk1 = computeSemesterAverage('TT58', { regular: ['7', '7', '7'], periodic: ['7'], final: '7' });
    const hk2 = computeSemesterAverage('TT58', { regular: ['7', '7', '8'], periodic: ['7.0'], final: '7.3' });
    expect(computeYearAverage('TT58', hk1, hk2).averageText).toBe('7.1');
    const o = { 'A-ROUND-2': 'unrounded' } as const;
    expect(computeYearAverage('TT58', computeSemesterAverage('TT58', { regular: ['7', '7', '7'], periodic: ['7'], final: '7' }, o), computeSemesterAverage('TT58', { regular: ['7', '7', '8'], periodic: ['7.0'], final: '7.3' }, o), o).averageText).toBe('7.2');
  });

  test('A-22-ROUND: a subject at 51.6/8 = 6.45 → rounded 6.5 keeps Tốt; unrounded 6.45 < 6.5 → Khá', () => {
    const mk = (o?: PartialRuleOptions): RankingSubjectInput[] => [
      { name: 'Tin học', average: computeSemesterAverage('TT22', { regular: ['6', '6', '6'], periodic: ['6.3'], final: '7' }, o) },
      ...fill('M', 7, '8.5'),
    ];
    expect(final('TT22', mk(), undefined)).toBe('Tốt');
    expect(final('TT22', mk({ 'A-22-ROUND': 'unrounded' }), { 'A-22-ROUND': 'unrounded' })).toBe('Khá');
  });

  // Example 5 setting: 8.4 average, Thể dục CĐ → strict Yếu
  const ex5 = [...scored([['Toán', '9.0'], ['Ngữ văn', '8.3']]), ...fill('M', 9, '8.3'), ...commented([['Thể dục', 'CĐ']])];
  test('A-58-ADJ: CĐ comment subject counts as the one subject → Tb (default); does not → Yếu', () => {
    expect(final('TT58', ex5)).toBe('Trung bình');
    expect(final('TT58', ex5, { 'A-58-ADJ': 'no' })).toBe('Yếu');
  });

  // A = (7.5 + 7.5 + 4.0 + 10×9.0)/13 = 109/13 = 8.38 → 8.4; strict Tb (Sử 4.0); key 7.5 < 8.0
  const key = [...scored([['Toán', '7.5'], ['Ngữ văn', '7.5'], ['Lịch sử', '4.0']]), ...fill('M', 10, '9.0')];
  test('A-58-ADJ-KEY: counterfactual (key < 8.0 even without Sử) → stays Tb; average-only → Khá', () => {
    expect(final('TT58', key)).toBe('Trung bình');
    expect(final('TT58', key, { 'A-58-ADJ-KEY': 'average-only' })).toBe('Khá');
  });

  // A = (12×9.0 + 1.5)/13 = 109.5/13 = 8.42 → 8.4; 1.5 < 2.0 → strict Kém
  const gkem = [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Lịch sử', '1.5']]), ...fill('M', 10, '9.0')];
  test('A-58-GKEM: keep Kém (default); adjust-to-tb → Trung bình', () => {
    expect(final('TT58', gkem)).toBe('Kém');
    expect(final('TT58', gkem, { 'A-58-GKEM': 'adjust-to-tb' })).toBe('Trung bình');
  });

  test('A-58-ADJ-LEVEL: own-level keeps G→Kém at Kém; also-kha-rows → Yếu by 13.6.d', () => {
    expect(final('TT58', gkem, { 'A-58-ADJ-LEVEL': 'also-kha-rows' })).toBe('Yếu');
  });
  // A = (11×9.0 + 6.0 + 3.0)/13 = 108/13 = 8.3; two G-offenders (6.0, 3.0), one K-offender (3.0) → strict Yếu
  const twoWeak = [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Địa lí', '6.0'], ['Lịch sử', '3.0']]), ...fill('M', 9, '9.0')];
  test('A-58-ADJ-LEVEL: G-level average with strict Yếu from two weak subjects: own-level → Yếu; also-kha-rows → Tb by 13.6.c', () => {
    expect(final('TT58', twoWeak)).toBe('Yếu');
    const r = rankLearning({ regime: 'TT58', subjects: twoWeak, options: { 'A-58-ADJ-LEVEL': 'also-kha-rows' } });
    expect(r.final).toBe('Trung bình');
    expect(r.adjustedBy).toBe('13.6.c');
  });

  // chuyên Vật lí 6.0 (< 6.5 min and < 8.0 CH): A = (6.0 + 11×9.0)/12 = 105/12 = 8.75 → 8.8; strict Tb
  const chuyen = [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Vật lí', '6.0']]), ...fill('M', 9, '9.0')];
  test('A-58-CHUYEN: the chuyên subject as the one subject → Khá (13.6.a); does-not-count → Tb', () => {
    expect(final('TT58', chuyen, undefined, 'Vật lí')).toBe('Khá');
    expect(final('TT58', chuyen, { 'A-58-CHUYEN': 'does-not-count' }, 'Vật lí')).toBe('Trung bình');
  });

  test('A-58-CONDUCT: human input (pending, HK II suggested) vs copy-semester-ii', () => {
    expect(yearConduct58({ hk2: 'Khá' }).value).toBeNull();
    expect(yearConduct58({ hk2: 'Khá' }, { 'A-58-CONDUCT': 'copy-semester-ii' }).value).toBe('Khá');
  });

  test('A-ABS: 46 absences with HL Yếu/HK Khá: repeat directly (default); still-retest → retest, promotion impossible', () => {
    expect(decideYearOutcome({ regime: 'TT58', learning: 'Yếu', conduct: 'Khá', absences: 46 }).outcome).toBe('repeat');
    const r = decideYearOutcome({ regime: 'TT58', learning: 'Yếu', conduct: 'Khá', absences: 46, options: { 'A-ABS': 'still-retest' } });
    expect(r.outcome).toBe('retest');
    expect(r.promotionPossible).toBe(false);
  });

  // 20 days × 2 sessions + 10 days × 1 session (3 of them afternoon-only, not main)
  const records = [
    ...Array.from({ length: 20 }, (_, i) => ({ date: `2024-10-${String(i + 1).padStart(2, '0')}`, sessions: 2 })),
    ...Array.from({ length: 10 }, (_, i) => ({ date: `2024-11-${String(i + 1).padStart(2, '0')}`, sessions: 1, main: i >= 3 })),
  ];
  test.each([
    ['one-per-day', 30], // 20 + 10 days
    ['every-session', 50], // 40 + 10
    ['main-sessions-only', 27], // 20 + 7
  ] as const)('A-22-ABS = %s → %i buổi', (mode, n) => {
    expect(countAbsences('TT22', records, resolveOptions({ 'A-22-ABS': mode }))).toBe(n);
  });

  test('A-22-ADJ: Tốt → Chưa đạt: one above computed → Đạt (default); one below baseline → Khá', () => {
    const s = scored([['A', '9.0'], ['B', '8.5'], ['C', '8.5'], ['D', '8.0'], ['E', '8.0'], ['F', '8.0'], ['G', '8.0'], ['Tin học', '3.0']]);
    expect(final('TT22', s)).toBe('Đạt');
    expect(final('TT22', s, { 'A-22-ADJ': 'one-below-baseline' })).toBe('Khá');
  });

  test('A-22-ADJ-COMMENT: Tốt-level scores with one comment subject Chưa đạt → strict Đạt; counts → Khá; does-not-count → Đạt', () => {
    const s = [...fill('M', 8, '8.5'), ...commented([['GDTC', 'Chưa đạt'], ['HĐTN-HN', 'Đạt']])];
    expect(final('TT22', s)).toBe('Khá');
    expect(final('TT22', s, { 'A-22-ADJ-COMMENT': 'does-not-count' })).toBe('Đạt');
  });

  // 5×8.0, 2×7.0, one 4.5: strict Đạt (7 ≥ 5.0, none < 3.5). Without 4.5 only 5 ≥ 8.0 → baseline Khá → one level → no adjustment.
  const def = [...fill('T', 5, '8.0'), ...fill('K', 2, '7.0'), ...scored([['Tin học', '4.5']])];
  test('A-22-ADJ-DEF: counterfactual → Đạt (baseline Khá, TT22-41-like); offender-meets-threshold → baseline Tốt → Khá', () => {
    expect(final('TT22', def)).toBe('Đạt');
    expect(final('TT22', def, { 'A-22-ADJ-DEF': 'offender-meets-threshold' })).toBe('Khá');
  });

  test('A-22-RLHT: training and learning Chưa đạt → repeat (literal); sequential → summer training then re-assessment', () => {
    expect(decideYearOutcome({ regime: 'TT22', learning: 'Chưa đạt', training: 'Chưa đạt' }).outcome).toBe('repeat');
    const r = decideYearOutcome({ regime: 'TT22', learning: 'Chưa đạt', training: 'Chưa đạt', options: { 'A-22-RLHT': 'sequential' } });
    expect(r.outcome).toBe('summer-training');
    expect(r.retestAfterSummer).toBe(true);
  });

  const two = [...scored([['Toán', '4.0'], ['Ngữ văn', '4.0']]), ...fill('M', 6, '7.0')];
  test('A-22-RETEST-SET: all required (default) vs student choice of a subset', () => {
    expect(() => applyRetest({ regime: 'TT22', subjects: two, retests: { Toán: '6.0' } })).toThrow(expect.objectContaining({ code: 'RULES_RETEST_INCOMPLETE' }));
    // student-choice: Toán 6.0, Văn 4.0, 6×7.0: Khá fails (4.0 < 5.0); Đạt: 7 ≥ 5.0 → Đạt → promoted
    const r = applyRetest({ regime: 'TT22', subjects: two, retests: { Toán: '6.0' }, options: { 'A-22-RETEST-SET': 'student-choice' } });
    expect(r.rank.final).toBe('Đạt');
  });

  test('A-58-RETEST: student choice (default) vs all eligible', () => {
    const s = [...scored([['Toán', '4.0'], ['Ngữ văn', '4.0']]), ...fill('M', 8, '6.0')];
    expect(applyRetest({ regime: 'TT58', subjects: s, retests: { Toán: '5.0' } }).retested).toHaveLength(1);
    expect(() => applyRetest({ regime: 'TT58', subjects: s, retests: { Toán: '5.0' }, options: { 'A-58-RETEST': 'all-eligible' } })).toThrow(expect.objectContaining({ code: 'RULES_RETEST_INCOMPLETE' }));
  });

  test('A-22-MAKEUP: missing TX without make-up → 0: (16 + 0 + 16 + 24)/8 = 7.0; exclude → 56/7 = 8.0', () => {
    const m = { regular: ['8', null, '8'], periodic: ['8'], final: '8' };
    expect(computeSemesterAverage('TT22', m).averageText).toBe('7.0');
    expect(computeSemesterAverage('TT22', m, { 'A-22-MAKEUP': 'exclude' }).averageText).toBe('8.0');
  });

  test('A-22-CHUYENDE: 70 periods + 1 learning topic: within the count → 3; extra → 4', () => {
    expect(requiredAssessments({ regime: 'TT22', periodsPerYear: 70, learningTopics: 1 }).regular).toBe(3);
    expect(requiredAssessments({ regime: 'TT22', periodsPerYear: 70, learningTopics: 1 }, { 'A-22-CHUYENDE': 'extra' }).regular).toBe(4);
  });

  test('A-22-35: 35 and fewer periods/year → 2; 36 → 3 (single interpretation)', () => {
    expect(requiredAssessments({ regime: 'TT22', periodsPerYear: 35 }).regular).toBe(2);
    expect(requiredAssessments({ regime: 'TT22', periodsPerYear: 20 }).regular).toBe(2);
    expect(requiredAssessments({ regime: 'TT22', periodsPerYear: 36 }).regular).toBe(3);
  });

  test('A-26-COMMENT: ratings Đ, CĐ, Đ | Đ | Đ: 2/3 rule → 4/5 ≥ 2/3 and final Đ → Đ; all-pass → CĐ', () => {
    const m = { regular: ['Đ', 'CĐ', 'Đ'], periodic: ['Đ'], final: 'Đ' };
    expect(computeCommentSemester('TT58_TT26', m).result).toBe('Đ');
    expect(computeCommentSemester('TT58_TT26', m, undefined, { 'A-26-COMMENT': 'all-pass' }).result).toBe('CĐ');
  });

  test('TT58 Điều 10.2: 2/3 rule and semester test: Đ,Đ,CĐ | CĐ | Đ → 3/5, 9 < 10 → CĐ; Đ,Đ,Đ | Đ | CĐ → semester test CĐ → CĐ', () => {
    expect(computeCommentSemester('TT58', { regular: ['Đ', 'Đ', 'CĐ'], periodic: ['CĐ'], final: 'Đ' }).result).toBe('CĐ');
    expect(computeCommentSemester('TT58', { regular: ['Đ', 'Đ', 'Đ'], periodic: ['Đ'], final: 'CĐ' }).result).toBe('CĐ');
    expect(computeCommentSemester('TT22', { regular: ['Đạt', 'Chưa đạt'], periodic: ['Đạt'], final: 'Đạt' }).label).toBe('Chưa đạt');
  });

  test('A-58-COMMENT-MISSING: Đ, Đ, missing | Đ | Đ: CĐ in the 2/3 rule → 4/5 → Đ (default); incomplete → CĐ', () => {
    const m = { regular: ['Đ', 'Đ', null], periodic: ['Đ'], final: 'Đ' };
    expect(computeCommentSemester('TT58', m).result).toBe('Đ');
    expect(computeCommentSemester('TT58', m, undefined, { 'A-58-COMMENT-MISSING': 'incomplete-cd' }).result).toBe('CĐ');
  });

  test('A-58-ORAL-PRECISION: TT58 oral 6.5 rejected (integer, default); accepted with one-decimal', () => {
    expect(() => parseScore('6,5', { regime: 'TT58', kind: 'regular', form: 'oral' })).toThrow();
    expect(parseScore('6,5', { regime: 'TT58', kind: 'regular', form: 'oral', oralPrecision: 'one-decimal' }).tenths).toBe(65);
    expect(computeSemesterAverage('TT58', { regular: [{ value: '6,5', form: 'oral' }], periodic: [], final: '7' }, { 'A-58-ORAL-PRECISION': 'one-decimal' }).averageText).toBe('6.9'); // (6.5 + 21)/4 = 6.875 → 6.9
  });

  test('A-58-EXEMPT-SEM: Thể dục exempt in HK I, CĐ in HK II: exclude → HK I ranking unaffected (Giỏi); keep → year CĐ enters HK I (Yếu → Tb)', () => {
    const marks = { regular: ['9', '9', '9'], periodic: ['9'], final: '9' }; // 9.0 each
    const subjects = [
      { name: 'Toán', hk1: marks, hk2: marks },
      { name: 'Ngữ văn', hk1: marks, hk2: marks },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `M${i}`, hk1: marks, hk2: marks })),
      { name: 'Thể dục', exempt: 'HK1' as const, hk2: { regular: ['CĐ', 'CĐ'], periodic: ['CĐ'], final: 'CĐ' } },
    ];
    const a = computeStudentYear({ regime: 'TT58', subjects, conduct: { hk1: 'Tốt', hk2: 'Tốt', year: 'Tốt' } });
    expect(a.rankings.hk1?.final).toBe('Giỏi');
    const b = computeStudentYear({ regime: 'TT58', subjects, conduct: { hk1: 'Tốt', hk2: 'Tốt', year: 'Tốt' }, options: { 'A-58-EXEMPT-SEM': 'keep' } });
    expect(b.rankings.hk1?.final).toBe('Trung bình');
  });

  test('A-LIST-ORDER: catalogue order (default) vs alphabetical (vi collation)', () => {
    const s = scored([['Toán', '4.0'], ['Địa lí', '4.0'], ['Anh văn', '4.0']]);
    expect(eligibleRetestSubjects({ regime: 'TT58', subjects: s }).map((e) => e.name)).toEqual(['Toán', 'Địa lí', 'Anh văn']);
    expect(eligibleRetestSubjects({ regime: 'TT58', subjects: s, options: { 'A-LIST-ORDER': 'alphabetical' } }).map((e) => e.name)).toEqual(['Anh văn', 'Địa lí', 'Toán']);
  });

  test('results carry the option values they were computed with', () => {
    const r = rankLearning({ regime: 'TT22', subjects: fill('M', 8, '8.0'), options: { 'A-22-ADJ': 'one-below-baseline' } });
    expect(r.options['A-22-ADJ']).toBe('one-below-baseline');
    expect(r.options['A-ROUND-1']).toBe('half-up');
  });
  test('unknown option id or value → RULES_INVALID_OPTION', () => {
    expect(() => resolveOptions({ 'A-XYZ': 'x' } as never)).toThrow(expect.objectContaining({ code: 'RULES_INVALID_OPTION' }));
    expect(() => resolveOptions({ 'A-22-ADJ': 'x' } as never)).toThrow(expect.objectContaining({ code: 'RULES_INVALID_OPTION' }));
  });
});
