import {
  applyRetest,
  award22,
  computeYearAverage,
  decideYearOutcome,
  eligibleRetestSubjects,
  rankLearning,
  requiredAssessments,
  RulesError,
  selectRegime,
  summerTrainingOutcome,
  title58,
  yearConduct58,
  yearTraining22,
  type LearningRank22,
  type PartialRuleOptions,
  type RankingSubjectInput,
} from '../../src/rules';
import { commented, fill, scored } from './helpers';

const rank22 = (subjects: RankingSubjectInput[], options?: PartialRuleOptions): LearningRank22 =>
  rankLearning({ regime: 'TT22', subjects, ...(options ? { options } : {}) }) as LearningRank22;
const eight = (last: string) => scored([['Toán', '9.0'], ['Ngữ văn', '8.5'], ['Ngoại ngữ', '8.5'], ['KHTN', '8.0'], ['LS-ĐL', '8.0'], ['GDCD', '8.0'], ['Công nghệ', '8.0'], ['Tin học', last]]);
const comments22 = commented([['GDTC', 'Đạt'], ['Nghệ thuật', 'Đạt'], ['HĐTN-HN', 'Đạt'], ['NDGDĐP', 'Đạt']]);

describe('TT22 Điều 9.2 levels', () => {
  test.each([
    ['Tốt: all ≥ 6.5, 7 ≥ 8.0', eight('7.0'), 'Tốt'],
    ['Khá: all ≥ 5.0, ≥ 6 subjects ≥ 6.5 (one 8.0-count short)', scored([['A', '7.0'], ['B', '7.0'], ['C', '7.0'], ['D', '7.0'], ['E', '7.0'], ['F', '7.0'], ['G', '5.0'], ['H', '5.0']]), 'Khá'],
    ['Đạt: ≥ 6 subjects ≥ 5.0, none < 3.5', scored([['A', '5.0'], ['B', '5.0'], ['C', '5.0'], ['D', '5.0'], ['E', '5.0'], ['F', '5.0'], ['G', '4.0'], ['H', '3.5']]), 'Đạt'],
    ['Chưa đạt: only 5 subjects ≥ 5.0', scored([['A', '5.0'], ['B', '5.0'], ['C', '5.0'], ['D', '5.0'], ['E', '5.0'], ['F', '4.9'], ['G', '4.0'], ['H', '4.0']]), 'Chưa đạt'],
  ] as const)('%s', (_c, subjects, expected) => {
    const r = rank22([...subjects, ...comments22]);
    expect(r.strict).toBe(expected);
  });
});

describe('§6 worked examples 8–10 (TT22)', () => {
  test('example 8 (TT22-14): Tin học 4.5 → strict Đạt (7 ≥ 5.0, none < 3.5); without it Tốt → 9.3 → Khá', () => {
    const r = rank22([...eight('4.5'), ...comments22]);
    expect(r.strict).toBe('Đạt');
    expect(r.final).toBe('Khá');
    expect(r.adjustedBy).toBe('9.3');
    expect(r.baseline).toBe('Tốt');
    expect(r.offenders).toEqual(['Tin học']);
  });
  test('example 9 (TT22-15): Tin học 3.0 → strict Chưa đạt; A-22-ADJ default one above computed → Đạt', () => {
    const r = rank22([...eight('3.0'), ...comments22]);
    expect(r.strict).toBe('Chưa đạt');
    expect(r.final).toBe('Đạt');
  });
  test('example 9 alternative A-22-ADJ = one-below-baseline → Khá', () => {
    expect(rank22([...eight('3.0'), ...comments22], { 'A-22-ADJ': 'one-below-baseline' }).final).toBe('Khá');
  });
  const ten = ['9.0', '9.2', '9.0', '9.5', '9.0', '9.1', '8.0', '8.5', '8.9'];
  test('example 10 (TT22-34): six subjects ≥ 9.0 (9.0, 9.2, 9.0, 9.5, 9.0, 9.1) → Học sinh Xuất sắc', () => {
    expect(award22('Tốt', 'Tốt', ten).title).toBe('Học sinh Xuất sắc');
  });
  test('example 10 (TT22-35): Lịch sử 8.9 instead of 9.5 → five → Học sinh Giỏi', () => {
    const r = award22('Tốt', 'Tốt', ten.map((v) => (v === '9.5' ? '8.9' : v)));
    expect(r.title).toBe('Học sinh Giỏi');
    expect(r.subjectsAtLeast9).toBe(5);
  });
  test('example 10 (TT22-07): a subject at (8.9 + 2·9.0)/3 = 8.967 → 9.0 counts', () => {
    const y = computeYearAverage('TT22', '8.9', '9.0');
    const r = award22('Tốt', 'Tốt', ['9.0', '9.2', '9.0', '9.0', '9.1', y, '8.0']);
    expect(r.title).toBe('Học sinh Xuất sắc');
  });
});

describe('§6 worked example 6 (TT58-41): re-test, the student chooses', () => {
  // 11 scored: Toán 3.8, Văn 4.8, NN 4.5, 6×5.4, 2×5.3 → 13.1 + 32.4 + 10.6 = 56.1, /11 = 5.1
  const subjects = [...scored([['Toán', '3.8'], ['Ngữ văn', '4.8'], ['Ngoại ngữ', '4.5']]), ...fill('A', 6, '5.4'), ...fill('B', 2, '5.3'), ...commented([['Thể dục', 'Đ']])];
  test('year: key max(3.8, 4.8) < 5.0 → Yếu; conduct Khá → re-test (TT58 Điều 16)', () => {
    const r = rankLearning({ regime: 'TT58', subjects });
    expect(r.regime === 'TT58' && r.overallAverage.averageText).toBe('5.1');
    expect(r.final).toBe('Yếu');
    expect(decideYearOutcome({ regime: 'TT58', learning: r.final, conduct: 'Khá', absences: 3 }).outcome).toBe('retest');
  });
  test('eligible: Toán 3.8, Ngữ văn 4.8, Ngoại ngữ 4.5 (ĐTBmcn < 5.0), catalogue order', () => {
    expect(eligibleRetestSubjects({ regime: 'TT58', subjects }).map((e) => e.name)).toEqual(['Toán', 'Ngữ văn', 'Ngoại ngữ']);
  });
  test('re-test Toán 6.0 replaces its ĐTBmcn: 58.3/11 = 5.3, key 6.0, min 4.5 → Trung bình → promoted', () => {
    const r = applyRetest({ regime: 'TT58', subjects, retests: { Toán: '6.0' } });
    expect(r.rank.regime === 'TT58' && r.rank.overallAverage.averageText).toBe('5.3');
    expect(r.rank.final).toBe('Trung bình');
    expect(r.outcome).toBe('promoted');
  });
  test('A-58-RETEST = all-eligible refuses a subset', () => {
    expect(() => applyRetest({ regime: 'TT58', subjects, retests: { Toán: '6.0' }, options: { 'A-58-RETEST': 'all-eligible' } })).toThrow(expect.objectContaining({ code: 'RULES_RETEST_INCOMPLETE' }));
  });
  test('a non-eligible subject is refused (RULES_RETEST_NOT_ELIGIBLE)', () => {
    expect(() => applyRetest({ regime: 'TT58', subjects, retests: { 'A 1': '9.0' } })).toThrow(RulesError);
  });
});

describe('year outcome TT58 Điều 15–17 (§2.11 table, in order)', () => {
  test.each([
    ['Khá', 'Tốt', 45, 'promoted', '15.1; 45 allowed'],
    ['Khá', 'Tốt', 46, 'repeat', '15.2.a; 46 not allowed'],
    ['Kém', 'Tốt', 0, 'repeat', '15.2.b'],
    ['Yếu', 'Yếu', 0, 'repeat', '15.2.b'],
    ['Yếu', 'Trung bình', 0, 'retest', 'Điều 16'],
    ['Trung bình', 'Yếu', 0, 'summer-training', 'Điều 17'],
    ['Trung bình', 'Trung bình', 0, 'promoted', '15.1'],
  ] as const)('HL %s, HK %s, %i absences → %s (%s)', (learning, conduct, absences, outcome, _article) => {
    expect(decideYearOutcome({ regime: 'TT58', learning, conduct, absences }).outcome).toBe(outcome);
  });
  test('year conduct not yet decided → pending (TT58 Điều 20.3)', () => {
    expect(decideYearOutcome({ regime: 'TT58', learning: 'Khá', conduct: null }).outcome).toBe('pending');
  });
  test('summer training: certified and re-ranked Trung bình → promoted; not certified → repeat (Điều 17, 15.2.d)', () => {
    expect(summerTrainingOutcome({ regime: 'TT58', completed: true, reEvaluated: 'Trung bình' }).outcome).toBe('promoted');
    expect(summerTrainingOutcome({ regime: 'TT58', completed: false }).outcome).toBe('repeat');
    expect(summerTrainingOutcome({ regime: 'TT22', completed: true, reEvaluated: 'Đạt' }).outcome).toBe('promoted');
  });
});

describe('year outcome TT22 Điều 12–14 (§4.6)', () => {
  test.each([
    ['Khá', 'Tốt', 45, 'promoted'],
    ['Khá', 'Tốt', 46, 'repeat'],
    ['Đạt', 'Chưa đạt', 0, 'summer-training'],
    ['Chưa đạt', 'Đạt', 0, 'retest'],
    ['Chưa đạt', 'Chưa đạt', 0, 'repeat'],
  ] as const)('HT %s, RL %s, %i absences → %s', (learning, training, absences, outcome) => {
    expect(decideYearOutcome({ regime: 'TT22', learning, training, absences }).outcome).toBe(outcome);
  });
  test('grade 9 promoted = programme completed', () => {
    expect(decideYearOutcome({ regime: 'TT22', learning: 'Tốt', training: 'Tốt', grade: 9 }).completesProgramme).toBe(true);
  });
  test('re-assessment of all eligible subjects (A-22-RETEST-SET = all): Toán 4.0 → 6.0 with others Khá-level gives Khá', () => {
    const subjects = [...scored([['Toán', '4.0'], ['Ngữ văn', '3.0']]), ...fill('M', 6, '7.0'), ...comments22];
    // strict: 6 ≥ 5.0 but 3.0 < 3.5 → Chưa đạt; baseline Khá? two offenders (< 5.0) → none → Chưa đạt
    expect(rank22(subjects).final).toBe('Chưa đạt');
    expect(() => applyRetest({ regime: 'TT22', subjects, retests: { Toán: '6.0' } })).toThrow(expect.objectContaining({ code: 'RULES_RETEST_INCOMPLETE' }));
    const r = applyRetest({ regime: 'TT22', subjects, retests: { Toán: '6.0', 'Ngữ văn': '5.0' } });
    // after: 6.0, 5.0, 6×7.0 → all ≥ 5.0 and 6 ≥ 6.5 → Khá
    expect(r.rank.final).toBe('Khá');
    expect(r.outcome).toBe('promoted');
  });
});

describe('conduct and training (TT58 Điều 20.3; TT22 Điều 8.2.b)', () => {
  test.each([
    ['Tốt', 'Tốt', 'Tốt'], ['Khá', 'Tốt', 'Tốt'], ['Đạt', 'Tốt', 'Khá'], ['Chưa đạt', 'Tốt', 'Khá'],
    ['Tốt', 'Khá', 'Khá'], ['Chưa đạt', 'Khá', 'Đạt'],
    ['Tốt', 'Đạt', 'Khá'], ['Khá', 'Đạt', 'Đạt'], ['Chưa đạt', 'Đạt', 'Đạt'],
    ['Tốt', 'Chưa đạt', 'Chưa đạt'],
  ] as const)('TT22 HK I %s, HK II %s → %s', (a, b, y) => {
    expect(yearTraining22(a, b).value).toBe(y);
  });
});

describe('titles TT58 Điều 18', () => {
  test.each([
    ['Tốt', 'Giỏi', 'Học sinh giỏi'],
    ['Khá', 'Giỏi', 'Học sinh tiên tiến'],
    ['Tốt', 'Khá', 'Học sinh tiên tiến'],
    ['Trung bình', 'Giỏi', null],
    ['Tốt', 'Trung bình', null],
  ] as const)('HK %s, HL %s → %s', (c, l, t) => {
    expect(title58(c, l).title).toBe(t);
  });
});

describe('regime selection (TT22 Điều 21 roadmap; TT26 from 11/10/2020)', () => {
  test.each([
    ['2016-2017', 6, 'TT58'], ['2019-20', 12, 'TT58'], ['2020-2021', 6, 'TT58_TT26'], ['2021-2022', 6, 'TT22'], ['2021-2022', 7, 'TT58_TT26'],
    ['2022-2023', 7, 'TT22'], ['2022-2023', 10, 'TT22'], ['2022-2023', 8, 'TT58_TT26'], ['2023-2024', 8, 'TT22'], ['2023-2024', 11, 'TT22'],
    ['2023-2024', 9, 'TT58_TT26'], ['2023-2024', 12, 'TT58_TT26'], ['2024-2025', 9, 'TT22'], ['2024-2025', 12, 'TT22'], [2025, 10, 'TT22'],
  ] as const)('%s grade %i → %s', (y, g, r) => {
    expect(selectRegime({ schoolYear: y, grade: g }).regime).toBe(r);
  });
  test('2020-21 before 11/10/2020 → TT58; override wins', () => {
    expect(selectRegime({ schoolYear: '2020-2021', grade: 8, asOf: '2020-10-10' }).regime).toBe('TT58');
    expect(selectRegime({ schoolYear: '2020-2021', grade: 8, asOf: '2020-10-11' }).regime).toBe('TT58_TT26');
    expect(selectRegime({ schoolYear: '2023-2024', grade: 9, override: 'TT22' }).regime).toBe('TT22');
  });
});

describe('required assessments', () => {
  test.each([
    [{ regime: 'TT58', periodsPerWeek: 1 }, 2, 'TT58 8.2: ≤ 1 period/week'],
    [{ regime: 'TT58', periodsPerWeek: '1,5' }, 3, 'TT58 8.2: > 1 and < 3'],
    [{ regime: 'TT58', periodsPerWeek: 3 }, 4, 'TT58 8.2: ≥ 3'],
    [{ regime: 'TT58_TT26', periodsPerYear: 35 }, 2, 'TT26: ≤ 35'],
    [{ regime: 'TT58_TT26', periodsPerYear: 70 }, 3, 'TT26: > 35 to 70'],
    [{ regime: 'TT22', periodsPerYear: 105 }, 4, 'TT22 Điều 6: > 70'],
    [{ regime: 'TT22', periodsPerYear: 30 }, 2, 'A-22-35: fewer than 35 → 2'],
    [{ regime: 'TT22', assessment: 'comment' }, 2, 'TT22 Điều 6: comment subjects 2'],
  ] as const)('%j → %i regular (%s)', (input, n, _why) => {
    expect(requiredAssessments(input).regular).toBe(n);
  });
});

describe('TT58 conduct is a human input (A-58-CONDUCT)', () => {
  test('default: no year conduct → pending with HK II as suggestion', () => {
    const r = yearConduct58({ hk1: 'Khá', hk2: 'Tốt' });
    expect(r.value).toBeNull();
    expect(r.suggestion).toBe('Tốt');
  });
});
