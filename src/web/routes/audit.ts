/**
 * The audit trail for the principal and inspectors: filter, CSV download (UTF-8 with BOM, so Excel
 * reads Vietnamese), and the chain verifier naming the first broken record.
 */
import { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { format } from '@fast-csv/format';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import { requirePermission } from '../../auth/permissions';
import { isInspector } from '../../auth/roles';
import { verifyChain, describeBreakVi } from '../../audit/verify';
import { assertCanReadTrail, loadTrail, trailFilterOptions, ACTION_VI, type TrailFilter } from '../../corrections/audit-trail';
import { fmtVi } from './corrections';

const optId = z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional());
const optDate = z.preprocess((v) => (v === '' || v === undefined ? undefined : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional());
const filterSchema = z.object({ teacher: optId, class: optId, subject: optId, student: optId, from: optDate, to: optDate });

function parseFilter(q: unknown): TrailFilter {
  const r = filterSchema.safeParse(q);
  if (!r.success) throw new AppError('AUDIT_BAD_FILTER', 'bad_request', 'Bộ lọc không hợp lệ (ngày theo dạng YYYY-MM-DD).', 'Invalid filter.');
  return { teacherId: r.data.teacher, classId: r.data.class, subjectId: r.data.subject, studentId: r.data.student, from: r.data.from, to: r.data.to };
}
const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json';
const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

export function auditRoutes(db: Kysely<DB>): Router {
  const r = Router();

  r.get('/audit', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    assertCanReadTrail(s);
    const f = parseFilter(req.query);
    const rows = await loadTrail(db, s, f, 2000);
    if (wantsJson(req)) {
      res.json({ rows });
      return;
    }
    const qs = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
    res.render('audit/index', { title: 'Nhật ký thay đổi', me: await loadMe(db, s), nav: navFor(s.roles, '/audit'), rows, f, opts: await trailFilterOptions(db, s.schoolId, f.classId), ACTION_VI, fmtVi, qs });
  }));

  r.get('/audit.csv', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    assertCanReadTrail(s);
    // The inspector's download is part of the inspection, whatever the school's export rule says.
    if (!isInspector(s.roles)) await requirePermission(db, s, 'export.data');
    const rows = await loadTrail(db, s, parseFilter(req.query));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="nhat-ky-thay-doi.csv"');
    const csv = format({ headers: ['Số thứ tự', 'Thời gian', 'Người thực hiện', 'Vai trò', 'Thao tác', 'Lớp', 'Môn', 'Cột', 'Học sinh', 'Giá trị cũ', 'Giá trị mới', 'Nguồn', 'Ghi chú'], writeBOM: true });
    csv.pipe(res);
    for (const x of rows) {
      csv.write([x.mergedSeqs.join('+'), fmtVi(x.at), x.actorName ?? '', x.actorRole ?? '', ACTION_VI[x.action] ?? x.action, x.className ?? '', x.subjectName ?? '', x.columnLabel ?? '', x.studentName ?? '', x.oldText, x.newText, x.source, x.noteVi]);
    }
    csv.end();
  }));

  r.get('/audit/verify', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    if (!s.roles.includes('principal') && !s.roles.includes('school_admin') && !isInspector(s.roles)) {
      throw new AppError('AUDIT_NOT_PERMITTED', 'forbidden', 'Chỉ hiệu trưởng, quản trị hệ thống hoặc thanh tra được kiểm tra chuỗi nhật ký.', 'Only the principal, the admin or an inspector may verify the chain.');
    }
    const report = await verifyChain(db, s.schoolId);
    const breakVi = report.firstBreak ? describeBreakVi(report.firstBreak) : null;
    if (wantsJson(req)) {
      res.json({ ...report, breakVi });
      return;
    }
    res.render('audit/verify', { title: 'Kiểm tra toàn vẹn nhật ký', me: await loadMe(db, s), nav: navFor(s.roles, '/audit'), report, breakVi, checkedAt: fmtVi(new Date()) });
  }));

  return r;
}
