import { countAbsences, resolveOptions, isRulesError } from '../../src/rules';
import { absenceRecordsByPlan, defaultWeekPlan, parseWeekPlan, planSessions, sessionsOn, type SessionAbsence, type WeekPlan } from '../../src/rules/attendance-plan';

/**
 * A-22-ABS with a week plan. Plan: Monday–Friday morning main + afternoon extra, Saturday morning main.
 * 2024-09-09 is a Monday, 09-10 Tuesday, 09-11 Wednesday, 09-14 Saturday (worked out on a calendar).
 */
const plan: WeekPlan = { 1: { sang: 'main', chieu: 'extra' }, 2: { sang: 'main', chieu: 'extra' }, 3: { sang: 'main', chieu: 'extra' }, 4: { sang: 'main', chieu: 'extra' }, 5: { sang: 'main', chieu: 'extra' }, 6: { sang: 'main' } };
const absences: SessionAbsence[] = [
  { date: '2024-09-09', session: 'sang' },
  { date: '2024-09-09', session: 'chieu' },
  { date: '2024-09-10', session: 'chieu' },
  { date: '2024-09-11', session: 'sang' },
  { date: '2024-09-14', session: 'sang' },
];
const count = (mode: 'one-per-day' | 'every-session' | 'main-sessions-only', p: WeekPlan = plan, regime: 'TT22' | 'TT58' = 'TT22') =>
  countAbsences(regime, absenceRecordsByPlan(p, absences), resolveOptions({ 'A-22-ABS': mode }));

describe('absences counted by the week plan (A-22-ABS)', () => {
  it('one per day: 9, 10, 11 and 14 September → 4', () => {
    expect(count('one-per-day')).toBe(4);
  });
  it('every session: 2 + 1 + 1 + 1 → 5', () => {
    expect(count('every-session')).toBe(5);
  });
  it('main sessions only: 10 Sep (afternoon, extra) does not count → 3', () => {
    expect(count('main-sessions-only')).toBe(3);
  });
  it('a class whose Tuesday afternoon is a main session → 4 (10 Sep counts)', () => {
    expect(count('main-sessions-only', { ...plan, 2: { sang: 'main', chieu: 'main' } })).toBe(4);
  });
  it('TT58 counts every session whatever the option → 5', () => {
    expect(count('main-sessions-only', plan, 'TT58')).toBe(5);
  });
  it('a session the plan does not hold (Saturday afternoon) counts as main', () => {
    const recs = absenceRecordsByPlan(plan, [{ date: '2024-09-14', session: 'chieu' }]);
    expect(recs).toEqual([{ date: '2024-09-14', sessions: 1, main: true }]);
  });
  it('records per day: sessions missed and whether one was main', () => {
    expect(absenceRecordsByPlan(plan, absences)).toEqual([
      { date: '2024-09-09', sessions: 2, main: true },
      { date: '2024-09-10', sessions: 1, main: false },
      { date: '2024-09-11', sessions: 1, main: true },
      { date: '2024-09-14', sessions: 1, main: true },
    ]);
  });
});

describe('week plan', () => {
  it('default plan: the school weekdays, mornings (and afternoons) all main', () => {
    expect(defaultWeekPlan([1, 2, 3, 4, 5, 6], false)[6]).toEqual({ sang: 'main' });
    expect(defaultWeekPlan([1, 2], true)).toEqual({ 1: { sang: 'main', chieu: 'main' }, 2: { sang: 'main', chieu: 'main' } });
  });
  it('sessions per weekday and over the week', () => {
    expect(sessionsOn(plan, 1)).toEqual(['sang', 'chieu']);
    expect(sessionsOn(plan, 6)).toEqual(['sang']);
    expect(sessionsOn(plan, 0)).toEqual([]);
    expect(planSessions({ 6: { sang: 'main' } })).toEqual(['sang']);
    expect(planSessions(plan)).toEqual(['sang', 'chieu']);
  });
  it('parses a stored plan and refuses bad ones with a Vietnamese message', () => {
    expect(parseWeekPlan({ '1': { sang: 'main' }, '0': {} })).toEqual({ 1: { sang: 'main' } });
    const refuse = (raw: unknown, vi: string) => {
      try {
        parseWeekPlan(raw);
        throw new Error('accepted');
      } catch (e) {
        expect(isRulesError(e) && e.code === 'RULES_INVALID_INPUT' && e.vi.includes(vi)).toBe(true);
      }
    };
    refuse({ '7': { sang: 'main' } }, 'Thứ trong tuần');
    refuse({ '1': { toi: 'main' } }, 'Buổi không hợp lệ');
    refuse({ '1': { sang: 'half' } }, 'Loại buổi');
    refuse({ '1': { sang: 'extra' } }, 'ít nhất một buổi chính khoá');
    refuse([], 'không hợp lệ');
  });
});
