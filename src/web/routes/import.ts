/**
 * Spreadsheet import of one class subject (issue 9.3): the page, the template download (XLSX or
 * CSV) and the upload. Pipeline: validate (zod) → authorise (scores.enter AND the teaching
 * assignment, inside the use case) → use case → render/JSON. The file is posted as the raw request
 * body (no multipart library), read with a hard size limit; a larger file is drained, not stored.
 */
import { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import { loadClassSubject } from '../../gradebook/grid-repository';
import { loadGridView } from '../../gradebook/grid-view-model';
import { authoriseGridWrite, sameSchool } from '../../gradebook/access';
import { importScores } from '../../import/import-scores';
import { MAX_IMPORT_BYTES } from '../../import/sheet';
import { importErrors } from '../../import/errors';
import { rowsToCsv, rowsToXlsx, templateFileName, templateRows, termVi } from '../../import/template';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const termQ = z.object({ term: z.enum(['HK1', 'HK2']).optional() });
const uploadQ = z.object({ term: z.enum(['HK1', 'HK2']).optional(), mode: z.enum(['all', 'valid']).default('all') });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new AppError('IMPORT_BAD_REQUEST', 'bad_request', 'Dữ liệu gửi lên không hợp lệ.', 'Invalid request data.');
  return r.data;
}

const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

/** Reads the body up to `max` bytes; past that, keeps draining (so the client sees our answer) and fails. */
export function readBody(req: Request, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.get('content-length') ?? '0');
    let size = 0;
    let over = declared > max;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => (over ? reject(importErrors.tooLarge(max)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function attachment(name: string): string {
  return `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '-')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function importRoutes(db: Kysely<DB>): Router {
  const r = Router();

  r.get('/import/:id(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const { term } = parse(termQ, req.query);
    const ctx = await loadClassSubject(db, csId);
    sameSchool(s, ctx);
    await authoriseGridWrite(db, s, ctx);
    const view = await loadGridView(db, s, ctx, term);
    res.render('import/import', {
      title: `Nhập điểm từ tệp · ${ctx.subjectName} · Lớp ${ctx.className}`,
      me: await loadMe(db, s),
      nav: navFor(s.roles, '/grid'),
      view,
      termVi,
      maxKb: Math.round(MAX_IMPORT_BYTES / 1024),
      config: { csId, term: view.term.code, csrf: s.csrfToken, url: res.locals.u(`/import/${csId}`) },
    });
  }));

  r.get('/import/:id(\\d+)/template.:ext(xlsx|csv)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const { term } = parse(termQ, req.query);
    const ext = req.params.ext === 'csv' ? 'csv' : 'xlsx';
    const ctx = await loadClassSubject(db, csId);
    sameSchool(s, ctx);
    await authoriseGridWrite(db, s, ctx);
    const view = await loadGridView(db, s, ctx, term);
    const rows = templateRows(view);
    const body = ext === 'csv' ? await rowsToCsv(rows) : await rowsToXlsx(rows, { sheetName: `${ctx.className} ${view.term.code}` });
    res.setHeader('content-type', ext === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('content-disposition', attachment(templateFileName(view, ext)));
    res.setHeader('cache-control', 'no-store');
    res.end(body);
  }));

  r.post('/import/:id(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const q = parse(uploadQ, req.query);
    const file = await readBody(req, MAX_IMPORT_BYTES);
    const result = await importScores(db, s, csId, file, { mode: q.mode, ...(q.term ? { term: q.term } : {}), requestId: `import:${csId}:${Date.now()}` });
    res.json(result);
  }));

  return r;
}
