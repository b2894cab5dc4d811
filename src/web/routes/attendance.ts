/**
 * Roll-call and the school calendar: validate (zod) → authorise (in the use case: the school's rules AND
 * homeroom of the class / configuring the school) → use case → render/JSON (forms get a 303 back to the page).
 */
import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { confirmDayTaken, loadMonthSheet, saveMarks } from '../../attendance/attendance-service';
import { addHolidays, loadCalendarPage, removeHolidays, saveClassPlan, saveYearPlan } from '../../attendance/calendar-service';
import { WEEKDAY_VI } from '../../rules/attendance-plan';
import { handle, idSchema, parseWith, wantsJson } from './route-kit';

// A real calendar day: JavaScript's Date would roll 2025-02-31 over to 3 March, PostgreSQL would refuse it.
const day = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/)
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, { message: 'not a calendar day' });
const saveSchema = z.object({
  changes: z.array(z.object({ enrolmentId: idSchema, day, session: z.enum(['sang', 'chieu']), mark: z.enum(['P', 'K', '']) })).min(1).max(5000),
});
const takenSchema = z.object({ day });
const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).optional();
const yearQuery = z.union([z.literal(''), idSchema]).optional().transform((v) => (v === '' || v === undefined ? undefined : v));
const rangeSchema = z.object({ from: day, to: z.union([z.literal(''), day]).optional(), label: z.string().max(200).optional() });
const kindField = z.enum(['', 'main', 'extra']).optional();

/**
 * A week plan from a JSON body ({ plan: { "1": { "sang": "main" } } }) or from the page's form, one select per
 * weekday and session named p<weekday>_<session> ('' = no session). The rules engine checks it (parseWeekPlan).
 */
function planFrom(body: Record<string, unknown>): unknown {
  if (body.plan && typeof body.plan === 'object') return body.plan;
  const plan: Record<string, Record<string, string>> = {};
  for (let d = 0; d <= 6; d++) {
    for (const s of ['sang', 'chieu'] as const) {
      const v = parseWith('CALENDAR_BAD_PLAN', kindField, body[`p${d}_${s}`]);
      if (v) (plan[String(d)] ??= {})[s] = v;
    }
  }
  return plan;
}

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
      config: { classId, csrf: s.csrfToken, sessionParam: res.locals.sessionParam ?? null, canWrite: sheet.canWrite, sessions: sheet.sessions.length },
    });
  }));

  r.post('/attendance/class/:classId(\\d+)/marks', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const classId = parseWith('ATTENDANCE_BAD_REQUEST', idSchema, req.params.classId);
    const body = parseWith('ATTENDANCE_BAD_REQUEST', saveSchema, req.body);
    res.json(await saveMarks(db, s, classId, body.changes));
  }));

  // "Đã điểm danh, không vắng" for a whole day (form button in the sheet's header, or JSON).
  r.post('/attendance/class/:classId(\\d+)/taken', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const classId = parseWith('ATTENDANCE_BAD_REQUEST', idSchema, req.params.classId);
    const body = parseWith('ATTENDANCE_BAD_REQUEST', takenSchema, req.body);
    const out = await confirmDayTaken(db, s, classId, body.day);
    if (wantsJson(req)) res.json(out);
    else res.redirect(303, res.locals.u(`/attendance/class/${classId}?month=${body.day.slice(0, 7)}`));
  }));

  // The school calendar: week plan, days off, classes' own plans.
  const back = (req: Request, res: Response, yearId: number, body: unknown) => {
    if (wantsJson(req)) res.json(body);
    else res.redirect(303, res.locals.u(`/attendance/calendar?year=${yearId}`));
  };
  r.get('/attendance/calendar', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const yearId = parseWith('CALENDAR_BAD_REQUEST', yearQuery, req.query.year);
    const page = await loadCalendarPage(db, s, yearId);
    if (wantsJson(req)) {
      res.json(page);
      return;
    }
    res.render('attendance/calendar', { title: `Lịch học năm học ${page.year.name}`, me: await loadMe(db, s), nav: navFor(s.roles, '/attendance/calendar'), page, WEEKDAY_VI });
  }));
  r.post('/attendance/calendar/:yearId(\\d+)/plan', requireSession, handle(async (req, res) => {
    const yearId = parseWith('CALENDAR_BAD_REQUEST', idSchema, req.params.yearId);
    const plan = await saveYearPlan(db, res.locals.session!, yearId, planFrom(req.body ?? {}));
    back(req, res, yearId, { plan });
  }));
  r.post('/attendance/calendar/:yearId(\\d+)/class-plan', requireSession, handle(async (req, res) => {
    const yearId = parseWith('CALENDAR_BAD_REQUEST', idSchema, req.params.yearId);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const classId = parseWith('CALENDAR_BAD_REQUEST', idSchema, body.class_id);
    // "follow" = back to the school year's plan.
    await saveClassPlan(db, res.locals.session!, yearId, classId, body.follow === '1' || body.follow === true ? null : planFrom(body));
    back(req, res, yearId, { ok: true });
  }));
  r.post('/attendance/calendar/:yearId(\\d+)/holidays', requireSession, handle(async (req, res) => {
    const yearId = parseWith('CALENDAR_BAD_REQUEST', idSchema, req.params.yearId);
    const b = parseWith('CALENDAR_BAD_REQUEST', rangeSchema, req.body);
    const days = await addHolidays(db, res.locals.session!, yearId, b.from, b.to || b.from, b.label ?? '');
    back(req, res, yearId, { days });
  }));
  r.post('/attendance/calendar/:yearId(\\d+)/holidays/remove', requireSession, handle(async (req, res) => {
    const yearId = parseWith('CALENDAR_BAD_REQUEST', idSchema, req.params.yearId);
    const b = parseWith('CALENDAR_BAD_REQUEST', rangeSchema, req.body);
    const days = await removeHolidays(db, res.locals.session!, yearId, b.from, b.to || b.from);
    back(req, res, yearId, { days });
  }));

  return r;
}
