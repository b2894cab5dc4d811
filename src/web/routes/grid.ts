/**
 * The score grid and its read-only siblings. Every handler reads like a pipeline:
 * validate (zod) → authorise (inside the use case: role AND assignment) → use case → render/JSON.
 */
import { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import { loadClassSubject, loadTerms } from '../../gradebook/grid-repository';
import { loadGridView } from '../../gradebook/grid-view-model';
import { saveScores } from '../../gradebook/save-scores';
import { addColumn } from '../../gradebook/columns';
import { sameSchool } from '../../gradebook/access';
import { requestCorrection, CORRECTION_REASONS } from '../../gradebook/correction-requests';
import { listMyClassSubjects, listVisibleClasses, loadClassSummary } from '../../gradebook/class-summary';
import { listUpdatePoints } from '../../gradebook/deadlines';
import { moveUpdatePoint, formatDeadlineVi } from '../../gradebook/locks';
import { allowed, loadPermissions } from '../../auth/permissions';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const changeSchema = z.object({
  columnId: id,
  enrolmentId: id,
  value: z.string().max(40),
  version: z.coerce.number().int().min(0),
});
const saveSchema = z.object({ changes: z.array(changeSchema).min(1).max(2000) });
const columnSchema = z.object({ term: z.enum(['HK1', 'HK2']), kind: z.enum(['regular', 'periodic']) });
const correctionSchema = z.object({ columnId: id, enrolmentId: id, value: z.string().max(40), reasonCode: z.string().max(40), reasonText: z.string().max(1000).default('') });
const moveSchema = z.object({ deadline: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/) });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new AppError('GRID_BAD_REQUEST', 'bad_request', 'Dữ liệu gửi lên không hợp lệ.', 'Invalid request data.', { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}

const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json' || req.is('application/json') === 'application/json';
const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** A deadline typed in a datetime-local field is Vietnam time (UTC+7) unless it carries an offset. */
export function parseDeadline(s: string): Date {
  const withZone = /(Z|[+-]\d{2}:\d{2})$/.test(s) ? s : `${s.length === 16 ? `${s}:00` : s}+07:00`;
  const d = new Date(withZone);
  if (Number.isNaN(d.getTime())) throw new AppError('GRID_BAD_REQUEST', 'bad_request', 'Thời hạn không hợp lệ.', 'Invalid deadline.');
  return d;
}

export function gridRoutes(db: Kysely<DB>): Router {
  const r = Router();

  r.get('/grid', requireSession, h(async (_req, res) => {
    const s = res.locals.session!;
    const [me, mine, classes, perms] = await Promise.all([loadMe(db, s), listMyClassSubjects(db, s), listVisibleClasses(db, s), loadPermissions(db, s.schoolId)]);
    res.render('grid/index', { title: 'Sổ điểm', me, nav: navFor(s.roles, '/grid'), mine, classes: classes, canViewClasses: allowed(perms, s.roles, 'scores.view_class') && classes.length > 0, canMoveDeadlines: allowed(perms, s.roles, 'deadline.move') });
  }));

  r.get('/grid/:id(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const term = typeof req.query.term === 'string' ? req.query.term : undefined;
    const view = await loadGridView(db, s, await loadClassSubject(db, csId), term);
    if (wantsJson(req)) {
      res.json(view);
      return;
    }
    const me = await loadMe(db, s);
    res.render('grid/grid', {
      title: `${view.ctx.subjectName} · Lớp ${view.ctx.className}`,
      me,
      nav: navFor(s.roles, '/grid'),
      view,
      reasons: CORRECTION_REASONS,
      formatDeadlineVi,
      config: { csId, term: view.term.code, csrf: s.csrfToken, sessionParam: res.locals.sessionParam ?? null, canWrite: view.access === 'write' },
      // Compiled template cached even outside production (the app enables 'view cache' only there): the grid is the hot page.
      cache: true,
    });
  }));

  r.post('/grid/:id(\\d+)/scores', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const body = parse(saveSchema, req.body);
    const result = await saveScores(db, s, csId, body.changes);
    res.json(result);
  }));

  r.post('/grid/:id(\\d+)/columns', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const body = parse(columnSchema, req.body);
    const ctx = await loadClassSubject(db, csId);
    sameSchool(s, ctx);
    const term = (await loadTerms(db, ctx.schoolYearId)).find((t) => t.code === body.term);
    if (!term) throw new AppError('GRID_BAD_REQUEST', 'bad_request', 'Năm học không có học kỳ này.', 'No such term.');
    await addColumn(db, s, ctx, term, body.kind);
    if (wantsJson(req)) res.json({ ok: true });
    else res.redirect(303, res.locals.u(`/grid/${csId}?term=${body.term}`));
  }));

  r.post('/grid/:id(\\d+)/corrections', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const body = parse(correctionSchema, req.body);
    const out = await requestCorrection(db, s, csId, body);
    res.status(201).json({ id: out.id, messageVi: 'Đã gửi đề nghị sửa điểm. Giáo viên chủ nhiệm và hiệu trưởng sẽ xem xét.' });
  }));

  r.get('/grid/class/:classId(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const summary = await loadClassSummary(db, s, parse(id, req.params.classId));
    if (wantsJson(req)) {
      res.json(summary);
      return;
    }
    res.render('grid/class', { title: `Lớp ${summary.className} — điểm trung bình`, me: await loadMe(db, s), nav: navFor(s.roles, '/grid'), summary });
  }));

  r.get('/grid/deadlines', requireSession, h(async (_req, res) => {
    const s = res.locals.session!;
    const points = await listUpdatePoints(db, s);
    res.render('grid/deadlines', { title: 'Thời điểm cập nhật điểm', me: await loadMe(db, s), nav: navFor(s.roles, '/grid'), points, formatDeadlineVi, moved: null });
  }));

  r.post('/grid/deadlines/:pointId(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const pointId = parse(id, req.params.pointId);
    const body = parse(moveSchema, req.body);
    const moved = await moveUpdatePoint(db, s, pointId, parseDeadline(body.deadline));
    if (wantsJson(req)) {
      res.json({ id: pointId, old: moved.old.toISOString(), new: moved.new.toISOString() });
      return;
    }
    res.redirect(303, res.locals.u('/grid/deadlines'));
  }));

  return r;
}
