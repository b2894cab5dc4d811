import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { isInspector, isStaff } from '../../auth/roles';
import { activeInspection } from '../../auth/inspector';
import { isLinked, loadCourseLink } from '../../courses/course-setup';
import { rememberStaffLaunch } from '../../roster/roster-sync';
import type { RosterService } from '../../roster/roster-service';
import { listForHome } from '../../corrections/correction-service';

export interface HomeHooks {
  /** Throttled background roster sync for a linked course (never awaited: the page must not wait). */
  roster?: Pick<RosterService, 'syncInBackground'>;
}

export function homeRoutes(db: Kysely<DB>, hooks: HomeHooks = {}): Router {
  const r = Router();
  r.get('/home', requireSession, async (_req, res, next) => {
    try {
      const s = res.locals.session!;
      // Issue 8: an inspector's home is read-only — no staff memory, no course set-up, no roster sync.
      if (isInspector(s.roles)) {
        const inspection = await activeInspection(db, s);
        const pending = await listForHome(db, s);
        return res.render('home', { title: 'Trang chính', me: await loadMe(db, s), nav: navFor(s.roles, '/home'), roles: s.roles, course: undefined, homeroomClasses: [], teaching: [], showRoster: false, corrections: null, inspection, inspectionOpen: pending.open });
      }
      // Moodle's NRPS lists non-editing teachers as Learner: remember who launched as staff.
      await rememberStaffLaunch(db, s.personId, s.ltiRoles);
      let courseLinked = false;
      if (s.courseLinkId !== null) {
        const link = await loadCourseLink(db, s.courseLinkId);
        // An unlinked course: staff set it up once; students get a friendly "not ready yet" page there.
        if (link && !isLinked(link)) return res.redirect(303, res.locals.u('/course/setup'));
        courseLinked = !!link;
        if (link && hooks.roster) void hooks.roster.syncInBackground(link.id);
      }
      const me = await loadMe(db, s);
      const course = s.courseLinkId
        ? await db.selectFrom('course_link').select(['context_label', 'context_title', 'course_idnumber', 'class_id']).where('id', '=', s.courseLinkId).executeTakeFirst()
        : undefined;
      const homeroomClasses = await db
        .selectFrom('class')
        .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
        .select(['class.id', 'class.name', 'school_year.name as year'])
        .where('class.homeroom_person_id', '=', s.personId)
        .where('school_year.status', '=', 'open')
        .execute();
      const teaching = await db
        .selectFrom('class_subject')
        .innerJoin('class', 'class.id', 'class_subject.class_id')
        .innerJoin('subject', 'subject.id', 'class_subject.subject_id')
        .select(['class_subject.id as class_subject_id', 'class.name as class_name', 'subject.name as subject_name'])
        .where('class_subject.teacher_person_id', '=', s.personId)
        .orderBy('class.name')
        .orderBy('subject.name')
        .execute();
      // Issue 8: pending correction requests (homeroom teacher, principal) and the requester's outcomes.
      const corrections = isStaff(s.roles) ? await listForHome(db, s) : null;
      res.render('home', { title: 'Trang chính', me, nav: navFor(s.roles, '/home'), roles: s.roles, course, homeroomClasses, teaching, showRoster: courseLinked && isStaff(s.roles), corrections });
    } catch (e) {
      next(e);
    }
  });
  return r;
}
