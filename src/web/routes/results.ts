/** Class results: validate (zod) → authorise (homeroom of the class or board, in the use case) → use case → render/JSON. */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { loadClassResults } from '../../results/results-service';
import { listVisibleClasses } from '../../gradebook/class-summary';
import { handle, idSchema, parseWith, wantsJson } from './route-kit';
import { loadStatistics, BANDS } from '../../results/statistics';
import { approveExemption, listExemptions, recordDisabilityOverride, recordExemption } from '../../results/exemptions';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const exemptionSchema = z.object({ enrolmentId: idSchema, classSubjectId: idSchema, scope: z.enum(['HK1', 'HK2', 'year', 'practical']), dossierRef: z.string().trim().min(1).max(200), validFrom: isoDay, validTo: isoDay });
const overrideSchema = z.object({ enrolmentId: idSchema, learning: z.string().min(1).max(20), outcome: z.enum(['promoted', 'repeat', 'retest', 'summer-training']), reason: z.string().trim().min(1).max(2000), dossierRef: z.string().trim().min(1).max(200) });

const period = z.enum(['HK1', 'HK2', 'CN']).default('CN');

export function resultsRoutes(db: Kysely<DB>): Router {
  const r = Router();
  r.get('/results', requireSession, handle(async (_req, res) => {
    const s = res.locals.session!;
    // Homeroom teachers see their own classes, the board every class of the open years (same rule as the class summary).
    const classes = await listVisibleClasses(db, s);
    res.render('results/index', { title: 'Điểm danh & kết quả', me: await loadMe(db, s), nav: navFor(s.roles, '/results'), classes });
  }));
  r.get('/results/class/:classId(\\d+)', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const classId = parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.classId);
    const p = parseWith('RESULTS_BAD_REQUEST', period, req.query.period);
    const t0 = process.hrtime.bigint();
    const results = await loadClassResults(db, s, classId, p);
    // Server time of the computation, for the bench and for operators (no personal data).
    res.setHeader('Server-Timing', `results;dur=${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)}`);
    if (wantsJson(req)) {
      res.json(results);
      return;
    }
    res.render('results/class', { title: `Kết quả lớp ${results.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/results'), results, exemptions: await listExemptions(db, classId), canApprove: s.roles.includes('principal'), csrf: s.csrfToken, cache: true });
  }));

  r.get('/results/statistics', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const stats = await loadStatistics(db, s, parseWith('RESULTS_BAD_REQUEST', period, req.query.period));
    if (wantsJson(req)) {
      res.json(stats);
      return;
    }
    res.render('results/statistics', { title: 'Thống kê', me: await loadMe(db, s), nav: navFor(s.roles, '/results'), stats, bands: BANDS.map((b) => b.key) });
  }));

  const done = (req: import('express').Request, res: import('express').Response, classId: number, body: unknown) => {
    if (req.is('application/json')) res.json(body);
    else res.redirect(303, res.locals.u(`/results/class/${classId}`));
  };
  r.post('/results/class/:classId(\\d+)/exemptions', requireSession, handle(async (req, res) => {
    const classId = parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.classId);
    const id = await recordExemption(db, res.locals.session!, classId, parseWith('RESULTS_BAD_REQUEST', exemptionSchema, req.body));
    done(req, res, classId, { id });
  }));
  r.post('/results/class/:classId(\\d+)/exemptions/:exId(\\d+)/approve', requireSession, handle(async (req, res) => {
    const classId = parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.classId);
    await approveExemption(db, res.locals.session!, classId, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.exId));
    done(req, res, classId, { ok: true });
  }));
  r.post('/results/class/:classId(\\d+)/overrides', requireSession, handle(async (req, res) => {
    const classId = parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.classId);
    await recordDisabilityOverride(db, res.locals.session!, classId, parseWith('RESULTS_BAD_REQUEST', overrideSchema, req.body));
    done(req, res, classId, { ok: true });
  }));
  return r;
}
