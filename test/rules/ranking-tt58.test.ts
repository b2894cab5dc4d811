import { rankLearning, type LearningRank58, type PartialRuleOptions, type RankingSubjectInput, renderExplanationVi } from '../../src/rules';
import { commented, fill, scored } from './helpers';

const rank = (regime: 'TT58' | 'TT58_TT26', subjects: RankingSubjectInput[], options?: PartialRuleOptions, chuyenSubject?: string): LearningRank58 =>
  rankLearning({ regime, subjects, ...(options ? { options } : {}), ...(chuyenSubject ? { chuyenSubject } : {}) }) as LearningRank58;

describe('TT58 Điều 13 strict table (13.1–13.5)', () => {
  test.each([
    // [case, subjects, expected strict, hand check]
    ['13.1 Giỏi', [...scored([['Toán', '8.0'], ['Ngữ văn', '7.0']]), ...fill('M', 8, '8.5')], 'Giỏi', 'A = (8+7+68)/10 = 8.3 ≥ 8; Toán 8.0 ≥ 8; min 7.0 ≥ 6.5'],
    ['13.2 Khá (no key ≥ 8)', [...scored([['Toán', '7.9'], ['Ngữ văn', '7.9']]), ...fill('M', 8, '8.5')], 'Khá', 'A = (15.8 + 68)/10 = 8.38 → 8.4; key 7.9 < 8 → not G; K holds'],
    ['13.3 Trung bình', [...scored([['Toán', '5.0'], ['Ngữ văn', '4.0']]), ...fill('M', 8, '6.0')], 'Trung bình', 'A = (9 + 48)/10 = 5.7; key 5.0; min 4.0 ≥ 3.5'],
    ['13.4 Yếu', [...scored([['Toán', '4.0'], ['Ngữ văn', '4.0']]), ...fill('M', 8, '5.0')], 'Yếu', 'A = 48/10 = 4.8 < 5.0; ≥ 3.5, min 4.0 ≥ 2.0'],
    ['13.5 Kém (average)', [...scored([['Toán', '3.0'], ['Ngữ văn', '3.0']]), ...fill('M', 8, '3.0')], 'Kém', 'A = 3.0 < 3.5'],
    ['13.5 Kém (one subject < 2.0)', [...scored([['Toán', '5.0'], ['Ngữ văn', '1.5']]), ...fill('M', 8, '5.0')], 'Kém', 'A = 46.5/10 = 4.65 → 4.7; min 1.5 < 2.0'],
    ['13.3 boundary 5.0 inclusive (§1.5)', [...scored([['Toán', '5.0'], ['Ngữ văn', '5.0']]), ...fill('M', 8, '5.0')], 'Trung bình', 'A = 5.0 ≥ 5.0'],
  ] as const)('%s', (_c, subjects, expected, _hand) => {
    const r = rank('TT58', [...subjects]);
    expect(r.strict).toBe(expected);
    expect(r.final).toBe(expected);
    expect(r.adjusted).toBe(false);
  });

  test('no subject coefficients (TT58 Điều 11): Toán 10, Văn 10, 8 others 6.0 → A = 68/10 = 6.8, not (40+48)/12 = 7.3', () => {
    const r = rank('TT58', [...scored([['Toán', '10'], ['Ngữ văn', '10']]), ...fill('M', 8, '6.0')]);
    expect(r.overallAverage.averageText).toBe('6.8');
  });
});

describe('§6 worked examples 4, 5, 7 (TT58 Điều 13.6, TT26)', () => {
  // Example 4: 12 subjects; Toán 9.0, Lịch sử 4.0, 5×8.7, 5×8.8 → sum 9 + 4 + 43.5 + 44 = 100.5, /12 = 8.375 → 8.4
  const ex4 = [...scored([['Toán', '9.0'], ['Lịch sử', '4.0'], ['Ngữ văn', '8.7']]), ...fill('A', 4, '8.7'), ...fill('B', 5, '8.8'), ...commented([['Thể dục', 'Đ']])];
  test('example 4 (TT58-19): strict Tb (4.0 < 6.5, < 5.0), average 8.4 at Giỏi level, one subject → 13.6.a Khá', () => {
    const r = rank('TT58', ex4);
    expect(r.overallAverage.averageText).toBe('8.4');
    expect(r.strict).toBe('Trung bình');
    expect(r.final).toBe('Khá');
    expect(r.adjustedBy).toBe('13.6.a');
    expect(r.offenders).toEqual(['Lịch sử']);
    const text = renderExplanationVi(r.explanation);
    expect(text).toContain('Lịch sử');
    expect(text).toContain('Điều 13 khoản 6 điểm a');
  });

  // Example 5: Toán 9.0 + 10×8.3 = 92/11 = 8.36 → 8.4; Thể dục CĐ
  const ex5 = [...scored([['Toán', '9.0'], ['Ngữ văn', '8.3']]), ...fill('M', 9, '8.3'), ...commented([['Thể dục', 'CĐ'], ['Âm nhạc', 'Đ']])];
  test('example 5 (TT58-23): one comment subject CĐ → strict Yếu (G/K/Tb need all Đ), 13.6.b → Trung bình', () => {
    const r = rank('TT58', ex5);
    expect(r.overallAverage.averageText).toBe('8.4');
    expect(r.strict).toBe('Yếu');
    expect(r.final).toBe('Trung bình');
    expect(r.adjustedBy).toBe('13.6.b');
    expect(r.offenders).toEqual(['Thể dục']);
  });

  // Example 7: 7.0 + 7×8.1 + 8.0 + Toán 7.9 + Văn 7.9 + NN 8.5 = 96.0, /12 = 8.0
  const ex7 = [...scored([['Toán', '7.9'], ['Ngữ văn', '7.9'], ['Ngoại ngữ', '8.5'], ['Tin học', '7.0'], ['Công nghệ', '8.0']]), ...fill('M', 7, '8.1')];
  test('example 7 (TT26-04): original TT58 (Toán/Văn ≥ 8.0 needed) → Khá', () => {
    const r = rank('TT58', ex7);
    expect(r.overallAverage.averageText).toBe('8.0');
    expect(r.final).toBe('Khá');
    const failed = r.checks.filter((c) => !c.ok);
    expect(failed[0]?.level).toBe('Giỏi');
    expect(failed[0]?.subjects).toEqual(['Toán', 'Ngữ văn']);
  });
  test('example 7 (TT26-04): after TT26 one of Toán/Văn/Ngoại ngữ ≥ 8.0 → Giỏi (NN 8.5)', () => {
    expect(rank('TT58_TT26', ex7).final).toBe('Giỏi');
  });
});

describe('13.6 adjustment table (only a–d)', () => {
  test.each([
    // [case, subjects, strict, final, clause]
    ['G → Y by one scored subject 3.0 → 13.6.b Tb', [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Sử', '3.0']]), ...fill('M', 9, '9.0')], 'Yếu', 'Trung bình', '13.6.b'],
    ['K → Y by one subject 3.0 → 13.6.c Tb', [...scored([['Toán', '7.5'], ['Ngữ văn', '7.5'], ['Sử', '3.0']]), ...fill('M', 9, '7.5')], 'Yếu', 'Trung bình', '13.6.c'],
    ['K → Kém by one subject 1.0 → 13.6.d Yếu', [...scored([['Toán', '7.5'], ['Ngữ văn', '7.5'], ['Sử', '1.0']]), ...fill('M', 9, '7.5')], 'Kém', 'Yếu', '13.6.d'],
    ['G → K (one level) not adjusted', [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Sử', '6.0']]), ...fill('M', 9, '9.0')], 'Khá', 'Khá', null],
    ['K → Tb (one level) not adjusted', [...scored([['Toán', '7.5'], ['Ngữ văn', '7.5'], ['Sử', '4.0']]), ...fill('M', 9, '7.5')], 'Trung bình', 'Trung bình', null],
    ['G → Tb by two subjects not adjusted', [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Sử', '4.0'], ['Địa', '4.5']]), ...fill('M', 9, '9.5')], 'Trung bình', 'Trung bình', null],
    ['Tb-level average not adjusted', [...scored([['Toán', '6.0'], ['Ngữ văn', '6.0'], ['Sử', '3.0']]), ...fill('M', 9, '6.0')], 'Yếu', 'Yếu', null],
  ] as const)('%s', (_c, subjects, strict, final, by) => {
    // hand averages: (18+3+81)/12 = 8.5; (15+3+67.5)/12 = 7.125 → 7.1; (15+1+67.5)/12 = 6.96 → 7.0; (18+6+81)/12 = 8.75 → 8.8;
    // (15+4+67.5)/12 = 7.2; (18+8.5+85.5)/13 = 8.6; (12+3+54)/12 = 5.75 → 5.8
    const r = rank('TT58', [...subjects]);
    expect(r.strict).toBe(strict);
    expect(r.final).toBe(final);
    expect(r.adjustedBy).toBe(by);
  });
});

describe('THPT chuyên (TT58 Điều 13: môn chuyên ≥ 8.0 / 6.5 / 5.0)', () => {
  test('chuyên Vật lí 7.5 at Giỏi-level: G fails on the chuyên condition → Khá (one level, no adjustment)', () => {
    // A = (7.5 + 11×9.0)/12 = 106.5/12 = 8.875 → 8.9
    const r = rank('TT58', [...scored([['Toán', '9.0'], ['Ngữ văn', '9.0'], ['Vật lí', '7.5']]), ...fill('M', 9, '9.0')], undefined, 'Vật lí');
    expect(r.strict).toBe('Khá');
    expect(r.final).toBe('Khá');
  });
});
