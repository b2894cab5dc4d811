import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { AppError } from '../../shared/errors';
import { isBoard, isStaff } from '../../auth/roles';
import type { Session } from '../../auth/session';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { validationError } from './admin-platforms';
import { loadRoster } from '../../roster/roster-query';
import { resolveLinkedCourse } from '../../roster/roster-sync';
import { rosterError, rosterErrorMessageVi } from '../../roster/errors';
import type { RosterService } from '../../roster/roster-service';
import { viewFormat } from '../../school/format';

const RosterQuery = z.object({ class_id: z.coerce.number().int().positive().optional() });

const forbidden = () =>
  new AppError('ROSTER_FORBIDDEN', 'forbidden', 'Chỉ giáo viên của lớp và ban giám hiệu xem được danh sách lớp.', 'Only the class teachers and the board may see the class list.');

/** May this staff member see the class list? Board: any class of the school; teachers: their classes. */
async function mayViewClass(db: Kysely<DB>, s: Session, classId: number): Promise<boolean> {
  const cls = await db.selectFrom('class').select(['school_id', 'homeroom_person_id']).where('id', '=', classId).executeTakeFirst();
  if (!cls || Number(cls.school_id) !== s.schoolId) return false;
  if (isBoard(s.roles) || s.roles.includes('school_admin')) return true;
  if (Number(cls.homeroom_person_id) === s.personId) return true;
  const teaches = await db.selectFrom('class_subject').select('id').where('class_id', '=', classId).where('teacher_person_id', '=', s.personId).executeTakeFirst();
  if (teaches) return true;
  if (s.courseLinkId !== null) {
    const linked = await resolveLinkedCourse(db, s.courseLinkId);
    return linked?.classId === classId;
  }
  return false;
}

export function rosterRoutes(db: Kysely<DB>, roster: RosterService): Router {
  const r = Router();

  r.get('/roster', requireSession, async (req, res, next) => {
    try {
      const q = RosterQuery.safeParse(req.query);
      if (!q.success) throw validationError(q.error.issues);
      const s = res.locals.session!;
      if (!isStaff(s.roles)) throw forbidden();
      let classId = q.data.class_id ?? null;
      let courseLinkId: number | null = null;
      if (classId === null) {
        if (s.courseLinkId === null) throw rosterError('ROSTER_COURSE_NOT_LINKED');
        const linked = await resolveLinkedCourse(db, s.courseLinkId);
        if (!linked) return res.redirect(303, res.locals.u('/course/setup'));
        classId = linked.classId;
        courseLinkId = linked.courseLinkId;
      }
      if (!(await mayViewClass(db, s, classId))) throw forbidden();
      const view = await loadRoster(db, classId, courseLinkId);
      if (!view) throw new AppError('ROSTER_CLASS_NOT_FOUND', 'not_found', 'Không tìm thấy lớp.', 'Class not found.');
      const canSync = courseLinkId !== null;
      const flash = typeof req.query.synced === 'string' ? req.query.synced : null;
      res.render('roster/index', {
        title: `Danh sách lớp ${view.className}`,
        me: await loadMe(db, s),
        nav: navFor(s.roles, '/roster'),
        view,
        canSync,
        flash,
        flashError: rosterErrorMessageVi(flash && flash !== 'ok' ? flash : null),
        fmt: viewFormat,
      });
    } catch (e) {
      next(e);
    }
  });

  r.post('/roster/sync', requireSession, async (_req, res, next) => {
    try {
      const s = res.locals.session!;
      // Teachers of the course (they launched from it with staff roles); students never.
      if (!isStaff(s.roles)) throw forbidden();
      if (s.courseLinkId === null) throw rosterError('ROSTER_COURSE_NOT_LINKED');
      const me = await loadMe(db, s);
      const outcome = await roster.syncNow(s.courseLinkId, { personId: s.personId, lmsUserId: me.lmsUserId, role: s.roles[0] ?? 'staff' });
      res.redirect(303, res.locals.u(`/roster?synced=${outcome.ok ? 'ok' : outcome.errorCode}`));
    } catch (e) {
      next(e);
    }
  });
  return r;
}
