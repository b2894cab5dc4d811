import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { loadStudentAverages } from '../../gradebook/class-summary';

/** A student sees their own averages only (the session's person; no id in the URL to tamper with). */
export function studentRoutes(db: Kysely<DB>): Router {
  const r = Router();
  r.get('/student/averages', requireSession, (req, res, next) => {
    (async () => {
      const s = res.locals.session!;
      const years = await loadStudentAverages(db, s);
      if (req.accepts(['html', 'json']) === 'json') return void res.json({ years });
      res.render('grid/student', { title: 'Điểm trung bình của em', me: await loadMe(db, s), nav: navFor(s.roles, '/student/averages'), years });
    })().catch(next);
  });
  return r;
}
