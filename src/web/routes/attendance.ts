/** Roll-call: validate (zod) → authorise (in the use case: rule AND homeroom of the class) → use case → render/JSON. */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { loadMonthSheet, saveMarks } from '../../attendance/attendance-service';
import { handle, idSchema, parseWith, wantsJson } from './route-kit';

const day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/);
const saveSchema = z.object({
  changes: z.array(z.object({ enrolmentId: idSchema, day, session: z.enum(['sang', 'chieu']), mark: z.enum(['P', 'K', '']) })).min(1).max(5000),
});
const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).optional();

export function attendanceRoutes(db: Kysely<DB>): Router {
  const r = Router();

  r.get('/attendance/class/:classId(\\d+)', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const classId = parseWith('ATTENDANCE_BAD_REQUEST', idSchema, req.params.classId);
    const month = parseWith('ATTENDANCE_BAD_REQUEST', monthSchema, typeof req.query.month === 'string' ? req.query.month : undefined);
    const sheet = await loadMonthSheet(db, s, classId, month);
    if (wantsJson(req)) {
      res.json(sheet);
      return;
    }
    res.render('attendance/month', {
      title: `Điểm danh lớp ${sheet.className}`,
      me: await loadMe(db, s),
      nav: navFor(s.roles, '/attendance'),
      sheet,
      config: { classId, csrf: s.csrfToken, sessionParam: res.locals.sessionParam ?? null, canWrite: sheet.canWrite },
    });
  }));

  r.post('/attendance/class/:classId(\\d+)/marks', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const classId = parseWith('ATTENDANCE_BAD_REQUEST', idSchema, req.params.classId);
    const body = parseWith('ATTENDANCE_BAD_REQUEST', saveSchema, req.body);
    res.json(await saveMarks(db, s, classId, body.changes));
  }));

  return r;
}
