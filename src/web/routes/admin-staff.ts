import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { appendAudit } from '../../audit/audit-log';
import { AppError } from '../../shared/errors';
import { requireRole } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { validationError } from './admin-platforms';

const Designation = z
  .object({
    role: z.enum(['principal', 'vice_principal', 'school_admin']),
    person_code: z.string().trim().max(64).optional().transform((v) => v || null),
    lms_user_id: z.string().trim().max(255).optional().transform((v) => v || null),
  })
  .refine((d) => d.person_code || d.lms_user_id, { path: ['person_code'] });

/**
 * The school's list of board members and admins, by person code (Moodle idnumber) or LMS user id:
 * stock Moodle sends `Instructor` for a principal, so this list is what makes them one.
 */
export function adminStaffRoutes(db: Kysely<DB>): Router {
  const r = Router();
  const guard = requireRole('principal', 'school_admin');
  r.get('/admin/staff', guard, async (_req, res, next) => {
    try {
      const s = res.locals.session!;
      const rows = await db.selectFrom('staff_designation').selectAll().where('school_id', '=', s.schoolId).orderBy('role').orderBy('id').execute();
      res.render('admin/staff', { title: 'Ban giám hiệu', me: await loadMe(db, s), nav: navFor(s.roles, '/admin/staff'), rows });
    } catch (e) {
      next(e);
    }
  });
  r.post('/admin/staff', guard, async (req, res, next) => {
    try {
      const parsed = Designation.safeParse(req.body);
      if (!parsed.success) throw validationError(parsed.error.issues);
      const s = res.locals.session!;
      const me = await loadMe(db, s);
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('staff_designation')
          .values({ school_id: s.schoolId, role: parsed.data.role, person_code: parsed.data.person_code, lms_user_id: parsed.data.lms_user_id })
          .onConflict((oc) => oc.doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!row) throw new AppError('STAFF_EXISTS', 'conflict', 'Người này đã có trong danh sách với vai trò đó.', 'Already designated with that role.');
        await appendAudit(trx, { schoolId: s.schoolId, actor: { personId: s.personId, lmsUserId: me.lmsUserId, role: s.roles[0] }, action: 'staff.designate', entity: 'staff_designation', entityId: row.id, newValue: parsed.data, source: 'admin' });
      });
      res.redirect(303, res.locals.u('/admin/staff'));
    } catch (e) {
      next(e);
    }
  });
  return r;
}
