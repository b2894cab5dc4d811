/**
 * "Đề nghị sửa điểm": after a deadline the teacher asks for a change. Only stored (state
 * 'requested') and audited here; confirming and approving belong to the corrections workflow.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { requirePermission } from '../auth/permissions';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { authoriseGridWrite, sameSchool } from './access';
import { loadClassSubject, loadColumns, loadUpdatePoints } from './grid-repository';
import { lockFor } from './locks';
import { parseCell } from './score-input';

export const CORRECTION_REASONS = {
  entry_error: 'Nhập nhầm điểm',
  makeup_test: 'Học sinh đã kiểm tra bù',
  regrade: 'Chấm lại / phúc khảo',
  missing_entry: 'Bỏ sót, chưa nhập điểm',
  other: 'Lý do khác',
} as const;
export type CorrectionReason = keyof typeof CORRECTION_REASONS;

export interface CorrectionInput {
  readonly columnId: number;
  readonly enrolmentId: number;
  readonly value: string;
  readonly reasonCode: string;
  readonly reasonText: string;
}

export async function requestCorrection(db: Kysely<DB>, session: Session, classSubjectId: number, input: CorrectionInput, now = new Date()): Promise<{ id: number }> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await requirePermission(db, session, 'correction.request');
  await authoriseGridWrite(db, session, ctx);
  if (!(input.reasonCode in CORRECTION_REASONS)) {
    throw new AppError('GRID_BAD_REASON', 'bad_request', 'Hãy chọn lý do đề nghị sửa điểm trong danh sách.', 'Choose a reason from the list.', { reasonCode: input.reasonCode });
  }
  if (input.reasonCode === 'other' && input.reasonText.trim().length < 5) {
    throw new AppError('GRID_BAD_REASON', 'bad_request', 'Lý do khác: hãy ghi rõ lý do (ít nhất 5 ký tự).', 'Other reason: describe it (at least 5 characters).');
  }
  const col = (await loadColumns(db, [ctx.id])).find((c) => c.id === input.columnId);
  if (!col) throw new AppError('GRID_FOREIGN_COLUMN', 'bad_request', 'Cột điểm này không thuộc lớp/môn đang mở.', 'This column does not belong to the open class subject.');
  const enr = await db.selectFrom('enrolment').select(['id', 'left_on']).where('id', '=', input.enrolmentId).where('class_id', '=', ctx.classId).executeTakeFirst();
  if (!enr) throw new AppError('GRID_FOREIGN_STUDENT', 'bad_request', 'Học sinh này không thuộc lớp đang mở.', 'This student is not in the open class.');
  if (enr.left_on !== null) throw new AppError('CORRECTION_STUDENT_LEFT', 'bad_request', 'Học sinh này đã chuyển đi/thôi học: không sửa điểm qua đề nghị.', 'The student has left the class.');
  const parsed = parseCell(input.value, col, ctx.regime);
  if (!parsed.ok) throw new AppError('GRID_INVALID_VALUE', 'bad_request', parsed.reasonVi, parsed.reasonEn, { cells: [{ columnId: input.columnId, enrolmentId: input.enrolmentId, reasonVi: parsed.reasonVi }] });
  const lock = lockFor(col, await loadUpdatePoints(db, [col.termId]), now);
  if (!lock) {
    throw new AppError('GRID_NOT_LOCKED', 'bad_request', 'Ô này chưa bị khoá: hãy sửa trực tiếp trong bảng điểm.', 'This cell is not locked: edit it directly.');
  }
  return db.transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('score').select(['tenths', 'rating', 'version']).where('column_id', '=', col.id).where('enrolment_id', '=', input.enrolmentId).executeTakeFirst();
    const row = await trx
      .insertInto('correction_request')
      .values({
        school_id: ctx.schoolId,
        column_id: col.id,
        enrolment_id: input.enrolmentId,
        old_tenths: cur?.tenths ?? null,
        old_rating: cur?.rating ?? null,
        new_tenths: parsed.value.tenths,
        new_rating: parsed.value.rating,
        score_version: cur?.version ?? null,
        reason_code: input.reasonCode,
        reason_text: input.reasonText.trim().slice(0, 1000),
        requested_by: session.personId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('correction_transition').values({ request_id: Number(row.id), from_state: '', to_state: 'requested', action: 'request', actor_person: session.personId, actor_role: 'subject_teacher', comment: input.reasonText.trim().slice(0, 1000) }).execute();
    await appendAudit(trx, {
      schoolId: ctx.schoolId,
      actor: { personId: session.personId, role: 'subject_teacher' },
      action: 'correction.request',
      entity: 'correction_request',
      entityId: Number(row.id),
      oldValue: { columnId: col.id, enrolmentId: input.enrolmentId, tenths: cur?.tenths ?? null, rating: cur?.rating ?? null, version: cur?.version ?? null },
      newValue: { tenths: parsed.value.tenths, rating: parsed.value.rating, reasonCode: input.reasonCode, lockedBy: lock.pointId },
      source: 'grid',
    });
    return { id: Number(row.id) };
  });
}
