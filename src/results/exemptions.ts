/**
 * Exemptions (TT58 Điều 12: Thể dục, Âm nhạc, Mỹ thuật for a semester or the year, the GDQP-AN practical part;
 * TT22 Điều 10: the practical part of GDTC / GDQP-AN) recorded by the homeroom teacher or the school admin with
 * the dossier reference and period, counted only once the principal approves. And the manual decision for a
 * student with disabilities (A-58-DISABLED / A-22-DISABLED = manual-override): recorded by the homeroom teacher or
 * the admin and approved by the principal (the principal recording it approves it at once); the results always
 * show it as an override. What an exemption changes is the rules engine's exemptionEffect (src/rules/exemption.ts).
 * The principal may instead REJECT a pending record with a required comment: it stays on file (state rejected,
 * who, when, why), never counts, and the recorder sees the comment; a corrected dossier is a new record.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { requirePermission } from '../auth/permissions';
import { coveredSemesters, exemptionAllowed, isRulesError, LEVELS_22, LEVELS_58 } from '../rules';
import { assertYearNotFrozen, authoriseHomeroomWrite, classFor, type ClassContext } from './class-context';
import { loadClassSubjectsOfClass } from '../gradebook/grid-repository';
import { err } from './errors';
import { isAppError } from '../shared/errors';

export type Scope = 'HK1' | 'HK2' | 'year' | 'practical';
export type OverrideOutcome = 'promoted' | 'repeat' | 'retest' | 'summer-training';

export const SCOPE_VI: Record<Scope, string> = { HK1: 'Học kỳ I', HK2: 'Học kỳ II', year: 'Cả năm', practical: 'Phần thực hành' };

const isPrincipal = (session: Session) => session.roles.includes('principal');
const principalOnly = (session: Session) => {
  if (!isPrincipal(session)) throw err('RESULTS_PRINCIPAL_ONLY', 'forbidden', 'Chỉ hiệu trưởng được duyệt việc này.', 'Only the principal may approve this.');
};

/**
 * Who records exemptions and overrides: the class's homeroom teacher (school rule 'conduct.enter') or the school
 * admin (school rule 'school.configure'); the principal records overrides too (and thereby approves them).
 */
async function authoriseRecorder(db: Kysely<DB>, session: Session, c: ClassContext): Promise<'homeroom_teacher' | 'school_admin' | 'principal'> {
  if (c.homeroomPersonId === session.personId) {
    await authoriseHomeroomWrite(db, session, c, 'conduct.enter');
    return 'homeroom_teacher';
  }
  if (session.roles.includes('school_admin')) {
    await requirePermission(db, session, 'school.configure');
    return 'school_admin';
  }
  return authoriseHomeroomWrite(db, session, c, 'conduct.enter').then(() => 'homeroom_teacher' as const);
}

const enrolled = (c: ClassContext, enrolmentId: number) => {
  if (!c.students.some((s) => s.enrolmentId === enrolmentId)) throw err('RESULTS_NOT_ENROLLED', 'bad_request', 'Học sinh không thuộc lớp này.', 'Student not in this class.');
};

export interface ExemptionInput { enrolmentId: number; classSubjectId: number; scope: Scope; dossierRef: string; validFrom: string; validTo: string }

export async function recordExemption(db: Kysely<DB>, session: Session, classId: number, input: ExemptionInput): Promise<number> {
  const c = await classFor(db, session, classId);
  const role = await authoriseRecorder(db, session, c);
  await assertYearNotFrozen(db, c);
  enrolled(c, input.enrolmentId);
  const cs = (await loadClassSubjectsOfClass(db, classId)).find((x) => x.id === input.classSubjectId);
  if (!cs) throw err('RESULTS_BAD_SUBJECT', 'bad_request', 'Môn học không thuộc lớp này.', 'Subject not in this class.');
  if (!exemptionAllowed(c.regime, cs.subjectName, input.scope)) {
    const vi = c.regime === 'TT22' ? 'TT22 Điều 10 chỉ cho miễn phần thực hành môn GDTC, GDQP-AN' : 'TT58 Điều 12 chỉ cho miễn học Thể dục, Âm nhạc, Mỹ thuật (theo học kỳ hoặc cả năm) và phần thực hành GDQP-AN';
    throw err('RESULTS_EXEMPTION_NOT_ALLOWED', 'bad_request', `Không thể miễn môn ${cs.subjectName} (${SCOPE_VI[input.scope].toLowerCase()}): ${vi}.`, 'Exemption not allowed by the regulation.', { subject: cs.subjectName, scope: input.scope });
  }
  // The period must be a real one, inside the school year, and cover at least one semester of its scope
  // (the engine's rule: a semester is covered when the period overlaps it).
  let covered: string[];
  try {
    covered = coveredSemesters({ scope: input.scope, from: input.validFrom, to: input.validTo }, c.terms);
  } catch (e) {
    if (isRulesError(e)) throw err('RESULTS_BAD_PERIOD', 'bad_request', `Thời gian miễn không hợp lệ: ${e.vi}.`, `Invalid period: ${e.en}.`);
    throw e;
  }
  const first = c.terms[0]?.start ?? input.validFrom;
  const last = c.terms[c.terms.length - 1]?.end ?? input.validTo;
  if (input.validFrom < first || input.validTo > last) {
    throw err('RESULTS_BAD_PERIOD', 'bad_request', `Thời gian miễn (${input.validFrom} – ${input.validTo}) phải nằm trong năm học ${c.schoolYearName} (${first} – ${last}).`, 'The period must lie within the school year.');
  }
  if (!covered.length) {
    throw err('RESULTS_BAD_PERIOD', 'bad_request', `Thời gian miễn (${input.validFrom} – ${input.validTo}) không trùng ${input.scope === 'HK1' || input.scope === 'HK2' ? SCOPE_VI[input.scope].toLowerCase() : 'học kỳ nào'}.`, 'The period covers no semester of the chosen scope.');
  }
  const sub = await db.selectFrom('class_subject').select('subject_id').where('id', '=', cs.id).executeTakeFirstOrThrow();
  return db.transaction().execute(async (trx) => {
    const row = await trx.insertInto('exemption').values({ enrolment_id: input.enrolmentId, subject_id: Number(sub.subject_id), scope: input.scope, dossier_ref: input.dossierRef, valid_from: input.validFrom, valid_to: input.validTo, requested_by: session.personId })
      .onConflict((oc) => oc.columns(['enrolment_id', 'subject_id', 'scope']).where('rejected_at', 'is', null).doUpdateSet({ dossier_ref: input.dossierRef, valid_from: input.validFrom, valid_to: input.validTo, requested_by: session.personId, approved_by: null, approved_at: null }))
      .returning('id').executeTakeFirstOrThrow();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role }, action: 'exemption.record', entity: 'exemption', entityId: Number(row.id), newValue: { subject: cs.subjectName, scope: input.scope, dossierRef: input.dossierRef, validFrom: input.validFrom, validTo: input.validTo, semesters: covered }, source: 'admin' });
    return Number(row.id);
  });
}

export async function approveExemption(db: Kysely<DB>, session: Session, classId: number, exemptionId: number): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  principalOnly(session);
  await assertYearNotFrozen(db, c);
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('exemption as x').innerJoin('enrolment as e', 'e.id', 'x.enrolment_id').select(['x.id', 'x.approved_at', 'x.rejected_at']).where('x.id', '=', exemptionId).where('e.class_id', '=', classId).forUpdate().executeTakeFirst();
    if (!row) throw err('RESULTS_EXEMPTION_NOT_FOUND', 'not_found', 'Không tìm thấy hồ sơ miễn học.', 'Exemption not found.');
    if (row.rejected_at) throw alreadyRejected('exemption');
    if (row.approved_at) return;
    await trx.updateTable('exemption').set({ approved_by: session.personId, approved_at: new Date() }).where('id', '=', exemptionId).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'exemption.approve', entity: 'exemption', entityId: exemptionId, newValue: { approved: true }, source: 'admin' });
  });
}

export interface OverrideInput { enrolmentId: number; learning: string; outcome: OverrideOutcome; reason: string; dossierRef: string }

/** Principal: recorded and approved at once. Homeroom teacher / admin: recorded, waiting for the principal. */
export async function recordDisabilityOverride(db: Kysely<DB>, session: Session, classId: number, input: OverrideInput): Promise<{ approved: boolean }> {
  const c = await classFor(db, session, classId);
  const byPrincipal = isPrincipal(session);
  if (byPrincipal) await requirePermission(db, session, 'year_end.approve');
  const role = byPrincipal ? 'principal' : await authoriseRecorder(db, session, c);
  await assertYearNotFrozen(db, c);
  enrolled(c, input.enrolmentId);
  const levels: readonly string[] = c.regime === 'TT22' ? LEVELS_22 : LEVELS_58;
  if (!levels.includes(input.learning)) throw err('RESULTS_INVALID_LEVEL', 'bad_request', `Mức "${input.learning}" không có trong ${c.regime}: chỉ dùng ${levels.join(', ')}.`, 'Level does not exist in this regime.');
  const approvedBy = byPrincipal ? session.personId : null;
  const approvedAt = byPrincipal ? new Date() : null;
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('disability_override').values({ enrolment_id: input.enrolmentId, learning: input.learning, outcome: input.outcome, reason: input.reason, dossier_ref: input.dossierRef, requested_by: session.personId, approved_by: approvedBy, approved_at: approvedAt })
      .onConflict((oc) => oc.column('enrolment_id').where('rejected_at', 'is', null).doUpdateSet({ learning: input.learning, outcome: input.outcome, reason: input.reason, dossier_ref: input.dossierRef, requested_by: session.personId, approved_by: approvedBy, approved_at: approvedAt })).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role }, action: 'disability_override.record', entity: 'disability_override', entityId: input.enrolmentId, newValue: { learning: input.learning, outcome: input.outcome, dossierRef: input.dossierRef, approved: byPrincipal }, source: 'admin' });
  });
  return { approved: byPrincipal };
}

export async function approveDisabilityOverride(db: Kysely<DB>, session: Session, classId: number, enrolmentId: number): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  principalOnly(session);
  await assertYearNotFrozen(db, c);
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('disability_override as o').innerJoin('enrolment as e', 'e.id', 'o.enrolment_id').select(['o.id', 'o.approved_at', 'o.learning', 'o.outcome']).where('o.enrolment_id', '=', enrolmentId).where('e.class_id', '=', classId).where('o.rejected_at', 'is', null).forUpdate().executeTakeFirst();
    if (!row) throw await overrideMissing(trx, classId, enrolmentId);
    if (row.approved_at) return;
    await trx.updateTable('disability_override').set({ approved_by: session.personId, approved_at: new Date() }).where('id', '=', row.id).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'disability_override.approve', entity: 'disability_override', entityId: enrolmentId, newValue: { learning: row.learning, outcome: row.outcome, approved: true }, source: 'admin' });
  });
}

const alreadyRejected = (what: 'exemption' | 'override') =>
  err('RESULTS_ALREADY_REJECTED', 'conflict', what === 'exemption' ? 'Hồ sơ miễn học này đã bị hiệu trưởng từ chối; muốn miễn học phải ghi hồ sơ mới.' : 'Đề nghị ghi đè kết quả này đã bị hiệu trưởng từ chối; muốn ghi đè phải đề nghị lại.', what === 'exemption' ? 'This exemption was already rejected; record a new one.' : 'This override was already rejected; record a new one.');
const alreadyApproved = (what: 'exemption' | 'override') =>
  err('RESULTS_ALREADY_APPROVED', 'conflict', what === 'exemption' ? 'Hồ sơ miễn học này đã được duyệt, không thể từ chối nữa.' : 'Đề nghị ghi đè kết quả này đã được duyệt, không thể từ chối nữa.', what === 'exemption' ? 'This exemption is already approved and can no longer be rejected.' : 'This override is already approved and can no longer be rejected.');

/** No pending/approved override for the student: say whether it was rejected (a second click) or never existed. */
async function overrideMissing(trx: Kysely<DB>, classId: number, enrolmentId: number) {
  const rejected = await trx.selectFrom('disability_override as o').innerJoin('enrolment as e', 'e.id', 'o.enrolment_id').select('o.id').where('o.enrolment_id', '=', enrolmentId).where('e.class_id', '=', classId).where('o.rejected_at', 'is not', null).executeTakeFirst();
  return rejected ? alreadyRejected('override') : err('RESULTS_OVERRIDE_NOT_FOUND', 'not_found', 'Không tìm thấy đề nghị ghi đè kết quả.', 'Override not found.');
}

/** The principal's rejection needs a reason the recorder can act on. */
function rejectComment(comment: string): string {
  const c = comment.trim();
  if (!c) throw err('RESULTS_REJECT_COMMENT_REQUIRED', 'bad_request', 'Phải ghi lý do từ chối để người ghi hồ sơ biết cần bổ sung gì.', 'A comment is required to reject.');
  if (c.length > 2000) throw err('RESULTS_REJECT_COMMENT_TOO_LONG', 'bad_request', 'Lý do từ chối dài quá 2000 ký tự.', 'The comment is longer than 2000 characters.');
  return c;
}

/** Principal only: a pending exemption is rejected (kept, with who/when/why; never counted). */
export async function rejectExemption(db: Kysely<DB>, session: Session, classId: number, exemptionId: number, comment: string): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  principalOnly(session);
  const text = rejectComment(comment);
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('exemption as x').innerJoin('enrolment as e', 'e.id', 'x.enrolment_id').innerJoin('subject as s', 's.id', 'x.subject_id').select(['x.id', 'x.approved_at', 'x.rejected_at', 'x.scope', 's.name as subject']).where('x.id', '=', exemptionId).where('e.class_id', '=', classId).forUpdate('x').executeTakeFirst();
    if (!row) throw err('RESULTS_EXEMPTION_NOT_FOUND', 'not_found', 'Không tìm thấy hồ sơ miễn học.', 'Exemption not found.');
    if (row.rejected_at) throw alreadyRejected('exemption');
    if (row.approved_at) throw alreadyApproved('exemption');
    await trx.updateTable('exemption').set({ rejected_by: session.personId, rejected_at: new Date(), reject_comment: text }).where('id', '=', exemptionId).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'exemption.reject', entity: 'exemption', entityId: exemptionId, newValue: { subject: row.subject, scope: row.scope, rejected: true, comment: text }, source: 'admin' });
  });
}

/** Principal only: the student's pending disability override is rejected (kept; the computed result stands). */
export async function rejectDisabilityOverride(db: Kysely<DB>, session: Session, classId: number, enrolmentId: number, comment: string): Promise<void> {
  const c = await classFor(db, session, classId);
  await requirePermission(db, session, 'year_end.approve');
  principalOnly(session);
  const text = rejectComment(comment);
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('disability_override as o').innerJoin('enrolment as e', 'e.id', 'o.enrolment_id').select(['o.id', 'o.approved_at', 'o.learning', 'o.outcome']).where('o.enrolment_id', '=', enrolmentId).where('e.class_id', '=', classId).where('o.rejected_at', 'is', null).forUpdate('o').executeTakeFirst();
    if (!row) throw await overrideMissing(trx, classId, enrolmentId);
    if (row.approved_at) throw alreadyApproved('override');
    await trx.updateTable('disability_override').set({ rejected_by: session.personId, rejected_at: new Date(), reject_comment: text }).where('id', '=', row.id).execute();
    await appendAudit(trx, { schoolId: c.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'disability_override.reject', entity: 'disability_override', entityId: enrolmentId, newValue: { learning: row.learning, outcome: row.outcome, rejected: true, comment: text }, source: 'admin' });
  });
}

/**
 * What the session may do on a class's entry page, found by running the very checks the use cases above run
 * (no second role list to drift): a view renders only the forms whose submit would be accepted.
 */
export interface EntryCapabilities { recordExemption: boolean; recordOverride: boolean; approve: boolean }
const passes = async (check: () => Promise<unknown>) => {
  try {
    await check();
    return true;
  } catch (e) {
    if (isAppError(e) && e.kind === 'forbidden') return false;
    throw e;
  }
};
/** May this session approve or reject (the checks approveExemption / rejectExemption and the override ones run)? */
export const mayDecide = (db: Kysely<DB>, session: Session): Promise<boolean> =>
  passes(async () => {
    await requirePermission(db, session, 'year_end.approve');
    principalOnly(session);
  });
export async function entryCapabilities(db: Kysely<DB>, session: Session, c: ClassContext): Promise<EntryCapabilities> {
  const [recordExemption, approve] = await Promise.all([passes(() => authoriseRecorder(db, session, c)), mayDecide(db, session)]);
  // As recordDisabilityOverride: the principal records (and approves) under 'year_end.approve', others as recorders.
  const recordOverride = isPrincipal(session) ? approve : recordExemption;
  return { recordExemption, recordOverride, approve };
}

export type RecordState = 'pending' | 'approved' | 'rejected';
export interface Rejection { by: string; at: Date; comment: string }
export interface ExemptionRow { id: number; classId: number; className: string; enrolmentId: number; student: string; subject: string; scope: Scope; scopeVi: string; dossierRef: string; validFrom: string; validTo: string; approved: boolean; state: RecordState; requestedBy: number; rejection: Rejection | null }
export interface OverrideRow { id: number; classId: number; className: string; enrolmentId: number; student: string; learning: string; outcome: OverrideOutcome; reason: string; dossierRef: string; approved: boolean; state: RecordState; requestedBy: number | null; rejection: Rejection | null }

const stateOf = (r: { approved_at: Date | null; rejected_at: Date | null }): RecordState => (r.rejected_at ? 'rejected' : r.approved_at ? 'approved' : 'pending');
const rejectionOf = (r: { rejected_at: Date | null; reject_comment: string | null; rejected_by_name: string | null }): Rejection | null =>
  r.rejected_at ? { by: r.rejected_by_name ?? '', at: r.rejected_at, comment: r.reject_comment ?? '' } : null;

function exemptionQuery(db: Kysely<DB>) {
  return db.selectFrom('exemption as x').innerJoin('enrolment as e', 'e.id', 'x.enrolment_id').innerJoin('class as k', 'k.id', 'e.class_id').innerJoin('person as p', 'p.id', 'e.person_id').innerJoin('subject as s', 's.id', 'x.subject_id')
    .leftJoin('person as rp', 'rp.id', 'x.rejected_by')
    .select(['x.id', 'k.id as class_id', 'k.name as class_name', 'e.id as enrolment_id', 'p.display_name', 's.name as subject', 'x.scope', 'x.dossier_ref', 'x.approved_at', 'x.requested_by', 'x.rejected_at', 'x.reject_comment', 'rp.display_name as rejected_by_name', sql<string>`to_char(x.valid_from, 'YYYY-MM-DD')`.as('from'), sql<string>`to_char(x.valid_to, 'YYYY-MM-DD')`.as('to')]);
}
type ExRaw = Awaited<ReturnType<ReturnType<typeof exemptionQuery>['execute']>>[number];
const toExemption = (r: ExRaw): ExemptionRow => ({ id: Number(r.id), classId: Number(r.class_id), className: r.class_name, enrolmentId: Number(r.enrolment_id), student: r.display_name, subject: r.subject, scope: r.scope, scopeVi: SCOPE_VI[r.scope], dossierRef: r.dossier_ref, validFrom: r.from, validTo: r.to, approved: r.approved_at !== null, state: stateOf(r), requestedBy: Number(r.requested_by), rejection: rejectionOf(r) });

function overrideQuery(db: Kysely<DB>) {
  return db.selectFrom('disability_override as o').innerJoin('enrolment as e', 'e.id', 'o.enrolment_id').innerJoin('class as k', 'k.id', 'e.class_id').innerJoin('person as p', 'p.id', 'e.person_id')
    .leftJoin('person as rp', 'rp.id', 'o.rejected_by')
    .select(['o.id', 'k.id as class_id', 'k.name as class_name', 'e.id as enrolment_id', 'p.display_name', 'o.learning', 'o.outcome', 'o.reason', 'o.dossier_ref', 'o.approved_at', 'o.requested_by', 'o.rejected_at', 'o.reject_comment', 'rp.display_name as rejected_by_name']);
}
type OvRaw = Awaited<ReturnType<ReturnType<typeof overrideQuery>['execute']>>[number];
const toOverride = (r: OvRaw): OverrideRow => ({ id: Number(r.id), classId: Number(r.class_id), className: r.class_name, enrolmentId: Number(r.enrolment_id), student: r.display_name, learning: r.learning, outcome: r.outcome, reason: r.reason, dossierRef: r.dossier_ref, approved: r.approved_at !== null, state: stateOf(r), requestedBy: r.requested_by === null ? null : Number(r.requested_by), rejection: rejectionOf(r) });

export async function listExemptions(db: Kysely<DB>, classId: number): Promise<ExemptionRow[]> {
  return (await exemptionQuery(db).where('e.class_id', '=', classId).orderBy('x.id').execute()).map(toExemption);
}

export async function listOverrides(db: Kysely<DB>, classId: number): Promise<OverrideRow[]> {
  return (await overrideQuery(db).where('e.class_id', '=', classId).orderBy('o.id').execute()).map(toOverride);
}

/** Who may see the list of what waits for the principal (the board and the school admin who files dossiers). */
export const maySeePending = (roles: Session['roles']): boolean => roles.includes('principal') || roles.includes('vice_principal') || roles.includes('school_admin');

/** Everything waiting for the principal in the school's open years: exemptions and disability overrides (rejected ones wait no more). */
export async function listPending(db: Kysely<DB>, session: Session): Promise<{ exemptions: ExemptionRow[]; overrides: OverrideRow[] }> {
  if (!maySeePending(session.roles)) {
    throw err('RESULTS_NOT_ALLOWED', 'forbidden', 'Chỉ ban giám hiệu xem danh sách chờ duyệt.', 'Only the board sees the pending list.');
  }
  const [ex, ov] = await Promise.all([
    exemptionQuery(db).innerJoin('school_year as y', 'y.id', 'k.school_year_id').where('k.school_id', '=', session.schoolId).where('y.status', '=', 'open').where('x.approved_at', 'is', null).where('x.rejected_at', 'is', null).orderBy('k.name').orderBy('x.id').execute(),
    overrideQuery(db).innerJoin('school_year as y', 'y.id', 'k.school_year_id').where('k.school_id', '=', session.schoolId).where('y.status', '=', 'open').where('o.approved_at', 'is', null).where('o.rejected_at', 'is', null).orderBy('k.name').orderBy('o.id').execute(),
  ]);
  return { exemptions: ex.map(toExemption), overrides: ov.map(toOverride) };
}

/** What the principal rejected among the records this person filed (open years): shown to the recorder with the comment. */
export async function listMyRejected(db: Kysely<DB>, session: Session): Promise<{ exemptions: ExemptionRow[]; overrides: OverrideRow[] }> {
  const [ex, ov] = await Promise.all([
    exemptionQuery(db).innerJoin('school_year as y', 'y.id', 'k.school_year_id').where('k.school_id', '=', session.schoolId).where('y.status', '=', 'open').where('x.requested_by', '=', session.personId).where('x.rejected_at', 'is not', null).orderBy('x.rejected_at', 'desc').execute(),
    overrideQuery(db).innerJoin('school_year as y', 'y.id', 'k.school_year_id').where('k.school_id', '=', session.schoolId).where('y.status', '=', 'open').where('o.requested_by', '=', session.personId).where('o.rejected_at', 'is not', null).orderBy('o.rejected_at', 'desc').execute(),
  ]);
  return { exemptions: ex.map(toExemption), overrides: ov.map(toOverride) };
}
