/** Opening the default columns of a term, and a teacher adding one. Both audited, both idempotent under races. */
import { sql, type Kysely } from 'kysely';
import type { ColumnKind, DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { addableKinds, columnSpec, defaultColumns, requiredRegular, type ColumnSpec } from './column-layout';
import type { ClassSubjectContext, TermRow } from './grid-repository';
import { authoriseGridWrite } from './access';
import { gridErrors } from './errors';

async function insertColumns(db: Kysely<DB>, session: Session, ctx: ClassSubjectContext, term: TermRow, specs: readonly ColumnSpec[], action: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Two tabs opening the same empty grid: the unique (class_subject, term, kind, position) keeps one set.
    const rows = await trx
      .insertInto('assessment_column')
      .values(specs.map((s) => ({ class_subject_id: ctx.id, term_id: term.id, kind: s.kind, position: s.position, coefficient: s.coefficient, value_type: s.valueType, form: s.form, label: s.label })))
      .onConflict((oc) => oc.columns(['class_subject_id', 'term_id', 'kind', 'position']).doNothing())
      .returning(['id', 'kind', 'position', 'label'])
      .execute();
    if (rows.length) {
      await appendAudit(trx, {
        schoolId: ctx.schoolId,
        actor: { personId: session.personId, role: 'subject_teacher' },
        action,
        entity: 'class_subject',
        entityId: ctx.id,
        newValue: { term: term.code, regime: ctx.regime, columns: rows.map((r) => ({ id: Number(r.id), kind: r.kind, position: r.position, label: r.label })) },
        source: 'grid',
      });
    }
    return rows.length;
  });
}

/** First open of a term by its teacher: the regime's default set (regular count = requiredAssessments). */
export async function ensureDefaultColumns(db: Kysely<DB>, session: Session, ctx: ClassSubjectContext, term: TermRow): Promise<number> {
  const existing = await db.selectFrom('assessment_column').select(sql<number>`count(*)::int`.as('n')).where('class_subject_id', '=', ctx.id).where('term_id', '=', term.id).executeTakeFirstOrThrow();
  if (existing.n > 0) return 0;
  const req = requiredRegular(ctx.regime, ctx.assessment, ctx.periodsPerWeek, ctx.periodsPerYear);
  return insertColumns(db, session, ctx, term, defaultColumns(ctx.regime, ctx.assessment, req.regular), 'grid.columns.open');
}

export async function addColumn(db: Kysely<DB>, session: Session, ctx: ClassSubjectContext, term: TermRow, kind: ColumnKind): Promise<void> {
  await authoriseGridWrite(db, session, ctx);
  if (!addableKinds(ctx.regime).includes(kind)) {
    throw gridErrors.badRequest(
      ctx.regime === 'TT58' ? 'Chỉ thêm được cột kiểm tra thường xuyên hoặc kiểm tra 1 tiết.' : `Theo ${ctx.regime === 'TT22' ? 'TT22' : 'TT26'}, mỗi học kỳ có đúng một điểm giữa kỳ và một điểm cuối kỳ: chỉ thêm được cột đánh giá thường xuyên.`,
      'Only a regular (or, under TT58, a 1-period) column can be added.',
      { kind },
    );
  }
  const max = await db
    .selectFrom('assessment_column')
    .select(sql<number>`coalesce(max(position), 0)::int`.as('m'))
    .where('class_subject_id', '=', ctx.id)
    .where('term_id', '=', term.id)
    .where('kind', '=', kind)
    .executeTakeFirstOrThrow();
  const n = await insertColumns(db, session, ctx, term, [columnSpec(ctx.regime, ctx.assessment, kind, max.m + 1)], 'grid.columns.add');
  if (n === 0) throw gridErrors.badRequest('Một người khác vừa thêm cột cùng lúc. Hãy tải lại trang.', 'Someone added a column at the same time. Reload.');
}
