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
import { approveDisabilityOverride, approveExemption, entryCapabilities, mayDecide, listExemptions, listMyRejected, listOverrides, listPending, maySeePending, recordDisabilityOverride, recordExemption, rejectDisabilityOverride, rejectExemption, SCOPE_VI } from '../../results/exemptions';
import { inspectorMayRequest } from '../../auth/inspector';
import { authoriseClassView, classFor } from '../../results/class-context';
import { loadClassSubjectsOfClass } from '../../gradebook/grid-repository';
import { exemptionAllowed, LEVELS_22, LEVELS_58 } from '../../rules';
import { isAppError } from '../../shared/errors';
import { OUTCOME_VI } from '../../results/results-service';
import type { Request, Response } from 'express';
import type { Session } from '../../auth/session';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const exemptionSchema = z.object({ enrolmentId: idSchema, classSubjectId: idSchema, scope: z.enum(['HK1', 'HK2', 'year', 'practical']), dossierRef: z.string().trim().min(1).max(200), validFrom: isoDay, validTo: isoDay });
const overrideSchema = z.object({ enrolmentId: idSchema, learning: z.string().min(1).max(20), outcome: z.enum(['promoted', 'repeat', 'retest', 'summer-training']), reason: z.string().trim().min(1).max(2000), dossierRef: z.string().trim().min(1).max(200) });

// The comment's emptiness is the use case's to refuse (with its own message), so only its type is checked here.
const rejectSchema = z.object({ comment: z.string().max(10_000).default('') });

const period = z.enum(['HK1', 'HK2', 'CN']).default('CN');

/**
 * Would the inspector guard (mounted before every route, src/auth/inspector.ts) let this session's request
 * through? Views use it to leave out forms and links the guard would refuse, instead of a second role list.
 */
export const guardLets = (s: Session, method: 'GET' | 'POST', path: string): boolean => !s.roles.includes('inspector') || inspectorMayRequest(method, path) === 'ok';

export function resultsRoutes(db: Kysely<DB>): Router {
  const r = Router();
  r.get('/results', requireSession, handle(async (_req, res) => {
    const s = res.locals.session!;
    // Homeroom teachers see their own classes, the board every class of the open years (same rule as the class summary).
    const classes = await listVisibleClasses(db, s);
    // The board and the school admin see at once what waits for the principal (exemptions, disability overrides),
    // with a link to the list; whoever filed a record the principal rejected sees it with the comment.
    const pending = maySeePending(s.roles) ? await listPending(db, s) : null;
    const rejected = await listMyRejected(db, s);
    res.render('results/index', { title: 'Điểm danh & kết quả', me: await loadMe(db, s), nav: navFor(s.roles, '/results'), classes, pending, rejected, canDecide: pending !== null && (await mayDecide(db, s)), rollover: s.roles.includes('principal'), reach: (p: string) => guardLets(s, 'GET', p) });
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
    res.render('results/class', { title: `Kết quả lớp ${results.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/results'), results, exemptions: await listExemptions(db, classId), reach: (p: string) => guardLets(s, 'GET', p), csrf: s.csrfToken, cache: true });
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

  /**
   * The entry page for exemptions and disability overrides of one class: the homeroom teacher or the school admin
   * records (forms), the principal approves. Names, subjects and records only — no marks (the admin sees it too).
   */
  const showEntries = async (req: Request, res: Response, classId: number, error: { code: string; message: string } | null, form: Record<string, unknown> = {}) => {
    const s = res.locals.session!;
    const c = await classFor(db, s, classId);
    if (!(c.homeroomPersonId === s.personId || s.roles.includes('school_admin'))) authoriseClassView(s, c);
    const subjects = (await loadClassSubjectsOfClass(db, classId)).filter((x) => (['HK1', 'HK2', 'year', 'practical'] as const).some((sc) => exemptionAllowed(c.regime, x.subjectName, sc)));
    const page = {
      classId,
      className: c.className,
      schoolYearName: c.schoolYearName,
      regime: c.regime,
      terms: c.terms,
      students: c.students.filter((x) => x.leftOn === null).map((x) => ({ enrolmentId: x.enrolmentId, name: x.displayName })),
      subjects: subjects.map((x) => ({ id: x.id, name: x.subjectName, scopes: (['HK1', 'HK2', 'year', 'practical'] as const).filter((sc) => exemptionAllowed(c.regime, x.subjectName, sc)).map((sc) => ({ value: sc, label: SCOPE_VI[sc] })) })),
      levels: c.regime === 'TT22' ? LEVELS_22 : LEVELS_58,
      outcomes: (['promoted', 'repeat', 'retest', 'summer-training'] as const).map((o) => ({ value: o, label: OUTCOME_VI[o]! })),
      exemptions: await listExemptions(db, classId),
      overrides: await listOverrides(db, classId),
      // Forms only for what the use cases would accept from this session (same checks, run without writing).
      ...(await (async () => {
        const may = await entryCapabilities(db, s, c);
        const post = (p: string) => guardLets(s, 'POST', p);
        return {
          canRecordExemption: may.recordExemption && post(`/results/class/${classId}/exemptions`),
          canRecordOverride: may.recordOverride && post(`/results/class/${classId}/overrides`),
          canApprove: may.approve && post(`/results/class/${classId}/exemptions/1/approve`),
        };
      })()),
    };
    if (wantsJson(req) && !error) {
      res.json(page);
      return;
    }
    const status = error ? (error.code.startsWith('AUTH_') ? 403 : 400) : 200;
    res.status(status).render('results/exemptions', { title: `Miễn học và ghi đè kết quả — lớp ${c.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/results'), page, error, form });
  };

  /** JSON callers get the typed error; a form gets its page back with the Vietnamese refusal (nothing changed). */
  const entryAction = (fn: (req: Request, s: Session, classId: number) => Promise<unknown>) => handle(async (req, res) => {
    const classId = parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.classId);
    try {
      const body = await fn(req, res.locals.session!, classId);
      if (req.is('application/json')) res.json(body);
      // A decision taken on the school-wide pending list returns there (fixed target, never a URL from the form).
      else res.redirect(303, res.locals.u((req.body as { back?: unknown } | undefined)?.back === 'pending' ? '/results/pending' : `/results/class/${classId}/exemptions`));
    } catch (e) {
      if (!req.is('application/json') && isAppError(e) && (e.kind === 'bad_request' || e.kind === 'conflict')) await showEntries(req, res, classId, { code: e.code, message: e.vi }, req.body as Record<string, unknown>);
      else throw e;
    }
  });

  r.get('/results/class/:classId(\\d+)/exemptions', requireSession, handle(async (req, res) => {
    await showEntries(req, res, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.classId), null);
  }));
  r.post('/results/class/:classId(\\d+)/exemptions', requireSession, entryAction(async (req, s, classId) => ({ id: await recordExemption(db, s, classId, parseWith('RESULTS_BAD_REQUEST', exemptionSchema, req.body)) })));
  r.post('/results/class/:classId(\\d+)/exemptions/:exId(\\d+)/approve', requireSession, entryAction(async (req, s, classId) => {
    await approveExemption(db, s, classId, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.exId));
    return { ok: true };
  }));
  r.post('/results/class/:classId(\\d+)/exemptions/:exId(\\d+)/reject', requireSession, entryAction(async (req, s, classId) => {
    await rejectExemption(db, s, classId, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.exId), parseWith('RESULTS_BAD_REQUEST', rejectSchema, req.body).comment);
    return { ok: true, state: 'rejected' };
  }));
  r.post('/results/class/:classId(\\d+)/overrides', requireSession, entryAction(async (req, s, classId) => ({ ok: true, ...(await recordDisabilityOverride(db, s, classId, parseWith('RESULTS_BAD_REQUEST', overrideSchema, req.body))) })));
  r.post('/results/class/:classId(\\d+)/overrides/:enrolmentId(\\d+)/approve', requireSession, entryAction(async (req, s, classId) => {
    await approveDisabilityOverride(db, s, classId, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.enrolmentId));
    return { ok: true };
  }));
  r.post('/results/class/:classId(\\d+)/overrides/:enrolmentId(\\d+)/reject', requireSession, entryAction(async (req, s, classId) => {
    await rejectDisabilityOverride(db, s, classId, parseWith('RESULTS_BAD_REQUEST', idSchema, req.params.enrolmentId), parseWith('RESULTS_BAD_REQUEST', rejectSchema, req.body).comment);
    return { ok: true, state: 'rejected' };
  }));
  /** What waits for the principal across the school: exemptions and disability overrides not yet approved. */
  r.get('/results/pending', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const pending = await listPending(db, s);
    if (wantsJson(req)) {
      res.json(pending);
      return;
    }
    // Every class of the open years, so the school admin (who has no class list elsewhere) reaches each entry page.
    const classes = await db.selectFrom('class as k').innerJoin('school_year as y', 'y.id', 'k.school_year_id').select(['k.id', 'k.name', 'y.name as year']).where('k.school_id', '=', s.schoolId).where('y.status', '=', 'open').orderBy('y.name').orderBy('k.grade').orderBy('k.name').execute();
    res.render('results/pending', { title: 'Chờ hiệu trưởng duyệt', me: await loadMe(db, s), nav: navFor(s.roles, '/results/pending'), pending, canApprove: (await mayDecide(db, s)) && guardLets(s, 'POST', '/results/class/1/exemptions/1/approve'), classes: classes.map((k) => ({ id: Number(k.id), name: k.name, year: k.year })) });
  }));
  return r;
}
