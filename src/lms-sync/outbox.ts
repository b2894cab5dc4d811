/**
 * The AGS outbox: score pushes are queued in PostgreSQL in the SAME transaction as the score write,
 * and sent later by the worker (src/lms-sync/worker.ts). At most one pending row per (line item,
 * enrolment): a newer value replaces the queued one (the LMS only needs the latest).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { AgsTarget } from './ags-client';
import { agsError } from './errors';

export interface PushRef {
  columnId: number;
  enrolmentId: number;
}

/**
 * Queues the current value of each (column, enrolment) for the LMS, only where the column is published
 * (a line item of ours, not gone), the class subject's course has AGS (course_link.lineitems_url) and the
 * student is still enrolled (left_on is null). Call it inside the transaction that writes the score.
 * Returns the number of rows queued. One statement whatever the batch size.
 */
export async function enqueueScorePush(trx: Transaction<DB> | Kysely<DB>, refs: readonly PushRef[]): Promise<number> {
  if (!refs.length) return 0;
  const cols = refs.map((r) => r.columnId);
  const enrs = refs.map((r) => r.enrolmentId);
  const res = await sql<{ id: number }>`
    INSERT INTO ags_outbox (school_id, class_subject_id, column_id, score_id, enrolment_id, lms_user_id, lineitem_url, payload)
    SELECT k.school_id, cs.id, ac.id, s.id, e.id, p.lms_user_id, li.lineitem_url,
           jsonb_build_object('tenths', s.tenths, 'scoreMaximum', li.score_maximum)
      FROM unnest(${cols}::bigint[], ${enrs}::bigint[]) AS r(column_id, enrolment_id)
      JOIN assessment_column ac ON ac.id = r.column_id
      JOIN lms_line_item li ON li.column_id = ac.id AND li.ours AND li.published AND li.gone_at IS NULL
      JOIN class_subject cs ON cs.id = ac.class_subject_id
      JOIN course_link cl ON cl.id = cs.course_link_id AND cl.lineitems_url IS NOT NULL
      JOIN class k ON k.id = cs.class_id
      JOIN enrolment e ON e.id = r.enrolment_id AND e.class_id = k.id AND e.left_on IS NULL
      JOIN person p ON p.id = e.person_id
      LEFT JOIN score s ON s.column_id = ac.id AND s.enrolment_id = e.id
     WHERE ac.value_type = 'score'
    ON CONFLICT (lineitem_url, enrolment_id) WHERE state = 'pending'
    DO UPDATE SET payload = EXCLUDED.payload, score_id = EXCLUDED.score_id, attempts = 0,
                  next_attempt_at = now(), updated_at = now(), last_error_code = NULL, last_error_message = NULL
    RETURNING id`.execute(trx);
  return res.rows.length;
}

export interface CourseTarget extends AgsTarget {
  schoolId: number;
  classSubjectId: number;
  classId: number;
  courseLinkId: number;
  lineitemsUrl: string;
  /** The LTI activity's own line item (given at launch): ours to read and write. */
  activityLineitemUrl: string | null;
}

/** Endpoints stored at launch (course_link) + the platform's issuer/client id: no user session needed. */
export async function loadCourseTarget(db: Kysely<DB> | Transaction<DB>, classSubjectId: number): Promise<CourseTarget> {
  const row = await db
    .selectFrom('class_subject as cs')
    .innerJoin('class as k', 'k.id', 'cs.class_id')
    .leftJoin('course_link as cl', 'cl.id', 'cs.course_link_id')
    .leftJoin('lti_deployment as d', 'd.id', 'cl.deployment_id')
    .leftJoin('lti_platform as pf', 'pf.id', 'd.platform_id')
    .select(['cs.id', 'cs.class_id', 'k.school_id', 'cl.id as course_link_id', 'cl.lineitems_url', 'cl.lineitem_url', 'pf.issuer', 'pf.client_id'])
    .where('cs.id', '=', classSubjectId)
    .executeTakeFirst();
  if (!row || !row.course_link_id || !row.lineitems_url) throw agsError('AGS_NOT_CONFIGURED', { retryable: false });
  if (!row.issuer || !row.client_id) throw agsError('AGS_PLATFORM_UNKNOWN', { retryable: false });
  return {
    schoolId: Number(row.school_id),
    classSubjectId: Number(row.id),
    classId: Number(row.class_id),
    courseLinkId: Number(row.course_link_id),
    lineitemsUrl: row.lineitems_url,
    activityLineitemUrl: row.lineitem_url,
    issuer: row.issuer,
    clientId: row.client_id,
  };
}

/** Score (tenths) → the AGS payload part; a cleared cell clears the LMS grade (NotReady without scoreGiven). */
export function scoreFields(payload: Record<string, unknown>): { scoreGiven?: number; scoreMaximum?: number; gradingProgress: 'FullyGraded' | 'NotReady'; activityProgress: 'Completed' | 'Initialized' } {
  const tenths = typeof payload.tenths === 'number' ? payload.tenths : null;
  const max = Number(payload.scoreMaximum ?? 10) || 10;
  if (tenths === null) return { gradingProgress: 'NotReady', activityProgress: 'Initialized' };
  return { scoreGiven: tenths / 10, scoreMaximum: max, gradingProgress: 'FullyGraded', activityProgress: 'Completed' };
}
