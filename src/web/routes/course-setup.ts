import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { AppError } from '../../shared/errors';
import { isStaff } from '../../auth/roles';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { validationError } from './admin-platforms';
import { isLinked, linkCourse, loadCourseLink, prefillFrom, setupOptions } from '../../courses/course-setup';

const LinkForm = z.object({
  school_year_id: z.coerce.number().int().positive(),
  class_id: z.coerce.number().int().positive(),
  // '' = homeroom-class course (no subject)
  subject_id: z.union([z.literal(''), z.coerce.number().int().positive()]).transform((v) => (v === '' ? null : v)),
});

const noCourse = () => new AppError('COURSE_SETUP_NO_COURSE', 'bad_request', 'Hãy mở Sổ Điểm từ một khoá học trong LMS để thiết lập.', 'Open Sổ Điểm from an LMS course to set it up.');

export function courseSetupRoutes(db: Kysely<DB>): Router {
  const r = Router();
  r.get('/course/setup', requireSession, async (_req, res, next) => {
    try {
      const s = res.locals.session!;
      if (s.courseLinkId === null) throw noCourse();
      const course = await loadCourseLink(db, s.courseLinkId);
      if (!course) throw noCourse();
      const me = await loadMe(db, s);
      if (isLinked(course)) return res.redirect(303, res.locals.u('/home'));
      // Students never see the set-up form.
      if (!isStaff(s.roles)) return res.render('course-setup/pending', { title: 'Khoá học chưa sẵn sàng', me, nav: navFor(s.roles, '/course/setup'), course });
      const prefill = prefillFrom(course);
      const options = await setupOptions(db, s.schoolId, prefill);
      res.render('course-setup/index', { title: 'Thiết lập khoá học', me, nav: navFor(s.roles, '/course/setup'), course, prefill, options });
    } catch (e) {
      next(e);
    }
  });
  r.post('/course/setup', requireSession, async (req, res, next) => {
    try {
      const parsed = LinkForm.safeParse(req.body);
      if (!parsed.success) throw validationError(parsed.error.issues);
      const s = res.locals.session!;
      if (!isStaff(s.roles)) throw new AppError('COURSE_SETUP_FORBIDDEN', 'forbidden', 'Chỉ giáo viên mới thiết lập được khoá học.', 'Only teachers can set up a course.');
      if (s.courseLinkId === null) throw noCourse();
      const me = await loadMe(db, s);
      await linkCourse(db, {
        schoolId: s.schoolId,
        courseLinkId: s.courseLinkId,
        schoolYearId: parsed.data.school_year_id,
        classId: parsed.data.class_id,
        subjectId: parsed.data.subject_id,
        actor: { personId: s.personId, lmsUserId: me.lmsUserId, role: s.roles[0] ?? 'staff' },
      });
      res.redirect(303, res.locals.u('/home'));
    } catch (e) {
      next(e);
    }
  });
  return r;
}
