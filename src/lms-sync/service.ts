/**
 * Use cases of the LMS grade sync: publish a column (its own line item, created once and found again by
 * resourceId), import an LMS line item's results into a column (through the grid's own save path: locks,
 * deadlines, versions, audit), the agreement view (LMS vs Sổ Điểm) and re-publishing the differences.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { authoriseGridRead, authoriseGridWrite, sameSchool } from '../gradebook/access';
import { loadClassSubject, loadColumns, loadScores, loadStudents } from '../gradebook/grid-repository';
import { saveScores } from '../gradebook/save-scores';
import type { AgsClient, LineItem, LmsResult } from './ags-client';
import { agsError } from './errors';
import { enqueueScorePush, loadCourseTarget, type CourseTarget } from './outbox';

export const TOOL_TAG = 'sodiem';
export const resourceIdOf = (columnId: number) => `sodiem-column-${columnId}`;

async function columnOf(db: Kysely<DB>, classSubjectId: number, columnId: number) {
  const col = (await loadColumns(db, [classSubjectId])).find((c) => c.id === columnId);
  if (!col) throw new AppError('AGS_UNKNOWN_COLUMN', 'not_found', 'Không tìm thấy cột điểm.', 'Column not found.');
  return col;
}

/**
 * The column's line item: ours if already recorded; else found again in the LMS by resourceId (a
 * previous attempt that created it but crashed before recording); else created. An advisory lock per
 * column makes concurrent publishes create it once.
 */
export async function ensureLineItem(db: Kysely<DB>, client: AgsClient, t: CourseTarget, column: { id: number; label: string }, label: string): Promise<{ url: string; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('lms_line_item'), ${column.id}::int)`.execute(trx);
    const have = await trx.selectFrom('lms_line_item').select(['lineitem_url', 'gone_at']).where('column_id', '=', column.id).where('ours', '=', true).executeTakeFirst();
    if (have && !have.gone_at) return { url: have.lineitem_url!, created: false }; // a column's item always has its URL (0014 check)
    const resourceId = resourceIdOf(column.id);
    let item: LineItem | undefined = have ? undefined : (await client.listLineItems(t, t.lineitemsUrl, { resourceId })).find((i) => i.resourceId === resourceId && i.tag === TOOL_TAG);
    let created = false;
    if (!item) {
      item = await client.createLineItem(t, t.lineitemsUrl, { label, scoreMaximum: 10, resourceId, tag: TOOL_TAG });
      created = true;
    }
    if (have) await trx.deleteFrom('lms_line_item').where('column_id', '=', column.id).where('ours', '=', true).execute();
    await trx
      .insertInto('lms_line_item')
      .values({ class_subject_id: t.classSubjectId, column_id: column.id, lineitem_url: item.id, resource_id: resourceId, tag: TOOL_TAG, label, score_maximum: 10, ours: true, published: true })
      .execute();
    return { url: item.id, created };
  });
}

/** Publishes a column: its line item + every current score of enrolled learners queued. */
export async function publishColumn(db: Kysely<DB>, client: AgsClient, session: Session, classSubjectId: number, columnId: number): Promise<{ lineitemUrl: string; created: boolean; queued: number }> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);
  const col = await columnOf(db, classSubjectId, columnId);
  if (col.valueType !== 'score') throw agsError('AGS_NOT_PUBLISHABLE', { retryable: false });
  const t = await loadCourseTarget(db, classSubjectId);
  const label = `${ctx.subjectName} ${ctx.className} — ${col.label}`;
  const li = await ensureLineItem(db, client, t, col, label);
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('score')
      .innerJoin('enrolment', 'enrolment.id', 'score.enrolment_id')
      .select('score.enrolment_id')
      .where('score.column_id', '=', columnId)
      .where('enrolment.left_on', 'is', null)
      .where('score.tenths', 'is not', null)
      .execute();
    const queued = await enqueueScorePush(trx, rows.map((r) => ({ columnId, enrolmentId: Number(r.enrolment_id) })));
    await appendAudit(trx, {
      schoolId: ctx.schoolId,
      actor: { personId: session.personId, role: 'subject_teacher' },
      action: 'lms.column.publish',
      entity: 'assessment_column',
      entityId: columnId,
      newValue: { lineitemUrl: li.url, created: li.created, queued },
      source: 'lms',
    });
    return { lineitemUrl: li.url, created: li.created, queued };
  });
}

/** Line items the LMS exposes to the tool, minus the ones we publish into (AGS only lists the tool's own items). */
export async function listImportable(db: Kysely<DB>, client: AgsClient, session: Session, classSubjectId: number): Promise<LineItem[]> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);
  const t = await loadCourseTarget(db, classSubjectId);
  const items = await client.listLineItems(t, t.lineitemsUrl);
  const ours = new Set((await db.selectFrom('lms_line_item').select('lineitem_url').where('ours', '=', true).execute()).map((r) => r.lineitem_url));
  return items.filter((i) => !ours.has(i.id) && i.tag !== TOOL_TAG);
}

/** 0–10 with one decimal, half up (TT22/TT58 scores are recorded to one decimal place). */
export function rescaleToTenths(score: number, max: number): number | null {
  if (!Number.isFinite(score) || !Number.isFinite(max) || max <= 0) return null;
  const v = Math.min(Math.max((score / max) * 10, 0), 10);
  return Math.round(v * 10 + 1e-9);
}

export interface ImportResult {
  imported: number;
  unchanged: number;
  missing: Array<{ enrolmentId: number; name: string }>;
}

/**
 * Imports an LMS line item (one the LMS listed for this course) into a column: each result rescaled
 * to 0–10, written through the grid's save path (one transaction: locks, deadlines, versions, audit).
 */
export async function importLineItem(db: Kysely<DB>, client: AgsClient, session: Session, classSubjectId: number, lineitemUrl: string, columnId: number): Promise<ImportResult> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);
  const col = await columnOf(db, classSubjectId, columnId);
  if (col.valueType !== 'score') throw agsError('AGS_NOT_PUBLISHABLE', { retryable: false });
  const t = await loadCourseTarget(db, classSubjectId);
  // Only line items the LMS gives us for this course: never an arbitrary URL.
  const item = (await client.listLineItems(t, t.lineitemsUrl)).find((i) => i.id === lineitemUrl);
  if (!item) throw agsError('AGS_FOREIGN_LINEITEM', { retryable: false });
  const results = await client.results(t, lineitemUrl);
  const byUser = new Map(results.map((r) => [r.userId, r]));
  const students = (await loadStudents(db, ctx.classId)).filter((s) => !s.leftOn);
  const people = await db.selectFrom('person').select(['id', 'lms_user_id']).where('id', 'in', students.length ? students.map((s) => s.personId) : [-1]).execute();
  const lmsOf = new Map(people.map((p) => [Number(p.id), p.lms_user_id]));
  const current = new Map((await loadScores(db, [columnId])).map((s) => [s.enrolmentId, s]));
  const changes: Array<{ columnId: number; enrolmentId: number; value: string; version: number }> = [];
  const missing: ImportResult['missing'] = [];
  let unchanged = 0;
  for (const s of students) {
    const r = byUser.get(lmsOf.get(s.personId) ?? '');
    const max = r?.resultMaximum ?? item.scoreMaximum;
    const tenths = r && r.resultScore !== null ? rescaleToTenths(r.resultScore, max) : null;
    if (tenths === null) {
      missing.push({ enrolmentId: s.enrolmentId, name: s.displayName });
      continue;
    }
    const cur = current.get(s.enrolmentId);
    if (cur?.tenths === tenths) {
      unchanged++;
      continue;
    }
    changes.push({ columnId, enrolmentId: s.enrolmentId, value: (tenths / 10).toFixed(1).replace('.', ','), version: cur?.version ?? 0 });
  }
  if (changes.length) await saveScores(db, session, classSubjectId, changes, { requestId: 'lms-import', source: 'lms' });
  return { imported: changes.length, unchanged, missing };
}

export interface AgreementCell {
  enrolmentId: number;
  name: string;
  ours: number | null;
  lms: number | null;
  lmsComment: string | null;
  differs: boolean;
  status: { state: string; code: string | null; reason: string | null } | null;
}

export interface AgreementColumn {
  /** The assessment column; null for an average's line item. */
  columnId: number | null;
  lineItemId: number;
  kind: 'column' | 'semester_avg' | 'year_avg';
  term: 'HK1' | 'HK2' | null;
  label: string;
  /** null while an average's line item is not created in the LMS yet. */
  lineitemUrl: string | null;
  gone: boolean;
  error: { code: string; vi: string } | null;
  cells: AgreementCell[];
}

export interface SyncStatusCounts {
  pending: number;
  sending: number;
  sent: number;
  failed: number;
  conflict: number;
}

export async function syncStatus(db: Kysely<DB>, classSubjectId: number): Promise<SyncStatusCounts> {
  const rows = await db.selectFrom('ags_outbox').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).where('class_subject_id', '=', classSubjectId).groupBy('state').execute();
  const out: SyncStatusCounts = { pending: 0, sending: 0, sent: 0, failed: 0, conflict: 0 };
  for (const r of rows) if (r.state in out) out[r.state as keyof SyncStatusCounts] = Number(r.n);
  return out;
}

/** Per published column: what the LMS shows vs what Sổ Điểm holds, with the last sync state per cell. */
export async function agreement(db: Kysely<DB>, client: AgsClient, session: Session, classSubjectId: number): Promise<{ columns: AgreementColumn[]; status: SyncStatusCounts }> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridRead(db, session, ctx);
  const t = await loadCourseTarget(db, classSubjectId);
  // Columns first (by column), then the averages (HK I, HK II, year); gone average items that were
  // replaced are left out (the live one shows).
  const items = (await db.selectFrom('lms_line_item').selectAll().where('class_subject_id', '=', classSubjectId).where('ours', '=', true).orderBy('column_id').orderBy('term').orderBy('id').execute())
    .filter((it, _i, all) => it.kind === 'column' || !it.gone_at || !all.some((o) => o.id !== it.id && o.kind === it.kind && o.term === it.term && !o.gone_at))
    .sort((a, b) => (a.kind === 'column' ? 0 : a.kind === 'semester_avg' ? 1 : 2) - (b.kind === 'column' ? 0 : b.kind === 'semester_avg' ? 1 : 2));
  const cols = new Map((await loadColumns(db, [classSubjectId])).map((c) => [c.id, c]));
  const students = (await loadStudents(db, ctx.classId)).filter((s) => !s.leftOn);
  const people = await db.selectFrom('person').select(['id', 'lms_user_id']).where('id', 'in', students.length ? students.map((s) => s.personId) : [-1]).execute();
  const lmsOf = new Map(people.map((p) => [Number(p.id), p.lms_user_id]));
  const scores = await loadScores(db, items.map((i) => Number(i.column_id)).filter((x) => x > 0));
  // Last outbox row per (column | average line item, student): its state, and for an average the value
  // Sổ Điểm last queued (the approved figure — averages are not stored as scores).
  const latest = await sql<{ k: string; enrolment_id: number; state: string; last_error_code: string | null; last_error_message: string | null; payload: Record<string, unknown> }>`
    SELECT DISTINCT ON (k, enrolment_id) k, enrolment_id, state, last_error_code, last_error_message, payload
      FROM (SELECT CASE WHEN line_item_id IS NOT NULL THEN 'i' || line_item_id ELSE 'c' || column_id END AS k, * FROM ags_outbox
             WHERE class_subject_id = ${classSubjectId}) o
     ORDER BY k, enrolment_id, id DESC`.execute(db);
  const st = new Map(latest.rows.map((r) => [`${r.k}:${r.enrolment_id}`, r]));
  const out: AgreementColumn[] = [];
  for (const it of items) {
    const isColumn = it.kind === 'column';
    const colId = Number(it.column_id);
    const key = isColumn ? `c${colId}` : `i${it.id}`;
    const col = isColumn ? cols.get(colId) : undefined;
    let results = new Map<string, LmsResult>();
    let error: AgreementColumn['error'] = null;
    if (!it.lineitem_url) error = { code: 'AGS_LINEITEM_PENDING', vi: 'Cột chưa được tạo trên LMS (đang chờ gửi).' };
    else if (!it.gone_at) {
      try {
        results = new Map((await client.results(t, it.lineitem_url)).map((r) => [r.userId, r]));
      } catch (e) {
        const ae = e as AppError;
        error = { code: ae.code ?? 'AGS_FAILED', vi: ae.vi ?? 'Lỗi' };
        if (ae.code === 'AGS_LINEITEM_GONE') await db.updateTable('lms_line_item').set({ gone_at: sql`now()` }).where('id', '=', it.id).execute();
      }
    }
    const cells: AgreementCell[] = students.map((s) => {
      const s2 = st.get(`${key}:${s.enrolmentId}`);
      const queuedTenths = s2 && typeof s2.payload?.tenths === 'number' ? s2.payload.tenths : null;
      const ours = isColumn ? (scores.find((x) => x.columnId === colId && x.enrolmentId === s.enrolmentId)?.tenths ?? null) : queuedTenths;
      const r = results.get(lmsOf.get(s.personId) ?? '');
      const lms = r && r.resultScore !== null ? rescaleToTenths(r.resultScore, r.resultMaximum ?? Number(it.score_maximum)) : null;
      return {
        enrolmentId: s.enrolmentId,
        name: s.displayName,
        ours: ours === null ? null : ours / 10,
        lms: lms === null ? null : lms / 10,
        lmsComment: r?.comment ?? null,
        differs: !error && ours !== lms,
        status: s2 ? { state: s2.state, code: s2.last_error_code, reason: s2.last_error_message } : null,
      };
    });
    out.push({ columnId: isColumn ? colId : null, lineItemId: Number(it.id), kind: it.kind, term: it.term, label: col?.label ?? it.label, lineitemUrl: it.lineitem_url, gone: !!it.gone_at || error?.code === 'AGS_LINEITEM_GONE', error, cells });
  }
  return { columns: out, status: await syncStatus(db, classSubjectId) };
}

/** One action: re-queue every cell where the LMS differs from Sổ Điểm (only cells we hold a value for). */
export async function republishDifferences(db: Kysely<DB>, client: AgsClient, session: Session, classSubjectId: number): Promise<{ queued: number }> {
  const ctx = await loadClassSubject(db, classSubjectId);
  sameSchool(session, ctx);
  await authoriseGridWrite(db, session, ctx);
  const a = await agreement(db, client, session, classSubjectId);
  const live = a.columns.filter((c) => !c.gone);
  const refs = live.flatMap((c) => (c.columnId === null ? [] : c.cells.filter((x) => x.differs && x.ours !== null).map((x) => ({ columnId: c.columnId!, enrolmentId: x.enrolmentId }))));
  // Averages: the value last queued for the cell is queued again (it is the approved figure).
  const avg = live.flatMap((c) => (c.columnId === null ? c.cells.filter((x) => x.differs && x.ours !== null).map((x) => ({ itemId: c.lineItemId, enrolmentId: x.enrolmentId })) : []));
  return db.transaction().execute(async (trx) => {
    let queued = await enqueueScorePush(trx, refs);
    if (avg.length) {
      const r = await sql<{ id: number }>`
        INSERT INTO ags_outbox (school_id, class_subject_id, column_id, score_id, enrolment_id, lms_user_id, lineitem_url, line_item_id, payload)
        SELECT DISTINCT ON (o.line_item_id, o.enrolment_id) o.school_id, o.class_subject_id, NULL::bigint, NULL::bigint, o.enrolment_id, o.lms_user_id, li.lineitem_url, o.line_item_id, o.payload
          FROM unnest(${avg.map((x) => x.itemId)}::bigint[], ${avg.map((x) => x.enrolmentId)}::bigint[]) AS t(item_id, enrolment_id)
          JOIN ags_outbox o ON o.line_item_id = t.item_id AND o.enrolment_id = t.enrolment_id
          JOIN lms_line_item li ON li.id = t.item_id AND li.gone_at IS NULL
         ORDER BY o.line_item_id, o.enrolment_id, o.id DESC
        ON CONFLICT (line_item_id, enrolment_id) WHERE state = 'pending' AND line_item_id IS NOT NULL
        DO UPDATE SET payload = EXCLUDED.payload, attempts = 0, next_attempt_at = now(), updated_at = now(), last_error_code = NULL, last_error_message = NULL
        RETURNING id`.execute(trx);
      queued += r.rows.length;
    }
    await appendAudit(trx, { schoolId: ctx.schoolId, actor: { personId: session.personId, role: 'subject_teacher' }, action: 'lms.republish', entity: 'class_subject', entityId: classSubjectId, newValue: { queued }, source: 'lms' });
    return { queued };
  });
}
