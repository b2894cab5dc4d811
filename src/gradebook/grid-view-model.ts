/**
 * The grid as the page and the JSON endpoint see it: columns of the chosen term with their lock,
 * one row per student in Vietnamese order, cells with their version, averages with explanations.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { compareColumns, requiredRegular, addableKinds } from './column-layout';
import { loadColumns, loadScores, loadStudents, loadTerms, loadUpdatePoints, type ClassSubjectContext, type ColumnRow, type ScoreRow, type TermRow } from './grid-repository';
import { lockFor, lockReasonVi, type LockInfo } from './locks';
import { displayCell, type CellValue } from './score-input';
import { compareVietnameseNames, computeRowAverages, type RowAverages, type SubjectFacts } from './averages';
import { authoriseGridRead, sameSchool, type GridAccess } from './access';
import { ensureDefaultColumns } from './columns';
import { gridErrors } from './errors';
import { ratingLabel } from '../rules';

export interface GridColumn {
  readonly id: number;
  readonly kind: ColumnRow['kind'];
  readonly label: string;
  readonly coefficient: number;
  readonly valueType: 'score' | 'rating';
  readonly integerOnly: boolean;
  readonly lock: { pointId: number; label: string; deadline: string; reasonVi: string } | null;
}

export interface GridCell {
  readonly text: string;
  readonly version: number;
}

export interface GridRow {
  readonly enrolmentId: number;
  readonly name: string;
  readonly code: string | null;
  readonly left: boolean;
  readonly leftOn: string | null;
  readonly cells: Record<number, GridCell>;
  readonly averages: RowAverages;
  readonly warningVi: string | null;
}

export interface GridView {
  readonly ctx: ClassSubjectContext;
  readonly access: GridAccess;
  readonly terms: readonly TermRow[];
  readonly term: TermRow;
  readonly columns: readonly GridColumn[];
  readonly rows: readonly GridRow[];
  readonly requiredRegular: number;
  readonly requiredExplanationVi: string;
  readonly addableKinds: readonly string[];
  readonly ratingLabels: readonly string[];
}

export const subjectFacts = (ctx: ClassSubjectContext): SubjectFacts => ({
  regime: ctx.regime,
  assessment: ctx.assessment,
  subjectName: ctx.subjectName,
  requiredRegular: requiredRegular(ctx.regime, ctx.assessment, ctx.periodsPerWeek, ctx.periodsPerYear).regular,
});

export function cellMaps(scores: readonly ScoreRow[]): Map<number, Map<number, ScoreRow>> {
  const byEnrolment = new Map<number, Map<number, ScoreRow>>();
  for (const s of scores) {
    let m = byEnrolment.get(s.enrolmentId);
    if (!m) byEnrolment.set(s.enrolmentId, (m = new Map()));
    m.set(s.columnId, s);
  }
  return byEnrolment;
}

export function averagesFor(ctx: ClassSubjectContext, terms: readonly TermRow[], columns: readonly ColumnRow[], enrolmentId: number, cells: ReadonlyMap<number, CellValue> | undefined): RowAverages {
  return computeRowAverages(subjectFacts(ctx), enrolmentId, terms, columns, cells ?? new Map());
}

export function regularWarning(required: number, count: number | undefined, termCode: string): string | null {
  const n = count ?? 0;
  return n < required ? `Mới có ${n}/${required} điểm thường xuyên ${termCode === 'HK1' ? 'học kỳ I' : 'học kỳ II'}.` : null;
}

export async function loadGridView(db: Kysely<DB>, session: Session, ctx: ClassSubjectContext | null, termCode: string | undefined, now = new Date()): Promise<GridView> {
  sameSchool(session, ctx);
  const access = await authoriseGridRead(db, session, ctx);
  const terms = await loadTerms(db, ctx.schoolYearId);
  if (!terms.length) throw gridErrors.badRequest('Năm học chưa có học kỳ nào.', 'The school year has no terms.');
  const term = terms.find((t) => t.code === termCode) ?? terms[0]!;
  if (access === 'write') await ensureDefaultColumns(db, session, ctx, term);
  const [columns, students, points] = await Promise.all([loadColumns(db, [ctx.id]), loadStudents(db, ctx.classId), loadUpdatePoints(db, terms.map((t) => t.id))]);
  const scores = await loadScores(db, columns.map((c) => c.id));
  const byEnrolment = cellMaps(scores);
  const req = requiredRegular(ctx.regime, ctx.assessment, ctx.periodsPerWeek, ctx.periodsPerYear);
  const termCols = columns.filter((c) => c.termId === term.id).sort(compareColumns);
  const gridColumns: GridColumn[] = termCols.map((c) => {
    const l: LockInfo | null = lockFor(c, points, now);
    return {
      id: c.id,
      kind: c.kind,
      label: c.label,
      coefficient: c.coefficient,
      valueType: c.valueType,
      integerOnly: ctx.regime === 'TT58' && c.kind === 'regular' && c.valueType === 'score',
      lock: l ? { pointId: l.pointId, label: l.label, deadline: l.deadline.toISOString(), reasonVi: lockReasonVi(l) } : null,
    };
  });
  const rows: GridRow[] = [...students].sort(compareVietnameseNames).map((st) => {
    const mine = byEnrolment.get(st.enrolmentId);
    const cells: Record<number, GridCell> = {};
    for (const c of termCols) {
      const s = mine?.get(c.id);
      cells[c.id] = s ? { text: displayCell(s, ctx.regime), version: s.version } : { text: '', version: 0 };
    }
    const averages = averagesFor(ctx, terms, columns, st.enrolmentId, mine);
    return {
      enrolmentId: st.enrolmentId,
      name: st.displayName,
      code: st.personCode,
      left: st.leftOn !== null,
      leftOn: st.leftOn,
      cells,
      averages,
      warningVi: st.leftOn === null ? regularWarning(req.regular, averages.regularCount[term.code], term.code) : null,
    };
  });
  return {
    ctx,
    access,
    terms,
    term,
    columns: gridColumns,
    rows,
    requiredRegular: req.regular,
    requiredExplanationVi: req.explanationVi,
    addableKinds: access === 'write' ? addableKinds(ctx.regime) : [],
    ratingLabels: ctx.assessment === 'comment' ? [ratingLabel('Đ', ctx.regime), ratingLabel('CĐ', ctx.regime)] : [],
  };
}
