/**
 * Conduct (TT58 hạnh kiểm) and training (TT22 rèn luyện) per semester, entered by the homeroom teacher.
 * The year result is a human judgement under TT58 (semester II offered only as a suggestion, Điều 3.2 via
 * yearConduct58) and computed under TT22 (Điều 8.2.b via yearTraining22) — so a TT22 year entry is refused.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { CONDUCT_58, LEVELS_22, yearConduct58, yearTraining22, isRulesError, renderExplanationVi, type Regime, type RuleOptions } from '../rules';
import { assertYearNotFrozen, authoriseClassView, authoriseHomeroomWrite, classFor, type ClassContext } from '../results/class-context';
import { err } from '../results/errors';

export type ConductTerm = 'HK1' | 'HK2' | 'CN';
export interface ConductEntry { level: string; comment: string; version: number }
export type ConductByEnrolment = Map<number, Partial<Record<ConductTerm, ConductEntry>>>;

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
const ABBREV_58: Record<string, string> = { t: 'Tốt', k: 'Khá', tb: 'Trung bình', y: 'Yếu' };
const ABBREV_22: Record<string, string> = { t: 'Tốt', k: 'Khá', d: 'Đạt', cd: 'Chưa đạt' };

export const levelsOf = (regime: Regime): readonly string[] => (regime === 'TT22' ? LEVELS_22 : CONDUCT_58);

/** The regime's level for what was typed ("Tb", "tốt", "CĐ"), or null when the regime has no such level. */
export function parseLevel(regime: Regime, input: string): string | null {
  const f = fold(input);
  const levels = levelsOf(regime);
  const abbrev = regime === 'TT22' ? ABBREV_22 : ABBREV_58;
  return levels.find((l) => fold(l) === f) ?? abbrev[f] ?? null;
}

export async function loadConduct(db: Kysely<DB>, enrolmentIds: readonly number[]): Promise<ConductByEnrolment> {
  const out: ConductByEnrolment = new Map();
  if (!enrolmentIds.length) return out;
  const rows = await db.selectFrom('conduct').select(['enrolment_id', 'term', 'level', 'comment', 'version']).where('enrolment_id', 'in', enrolmentIds).execute();
  for (const r of rows) {
    const m = out.get(Number(r.enrolment_id)) ?? {};
    m[r.term] = { level: r.level, comment: r.comment, version: r.version };
    out.set(Number(r.enrolment_id), m);
  }
  return out;
}

export interface YearConductView { level: string | null; computed: boolean; suggestion: string | null; explanationVi: string }

/** The year's conduct/training as the regulation defines it, from the stored semester entries. */
export function yearConductOf(regime: Regime, e: Partial<Record<ConductTerm, ConductEntry>> | undefined, options?: RuleOptions): YearConductView {
  const hk1 = e?.HK1?.level ?? null;
  const hk2 = e?.HK2?.level ?? null;
  try {
    if (regime === 'TT22') {
      if (!hk1 || !hk2) return { level: null, computed: true, suggestion: null, explanationVi: 'Chưa đủ kết quả rèn luyện hai học kỳ để tính cả năm (TT22 Điều 8.2.b).' };
      const y = yearTraining22(hk1, hk2);
      return { level: y.value, computed: true, suggestion: null, explanationVi: renderExplanationVi(y.explanation) };
    }
    const y = yearConduct58({ hk1, hk2, year: e?.CN?.level ?? null }, options, regime);
    return { level: y.value, computed: false, suggestion: y.suggestion, explanationVi: renderExplanationVi(y.explanation) };
  } catch (x) {
    if (isRulesError(x)) return { level: null, computed: regime === 'TT22', suggestion: null, explanationVi: x.vi };
    throw x;
  }
}

export interface ConductSheet {
  classId: number;
  className: string;
  schoolYearName: string;
  regime: Regime;
  levels: readonly string[];
  canWrite: boolean;
  rows: Array<{ enrolmentId: number; name: string; left: boolean; HK1: ConductEntry | null; HK2: ConductEntry | null; CN: ConductEntry | null; year: YearConductView }>;
}

export async function loadConductSheet(db: Kysely<DB>, session: Session, classId: number): Promise<ConductSheet> {
  const c = await classFor(db, session, classId);
  authoriseClassView(session, c);
  const all = await loadConduct(db, c.students.map((s) => s.enrolmentId));
  return {
    classId: c.classId,
    className: c.className,
    schoolYearName: c.schoolYearName,
    regime: c.regime,
    levels: levelsOf(c.regime),
    canWrite: c.homeroomPersonId === session.personId,
    rows: c.students.map((s) => {
      const e = all.get(s.enrolmentId);
      return { enrolmentId: s.enrolmentId, name: s.displayName, left: s.leftOn !== null, HK1: e?.HK1 ?? null, HK2: e?.HK2 ?? null, CN: e?.CN ?? null, year: yearConductOf(c.regime, e, c.options) };
    }),
  };
}

export interface ConductChange { enrolmentId: number; term: ConductTerm; level: string; comment: string; version: number }

export async function saveConduct(db: Kysely<DB>, session: Session, classId: number, changes: readonly ConductChange[]): Promise<{ saved: number }> {
  const c: ClassContext = await classFor(db, session, classId);
  await authoriseHomeroomWrite(db, session, c, 'conduct.enter');
  await assertYearNotFrozen(db, c);
  const students = new Map(c.students.map((s) => [s.enrolmentId, s]));
  const parsed: Array<ConductChange & { level: string }> = [];
  for (const ch of changes) {
    const st = students.get(ch.enrolmentId);
    if (!st) throw err('CONDUCT_NOT_ENROLLED', 'bad_request', `Học sinh (mã ghi danh ${ch.enrolmentId}) không thuộc lớp ${c.className}.`, 'Student not in this class.');
    if (c.regime === 'TT22' && ch.term === 'CN') {
      throw err('CONDUCT_YEAR_COMPUTED', 'bad_request', 'Theo TT22, kết quả rèn luyện cả năm được tính từ hai học kỳ (Điều 8.2.b), không nhập tay.', 'Under TT22 the year training result is computed.');
    }
    const level = parseLevel(c.regime, ch.level);
    if (!level) {
      throw err('CONDUCT_INVALID_LEVEL', 'bad_request', `Mức "${ch.level}" không có trong ${c.regime === 'TT22' ? 'kết quả rèn luyện theo TT22' : 'hạnh kiểm theo TT58'}: chỉ dùng ${levelsOf(c.regime).join(', ')}.`, `Level "${ch.level}" does not exist in ${c.regime}.`, { level: ch.level, allowed: levelsOf(c.regime) });
    }
    parsed.push({ ...ch, level });
  }
  await db.transaction().execute(async (trx) => {
    for (const ch of parsed) {
      const old = await trx.selectFrom('conduct').select(['id', 'level', 'comment', 'version']).where('enrolment_id', '=', ch.enrolmentId).where('term', '=', ch.term).forUpdate().executeTakeFirst();
      if ((old?.version ?? 0) !== ch.version) {
        throw err('CONDUCT_CONFLICT', 'conflict', `Người khác vừa sửa đánh giá của ${students.get(ch.enrolmentId)!.displayName} (${ch.term}); hãy tải lại trang.`, 'Changed by someone else; reload.', { current: old ? { level: old.level, version: old.version } : null });
      }
      if (old && old.level === ch.level && old.comment === ch.comment) continue;
      if (old) await trx.updateTable('conduct').set({ level: ch.level, comment: ch.comment, regime: c.regime, version: sql`version + 1`, updated_by: session.personId, updated_at: new Date() }).where('id', '=', old.id).execute();
      else await trx.insertInto('conduct').values({ enrolment_id: ch.enrolmentId, term: ch.term, regime: c.regime, level: ch.level, comment: ch.comment, updated_by: session.personId }).execute();
      await appendAudit(trx, {
        schoolId: c.schoolId,
        actor: { personId: session.personId, role: 'homeroom_teacher' },
        action: 'conduct.enter',
        entity: 'conduct',
        entityId: `${ch.enrolmentId}/${ch.term}`,
        oldValue: old ? { level: old.level } : null,
        newValue: { level: ch.level, commented: ch.comment.length > 0 },
        source: 'grid',
      });
    }
  });
  return { saved: parsed.length };
}
