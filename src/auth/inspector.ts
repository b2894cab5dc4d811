/**
 * The inspector (thanh tra / chuyên viên of the education office who inspects the school).
 *
 * How someone becomes one: Moodle has no such role (shared/docs/moodle-lti-behaviour.md §4) and an
 * inspector usually gets a temporary account in the school's Moodle, so the school admin (or the
 * principal) designates them on the staff page (/admin/staff) by Moodle idnumber or user id, for the
 * inspection's period (from–to dates, Vietnam time) and with the decision that sends them. At launch
 * the designation makes the session ['inspector'] and nothing else (roles.ts mapRoles).
 *
 * What they may do: READ the audit trail (filters, CSV), the chain verifier, the correction requests
 * and their minutes/evidence, class results and the print archive — and never write. This is enforced
 * here, once, before any route runs (mounted in server.ts), rather than trusted to every route:
 *  - every state-changing request (anything but GET/HEAD) is refused with INSPECTOR_READ_ONLY;
 *  - a GET is let through only to the pages listed below (default deny: a GET with a side effect
 *    elsewhere, or a page added later, is not reachable by accident);
 *  - the designation must still exist and today (Asia/Ho_Chi_Minh) must fall in its period, on every
 *    request — revoking or the period's end takes effect at once, not at the session's expiry.
 */
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AppError } from '../shared/errors';
import type { Session } from './session';

/** The pages an inspector may open (paths without the query string). */
export const INSPECTOR_PAGES: readonly RegExp[] = [
  /^\/$/,
  /^\/about$/,
  /^\/home$/,
  /^\/audit$/,
  /^\/audit\.csv$/,
  /^\/audit\/verify$/,
  /^\/corrections$/,
  /^\/corrections\/\d+$/,
  /^\/corrections\/\d+\/minutes$/,
  /^\/corrections\/\d+\/minutes\.pdf$/,
  /^\/corrections\/\d+\/evidence\/\d+$/,
  /^\/results$/,
  /^\/results\/class\/\d+$/,
  /^\/results\/statistics$/,
  /^\/results\/history\/\d+$/,
  /^\/print$/,
  /^\/print\/classes\/\d+$/,
  /^\/print\/archive\/\d+\/pdf$/,
];

export function inspectorMayRequest(method: string, path: string): 'ok' | 'read_only' | 'page' {
  if (method !== 'GET' && method !== 'HEAD') return 'read_only';
  return INSPECTOR_PAGES.some((re) => re.test(path)) ? 'ok' : 'page';
}

export const inspectorErrors = {
  readOnly: () =>
    new AppError('INSPECTOR_READ_ONLY', 'forbidden', 'Thanh tra chỉ được xem, không được thay đổi dữ liệu của trường.', 'An inspector may only read; nothing can be changed.'),
  page: () =>
    new AppError(
      'INSPECTOR_PAGE_NOT_ALLOWED',
      'forbidden',
      'Trang này không thuộc phạm vi thanh tra (nhật ký thay đổi, sửa điểm, kết quả học tập, lưu trữ sổ in).',
      'This page is outside the inspection scope (audit trail, corrections, results, print archive).',
    ),
  period: () =>
    new AppError(
      'INSPECTOR_PERIOD_OVER',
      'forbidden',
      'Quyền thanh tra của bạn chưa bắt đầu, đã hết hạn hoặc đã bị thu hồi. Hãy liên hệ quản trị nhà trường.',
      'Your inspection period has not started, has ended or was revoked. Contact the school admin.',
    ),
};

export interface InspectorPeriod {
  id: number;
  validFrom: string;
  validUntil: string;
  note: string | null;
}

/** The person's inspector designation in force today (Vietnam date), or null. */
export async function activeInspection(db: Kysely<DB>, session: Pick<Session, 'schoolId' | 'personId'>): Promise<InspectorPeriod | null> {
  const row = await db
    .selectFrom('staff_designation as d')
    .innerJoin('person as p', (j) => j.on('p.id', '=', session.personId).on('p.school_id', '=', session.schoolId))
    .select([
      'd.id',
      sql<string>`to_char(d.valid_from, 'YYYY-MM-DD')`.as('valid_from'),
      sql<string>`to_char(d.valid_until, 'YYYY-MM-DD')`.as('valid_until'),
      'd.note',
    ])
    .where('d.school_id', '=', session.schoolId)
    .where('d.role', '=', 'inspector')
    .where((eb) => eb.or([eb('d.lms_user_id', '=', eb.ref('p.lms_user_id')), eb('d.person_code', '=', eb.ref('p.person_code'))]))
    .where(sql<boolean>`(now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN d.valid_from AND d.valid_until`)
    .orderBy('d.valid_until', 'desc')
    .executeTakeFirst();
  return row ? { id: Number(row.id), validFrom: row.valid_from, validUntil: row.valid_until, note: row.note } : null;
}

/** Express middleware, mounted once after the session is loaded and before every route. */
export function inspectorGuard(db: Kysely<DB>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const s = res.locals.session;
    if (!s || !s.roles.includes('inspector')) return next();
    (async () => {
      if (!(await activeInspection(db, s))) throw inspectorErrors.period();
      const verdict = inspectorMayRequest(req.method, req.path);
      if (verdict === 'read_only') throw inspectorErrors.readOnly();
      if (verdict === 'page') throw inspectorErrors.page();
    })().then(() => next(), next);
  };
}
