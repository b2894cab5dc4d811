/**
 * Statistics (issue 6.6): per class, per grade and for the school, counts of learning levels, conduct/training
 * levels and subject averages by band — built from the same per-class results (the rules engine), so the
 * figures cannot disagree with the results pages. Board: every class of the open years; homeroom: own classes.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { listVisibleClasses } from '../gradebook/class-summary';
import { loadClassResults, type Period } from './results-service';

export const BANDS = [
  { key: '<3.5', from: 0, to: 35 },
  { key: '3.5–<5', from: 35, to: 50 },
  { key: '5–<6.5', from: 50, to: 65 },
  { key: '6.5–<8', from: 65, to: 80 },
  { key: '8–10', from: 80, to: 101 },
] as const;

export interface Tally {
  label: string;
  regime: string;
  students: number;
  learning: Record<string, number>;
  conduct: Record<string, number>;
  /** subject → band → count (scored subjects only) */
  bands: Record<string, Record<string, number>>;
}

const bump = (m: Record<string, number>, k: string, n = 1) => { m[k] = (m[k] ?? 0) + n; };
const NONE = 'Chưa xếp loại';

function merge(into: Tally, t: Tally): void {
  into.students += t.students;
  for (const [k, v] of Object.entries(t.learning)) bump(into.learning, k, v);
  for (const [k, v] of Object.entries(t.conduct)) bump(into.conduct, k, v);
  for (const [s, b] of Object.entries(t.bands)) for (const [k, v] of Object.entries(b)) bump((into.bands[s] ??= {}), k, v);
}

export async function loadStatistics(db: Kysely<DB>, session: Session, period: Period): Promise<{ period: Period; classes: Tally[]; grades: Tally[]; school: Tally[] }> {
  const classes = await listVisibleClasses(db, session);
  const perClass: Array<Tally & { grade: number }> = [];
  for (const c of classes) {
    const r = await loadClassResults(db, session, c.id, period);
    const t: Tally & { grade: number } = { label: `Lớp ${r.className}`, regime: r.regime, grade: r.grade, students: 0, learning: {}, conduct: {}, bands: {} };
    for (const row of r.rows) {
      if (row.left) continue;
      t.students += 1;
      bump(t.learning, row.learning.text ?? NONE);
      bump(t.conduct, row.conduct.text ?? NONE);
      row.subjects.forEach((cell, i) => {
        const tenths = cell.text && /^\d+(,\d)?$/.test(cell.text) ? Math.round(Number(cell.text.replace(',', '.')) * 10) : null;
        if (tenths === null) return;
        const band = BANDS.find((b) => tenths >= b.from && tenths < b.to)!;
        bump((t.bands[r.subjects[i]!.name] ??= {}), band.key);
      });
    }
    perClass.push(t);
  }
  // Levels of different regimes do not mean the same thing: grade and school totals are kept per regime.
  const group = (key: (t: Tally & { grade: number }) => string, label: (t: Tally & { grade: number }) => string): Tally[] => {
    const m = new Map<string, Tally>();
    for (const t of perClass) {
      const k = key(t);
      const g = m.get(k) ?? { label: label(t), regime: t.regime, students: 0, learning: {}, conduct: {}, bands: {} };
      merge(g, t);
      m.set(k, g);
    }
    return [...m.values()];
  };
  return {
    period,
    classes: perClass,
    grades: group((t) => `${t.grade}|${t.regime}`, (t) => `Khối ${t.grade}`),
    school: group((t) => t.regime, () => 'Toàn trường'),
  };
}
