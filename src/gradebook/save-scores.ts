/**
 * Saving cells (one or a pasted batch) in ONE transaction: validate every value → authorise (role
 * and teaching assignment) → lock check → per-cell optimistic version check → write + audit.
 * Any refusal rolls the whole batch back: a half-pasted column would be worse than none.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { authoriseGridWrite, sameSchool } from './access';
import { loadClassSubject, loadColumns, loadScores, loadTerms, loadUpdatePoints, type ColumnRow } from './grid-repository';
import { lockFor, lockedError } from './locks';
import { displayCell, parseCell, sameValue, type CellValue } from './score-input';
import { averagesFor, cellMaps, regularWarning, subjectFacts } from './grid-view-model';
import type { RowAverages } from './averages';
import { gridErrors } from './errors';
import { enqueueScorePush } from '../lms-sync/outbox';

export interface CellChange {
  readonly columnId: number;
  readonly enrolmentId: number;
  /** As typed: "7,5", "8.0", "Đ", "" (clears the cell). */
  readonly value: string;
  /** The version the editor last saw; 0 = the cell was empty (no score row). */
  readonly version: number;
}

export interface SavedCell {
  readonly columnId: number;
  readonly enrolmentId: number;
  readonly version: number;
  readonly text: string;
  readonly changed: boolean;
}

export interface SaveResult {
  readonly saved: readonly SavedCell[];
  readonly rows: ReadonlyArray<RowAverages & { warningVi: string | null }>;
}

export interface Conflict {
  readonly columnId: number;
  readonly enrolmentId: number;
  readonly yours: string;
  readonly theirs: string;
  readonly theirVersion: number;
  readonly yourVersion: number;
}

/** Where a score write came from, kept on the score and in the audit trail. */
export type ScoreSource = 'grid' | 'import' | 'lms';

export const MAX_BATCH = 2000;

export async function saveScores(db: Kysely<DB>, session: Session, classSubjectId: number, changes: readonly CellChange[], opts: { now?: Date; requestId?: string; source?: ScoreSource } = {}): Promise<SaveResult> {
  const source: ScoreSource = opts.source ?? 'grid';
  const now = opts.now ?? new Date();
  if (!changes.length) throw gridErrors.badRequest('Không có ô nào để lưu.', 'Nothing to save.');
  if (changes.length > MAX_BATCH) throw gridErrors.badRequest(`Mỗi lần lưu tối đa ${MAX_BATCH} ô.`, `At most ${MAX_BATCH} cells per save.`);
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);

  const [columns, terms] = await Promise.all([loadColumns(db, [ctx.id]), loadTerms(db, ctx.schoolYearId)]);
  const colById = new Map<number, ColumnRow>(columns.map((c) => [c.id, c]));
  const enrolments = await db.selectFrom('enrolment').select('id').where('class_id', '=', ctx.classId).execute();
  const enrolmentIds = new Set(enrolments.map((e) => Number(e.id)));

  // 1. Shape: the cell must belong to this class subject; each cell once per batch.
  const seen = new Set<string>();
  for (const ch of changes) {
    if (!colById.has(ch.columnId)) {
      throw new AppError('GRID_FOREIGN_COLUMN', 'bad_request', 'Cột điểm này không thuộc lớp/môn đang mở.', 'This column does not belong to the open class subject.', { columnId: ch.columnId });
    }
    if (!enrolmentIds.has(ch.enrolmentId)) {
      throw new AppError('GRID_FOREIGN_STUDENT', 'bad_request', 'Học sinh này không thuộc lớp đang mở.', 'This student is not in the open class.', { enrolmentId: ch.enrolmentId });
    }
    const k = `${ch.columnId}:${ch.enrolmentId}`;
    if (seen.has(k)) throw gridErrors.badRequest('Một ô xuất hiện hai lần trong cùng lần lưu.', 'The same cell appears twice in one save.', { columnId: ch.columnId, enrolmentId: ch.enrolmentId });
    seen.add(k);
  }

  // 2. Values: every refused cell is reported, with its reason, so the grid marks them all in place.
  const parsed: Array<{ ch: CellChange; col: ColumnRow; value: CellValue }> = [];
  const invalid: Array<{ columnId: number; enrolmentId: number; value: string; reasonVi: string }> = [];
  for (const ch of changes) {
    const col = colById.get(ch.columnId)!;
    const r = parseCell(ch.value, col, ctx.regime);
    if (r.ok) parsed.push({ ch, col, value: r.value });
    else invalid.push({ columnId: ch.columnId, enrolmentId: ch.enrolmentId, value: ch.value, reasonVi: r.reasonVi });
  }
  if (invalid.length) {
    const first = invalid[0]!;
    throw new AppError('GRID_INVALID_VALUE', 'bad_request', first.reasonVi, `Invalid value in ${invalid.length} cell(s)`, { cells: invalid });
  }

  // 3. Locks (after a deadline the cell changes only through a correction request).
  const points = await loadUpdatePoints(db, [...new Set(columns.map((c) => c.termId))]);
  for (const p of parsed) {
    const l = lockFor(p.col, points, now);
    if (l) throw lockedError(l, parsed.filter((q) => lockFor(q.col, points, now)).map((q) => ({ columnId: q.ch.columnId, enrolmentId: q.ch.enrolmentId })));
  }

  // 4. Write, in a stable order so two overlapping batches cannot deadlock.
  const ordered = [...parsed].sort((a, b) => a.ch.columnId - b.ch.columnId || a.ch.enrolmentId - b.ch.enrolmentId);
  const saved: SavedCell[] = await db.transaction().execute(async (trx) => {
    const out: SavedCell[] = [];
    const conflicts: Conflict[] = [];
    const audits: Array<Parameters<typeof appendAudit>[1]> = [];
    for (const { ch, value } of ordered) {
      const cur = await trx
        .selectFrom('score')
        .select(['id', 'tenths', 'rating', 'version'])
        .where('column_id', '=', ch.columnId)
        .where('enrolment_id', '=', ch.enrolmentId)
        .forUpdate()
        .executeTakeFirst();
      const conflict = (row: { tenths: number | null; rating: 'D' | 'CD' | null; version: number }) =>
        conflicts.push({ columnId: ch.columnId, enrolmentId: ch.enrolmentId, yours: displayCell(value, ctx.regime), theirs: displayCell(row, ctx.regime), theirVersion: row.version, yourVersion: ch.version });
      if (!cur) {
        if (ch.version !== 0) {
          // The editor saw a row that no longer exists (cannot happen without deletes); treat as stale.
          conflict({ tenths: null, rating: null, version: 0 });
          continue;
        }
        if (value.tenths === null && value.rating === null) {
          out.push({ columnId: ch.columnId, enrolmentId: ch.enrolmentId, version: 0, text: '', changed: false });
          continue;
        }
        // Two editors creating the same cell: the unique key makes the second insert do nothing → conflict.
        const ins = await trx
          .insertInto('score')
          .values({ column_id: ch.columnId, enrolment_id: ch.enrolmentId, tenths: value.tenths, rating: value.rating, updated_by: session.personId, source })
          .onConflict((oc) => oc.columns(['column_id', 'enrolment_id']).doNothing())
          .returning(['id', 'version'])
          .executeTakeFirst();
        if (!ins) {
          const theirs = await trx.selectFrom('score').select(['tenths', 'rating', 'version']).where('column_id', '=', ch.columnId).where('enrolment_id', '=', ch.enrolmentId).executeTakeFirstOrThrow();
          conflict(theirs);
          continue;
        }
        out.push({ columnId: ch.columnId, enrolmentId: ch.enrolmentId, version: ins.version, text: displayCell(value, ctx.regime), changed: true });
        audits.push(auditEntry(session, ctx.schoolId, 'score.create', Number(ins.id), ch, null, { ...value, version: ins.version }, source, opts.requestId));
        continue;
      }
      if (cur.version !== ch.version) {
        conflict(cur);
        continue;
      }
      if (sameValue(cur, value)) {
        out.push({ columnId: ch.columnId, enrolmentId: ch.enrolmentId, version: cur.version, text: displayCell(value, ctx.regime), changed: false });
        continue;
      }
      const upd = await trx
        .updateTable('score')
        .set({ tenths: value.tenths, rating: value.rating, version: sql`version + 1`, updated_at: sql`now()`, updated_by: session.personId, source })
        .where('id', '=', cur.id)
        .returning('version')
        .executeTakeFirstOrThrow();
      out.push({ columnId: ch.columnId, enrolmentId: ch.enrolmentId, version: upd.version, text: displayCell(value, ctx.regime), changed: true });
      const cleared = value.tenths === null && value.rating === null;
      audits.push(auditEntry(session, ctx.schoolId, cleared ? 'score.clear' : 'score.update', Number(cur.id), ch, { tenths: cur.tenths, rating: cur.rating, version: cur.version }, { ...value, version: upd.version }, source, opts.requestId));
    }
    if (conflicts.length) {
      const c = conflicts[0]!;
      throw new AppError(
        'GRID_VERSION_CONFLICT',
        'conflict',
        `Ô này vừa được người khác sửa: giá trị hiện tại "${c.theirs || '(trống)'}", giá trị của bạn "${c.yours || '(trống)'}". Không có ô nào được lưu; hãy xem lại rồi nhập lại.`,
        `Someone changed this cell meanwhile (now "${c.theirs}", yours "${c.yours}"). Nothing was saved.`,
        { conflicts },
      );
    }
    // LMS grade sync (issue 7): queue the changed cells for the LMS in this same transaction; a no-op
    // unless the column is published to a course with AGS (src/lms-sync/outbox.ts).
    await enqueueScorePush(trx, out.filter((c) => c.changed));
    // Audit last: the school's chain head is locked only for the tail of the transaction.
    for (const a of audits) await appendAudit(trx, a);
    return out;
  });

  // 5. Recomputed averages of the touched students (the grid shows them as you type).
  const touched = [...new Set(changes.map((c) => c.enrolmentId))];
  const scores = await loadScores(db, columns.map((c) => c.id), touched);
  const byEnrolment = cellMaps(scores);
  const req = subjectFacts(ctx).requiredRegular;
  const rows = touched.map((e) => {
    const a = averagesFor(ctx, terms, columns, e, byEnrolment.get(e));
    const termCode = terms.find((t) => t.id === colById.get(changes.find((c) => c.enrolmentId === e)!.columnId)!.termId)?.code ?? 'HK1';
    return { ...a, warningVi: regularWarning(req, a.regularCount[termCode], termCode) };
  });
  return { saved, rows };
}

function auditEntry(session: Session, schoolId: number, action: string, scoreId: number, ch: CellChange, old: unknown, next: unknown, source: ScoreSource, requestId?: string) {
  return {
    schoolId,
    actor: { personId: session.personId, role: 'subject_teacher' },
    action,
    entity: 'score',
    entityId: scoreId,
    oldValue: old === null ? null : { columnId: ch.columnId, enrolmentId: ch.enrolmentId, ...(old as object) },
    newValue: { columnId: ch.columnId, enrolmentId: ch.enrolmentId, ...(next as object) },
    source,
    requestId: requestId ?? null,
  };
}
