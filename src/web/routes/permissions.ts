import { Router } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema';
import { ACTIONS, DEFAULT_PERMISSIONS, loadPermissions, type Action } from '../../auth/permissions';
import { ROLE_LABEL_VI } from '../../auth/roles';
import { requireRole } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import { ASSIGNABLE_ROLES, isDefault, savePermissions } from '../../school/permissions-service';

/**
 * The school's rules page. Only the principal edits it (a role that could edit it could grant itself
 * anything); the rules are enforced on the server by requirePermission.
 */
export function permissionsRoutes(db: Kysely<DB>): Router {
  const r = Router();
  const principal = requireRole('principal');
  r.get('/school/permissions', principal, async (req, res, next) => {
    try {
      const s = res.locals.session!;
      const perms = await loadPermissions(db, s.schoolId);
      const rows = (Object.keys(ACTIONS) as Action[]).map((action) => ({ action, label: ACTIONS[action], roles: perms[action], isDefault: isDefault(action, perms[action]), defaults: DEFAULT_PERMISSIONS[action] }));
      res.render('school/permissions', { title: 'Quy chế phân quyền', me: await loadMe(db, s), nav: navFor(s.roles, '/school/permissions'), rows, roles: ASSIGNABLE_ROLES, roleLabels: ROLE_LABEL_VI, saved: req.query.saved === '1' });
    } catch (e) {
      next(e);
    }
  });
  r.post('/school/permissions', principal, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      // Checkboxes named "perm:<action>" with role values; an unticked action sends nothing → no roles.
      const next_: Record<string, string[]> = {};
      for (const action of Object.keys(ACTIONS)) {
        const v = body[`perm:${action}`];
        if (v !== undefined && typeof v !== 'string' && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) {
          throw new AppError('SCHOOL_INPUT_INVALID', 'bad_request', 'Dữ liệu phân quyền không hợp lệ.', 'Invalid permissions form.');
        }
        next_[action] = v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v];
      }
      const s = res.locals.session!;
      const me = await loadMe(db, s);
      await savePermissions(db, { schoolId: s.schoolId, personId: s.personId, lmsUserId: me.lmsUserId, role: 'principal' }, next_);
      res.redirect(303, res.locals.u('/school/permissions?saved=1'));
    } catch (e) {
      next(e);
    }
  });
  return r;
}
