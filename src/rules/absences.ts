/**
 * Absences for promotion: "không quá 45 buổi" (TT58 Điều 15.1; TT22 Điều 12.1.c), excused and unexcused,
 * continuous or not. TT22 counts on the 1-session-per-day plan (A-22-ABS).
 */
import { RulesError } from './errors';
import { parseIsoDate, type IsoDateParts, type Regime } from './regime';
import type { RuleOptions } from './options';

export interface AbsenceRecord {
  /** 'YYYY-MM-DD' or {year, month, day}. */
  readonly date: string | IsoDateParts;
  /** Sessions (buổi) missed that day; default 1. */
  readonly sessions?: number;
  /** Whether a main-curriculum session was missed (A-22-ABS = main-sessions-only); default true. */
  readonly main?: boolean;
}

export type AbsenceInput = number | readonly AbsenceRecord[];

export const MAX_ABSENCES = 45;

export function countAbsences(regime: Regime, a: AbsenceInput | undefined, o: RuleOptions): number {
  if (a === undefined) return 0;
  if (typeof a === 'number') {
    if (!Number.isInteger(a) || a < 0) throw new RulesError('RULES_INVALID_INPUT', `Số buổi nghỉ ${a} không hợp lệ`, `Invalid number of absences ${a}`);
    return a;
  }
  const mode = regime === 'TT22' ? o['A-22-ABS'] : 'every-session';
  const days = new Set<string>();
  let total = 0;
  for (const r of a) {
    const d = parseIsoDate(r.date);
    const key = `${d.year}-${d.month}-${d.day}`;
    const sessions = r.sessions ?? 1;
    if (!Number.isInteger(sessions) || sessions < 0) throw new RulesError('RULES_INVALID_INPUT', 'Số buổi nghỉ trong ngày không hợp lệ', 'Invalid sessions count');
    if (sessions === 0) continue;
    if (mode === 'every-session') total += sessions;
    else if (mode === 'one-per-day') days.add(key);
    else if (r.main !== false) days.add(key);
  }
  return mode === 'every-session' ? total : days.size;
}
