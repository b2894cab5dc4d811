/**
 * Exports (issue 9.2): a class subject's score sheet and the audit trail, CSV (UTF-8 + BOM) or
 * XLSX, streamed to the response as they are read (bounded memory, the app keeps serving).
 * validate (zod) → authorise (role AND assignment) → stream. Authorisation happens before the first
 * byte; an error after it aborts the download rather than leaving a truncated file that looks whole.
 */
import { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { requirePermission } from '../../auth/permissions';
import { exportErrors } from '../../export/errors';
import { MIME, tableWriter, type TableFormat, type TableWriter } from '../../export/table-writer';
import { loadClassSheet, writeClassSheet } from '../../export/class-sheet';
import { writeAuditTrail } from '../../export/audit-export';
import { listExportable } from '../../export/listing';
import { streamYearEndPackage } from '../../export/year-end';
import { writeClassResults } from '../../export/class-results';
import { listVisibleClasses, loadClassSummary } from '../../gradebook/class-summary';
import { attachment } from './import';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const sheetQ = z.object({ term: z.enum(['HK1', 'HK2', 'all']).default('all') });
const auditQ = z.object({ from: date.optional().or(z.literal('').transform(() => undefined)), to: date.optional().or(z.literal('').transform(() => undefined)) });
const fmt = z.enum(['csv', 'xlsx']);

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw exportErrors.badRequest('Tham số xuất dữ liệu không hợp lệ.', 'Invalid export parameters.');
  return r.data;
}
const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch((e) => (res.headersSent ? res.destroy(e instanceof Error ? e : new Error(String(e))) : next(e)));
};

async function stream(res: Response, format: TableFormat, name: string, body: (w: TableWriter) => Promise<void>): Promise<void> {
  res.setHeader('content-type', MIME[format]);
  res.setHeader('content-disposition', attachment(`${name}.${format}`));
  res.setHeader('cache-control', 'no-store');
  const w = tableWriter(format, res);
  await body(w);
  await w.end();
}

const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').replace(/[^A-Za-z0-9]+/g, '-');

export function exportRoutes(db: Kysely<DB>): Router {
  const r = Router();

  r.get('/export', requireSession, h(async (_req, res) => {
    const s = res.locals.session!;
    const [list, classes] = await Promise.all([listExportable(db, s), listVisibleClasses(db, s)]);
    res.render('export/index', { title: 'Xuất dữ liệu', me: await loadMe(db, s), nav: navFor(s.roles, '/export'), ...list, classes });
  }));

  r.get('/export/class-subject/:id(\\d+).:fmt(csv|xlsx)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const csId = parse(id, req.params.id);
    const format = parse(fmt, req.params.fmt);
    const { term } = parse(sheetQ, req.query);
    // CSV holds one table: "all" terms in CSV means the two tables one after the other.
    const views = await loadClassSheet(db, s, csId, term);
    const v = views[0]!;
    await stream(res, format, `so-diem-${ascii(v.ctx.className)}-${ascii(v.ctx.subjectName)}-${term}`, (w) => writeClassSheet(views, w));
  }));

  r.get('/export/class/:classId(\\d+).:fmt(csv|xlsx)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const classId = parse(id, req.params.classId);
    const format = parse(fmt, req.params.fmt);
    // Authorised inside: the class's homeroom teacher or the board ('scores.view_class').
    const summary = await loadClassSummary(db, s, classId);
    await stream(res, format, `ket-qua-lop-${ascii(summary.className)}-${ascii(summary.schoolYearName)}`, (w) => writeClassResults(summary, w));
  }));

  r.get('/export/audit.:fmt(csv|xlsx)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const format = parse(fmt, req.params.fmt);
    const f = parse(auditQ, req.query);
    await requirePermission(db, s, 'export.data');
    await stream(res, format, `nhat-ky-${f.from ?? 'dau'}-${f.to ?? 'nay'}`, async (w) => {
      await writeAuditTrail(db, s.schoolId, f, w);
    });
  }));

  r.get('/export/year-end/:yearId(\\d+).zip', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const yearId = parse(id, req.params.yearId);
    await requirePermission(db, s, 'export.data');
    const y = await db.selectFrom('school_year').select('name').where('id', '=', yearId).where('school_id', '=', s.schoolId).executeTakeFirst();
    if (!y) throw exportErrors.notFound();
    res.setHeader('content-type', 'application/zip');
    res.setHeader('content-disposition', attachment(`goi-cuoi-nam-${ascii(y.name)}.zip`));
    res.setHeader('cache-control', 'no-store');
    await streamYearEndPackage(db, s.schoolId, yearId, res);
    res.end();
  }));

  return r;
}
