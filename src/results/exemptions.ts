/**
 * Exemptions (TT58 Điều 12: Thể dục, Âm nhạc, Mỹ thuật for a semester or the year; TT22 Điều 10: the practical
 * part of GDTC / GDQP-AN) recorded by the homeroom teacher with the dossier reference and period, counted only
 * once the principal approves. And the principal's manual decision for a student with disabilities
 * (A-58-DISABLED / A-22-DISABLED = manual-override), which the results always show as an override.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { requirePermission } from '../auth/permissions';
import { computeStudentYear, isRulesError, LEVELS_22, LEVELS_58 } from '../rules';
import { authoriseHomeroomWrite, classFor } from './class-context';
import { loadClassSubjectsOfClass } from '../gradebook/grid-repository';
import { err } from './errors';

export type Scope = 'HK1' | 'HK2' | 'year' | 'practical';

/** The engine's own exemption rule, through its public API (the predicate itself is not exported). */
function exemptionAllowed(regime: import('../rules').Regime, subject: string, scope: Scope): { ok: boolean; vi: string } {
  try {
    computeStudentYear({ regime, subjects: [{ name: subject, exempt: scope } as never], conduct: {}, absences: 0 });
  } catch (e) {
    if (isRulesError(e) && e.code === 'RULES_EXEMPTION_NOT_ALLOWED') return { ok: false, vi: e.vi };
  }
  return { ok: true, vi: '' };
}

const principalOnly = (session: Session) => {
  if (!session.roles.includes('principal')) throw err('RESULTS_PRINCIPAL_ONLY', 'forbidden', 'Chỉ hiệu trưởng được duyệt việc này.', 'Only the principal may approve this.');
};

export async function recordExemption(db: Kysely<DB>, session: Session, classId: number, input: { enrolmentId: number; classSubjectId: number; scope: Scope; dossierRef: string; validFrom: string; validTo: string }): Promise<number> {
  const c = await classFor(db, session, classId);
  await authoriseHomeroomWrite(db, session, c, 'conduct.enter');
  if (!c.students.some((s) => s.enrolmentId === input.enrolmentId)) throw err('RESULTS_NOT_ENROLLED', 'bad_request', 'Học sinh không thuộc lớp này.', 'Student not in this class.');
  const cs = (await loadClassSubjectsOfClass(db, classId)).find((x) => x.id === input.classSubjectId);
  if (!cs) throw err('RESULTS_BAD_SUBJECT', 'bad_request', 'Môn học không thuộc lớp này.', 'Subject not in this class.');
  const allowed = exemptionAllowed(c.regime, cs.subjectName, input.scope);
  if (!allowed.ok) throw err('RESULTS_EXEMPTION_NOT_ALLOWED', 'bad_request', `Không thể miễn: ${allowed.vi}.`, 'Exemption not allowed by the regulation.', { subject: cs.subjectName, scope: input.scope });
  if (input.validTo < input.validFrom) throw err('RESULTS_BAD_PERIOD', 'bad_request', 'Thời gian miễn không hợp lệ (ngày kết thúc trước ngày bắt đầu).', 'Invalid period.');
  const sub = await db.selectFrom('class_subject').select('subject_id').where('id', '=', cs.id).executeTakeFirstOrThrow();
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('exemption').values({ enrolment_id: input.enrolmentId, subject_id: Number(sub.subject_id), scope: input.scope, dossier_ref: input.dossierRef, valid_from: input.validFrom, valid_to: input.validTo, requested_by: session.personId })
      .onConflict((oc) => oc.columns(['enrolment_id', 'subject_id', 'scope']).doUpdateSet({ dossier_ref: input.dossierRef, valid_from: input.validFrom, valid_to: input.validTo, requested_by: session.personId, approved_by: null, approved_at: null }))
      .returning('id').executeTakeFirstOrThrow();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'homeroom_teacher' }, action: 'exemption.record', entity: 'exemption', entityId: Number(row.id), newValue: { subject: cs.subjectName, scope: input.scope, dossierRef: input.dossierRef, validFrom: input.validFrom, validTo: input.validTo }, source: 'admin' });
    return Number(row.id);
  });
}

export async function approveExemption(db: Kysely<DB>, session: Session, classId: number, exemptionId: number): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  principalOnly(session);
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('exemption as x').innerJoin('enrolment as e', 'e.id', 'x.enrolment_id').select(['x.id', 'x.approved_at']).where('x.id', '=', exemptionId).where('e.class_id', '=', classId).forUpdate().executeTakeFirst();
    if (!row) throw err('RESULTS_EXEMPTION_NOT_FOUND', 'not_found', 'Không tìm thấy hồ sơ miễn học.', 'Exemption not found.');
    if (row.approved_at) return;
    await trx.updateTable('exemption').set({ approved_by: session.personId, approved_at: new Date() }).where('id', '=', exemptionId).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'exemption.approve', entity: 'exemption', entityId: exemptionId, newValue: { approved: true }, source: 'admin' });
  });
}

export async function recordDisabilityOverride(db: Kysely<DB>, session: Session, classId: number, input: { enrolmentId: number; learning: string; outcome: 'promoted' | 'repeat' | 'retest' | 'summer-training'; reason: string; dossierRef: string }): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  principalOnly(session);
  if (!c.students.some((s) => s.enrolmentId === input.enrolmentId)) throw err('RESULTS_NOT_ENROLLED', 'bad_request', 'Học sinh không thuộc lớp này.', 'Student not in this class.');
  const levels: readonly string[] = c.regime === 'TT22' ? LEVELS_22 : LEVELS_58;
  if (!levels.includes(input.learning)) throw err('RESULTS_INVALID_LEVEL', 'bad_request', `Mức "${input.learning}" không có trong ${c.regime}: chỉ dùng ${levels.join(', ')}.`, 'Level does not exist in this regime.');
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('disability_override').values({ enrolment_id: input.enrolmentId, learning: input.learning, outcome: input.outcome, reason: input.reason, dossier_ref: input.dossierRef, approved_by: session.personId })
      .onConflict((oc) => oc.column('enrolment_id').doUpdateSet({ learning: input.learning, outcome: input.outcome, reason: input.reason, dossier_ref: input.dossierRef, approved_by: session.personId, approved_at: new Date() })).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'disability_override.record', entity: 'disability_override', entityId: input.enrolmentId, newValue: { learning: input.learning, outcome: input.outcome, dossierRef: input.dossierRef }, source: 'admin' });
  });
}

export async function listExemptions(db: Kysely<DB>, classId: number) {
  const rows = await db.selectFrom('exemption as x').innerJoin('enrolment as e', 'e.id', 'x.enrolment_id').innerJoin('person as p', 'p.id', 'e.person_id').innerJoin('subject as s', 's.id', 'x.subject_id')
    .select(['x.id', 'p.display_name', 's.name as subject', 'x.scope', 'x.dossier_ref', 'x.approved_at']).where('e.class_id', '=', classId).orderBy('x.id').execute();
  return rows.map((r) => ({ id: Number(r.id), student: r.display_name, subject: r.subject, scope: r.scope, dossierRef: r.dossier_ref, approved: r.approved_at !== null }));
}
