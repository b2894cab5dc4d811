/**
 * Semester and year averages to the LMS after the principal's approval (issue 7 §2).
 *
 * When a class's year-end list is approved (src/results/year-end-service.ts approve → one call here, in
 * the approval's own transaction), every class subject of the class whose course has the LMS grade
 * service gets three line items of ours — ĐTB môn HK I, ĐTB môn HK II, ĐTB môn cả năm — recorded as
 * `lms_line_item` rows of kind semester_avg (term HK1/HK2) / year_avg, keyed by (class subject, kind,
 * term) so they are found again and never duplicated, and each enrolled student's averages are queued in
 * the outbox in that same transaction. No HTTP happens inside the approval: the worker creates the line
 * items in the LMS (or finds them again by resourceId + tag) before sending (worker.resolveLineItems).
 *
 * What is sent, and what is not (decided here, documented in the README):
 * - Scored subjects: the average as the rules engine computed it (one decimal, exact tenths), on a 10-point
 *   line item, as FullyGraded. Parsed from the engine's text by digits, never parseFloat.
 * - Subjects assessed by comments (TT22 Đạt/Chưa đạt, TT58 Đ/CĐ): NOT sent. AGS carries numbers only;
 *   Moodle stores a comment without a FullyGraded score as a cleared grade (moodle-lti-behaviour.md §7),
 *   and any number we chose (1/0, 10/0) would enter the LMS course total as if it were a mark.
 * - A student exempt from the subject in that period, or without a computable average: nothing is sent;
 *   if a value was sent before, the LMS grade is cleared (a NotReady score without scoreGiven).
 * - Students who left the class are not sent (only enrolled learners).
 * - Once the after-re-test list is approved, a scored re-test result replaces that subject's year result
 *   (TT22 Điều 14 / TT58 re-test: "each result replaces that subject's year result"), so the year-average
 *   line item then carries the re-test score for those students.
 * Re-approval (after reopen + correction, or the after-retest round) queues only the averages whose value
 * differs from the last one queued for that line item and student; a gone line item gets a new one.
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { appendAudit } from '../audit/audit-log';
import { loadClassContext } from '../results/class-context';
import { exemptFigure, loadClassData, subjectIdOf, type Period } from '../results/results-service';
import { TOOL_TAG } from './service';

export const AVERAGE_ITEMS = [
  { period: 'HK1', kind: 'semester_avg', term: 'HK1', labelVi: 'ĐTB môn HK I' },
  { period: 'HK2', kind: 'semester_avg', term: 'HK2', labelVi: 'ĐTB môn HK II' },
  { period: 'CN', kind: 'year_avg', term: null, labelVi: 'ĐTB môn cả năm' },
] as const satisfies ReadonlyArray<{ period: Period; kind: 'semester_avg' | 'year_avg'; term: 'HK1' | 'HK2' | null; labelVi: string }>;

/** Found again in the LMS by this (GET lineitems?resource_id=…, moodle-lti-behaviour.md §7). */
export const averageResourceId = (classSubjectId: number, period: Period) => `sodiem-cs-${classSubjectId}-avg-${period}`;

/** The engine's average text "6,5" → 65 tenths; anything else ("Đạt", "Đ", null) → null. Digits only. */
export function averageTenths(text: string | null | undefined): number | null {
  const m = /^(\d{1,2}),(\d)$/.exec(text ?? '');
  if (!m) return null;
  const v = Number(m[1]) * 10 + Number(m[2]);
  return v <= 100 ? v : null;
}

export interface QueuedAverages {
  lineItems: number;
  queued: number;
}

/**
 * Records the average line items and queues the changed averages of every AGS-enabled scored class
 * subject of the class. Call inside the approval's transaction (one call, before its audit record).
 */
export async function queueApprovedAverages(trx: Transaction<DB>, input: { classId: number; round: string; personId: number | null }): Promise<QueuedAverages> {
  // Cheap exit for the usual case (no course of this class has AGS): no results computation at all.
  const agsSubjects = await trx
    .selectFrom('class_subject as cs')
    .innerJoin('course_link as cl', 'cl.id', 'cs.course_link_id')
    .select(['cs.id'])
    .where('cs.class_id', '=', input.classId)
    .where('cs.assessment', '=', 'scored')
    .where('cl.lineitems_url', 'is not', null)
    .execute();
  if (!agsSubjects.length) return { lineItems: 0, queued: 0 };
  const wanted = new Set(agsSubjects.map((r) => Number(r.id)));
  const c = await loadClassContext(trx, input.classId);
  if (!c) return { lineItems: 0, queued: 0 };
  const d = await loadClassData(trx, c);
  const students = c.students.filter((s) => s.leftOn === null);
  const people = students.length ? await trx.selectFrom('person').select(['id', 'lms_user_id']).where('id', 'in', students.map((s) => s.personId)).execute() : [];
  const lmsOf = new Map(people.filter((p) => p.lms_user_id).map((p) => [Number(p.id), p.lms_user_id as string]));
  const afterRetest = await trx.selectFrom('year_decision').select('id').where('class_id', '=', input.classId).where('round', '=', 'after_retest').where('state', '=', 'approved').executeTakeFirst();
  const retests =
    afterRetest && students.length
      ? await trx.selectFrom('retest_score').select(['enrolment_id', 'subject_id', 'tenths']).where('enrolment_id', 'in', students.map((s) => s.enrolmentId)).where('tenths', 'is not', null).execute()
      : [];
  const retestOf = new Map(retests.map((r) => [`${Number(r.enrolment_id)}:${Number(r.subject_id)}`, r.tenths as number]));

  const rows: Array<{ itemId: number; url: string | null; csId: number; enrolmentId: number; lmsUserId: string; tenths: number | null; kind: string; term: string | null }> = [];
  let lineItems = 0;
  for (const cs of d.subjects) {
    if (!wanted.has(cs.id) || cs.assessment !== 'scored') continue;
    for (const a of AVERAGE_ITEMS) {
      const label = `${cs.subjectName} ${cs.className} — ${a.labelVi} (${c.schoolYearName})`;
      // Created once: the partial unique index (class subject, kind, term) of live items makes a second
      // approval (or a concurrent one) find the same row.
      await sql`
        INSERT INTO lms_line_item (class_subject_id, column_id, lineitem_url, resource_id, tag, label, score_maximum, ours, published, kind, term)
        VALUES (${cs.id}, NULL, NULL, ${averageResourceId(cs.id, a.period)}, ${TOOL_TAG}, ${label}, 10, true, true, ${a.kind}, ${a.term})
        ON CONFLICT (class_subject_id, kind, (coalesce(term, ''))) WHERE ours AND kind <> 'column' AND gone_at IS NULL DO NOTHING`.execute(trx);
      let q = trx.selectFrom('lms_line_item').select(['id', 'lineitem_url']).where('class_subject_id', '=', cs.id).where('kind', '=', a.kind).where('ours', '=', true).where('gone_at', 'is', null);
      q = a.term === null ? q.where('term', 'is', null) : q.where('term', '=', a.term);
      const item = await q.executeTakeFirstOrThrow();
      lineItems++;
      for (const st of students) {
        const lmsUserId = lmsOf.get(st.personId);
        if (!lmsUserId) continue;
        // The figure the results pages show, exemptions applied by the rules engine (left out → nothing sent;
        // an exempted semester taking the year result → that result), so the LMS never disagrees with them.
        const fig = exemptFigure(d, cs, st.enrolmentId, a.period);
        const retest = a.period === 'CN' ? retestOf.get(`${st.enrolmentId}:${subjectIdOf(cs)}`) : undefined;
        const tenths = fig.exempt ? null : retest ?? averageTenths(fig.cell?.text);
        rows.push({ itemId: Number(item.id), url: item.lineitem_url, csId: cs.id, enrolmentId: st.enrolmentId, lmsUserId, tenths, kind: a.kind, term: a.term });
      }
    }
  }
  if (!rows.length) return { lineItems, queued: 0 };

  // Changed only: compare with the last value queued for the same line item and student (whatever its
  // state — a failed one is re-sent by "re-publish the differences", not by re-approving the same value).
  // Nothing is queued to clear a grade we never sent.
  const res = await sql<{ id: number }>`
    WITH input AS (
      SELECT * FROM unnest(${rows.map((r) => r.itemId)}::bigint[], ${rows.map((r) => r.url)}::text[], ${rows.map((r) => r.csId)}::bigint[],
                           ${rows.map((r) => r.enrolmentId)}::bigint[], ${rows.map((r) => r.lmsUserId)}::text[], ${rows.map((r) => r.tenths)}::int[],
                           ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.term)}::text[])
             AS t(item_id, url, cs_id, enrolment_id, lms_user_id, tenths, kind, term)
    ), changed AS (
      SELECT i.* FROM input i
        LEFT JOIN LATERAL (SELECT o.payload FROM ags_outbox o WHERE o.line_item_id = i.item_id AND o.enrolment_id = i.enrolment_id
                            ORDER BY o.id DESC LIMIT 1) last ON true
       WHERE CASE WHEN last.payload IS NULL THEN i.tenths IS NOT NULL
                  ELSE nullif(last.payload->'tenths', 'null'::jsonb) IS DISTINCT FROM to_jsonb(i.tenths) END
    )
    INSERT INTO ags_outbox (school_id, class_subject_id, column_id, score_id, enrolment_id, lms_user_id, lineitem_url, line_item_id, payload)
    SELECT ${c.schoolId}, cs_id, NULL, NULL, enrolment_id, lms_user_id, url, item_id,
           jsonb_build_object('tenths', tenths, 'scoreMaximum', 10, 'kind', kind, 'term', term)
      FROM changed
    ON CONFLICT (line_item_id, enrolment_id) WHERE state = 'pending' AND line_item_id IS NOT NULL
    DO UPDATE SET payload = EXCLUDED.payload, attempts = 0, next_attempt_at = now(), updated_at = now(),
                  last_error_code = NULL, last_error_message = NULL
    RETURNING id`.execute(trx);
  const queued = res.rows.length;
  if (queued > 0)
    await appendAudit(trx, {
      schoolId: c.schoolId,
      actor: { personId: input.personId, role: 'principal' },
      action: 'lms.averages.queue',
      entity: 'class',
      entityId: input.classId,
      newValue: { round: input.round, lineItems, queued },
      source: 'lms',
    });
  return { lineItems, queued };
}
