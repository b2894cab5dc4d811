/**
 * LMS grade sync pages (issue 7): agreement view + sync status, publish a column, re-publish the
 * differences, import an LMS line item into a column. JSON when asked (tests, scripts), HTML otherwise.
 */
import { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import type { AgsClient } from '../../lms-sync/ags-client';
import { agreement, importLineItem, listImportable, publishColumn, republishDifferences } from '../../lms-sync/service';
import { loadClassSubject, loadColumns } from '../../gradebook/grid-repository';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const importSchema = z.object({ lineitemUrl: z.string().url().max(2000), columnId: id });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new AppError('AGS_BAD_INPUT', 'bad_request', 'Dữ liệu gửi lên không hợp lệ.', 'Invalid request data.');
  return r.data;
}
const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json' || req.is('application/json') === 'application/json';
const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

export function lmsSyncRoutes(db: Kysely<DB>, client: AgsClient): Router {
  const r = Router();

  r.get('/lms-sync/:id(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    let a: Awaited<ReturnType<typeof agreement>>;
    try {
      a = await agreement(db, client, s, csId);
    } catch (e) {
      // A course without AGS (or an unknown platform): say so on the page instead of an error page.
      if (wantsJson(req) || !(e instanceof AppError) || !['AGS_NOT_CONFIGURED', 'AGS_PLATFORM_UNKNOWN'].includes(e.code)) throw e;
      const ctx = (await loadClassSubject(db, csId))!;
      res.render('lms-sync/not-configured', { title: `Đồng bộ LMS · ${ctx.subjectName} ${ctx.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/grid'), csId, messageVi: e.vi });
      return;
    }
    if (wantsJson(req)) {
      res.json(a);
      return;
    }
    const ctx = (await loadClassSubject(db, csId))!;
    const columns = (await loadColumns(db, [csId])).filter((c) => c.valueType === 'score');
    let importable: Awaited<ReturnType<typeof listImportable>> = [];
    let importError: string | null = null;
    try {
      importable = await listImportable(db, client, s, csId);
    } catch (e) {
      importError = (e as AppError).vi ?? 'Lỗi';
    }
    res.render('lms-sync/agreement', { title: `Đồng bộ LMS · ${ctx.subjectName} ${ctx.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/grid'), csId, a, columns, importable, importError });
  }));

  r.post('/lms-sync/:id(\\d+)/columns/:columnId(\\d+)/publish', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const out = await publishColumn(db, client, s, parse(id, req.params.id), parse(id, req.params.columnId));
    if (wantsJson(req)) res.json(out);
    else res.redirect(303, res.locals.u(`/lms-sync/${req.params.id}`));
  }));

  r.post('/lms-sync/:id(\\d+)/republish', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const out = await republishDifferences(db, client, s, parse(id, req.params.id));
    if (wantsJson(req)) res.json(out);
    else res.redirect(303, res.locals.u(`/lms-sync/${req.params.id}`));
  }));

  r.get('/lms-sync/:id(\\d+)/import', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    res.json({ lineItems: await listImportable(db, client, s, parse(id, req.params.id)), noteVi: IMPORT_NOTE_VI });
  }));

  r.post('/lms-sync/:id(\\d+)/import', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const body = parse(importSchema, req.body);
    const csId = parse(id, req.params.id);
    const out = await importLineItem(db, client, s, csId, body.lineitemUrl, body.columnId);
    if (wantsJson(req)) {
      res.json(out);
      return;
    }
    const ctx = (await loadClassSubject(db, csId))!;
    res.render('lms-sync/imported', { title: `Nhập điểm từ LMS · ${ctx.subjectName} ${ctx.className}`, me: await loadMe(db, s), nav: navFor(s.roles, '/grid'), csId, out });
  }));

  return r;
}

/** Honest about AGS: the LMS only lists the tool's own grade items (moodle-lti-behaviour.md §7). */
export const IMPORT_NOTE_VI =
  'LMS chỉ cho Sổ Điểm thấy các cột điểm của chính Sổ Điểm (hoạt động Sổ Điểm và các cột do Sổ Điểm tạo). Bài kiểm tra (Quiz), bài tập (Assignment) hay cột nhập tay khác trong LMS sẽ không có trong danh sách; hãy nhập điểm đó trực tiếp vào Sổ Điểm.';
