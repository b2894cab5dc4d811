/**
 * The principal's dashboard: validate (zod) → authorise (board, inside the use case) → load → render/JSON.
 */
import { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import { loadDashboard } from '../../dashboard/dashboard';
import { formatDeadlineVi } from '../../gradebook/locks';
import { loadSignOff, signMonthlySnapshot } from '../../dashboard/snapshot';

const q = z.object({ term: z.enum(['HK1', 'HK2']).optional() });
const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

export const STATE_VI: Record<string, string> = {
  requested: 'Chờ xác nhận',
  confirmed: 'GVCN đã xác nhận',
  approved: 'Đã duyệt, chờ sửa',
  rejected: 'Không duyệt',
  applied: 'Đã sửa',
  withdrawn: 'Đã rút',
  expired: 'Hết hạn',
};

export function dashboardRoutes(db: Kysely<DB>): Router {
  const r = Router();
  r.get('/dashboard', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const p = q.safeParse(req.query);
    if (!p.success) throw new AppError('DASHBOARD_BAD_REQUEST', 'bad_request', 'Tham số không hợp lệ.', 'Invalid parameters.');
    const d = await loadDashboard(db, s, p.data.term ? { term: p.data.term } : {});
    if (req.accepts(['html', 'json']) === 'json') {
      res.json(d);
      return;
    }
    const signOff = await loadSignOff(db, s.schoolId);
    res.render('dashboard/index', { title: 'Bảng theo dõi', me: await loadMe(db, s), nav: navFor(s.roles, '/dashboard'), d, STATE_VI, formatDeadlineVi, signOff, canSign: s.roles.includes('principal'), csrf: s.csrfToken });
  }));

  r.post('/dashboard/sign', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const out = await signMonthlySnapshot(db, s);
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(201).json(out);
      return;
    }
    res.redirect(303, res.locals.u('/dashboard'));
  }));
  return r;
}
