/** Conduct / training: validate (zod) → authorise (rule AND homeroom, in the use case) → use case → render/JSON. */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { loadConductSheet, saveConduct, type ConductChange } from '../../conduct/conduct-service';
import { isAppError } from '../../shared/errors';
import { handle, idSchema, parseWith, wantsJson } from './route-kit';

const term = z.enum(['HK1', 'HK2', 'CN']);
const change = z.object({ enrolmentId: idSchema, term, level: z.string().trim().min(1).max(20), comment: z.string().max(1000).default(''), version: z.coerce.number().int().min(0) });
const jsonSchema = z.object({ changes: z.array(change).min(1).max(200) });

/** The HTML form posts one term: level_<enrolment>, comment_<enrolment>, version_<enrolment>; blank levels are skipped. */
function fromForm(body: Record<string, unknown>): ConductChange[] {
  const t = parseWith('CONDUCT_BAD_REQUEST', term, body.term);
  const out: ConductChange[] = [];
  for (const [k, v] of Object.entries(body)) {
    const m = /^level_(\d+)$/.exec(k);
    if (!m || typeof v !== 'string' || v.trim() === '') continue;
    out.push(parseWith('CONDUCT_BAD_REQUEST', change, { enrolmentId: m[1], term: t, level: v, comment: body[`comment_${m[1]}`] ?? '', version: body[`version_${m[1]}`] ?? 0 }));
  }
  return out;
}

export function conductRoutes(db: Kysely<DB>): Router {
  const r = Router();

  const page = async (req: import('express').Request, res: import('express').Response, error: { code: string; message: string } | null, saved: boolean) => {
    const s = res.locals.session!;
    const classId = parseWith('CONDUCT_BAD_REQUEST', idSchema, req.params.classId);
    const sheet = await loadConductSheet(db, s, classId);
    const t = term.safeParse(req.query.term ?? req.body?.term);
    const current = t.success ? t.data : 'HK1';
    if (wantsJson(req)) {
      res.json(sheet);
      return;
    }
    res.status(error ? 400 : 200).render('conduct/sheet', { title: `${sheet.regime === 'TT22' ? 'Rèn luyện' : 'Hạnh kiểm'} lớp ${sheet.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/results'), sheet, term: current, error, saved, csrf: s.csrfToken });
  };

  r.get('/conduct/class/:classId(\\d+)', requireSession, handle(async (req, res) => page(req, res, null, req.query.saved === '1')));

  r.post('/conduct/class/:classId(\\d+)', requireSession, handle(async (req, res) => {
    const s = res.locals.session!;
    const classId = parseWith('CONDUCT_BAD_REQUEST', idSchema, req.params.classId);
    if (req.is('application/json')) {
      const body = parseWith('CONDUCT_BAD_REQUEST', jsonSchema, req.body);
      res.json(await saveConduct(db, s, classId, body.changes));
      return;
    }
    try {
      const changes = fromForm(req.body as Record<string, unknown>);
      if (changes.length) await saveConduct(db, s, classId, changes);
      res.redirect(303, res.locals.u(`/conduct/class/${classId}?term=${String((req.body as Record<string, unknown>).term)}&saved=1`));
    } catch (e) {
      // Validation problems are shown on the page itself (nothing was saved); authorisation errors go to the error page.
      if (isAppError(e) && e.kind !== 'forbidden' && e.kind !== 'not_found') await page(req, res, { code: e.code, message: e.vi }, false);
      else throw e;
    }
  }));

  return r;
}
