/**
 * Deadlines: after an update point's deadline the columns of its term (of its kinds, or all when
 * it lists none) are locked for direct editing; changes then go through a correction request.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { requirePermission } from '../auth/permissions';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import type { ColumnRow, UpdatePointRow } from './grid-repository';

export interface LockInfo {
  readonly pointId: number;
  readonly label: string;
  readonly deadline: Date;
}

const fmt = new Intl.DateTimeFormat('vi-VN', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Ho_Chi_Minh' });
export const formatDeadlineVi = (d: Date): string => fmt.format(d);

/** The first passed point that covers the column, or null when it is open. */
export function lockFor(col: Pick<ColumnRow, 'termId' | 'kind'>, points: readonly UpdatePointRow[], now: Date): LockInfo | null {
  let found: UpdatePointRow | null = null;
  for (const p of points) {
    if (p.termId !== col.termId || p.deadline.getTime() > now.getTime()) continue;
    if (p.kinds.length && !p.kinds.includes(col.kind)) continue;
    if (!found || p.deadline < found.deadline) found = p;
  }
  return found ? { pointId: found.id, label: found.label, deadline: found.deadline } : null;
}

export const lockReasonVi = (l: LockInfo): string =>
  `Đã khoá: quá hạn cập nhật "${l.label}" (${formatDeadlineVi(l.deadline)}). Muốn sửa, hãy gửi "Đề nghị sửa điểm".`;

export function lockedError(l: LockInfo, cells: ReadonlyArray<{ columnId: number; enrolmentId: number }>): AppError {
  return new AppError('GRID_CELL_LOCKED', 'locked', lockReasonVi(l), `Locked: the update point "${l.label}" passed (${l.deadline.toISOString()}). Send a correction request.`, {
    point: { id: l.pointId, label: l.label, deadline: l.deadline.toISOString() },
    cells,
  });
}

/** The principal moves a time point (permission 'deadline.move'); audited old → new. */
export async function moveUpdatePoint(db: Kysely<DB>, session: Session, pointId: number, deadline: Date, requestId?: string): Promise<{ old: Date; new: Date }> {
  await requirePermission(db, session, 'deadline.move');
  return db.transaction().execute(async (trx) => {
    const p = await trx
      .selectFrom('update_point as p')
      .innerJoin('term as t', 't.id', 'p.term_id')
      .innerJoin('school_year as y', 'y.id', 't.school_year_id')
      .select(['p.id', 'p.deadline', 'p.label', 'y.school_id'])
      .where('p.id', '=', pointId)
      .forUpdate('p')
      .executeTakeFirst();
    if (!p || Number(p.school_id) !== session.schoolId) throw new AppError('GRID_POINT_NOT_FOUND', 'not_found', 'Không tìm thấy thời điểm cập nhật điểm này.', 'Update point not found.');
    const old = new Date(p.deadline);
    await trx.updateTable('update_point').set({ deadline: deadline, updated_at: new Date() }).where('id', '=', pointId).execute();
    await appendAudit(trx, {
      schoolId: session.schoolId,
      actor: { personId: session.personId, role: session.roles[0] ?? null },
      action: 'update_point.move',
      entity: 'update_point',
      entityId: pointId,
      oldValue: { deadline: old.toISOString(), label: p.label },
      newValue: { deadline: deadline.toISOString(), label: p.label },
      source: 'admin',
      requestId: requestId ?? null,
    });
    return { old, new: deadline };
  });
}
