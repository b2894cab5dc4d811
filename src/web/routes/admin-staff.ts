import { Router } from 'express';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { appendAudit } from '../../audit/audit-log';
import { retryTransaction } from '../../db/retry';
import { AppError } from '../../shared/errors';
import { requireRole } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';

const STAFF_FIELD_VI: Record<string, string> = { role: 'vai trò', person_code: 'mã cán bộ hoặc mã người dùng LMS', lms_user_id: 'mã người dùng LMS', valid_from: 'ngày bắt đầu', valid_until: 'ngày kết thúc', note: 'ghi chú (tối đa 300 ký tự)' };
function staffInputError(issues: z.core.$ZodIssue[]): AppError {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? '')))];
  return new AppError('INPUT_INVALID', 'bad_request', `Dữ liệu chưa hợp lệ: ${fields.map((f) => STAFF_FIELD_VI[f] ?? f).join(', ')}.`, `Invalid input: ${fields.join(', ')}.`, { fields });
}

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const optText = (max: number) => z.string().trim().max(max).optional().transform((v) => v || null);

const Designation = z
  .object({
    role: z.enum(['principal', 'vice_principal', 'school_admin', 'inspector']),
    person_code: optText(64),
    lms_user_id: optText(255),
    valid_from: z.union([z.literal(''), isoDay]).optional().transform((v) => v || null),
    valid_until: z.union([z.literal(''), isoDay]).optional().transform((v) => v || null),
    note: optText(300),
  })
  .refine((d) => d.person_code || d.lms_user_id, { path: ['person_code'] });

/** An inspection lasts at most a school year (366 days): a designation must not be left open-ended. */
export const INSPECTION_MAX_DAYS = 366;

const dayNumber = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000;
const validDay = (iso: string) => new Date(dayNumber(iso) * 86_400_000).toISOString().slice(0, 10) === iso;

const periodError = (vi: string, en: string) => new AppError('STAFF_BAD_PERIOD', 'bad_request', vi, en);

/** The inspector's period: both dates, real days, from ≤ until, not already over, at most INSPECTION_MAX_DAYS. */
function checkInspectorPeriod(from: string | null, until: string | null, todayVn: string): void {
  if (!from || !until) throw periodError('Thanh tra phải có thời hạn: nhập cả ngày bắt đầu và ngày kết thúc.', 'An inspector needs a period: both start and end dates.');
  if (!validDay(from) || !validDay(until)) throw periodError('Ngày không có thật (theo dạng YYYY-MM-DD).', 'Not a real date.');
  if (dayNumber(until) < dayNumber(from)) throw periodError('Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.', 'The end date is before the start date.');
  if (dayNumber(until) < dayNumber(todayVn)) throw periodError('Thời hạn thanh tra đã qua.', 'The period is already over.');
  if (dayNumber(until) - dayNumber(from) + 1 > INSPECTION_MAX_DAYS) throw periodError(`Thời hạn thanh tra tối đa ${INSPECTION_MAX_DAYS} ngày.`, `An inspection lasts at most ${INSPECTION_MAX_DAYS} days.`);
}

/**
 * The school's list of board members, admins and inspectors, by person code (Moodle idnumber) or LMS
 * user id: stock Moodle sends `Instructor` for a principal and has no inspector role, so this list is
 * what makes them one. An inspector is designated for a period (src/auth/inspector.ts) and can be
 * revoked at once; every change is audited.
 */
export function adminStaffRoutes(db: Kysely<DB>): Router {
  const r = Router();
  const guard = requireRole('principal', 'school_admin');
  const todayVn = async () => (await sql<{ d: string }>`SELECT to_char((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 'YYYY-MM-DD') AS d`.execute(db)).rows[0]!.d;

  r.get('/admin/staff', guard, async (_req, res, next) => {
    try {
      const s = res.locals.session!;
      const rows = await db
        .selectFrom('staff_designation')
        .select(['id', 'role', 'person_code', 'lms_user_id', 'note', sql<string | null>`to_char(valid_from, 'YYYY-MM-DD')`.as('valid_from'), sql<string | null>`to_char(valid_until, 'YYYY-MM-DD')`.as('valid_until')])
        .where('school_id', '=', s.schoolId)
        .orderBy('role')
        .orderBy('id')
        .execute();
      res.render('admin/staff', { title: 'Ban giám hiệu', me: await loadMe(db, s), nav: navFor(s.roles, '/admin/staff'), rows, today: await todayVn() });
    } catch (e) {
      next(e);
    }
  });

  r.post('/admin/staff', guard, async (req, res, next) => {
    try {
      const parsed = Designation.safeParse(req.body);
      if (!parsed.success) throw staffInputError(parsed.error.issues);
      const d = parsed.data;
      if (d.role === 'inspector') checkInspectorPeriod(d.valid_from, d.valid_until, await todayVn());
      // Only an inspector's designation is time-limited; the board's is not.
      const values = d.role === 'inspector' ? d : { ...d, valid_from: null, valid_until: null };
      const s = res.locals.session!;
      const me = await loadMe(db, s);
      await retryTransaction(() =>
        db.transaction().execute(async (trx) => {
          const row = await trx
            .insertInto('staff_designation')
            .values({ school_id: s.schoolId, role: values.role, person_code: values.person_code, lms_user_id: values.lms_user_id, valid_from: values.valid_from, valid_until: values.valid_until, note: values.note })
            .onConflict((oc) => oc.doNothing())
            .returning('id')
            .executeTakeFirst();
          if (!row) throw new AppError('STAFF_EXISTS', 'conflict', 'Người này đã có trong danh sách với vai trò đó.', 'Already designated with that role.');
          await appendAudit(trx, { schoolId: s.schoolId, actor: { personId: s.personId, lmsUserId: me.lmsUserId, role: s.roles[0] }, action: 'staff.designate', entity: 'staff_designation', entityId: row.id, newValue: values, source: 'admin' });
        }),
      );
      res.redirect(303, res.locals.u('/admin/staff'));
    } catch (e) {
      next(e);
    }
  });

  // Revoking (e.g. the inspection ended early): the row goes, its content stays in the audit record.
  r.post('/admin/staff/:id(\\d+)/revoke', guard, async (req, res, next) => {
    try {
      const s = res.locals.session!;
      const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).parse(req.params.id);
      const me = await loadMe(db, s);
      await retryTransaction(() =>
        db.transaction().execute(async (trx) => {
          const old = await trx
            .deleteFrom('staff_designation')
            .where('id', '=', id)
            .where('school_id', '=', s.schoolId)
            .returning(['id', 'role', 'person_code', 'lms_user_id', 'note', sql<string | null>`to_char(valid_from, 'YYYY-MM-DD')`.as('valid_from'), sql<string | null>`to_char(valid_until, 'YYYY-MM-DD')`.as('valid_until')])
            .executeTakeFirst();
          if (!old) throw new AppError('STAFF_NOT_FOUND', 'not_found', 'Không tìm thấy người này trong danh sách.', 'Designation not found.');
          await appendAudit(trx, { schoolId: s.schoolId, actor: { personId: s.personId, lmsUserId: me.lmsUserId, role: s.roles[0] }, action: 'staff.revoke', entity: 'staff_designation', entityId: id, oldValue: old, source: 'admin' });
        }),
      );
      res.redirect(303, res.locals.u('/admin/staff'));
    } catch (e) {
      next(e);
    }
  });
  return r;
}
