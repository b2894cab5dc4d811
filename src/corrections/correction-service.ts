/**
 * Use cases of the correction workflow: load with its context, take a transition (authorised by
 * the school's rules AND the assignment: homeroom of the class, board member, requester), apply
 * in ONE transaction (score, recomputed averages, year-result hook, LMS push hook, links, audit),
 * witnesses, evidence, impact preview, expiry. Every write is audited in the same transaction.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { allowed, loadPermissions, requirePermission, type Action } from '../auth/permissions';
import { isBoard, isBoardMember, isInspector } from '../auth/roles';
import { appendAudit } from '../audit/audit-log';
import { retryTransaction } from '../db/retry';
import { AppError } from '../shared/errors';
import { loadClassSubject, loadColumns, loadScores, loadTerms, type ClassSubjectContext, type ColumnRow } from '../gradebook/grid-repository';
import { averagesFor, cellMaps } from '../gradebook/grid-view-model';
import { displayCell, parseCell, type CellValue } from '../gradebook/score-input';
import { authoriseGridWrite, sameSchool } from '../gradebook/access';
import { CORRECTION_REASONS } from '../gradebook/correction-requests';
import { availableActions, decide, isExpired, OPEN_STATES, STATE_LABEL_VI, type Actor, type CorrectionAction, type CorrectionState, type Party } from './state-machine';
import { enqueueScorePush } from '../lms-sync/outbox';

type Q = Kysely<DB> | Transaction<DB>;

export const correctionErrors = {
  notFound: () => new AppError('CORRECTION_NOT_FOUND', 'not_found', 'Không tìm thấy đề nghị sửa điểm này.', 'Correction request not found.'),
  stale: (now: string, then: string) =>
    new AppError('CORRECTION_STALE', 'conflict', `Ô điểm đã thay đổi sau khi đề nghị được gửi (lúc gửi: "${then || '(trống)'}", hiện tại: "${now || '(trống)'}"). Đề nghị này không còn dùng được; hãy gửi đề nghị mới.`, 'The cell changed since the request was made.'),
  studentLeft: () => new AppError('CORRECTION_STUDENT_LEFT', 'bad_request', 'Học sinh này đã chuyển đi/thôi học: không sửa điểm qua đề nghị.', 'The student has left the class.'),
};

export interface CorrectionRecord {
  readonly id: number;
  readonly schoolId: number;
  readonly state: CorrectionState;
  readonly stateVi: string;
  readonly ctx: ClassSubjectContext;
  readonly column: ColumnRow;
  readonly termCode: 'HK1' | 'HK2';
  readonly enrolmentId: number;
  readonly studentName: string;
  readonly studentLeft: boolean;
  readonly oldValue: CellValue;
  readonly newValue: CellValue;
  readonly oldText: string;
  readonly newText: string;
  readonly scoreVersion: number | null;
  readonly reasonCode: string;
  readonly reasonVi: string;
  readonly reasonText: string;
  readonly requestedBy: { id: number; name: string };
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly confirmedBy: { id: number; name: string; at: Date } | null;
  readonly decidedBy: { id: number; name: string; at: Date; comment: string | null } | null;
  readonly appliedBy: { id: number; name: string; at: Date; version: number | null } | null;
  readonly links: Record<string, unknown>;
  readonly history: ReadonlyArray<{ from: string; to: string; action: string; actorName: string | null; actorRole: string | null; comment: string; at: Date }>;
  readonly witnesses: ReadonlyArray<{ personId: number; name: string; role: string; at: Date }>;
  readonly evidence: ReadonlyArray<{ id: number; mime: string; byteSize: number; sha256: string; at: Date }>;
}

const nameOf = async (db: Q, ids: Array<number | null>): Promise<Map<number, string>> => {
  const want = [...new Set(ids.filter((x): x is number => x !== null))];
  if (!want.length) return new Map();
  const rows = await db.selectFrom('person').select(['id', 'display_name', 'family_name', 'given_name']).where('id', 'in', want).execute();
  return new Map(rows.map((r) => [Number(r.id), r.display_name || `${r.family_name} ${r.given_name}`.trim()]));
};

export async function loadCorrection(db: Q, session: Session, id: number): Promise<CorrectionRecord> {
  const r = await db.selectFrom('correction_request').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r || Number(r.school_id) !== session.schoolId) throw correctionErrors.notFound();
  const colRow = await db.selectFrom('assessment_column').select(['class_subject_id']).where('id', '=', r.column_id).executeTakeFirstOrThrow();
  const ctx = (await loadClassSubject(db as Kysely<DB>, Number(colRow.class_subject_id)))!;
  const column = (await loadColumns(db as Kysely<DB>, [ctx.id])).find((c) => c.id === Number(r.column_id))!;
  const terms = await loadTerms(db as Kysely<DB>, ctx.schoolYearId);
  const enr = await db
    .selectFrom('enrolment as e')
    .innerJoin('person as p', 'p.id', 'e.person_id')
    .select(['p.display_name', 'p.family_name', 'p.given_name', 'e.left_on'])
    .where('e.id', '=', r.enrolment_id)
    .executeTakeFirstOrThrow();
  const hist = await db.selectFrom('correction_transition').selectAll().where('request_id', '=', id).orderBy('id').execute();
  const wit = await db.selectFrom('correction_witness').selectAll().where('request_id', '=', id).orderBy('witnessed_at').execute();
  const ev = await db.selectFrom('correction_evidence').select(['id', 'mime', 'byte_size', 'sha256', 'uploaded_at']).where('request_id', '=', id).orderBy('id').execute();
  const names = await nameOf(db, [r.requested_by, r.confirmed_by, r.decided_by, r.applied_by, ...hist.map((h) => h.actor_person), ...wit.map((w) => w.person_id)].map((x) => (x === null ? null : Number(x))));
  const nm = (x: number | null) => (x === null ? '' : (names.get(Number(x)) ?? ''));
  const oldValue: CellValue = { tenths: r.old_tenths, rating: r.old_rating as 'D' | 'CD' | null };
  const newValue: CellValue = { tenths: r.new_tenths, rating: r.new_rating };
  const reasonVi = CORRECTION_REASONS[r.reason_code as keyof typeof CORRECTION_REASONS] ?? r.reason_code;
  return {
    id: Number(r.id),
    schoolId: Number(r.school_id),
    state: r.state as CorrectionState,
    stateVi: STATE_LABEL_VI[r.state as CorrectionState] ?? r.state,
    ctx,
    column,
    termCode: terms.find((t) => t.id === column.termId)?.code ?? 'HK1',
    enrolmentId: Number(r.enrolment_id),
    studentName: enr.display_name || `${enr.family_name} ${enr.given_name}`.trim(),
    studentLeft: enr.left_on !== null,
    oldValue,
    newValue,
    oldText: displayCell(oldValue, ctx.regime),
    newText: displayCell(newValue, ctx.regime),
    scoreVersion: r.score_version,
    reasonCode: r.reason_code,
    reasonVi,
    reasonText: r.reason_text,
    requestedBy: { id: Number(r.requested_by), name: nm(r.requested_by) },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    confirmedBy: r.confirmed_by !== null && r.confirmed_at ? { id: Number(r.confirmed_by), name: nm(r.confirmed_by), at: r.confirmed_at } : null,
    decidedBy: r.decided_by !== null && r.decided_at ? { id: Number(r.decided_by), name: nm(r.decided_by), at: r.decided_at, comment: r.decision_comment } : null,
    appliedBy: r.applied_by !== null && r.applied_at ? { id: Number(r.applied_by), name: nm(r.applied_by), at: r.applied_at, version: r.applied_version } : null,
    links: r.links ?? {},
    history: hist.map((h) => ({ from: h.from_state, to: h.to_state, action: h.action, actorName: h.actor_person === null ? null : nm(h.actor_person), actorRole: h.actor_role, comment: h.comment, at: h.at })),
    witnesses: wit.map((w) => ({ personId: Number(w.person_id), name: nm(w.person_id), role: w.role, at: w.witnessed_at })),
    evidence: ev.map((e) => ({ id: Number(e.id), mime: e.mime, byteSize: e.byte_size, sha256: e.sha256, at: e.uploaded_at })),
  };
}

/** The actor as the state machine sees them: parties from the assignment, permits from the school's rules. */
export async function actorFor(db: Q, session: Session, rec: Pick<CorrectionRecord, 'ctx' | 'requestedBy'>): Promise<Actor> {
  const perms = await loadPermissions(db as Kysely<DB>, session.schoolId);
  const parties = new Set<Party>();
  if (session.roles.includes('homeroom_teacher') && rec.ctx.homeroomPersonId === session.personId) parties.add('homeroom');
  // Deciding is the board's own act: an inspector (who reads what the board reads) is never an approver.
  if (isBoardMember(session.roles)) parties.add('approver');
  if (rec.requestedBy.id === session.personId) parties.add('requester');
  return { personId: session.personId, parties, permits: (a: Action) => allowed(perms, session.roles, a) };
}

/**
 * Issue 8 — a request is made against one version of one cell. It is STALE while still open if the
 * cell has moved since (another correction applied on it, a re-entry after a deadline was moved) or
 * no longer holds the old value the request names. A stale request can only be withdrawn or
 * rejected; confirming, approving and applying refuse it (assertFresh).
 */
export function isStaleAgainst(req: { state: CorrectionState; scoreVersion: number | null; oldTenths: number | null; oldRating: string | null }, cur: { version: number; tenths: number | null; rating: string | null } | null | undefined): boolean {
  if (!OPEN_STATES.includes(req.state)) return false;
  const version = cur?.version ?? null;
  if (version !== req.scoreVersion) return true;
  return (cur?.tenths ?? null) !== req.oldTenths || (cur?.rating ?? null) !== req.oldRating;
}

/** A cell's value as the lists show it (integer tenths → "7,5"; ratings Đ/CĐ; empty → "(trống)"). */
export function cellText(tenths: number | null, rating: string | null): string {
  if (tenths !== null) return tenths % 10 === 0 ? String(tenths / 10) : `${Math.floor(tenths / 10)},${tenths % 10}`;
  if (rating !== null) return rating === 'D' ? 'Đ' : 'CĐ';
  return '(trống)';
}

/** Actions still open on a stale request: only taking it back or turning it down. */
const STALE_ACTIONS: readonly CorrectionAction[] = ['withdraw', 'reject'];

/** May the session see this request at all? Requester, homeroom of the class, teacher of the subject, board (and an inspector, reading). */
function canSee(session: Session, rec: CorrectionRecord): boolean {
  return rec.requestedBy.id === session.personId || rec.ctx.homeroomPersonId === session.personId || rec.ctx.teacherPersonId === session.personId || isBoard(session.roles) || session.roles.includes('school_admin');
}

export interface Staleness {
  readonly stale: boolean;
  /** The cell's value now, as shown (what a stale request no longer matches). */
  readonly currentText: string;
}

export async function viewCorrection(db: Kysely<DB>, session: Session, id: number): Promise<{ rec: CorrectionRecord; actions: CorrectionAction[]; canWitness: boolean; impact: Impact; staleness: Staleness }> {
  const rec = await loadCorrection(db, session, id);
  if (!canSee(session, rec)) throw correctionErrors.notFound();
  const actor = await actorFor(db, session, rec);
  const cur = await currentCell(db, rec, false);
  const staleness: Staleness = {
    stale: isStaleAgainst({ state: rec.state, scoreVersion: rec.scoreVersion, oldTenths: rec.oldValue.tenths, oldRating: rec.oldValue.rating }, cur),
    currentText: cellText(cur?.tenths ?? null, cur?.rating ?? null),
  };
  const open = availableActions({ state: rec.state, requestedBy: rec.requestedBy.id }, actor);
  const actions = staleness.stale ? open.filter((a) => STALE_ACTIONS.includes(a)) : open;
  const canWitness = rec.state === 'applied' && witnessRole(session, rec) !== null && !rec.witnesses.some((w) => w.personId === session.personId);
  // Once applied, what changed is the record made at that moment, not a preview against today's marks.
  const impact: Impact =
    rec.state === 'applied'
      ? { lines: (rec.links.recomputed as ImpactLine[] | undefined) ?? [], notesVi: ['Các kết quả đã được tính lại khi cập nhật điểm (ghi lại tại thời điểm cập nhật).'] }
      : await impactOf(db, rec.ctx, rec.column.id, rec.enrolmentId, rec.newValue);
  return { rec, actions, canWitness, impact, staleness };
}

// ------------------------------------------------------------------------------------------------
// Impact preview: which averages change if the new value replaces the current one.
// ------------------------------------------------------------------------------------------------
export interface ImpactLine {
  readonly labelVi: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly changed: boolean;
}
export interface Impact {
  readonly lines: readonly ImpactLine[];
  /** What the preview does not cover yet, said plainly. */
  readonly notesVi: readonly string[];
}

export async function impactOf(db: Q, ctx: ClassSubjectContext, columnId: number, enrolmentId: number, next: CellValue): Promise<Impact> {
  const k = db as Kysely<DB>;
  const [terms, columns] = await Promise.all([loadTerms(k, ctx.schoolYearId), loadColumns(k, [ctx.id])]);
  const scores = await loadScores(k, columns.map((c) => c.id), [enrolmentId]);
  const before = new Map<number, CellValue>(cellMaps(scores).get(enrolmentId) ?? new Map());
  const after = new Map(before);
  after.set(columnId, next);
  const a = averagesFor(ctx, terms, columns, enrolmentId, before);
  const b = averagesFor(ctx, terms, columns, enrolmentId, after);
  const lines: ImpactLine[] = [];
  for (const t of ['HK1', 'HK2'] as const) {
    const x = a.terms[t]?.text ?? null;
    const y = b.terms[t]?.text ?? null;
    lines.push({ labelVi: `${ctx.subjectName}: trung bình ${t === 'HK1' ? 'học kỳ I' : 'học kỳ II'}`, before: x, after: y, changed: x !== y });
  }
  lines.push({ labelVi: `${ctx.subjectName}: trung bình cả năm`, before: a.year.text, after: b.year.text, changed: a.year.text !== b.year.text });
  const termCode = terms.find((t) => t.id === columns.find((c) => c.id === columnId)?.termId)?.code ?? 'HK1';
  const results = await resultLines(k, ctx, termCode, columnId, enrolmentId, next);
  return { lines: [...lines, ...results.lines], notesVi: results.notesVi };
}

type ResultsModules = {
  cc: { loadClassContext: (db: Kysely<DB>, classId: number) => Promise<{ students: ReadonlyArray<{ enrolmentId: number }> } | null> };
  rs: {
    loadClassData: (db: Kysely<DB>, c: unknown) => Promise<{ scores: Map<number, Map<number, unknown>> }>;
    studentResult: (d: unknown, st: unknown, period: 'HK1' | 'HK2' | 'CN') => { learning: { text: string | null }; overall: { text: string | null } | null; title: { text: string | null }; outcome: { text: string | null } | null };
  };
};

/**
 * Learning level, overall average, title and year outcome before/after, from the class results of
 * src/results (built concurrently; resolved at run time). The same rules engine computes them.
 */
async function resultLines(db: Kysely<DB>, ctx: ClassSubjectContext, termCode: 'HK1' | 'HK2', columnId: number, enrolmentId: number, next: CellValue): Promise<{ lines: ImpactLine[]; notesVi: string[] }> {
  let mods: ResultsModules;
  try {
    mods = { cc: optionalModule('../results/class-context'), rs: optionalModule('../results/results-service') } as ResultsModules;
    if (!mods.cc || !mods.rs) throw new Error('results module absent');
    if (typeof mods.rs.studentResult !== 'function' || typeof mods.cc.loadClassContext !== 'function') throw new Error('results API');
  } catch {
    return { lines: [], notesVi: ['Học lực, danh hiệu và kết quả cuối năm chưa xem trước được (mô-đun kết quả học tập chưa có).'] };
  }
  try {
    const c = await mods.cc.loadClassContext(db, ctx.classId);
    const st = c?.students.find((s) => s.enrolmentId === enrolmentId);
    if (!c || !st) return { lines: [], notesVi: [] };
    const d = await mods.rs.loadClassData(db, c);
    const periods: Array<'HK1' | 'HK2' | 'CN'> = [termCode, 'CN'];
    const before = periods.map((p) => mods.rs.studentResult(d, st, p));
    let cells = d.scores.get(enrolmentId);
    if (!cells) d.scores.set(enrolmentId, (cells = new Map()));
    cells.set(columnId, { columnId, enrolmentId, tenths: next.tenths, rating: next.rating, version: 0 });
    const after = periods.map((p) => mods.rs.studentResult(d, st, p));
    const out: ImpactLine[] = [];
    const pVi = (p: string) => (p === 'HK1' ? 'học kỳ I' : p === 'HK2' ? 'học kỳ II' : 'cả năm');
    periods.forEach((p, i) => {
      const x = before[i]!;
      const y = after[i]!;
      const add = (label: string, u: string | null | undefined, v: string | null | undefined) => out.push({ labelVi: `${label} ${pVi(p)}`, before: u ?? null, after: v ?? null, changed: (u ?? null) !== (v ?? null) });
      add('Điểm trung bình các môn', x.overall?.text, y.overall?.text);
      add(ctx.regime === 'TT22' ? 'Kết quả học tập' : 'Học lực', x.learning.text, y.learning.text);
      add('Danh hiệu', x.title.text, y.title.text);
      if (p === 'CN') add('Quyết định', x.outcome?.text, y.outcome?.text);
    });
    return { lines: out, notesVi: ['Học lực, danh hiệu và quyết định cuối năm tính theo hạnh kiểm/rèn luyện đã nhập; mục trống (—) là chưa đủ dữ liệu để xét.'] };
  } catch {
    return { lines: [], notesVi: ['Chưa xem trước được học lực và danh hiệu.'] };
  }
}

// ------------------------------------------------------------------------------------------------
// Transitions
// ------------------------------------------------------------------------------------------------
const roleOf = (session: Session, party: Party): string =>
  party === 'homeroom' ? 'homeroom_teacher' : party === 'approver' ? (session.roles.includes('principal') ? 'principal' : 'vice_principal') : party === 'requester' ? 'subject_teacher' : 'system';

export async function transition(db: Kysely<DB>, session: Session, id: number, action: CorrectionAction, comment = '', opts: { now?: Date; requestId?: string } = {}): Promise<CorrectionRecord> {
  // Applying appends two audit records (the score, then the transition) with other writes between
  // them, so it can meet a concurrent writer on the school's chain head: a deadlock rolls everything
  // back and the whole transition is decided again from the fresh state.
  return retryTransaction(() => db.transaction().execute(async (trx) => {
    // The row lock serialises two approvers clicking at once: the second sees the new state.
    const locked = await trx.selectFrom('correction_request').select(['id', 'school_id']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!locked || Number(locked.school_id) !== session.schoolId) throw correctionErrors.notFound();
    const rec = await loadCorrection(trx, session, id);
    if (!canSee(session, rec)) throw correctionErrors.notFound();
    const actor = await actorFor(trx, session, rec);
    const d = decide({ state: rec.state, requestedBy: rec.requestedBy.id }, action, actor, comment);
    if (!d.ok) throw new AppError(d.code, d.kind, d.vi, d.en, { state: rec.state, action });
    const t = d.transition;
    const role = roleOf(session, t.party);
    const set: Record<string, unknown> = { state: t.to, updated_at: sql`now()` };
    if (action === 'confirm') Object.assign(set, { confirmed_by: session.personId, confirmed_at: sql`now()` });
    if (action === 'approve' || action === 'reject') Object.assign(set, { decided_by: session.personId, decided_at: sql`now()`, decision_comment: comment.trim().slice(0, 1000) || null });
    if (action === 'approve' || action === 'confirm') await assertFresh(trx, rec);
    let auditNew: Record<string, unknown> = { state: t.to };
    if (action === 'apply') {
      const applied = await applyInTransaction(trx, session, rec, opts.requestId);
      Object.assign(set, { applied_by: session.personId, applied_at: sql`now()`, applied_version: applied.version, links: JSON.stringify(applied.links) });
      auditNew = { ...auditNew, scoreVersion: applied.version, links: applied.links };
    }
    await trx.updateTable('correction_request').set(set as never).where('id', '=', id).execute();
    await trx.insertInto('correction_transition').values({ request_id: id, from_state: rec.state, to_state: t.to, action, actor_person: session.personId, actor_role: role, comment: comment.trim().slice(0, 1000) }).execute();
    await appendAudit(trx, {
      schoolId: rec.schoolId,
      actor: { personId: session.personId, role },
      action: `correction.${action}`,
      entity: 'correction_request',
      entityId: id,
      oldValue: { state: rec.state },
      newValue: comment.trim() ? { ...auditNew, comment: comment.trim().slice(0, 1000) } : auditNew,
      source: 'correction',
      requestId: opts.requestId ?? null,
    });
    return loadCorrection(trx, session, id);
  }));
}

async function currentCell(trx: Q, rec: CorrectionRecord, lock: boolean) {
  let q = trx.selectFrom('score').select(['id', 'tenths', 'rating', 'version']).where('column_id', '=', rec.column.id).where('enrolment_id', '=', rec.enrolmentId);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** A request made against version v of a cell is only good while the cell is still at v. */
async function assertFresh(trx: Q, rec: CorrectionRecord, lock = false) {
  if (rec.studentLeft) throw correctionErrors.studentLeft();
  const cur = await currentCell(trx, rec, lock);
  if (isStaleAgainst({ state: 'requested', scoreVersion: rec.scoreVersion, oldTenths: rec.oldValue.tenths, oldRating: rec.oldValue.rating }, cur)) {
    throw correctionErrors.stale(cur ? displayCell({ tenths: cur.tenths, rating: cur.rating }, rec.ctx.regime) : '', rec.oldText);
  }
  return cur;
}

async function applyInTransaction(trx: Transaction<DB>, session: Session, rec: CorrectionRecord, requestId?: string): Promise<{ version: number; links: Record<string, unknown> }> {
  const cur = await assertFresh(trx, rec, true);
  const impact = await impactOf(trx, rec.ctx, rec.column.id, rec.enrolmentId, rec.newValue);
  let scoreId: number;
  let version: number;
  if (cur) {
    const u = await trx
      .updateTable('score')
      .set({ tenths: rec.newValue.tenths, rating: rec.newValue.rating, version: sql`version + 1`, updated_at: sql`now()`, updated_by: session.personId, source: 'correction' })
      .where('id', '=', cur.id)
      .returning(['id', 'version'])
      .executeTakeFirstOrThrow();
    scoreId = Number(u.id);
    version = u.version;
  } else {
    const i = await trx
      .insertInto('score')
      .values({ column_id: rec.column.id, enrolment_id: rec.enrolmentId, tenths: rec.newValue.tenths, rating: rec.newValue.rating, updated_by: session.personId, source: 'correction' })
      .returning(['id', 'version'])
      .executeTakeFirstOrThrow();
    scoreId = Number(i.id);
    version = i.version;
  }
  await appendAudit(trx, {
    schoolId: rec.schoolId,
    actor: { personId: session.personId, role: session.roles.includes('principal') ? 'principal' : 'vice_principal' },
    action: 'score.correct',
    entity: 'score',
    entityId: scoreId,
    oldValue: { columnId: rec.column.id, enrolmentId: rec.enrolmentId, tenths: rec.oldValue.tenths, rating: rec.oldValue.rating, version: rec.scoreVersion },
    newValue: { columnId: rec.column.id, enrolmentId: rec.enrolmentId, tenths: rec.newValue.tenths, rating: rec.newValue.rating, version, correctionId: rec.id },
    source: 'correction',
    requestId: requestId ?? null,
  });
  const yearDecision = await flagYearDecisionsHook(trx, rec.ctx.classId, impact);
  const lmsPush = await queueLmsPushHook(trx, rec);
  return {
    version,
    links: { scoreId, scoreVersion: version, recomputed: impact.lines.filter((l) => l.changed), yearDecision, lmsPush },
  };
}

/**
 * Issue 8 §3 — frozen year-end results. year_decision (migration 0009) holds one decision per class
 * and round; an approved one whose student's subject year average changes is set back to
 * 'reopened' so the principal re-approves it. Only the YEAR average matters: a semester average
 * that changes without changing the year average leaves the year-end result as it was.
 */
export async function flagYearDecisionsHook(trx: Transaction<DB>, classId: number, impact: Impact): Promise<{ status: string; reopened?: number[] }> {
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('year_decision')::text AS t`.execute(trx);
  if (!exists.rows[0]?.t) return { status: 'no_year_decision_table' };
  const yearChanged = impact.lines.some((l) => l.changed && l.labelVi.endsWith('cả năm'));
  if (!yearChanged) return { status: 'year_average_unchanged' };
  const r = await sql<{ id: number }>`UPDATE year_decision SET state = 'reopened', version = version + 1 WHERE class_id = ${classId} AND state = 'approved' RETURNING id`.execute(trx);
  return { status: r.rows.length ? 'reopened_for_reapproval' : 'no_approved_decision', reopened: r.rows.map((x) => Number(x.id)) };
}

/**
 * A module built concurrently by another engineer, loaded at run time (CommonJS require, which
 * ts-node and jest resolve too) so this file compiles and runs whether or not it exists yet.
 */
function optionalModule(spec: string): unknown {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(spec) as unknown;
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND') return null;
    throw e;
  }
}

/**
 * Issue 8 §3 — LMS publication through the AGS outbox (src/lms-sync/outbox.ts): the corrected score
 * is queued in the SAME transaction as the score change (after the UPDATE, so the outbox row carries
 * the new value), and the worker delivers it. A column not published to the LMS queues nothing.
 */
export async function queueLmsPushHook(trx: Transaction<DB>, rec: CorrectionRecord): Promise<{ status: string; queued?: number }> {
  const queued = await enqueueScorePush(trx, [{ columnId: rec.column.id, enrolmentId: rec.enrolmentId }]);
  return { status: queued ? 'queued' : 'not_published', queued };
}

// ------------------------------------------------------------------------------------------------
// Witnesses, evidence, expiry, lists
// ------------------------------------------------------------------------------------------------
function witnessRole(session: Session, rec: CorrectionRecord): string | null {
  if (rec.requestedBy.id === session.personId) return 'requester';
  if (session.roles.includes('principal')) return 'principal';
  if (session.roles.includes('vice_principal')) return 'vice_principal';
  if (session.roles.includes('school_admin')) return 'school_admin';
  return null;
}

export async function witness(db: Kysely<DB>, session: Session, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const rec = await loadCorrection(trx, session, id);
    if (!canSee(session, rec)) throw correctionErrors.notFound();
    if (rec.state !== 'applied') throw new AppError('CORRECTION_NOT_APPLIED', 'conflict', 'Chỉ xác nhận chứng kiến sau khi điểm đã được cập nhật.', 'Only an applied correction can be witnessed.');
    const role = witnessRole(session, rec);
    if (!role) throw new AppError('CORRECTION_NOT_PERMITTED', 'forbidden', 'Chỉ Ban giám hiệu, quản trị hệ thống hoặc người đề nghị được xác nhận chứng kiến.', 'Only the board, an administrator or the requester may witness.');
    const ins = await trx.insertInto('correction_witness').values({ request_id: id, person_id: session.personId, role }).onConflict((oc) => oc.columns(['request_id', 'person_id']).doNothing()).returning('person_id').executeTakeFirst();
    if (!ins) throw new AppError('CORRECTION_ALREADY_WITNESSED', 'conflict', 'Bạn đã xác nhận chứng kiến việc sửa điểm này.', 'Already witnessed.');
    await appendAudit(trx, { schoolId: rec.schoolId, actor: { personId: session.personId, role }, action: 'correction.witness', entity: 'correction_request', entityId: id, newValue: { role }, source: 'correction' });
  });
}

export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;
const MAGIC: Array<[string, number[]]> = [
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/png', [0x89, 0x50, 0x4e, 0x47]],
  ['application/pdf', [0x25, 0x50, 0x44, 0x46]],
];
export function sniffMime(buf: Buffer): string | null {
  for (const [m, sig] of MAGIC) if (sig.every((b, i) => buf[i] === b)) return m;
  if (buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

/** Evidence (a photo of the test paper): only the requester, while the request is open. */
export async function addEvidence(db: Kysely<DB>, session: Session, id: number, content: Buffer): Promise<{ id: number; sha256: string }> {
  const mime = sniffMime(content);
  if (!mime) throw new AppError('CORRECTION_BAD_EVIDENCE', 'bad_request', 'Minh chứng phải là ảnh JPEG, PNG, WebP hoặc tệp PDF.', 'Evidence must be JPEG, PNG, WebP or PDF.');
  if (content.length > EVIDENCE_MAX_BYTES) throw new AppError('CORRECTION_BAD_EVIDENCE', 'bad_request', 'Minh chứng quá lớn (tối đa 5 MB).', 'Evidence too large (max 5 MB).');
  return db.transaction().execute(async (trx) => {
    const rec = await loadCorrection(trx, session, id);
    if (rec.requestedBy.id !== session.personId) throw new AppError('CORRECTION_NOT_YOUR_REQUEST', 'forbidden', 'Chỉ người gửi đề nghị mới được đính kèm minh chứng.', 'Only the requester may attach evidence.');
    if (rec.state !== 'requested' && rec.state !== 'confirmed') throw new AppError('CORRECTION_BAD_TRANSITION', 'conflict', 'Đề nghị đã được xử lý: không đính kèm thêm minh chứng.', 'The request is closed.');
    const sha256 = createHash('sha256').update(content).digest('hex');
    const row = await trx.insertInto('correction_evidence').values({ request_id: id, mime, byte_size: content.length, sha256, content, uploaded_by: session.personId }).returning('id').executeTakeFirstOrThrow();
    await appendAudit(trx, { schoolId: rec.schoolId, actor: { personId: session.personId, role: 'subject_teacher' }, action: 'correction.evidence', entity: 'correction_request', entityId: id, newValue: { evidenceId: Number(row.id), mime, byteSize: content.length, sha256 }, source: 'correction' });
    return { id: Number(row.id), sha256 };
  });
}

export async function loadEvidence(db: Kysely<DB>, session: Session, requestId: number, evidenceId: number): Promise<{ mime: string; content: Buffer; sha256: string }> {
  const rec = await loadCorrection(db, session, requestId);
  if (!canSee(session, rec)) throw correctionErrors.notFound();
  const e = await db.selectFrom('correction_evidence').select(['mime', 'content', 'sha256']).where('id', '=', evidenceId).where('request_id', '=', requestId).executeTakeFirst();
  if (!e) throw correctionErrors.notFound();
  return e;
}

/** Expires open requests nobody acted on within the school's configured days (housekeeping). */
export async function expireStale(db: Kysely<DB>, schoolId: number, now = new Date()): Promise<number> {
  const setting = await db.selectFrom('correction_setting').select('expiry_days').where('school_id', '=', schoolId).executeTakeFirst();
  const days = setting?.expiry_days ?? null;
  if (days === null) return 0;
  const open = await db.selectFrom('correction_request').select(['id', 'state', 'updated_at']).where('school_id', '=', schoolId).where('state', 'in', ['requested', 'confirmed']).execute();
  let n = 0;
  for (const r of open) {
    if (!isExpired(r.state as CorrectionState, r.updated_at, days, now)) continue;
    await db.transaction().execute(async (trx) => {
      const upd = await trx.updateTable('correction_request').set({ state: 'expired', updated_at: sql`now()` }).where('id', '=', r.id).where('state', '=', r.state).executeTakeFirst();
      if (!Number(upd.numUpdatedRows)) return;
      await trx.insertInto('correction_transition').values({ request_id: Number(r.id), from_state: r.state, to_state: 'expired', action: 'expire', actor_person: null, actor_role: 'system', comment: `Quá ${days} ngày không xử lý` }).execute();
      await appendAudit(trx, { schoolId, actor: { role: 'system' }, action: 'correction.expire', entity: 'correction_request', entityId: Number(r.id), oldValue: { state: r.state }, newValue: { state: 'expired', days }, source: 'system' });
      n++;
    });
  }
  return n;
}

export interface CorrectionListItem {
  readonly id: number;
  readonly state: CorrectionState;
  readonly stateVi: string;
  readonly className: string;
  readonly subjectName: string;
  readonly columnLabel: string;
  readonly studentName: string;
  readonly oldTenths: number | null;
  readonly newTenths: number | null;
  readonly oldRating: string | null;
  readonly newRating: string | null;
  readonly requesterName: string;
  readonly updatedAt: Date;
  /** Open but the cell has changed since the request (see isStaleAgainst). */
  readonly stale: boolean;
  /** The cell's value now. */
  readonly currentText: string;
}

function listQuery(db: Kysely<DB>, schoolId: number) {
  return db
    .selectFrom('correction_request as cr')
    .innerJoin('assessment_column as ac', 'ac.id', 'cr.column_id')
    .innerJoin('class_subject as cs', 'cs.id', 'ac.class_subject_id')
    .innerJoin('class as c', 'c.id', 'cs.class_id')
    .innerJoin('subject as s', 's.id', 'cs.subject_id')
    .innerJoin('enrolment as e', 'e.id', 'cr.enrolment_id')
    .innerJoin('person as st', 'st.id', 'e.person_id')
    .innerJoin('person as rq', 'rq.id', 'cr.requested_by')
    .leftJoin('score as sc', (j) => j.onRef('sc.column_id', '=', 'cr.column_id').onRef('sc.enrolment_id', '=', 'cr.enrolment_id'))
    .select(['cr.id', 'cr.state', 'c.name as class_name', 's.name as subject_name', 'ac.label', 'st.display_name as student', 'rq.display_name as requester', 'cr.old_tenths', 'cr.new_tenths', 'cr.old_rating', 'cr.new_rating', 'cr.updated_at', 'cr.requested_by', 'c.homeroom_person_id'])
    .select(['cr.score_version', 'sc.version as cur_version', 'sc.tenths as cur_tenths', 'sc.rating as cur_rating'])
    .where('cr.school_id', '=', schoolId)
    .orderBy('cr.updated_at', 'desc');
}

type ListRow = { id: number; state: string; class_name: string; subject_name: string; label: string; student: string; requester: string; old_tenths: number | null; new_tenths: number | null; old_rating: string | null; new_rating: string | null; updated_at: Date; score_version: number | null; cur_version: number | null; cur_tenths: number | null; cur_rating: string | null };
const toItem = (r: ListRow): CorrectionListItem => ({
  id: Number(r.id),
  state: r.state as CorrectionState,
  stateVi: STATE_LABEL_VI[r.state as CorrectionState] ?? r.state,
  className: r.class_name,
  subjectName: r.subject_name,
  columnLabel: r.label,
  studentName: r.student,
  oldTenths: r.old_tenths,
  newTenths: r.new_tenths,
  oldRating: r.old_rating,
  newRating: r.new_rating,
  requesterName: r.requester,
  updatedAt: r.updated_at,
  stale: isStaleAgainst(
    { state: r.state as CorrectionState, scoreVersion: r.score_version, oldTenths: r.old_tenths, oldRating: r.old_rating },
    r.cur_version === null ? null : { version: r.cur_version, tenths: r.cur_tenths, rating: r.cur_rating },
  ),
  currentText: cellText(r.cur_tenths, r.cur_rating),
});

/**
 * What waits for the session: the homeroom teacher's requests to confirm (their class), the
 * approver's requests to decide/apply, and the requester's own (with outcomes).
 */
export async function listForHome(db: Kysely<DB>, session: Session, now = new Date()): Promise<{ toConfirm: CorrectionListItem[]; toDecide: CorrectionListItem[]; mine: CorrectionListItem[]; open: CorrectionListItem[] }> {
  // An inspector reads the school's open requests and never causes a write, not even an expiry.
  if (isInspector(session.roles)) {
    return { toConfirm: [], toDecide: [], mine: [], open: (await listQuery(db, session.schoolId).where('cr.state', 'in', [...OPEN_STATES]).limit(500).execute()).map(toItem) };
  }
  // Expiry happens when somebody looks (no scheduler needed): an expired request never shows as pending.
  await expireStale(db, session.schoolId, now);
  const perms = await loadPermissions(db, session.schoolId);
  const toConfirm =
    session.roles.includes('homeroom_teacher') && allowed(perms, session.roles, 'correction.confirm')
      ? (await listQuery(db, session.schoolId).where('cr.state', '=', 'requested').where('c.homeroom_person_id', '=', session.personId).where('cr.requested_by', '!=', session.personId).execute()).map(toItem)
      : [];
  const toDecide =
    isBoardMember(session.roles) && allowed(perms, session.roles, 'correction.approve')
      ? (await listQuery(db, session.schoolId).where('cr.state', 'in', ['confirmed', 'approved']).where('cr.requested_by', '!=', session.personId).execute()).map(toItem)
      : [];
  const mine = (await listQuery(db, session.schoolId).where('cr.requested_by', '=', session.personId).limit(20).execute()).map(toItem);
  return { toConfirm, toDecide, mine, open: [] };
}

export async function listAll(db: Kysely<DB>, session: Session): Promise<CorrectionListItem[]> {
  if (!isBoard(session.roles) && !session.roles.includes('school_admin')) return [];
  return (await listQuery(db, session.schoolId).limit(500).execute()).map(toItem);
}

/**
 * The impact preview shown in the grid's correction dialog before the request is sent: the same
 * checks as the request itself (school, role, assignment, column, student, value), no write.
 */
export async function previewCorrection(db: Kysely<DB>, session: Session, classSubjectId: number, input: { columnId: number; enrolmentId: number; value: string }): Promise<Impact & { newText: string }> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);
  const col = (await loadColumns(db, [ctx.id])).find((c) => c.id === input.columnId);
  if (!col) throw new AppError('GRID_FOREIGN_COLUMN', 'bad_request', 'Cột điểm này không thuộc lớp/môn đang mở.', 'This column does not belong to the open class subject.');
  const enr = await db.selectFrom('enrolment').select(['id', 'left_on']).where('id', '=', input.enrolmentId).where('class_id', '=', ctx.classId).executeTakeFirst();
  if (!enr) throw new AppError('GRID_FOREIGN_STUDENT', 'bad_request', 'Học sinh này không thuộc lớp đang mở.', 'This student is not in the open class.');
  if (enr.left_on !== null) throw correctionErrors.studentLeft();
  const parsed = parseCell(input.value, col, ctx.regime);
  if (!parsed.ok) throw new AppError('GRID_INVALID_VALUE', 'bad_request', parsed.reasonVi, parsed.reasonEn);
  return { ...(await impactOf(db, ctx, col.id, input.enrolmentId, parsed.value)), newText: displayCell(parsed.value, ctx.regime) };
}

/** The school's expiry setting (days without action before an open request expires; null = never). */
export async function loadExpiryDays(db: Kysely<DB>, schoolId: number): Promise<number | null> {
  return (await db.selectFrom('correction_setting').select('expiry_days').where('school_id', '=', schoolId).executeTakeFirst())?.expiry_days ?? null;
}

export async function setExpiryDays(db: Kysely<DB>, session: Session, days: number | null): Promise<void> {
  await requirePermission(db, session, 'school.configure');
  await db.transaction().execute(async (trx) => {
    const old = await trx.selectFrom('correction_setting').select('expiry_days').where('school_id', '=', session.schoolId).forUpdate().executeTakeFirst();
    await trx
      .insertInto('correction_setting')
      .values({ school_id: session.schoolId, expiry_days: days })
      .onConflict((oc) => oc.column('school_id').doUpdateSet({ expiry_days: days, updated_at: sql`now()` }))
      .execute();
    await appendAudit(trx, { schoolId: session.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'correction.settings', entity: 'correction_setting', entityId: session.schoolId, oldValue: { expiryDays: old?.expiry_days ?? null }, newValue: { expiryDays: days }, source: 'admin' });
  });
}
