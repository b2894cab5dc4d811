/** Year-end lists: validate (zod) → authorise (homeroom proposes, principal approves; in the use case) → use case → render/JSON. */
import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { approve, enterRetest, enterSummer, loadRetestWork, loadYearEnd, propose, reopen } from '../../results/year-end-service';
import { isAppError } from '../../shared/errors';
import { confirmRollover, planRollover, rollover, studentHistory, type MappingInput } from '../../results/rollover';
import { listYears } from '../../school/school-service';
import { requirePermission } from '../../auth/permissions';
import { handle, idSchema, parseWith, wantsJson } from './route-kit';

const round = z.enum(['main', 'after_retest']);
const proposeSchema = z.object({ round });
const approveSchema = z.object({ round, version: z.coerce.number().int().min(1) });
const retestSchema = z.object({ enrolmentId: idSchema, subject: z.string().min(1).max(100), value: z.string().trim().min(1).max(20) });
const summerSchema = z.object({ enrolmentId: idSchema, completed: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]), reEvaluated: z.string().max(20).nullable().default(null).transform((v) => (v ? v : null)) });

export function yearEndRoutes(db: Kysely<DB>): Router {
  const r = Router();

  const show = async (req: Request, res: Response, error: { code: string; message: string } | null) => {
    const s = res.locals.session!;
    const classId = parseWith('YEAR_END_BAD_REQUEST', idSchema, req.params.classId);
    const view = await loadYearEnd(db, s, classId);
    if (wantsJson(req) && !error) {
      res.json(view);
      return;
    }
    res.status(error ? 409 : 200).render('year-end/class', { title: `Danh sách cuối năm lớp ${view.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/results'), view, error, csrf: s.csrfToken });
  };

  /** JSON callers get the typed error; the form gets the page back with the refusal (nothing changed). */
  const act = (fn: (req: Request, res: Response, classId: number) => Promise<void>) => handle(async (req, res) => {
    const classId = parseWith('YEAR_END_BAD_REQUEST', idSchema, req.params.classId);
    try {
      await fn(req, res, classId);
      if (req.is('application/json')) res.json({ ok: true });
      else res.redirect(303, res.locals.u(`/year-end/class/${classId}`));
    } catch (e) {
      if (!req.is('application/json') && isAppError(e) && e.kind === 'conflict') await show(req, res, { code: e.code, message: e.vi });
      else throw e;
    }
  });

  r.get('/year-end/class/:classId(\\d+)', requireSession, handle(async (req, res) => show(req, res, null)));
  r.post('/year-end/class/:classId(\\d+)/propose', requireSession, act(async (req, res, classId) => {
    await propose(db, res.locals.session!, classId, parseWith('YEAR_END_BAD_REQUEST', proposeSchema, req.body).round);
  }));
  r.post('/year-end/class/:classId(\\d+)/approve', requireSession, act(async (req, res, classId) => {
    const b = parseWith('YEAR_END_BAD_REQUEST', approveSchema, req.body);
    await approve(db, res.locals.session!, classId, b.round, b.version);
  }));
  r.post('/year-end/class/:classId(\\d+)/reopen', requireSession, act(async (req, res, classId) => {
    const b = parseWith('YEAR_END_BAD_REQUEST', z.object({ round, reason: z.string().trim().min(5).max(2000) }), req.body);
    await reopen(db, res.locals.session!, classId, b.round, b.reason);
  }));
  /** The subject teacher's re-test page: their subjects' students on approved re-test lists, one form per score. */
  const showRetests = async (req: Request, res: Response, error: { code: string; message: string } | null) => {
    const s = res.locals.session!;
    const work = await loadRetestWork(db, s);
    if (wantsJson(req) && !error) {
      res.json({ work });
      return;
    }
    res.status(error ? 400 : 200).render('year-end/retests', { title: 'Nhập điểm kiểm tra lại', me: await loadMe(db, s), nav: navFor(s.roles, '/year-end/retests'), work, error });
  };
  r.get('/year-end/retests', requireSession, handle(async (req, res) => showRetests(req, res, null)));
  r.post('/year-end/class/:classId(\\d+)/retest', requireSession, handle(async (req, res) => {
    const classId = parseWith('YEAR_END_BAD_REQUEST', idSchema, req.params.classId);
    try {
      await enterRetest(db, res.locals.session!, classId, parseWith('YEAR_END_BAD_REQUEST', retestSchema, req.body));
    } catch (e) {
      // The form gets its page back with the Vietnamese refusal (nothing changed); JSON callers the typed error.
      if (!req.is('application/json') && isAppError(e) && (e.kind === 'bad_request' || e.kind === 'conflict')) return showRetests(req, res, { code: e.code, message: e.vi });
      throw e;
    }
    if (req.is('application/json')) res.json({ ok: true });
    else res.redirect(303, res.locals.u('/year-end/retests'));
  }));
  r.post('/year-end/class/:classId(\\d+)/summer', requireSession, act(async (req, res, classId) => {
    await enterSummer(db, res.locals.session!, classId, parseWith('YEAR_END_BAD_REQUEST', summerSchema, req.body));
  }));
  r.post('/year-end/class/:classId(\\d+)/rollover', requireSession, handle(async (req, res) => {
    const classId = parseWith('YEAR_END_BAD_REQUEST', idSchema, req.params.classId);
    const b = parseWith('YEAR_END_BAD_REQUEST', z.object({ promotedToClassId: idSchema, repeatToClassId: idSchema.nullable().default(null) }), req.body);
    const out = await rollover(db, res.locals.session!, classId, b);
    if (req.is('application/json')) res.json(out);
    else res.redirect(303, res.locals.u(`/year-end/class/${classId}`));
  }));
  /**
   * Opening the next school year for the whole school (principal / school admin): a preview of every class with the
   * editable mapping of target class names, then one confirmation. Form fields: from, to, promotedTo_<classId>,
   * repeatTo_<classId>; JSON: { from, to, mapping: [{ classId, promotedTo, repeatTo }] }.
   */
  const rolloverInput = (body: Record<string, unknown>): { from: number; to: number; mapping: MappingInput[] } => {
    const b = parseWith('YEAR_END_BAD_REQUEST', z.object({ from: idSchema, to: idSchema, mapping: z.array(z.object({ classId: idSchema, promotedTo: z.string().max(16).nullable().optional(), repeatTo: z.string().max(16).nullable().optional() })).max(500).optional() }).passthrough(), body);
    const mapping: MappingInput[] = b.mapping ? [...b.mapping] : [];
    for (const [k, v] of Object.entries(body)) {
      const m = /^(promotedTo|repeatTo)_(\d+)$/.exec(k);
      if (!m || typeof v !== 'string' || v.length > 16) continue;
      const classId = Number(m[2]);
      const entry = mapping.find((x) => x.classId === classId) ?? (mapping.push({ classId }), mapping[mapping.length - 1]!);
      entry[m[1] as 'promotedTo' | 'repeatTo'] = v;
    }
    return { from: b.from, to: b.to, mapping };
  };
  const showRollover = async (req: Request, res: Response, input: { from: number; to: number; mapping: MappingInput[] } | null, error: { code: string; message: string } | null, done: Awaited<ReturnType<typeof confirmRollover>> | null = null) => {
    const s = res.locals.session!;
    await requirePermission(db, s, 'school.configure');
    const years = await listYears(db, s.schoolId);
    let plan: Awaited<ReturnType<typeof planRollover>> | null = null;
    try {
      plan = input ? await planRollover(db, s, input.from, input.to, input.mapping) : null;
    } catch (e) {
      if (!(isAppError(e) && e.kind === 'bad_request' && !wantsJson(req))) throw e;
      error = error ?? { code: e.code, message: e.vi };
    }
    if (wantsJson(req) && !error) {
      res.json({ years, plan });
      return;
    }
    res.status(error ? 400 : 200).render('year-end/rollover', { title: 'Mở năm học mới — chuyển lớp', me: await loadMe(db, s), nav: navFor(s.roles, '/school/years'), years, plan, error, done });
  };
  r.get('/year-end/rollover', requireSession, handle(async (req, res) => {
    const q = req.query as Record<string, unknown>;
    await showRollover(req, res, q.from && q.to ? rolloverInput(q) : null, null);
  }));
  r.post('/year-end/rollover', requireSession, handle(async (req, res) => {
    const input = rolloverInput(req.body as Record<string, unknown>);
    try {
      const out = await confirmRollover(db, res.locals.session!, input.from, input.to, input.mapping);
      if (req.is('application/json')) res.json(out);
      else await showRollover(req, res, input, null, out);
    } catch (e) {
      if (!req.is('application/json') && isAppError(e) && e.kind === 'bad_request') await showRollover(req, res, input, { code: e.code, message: e.vi });
      else throw e;
    }
  }));
  r.get('/results/history/:personId(\\d+)', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const h = await studentHistory(db, s, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.personId));
    if (wantsJson(req)) {
      res.json(h);
      return;
    }
    res.render('results/history', { title: `Kết quả qua các năm — ${h.name}`, me: await loadMe(db, s), nav: navFor(s.roles, '/results'), h });
  }));
  return r;
}
