import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { ACTIONS, DEFAULT_PERMISSIONS, loadPermissions, type Action, type Permissions } from '../auth/permissions';
import type { Role } from '../auth/roles';
import type { Actor } from './school-service';

/** Roles that may appear on the permissions page, in the order the page shows them. */
export const ASSIGNABLE_ROLES: readonly Role[] = ['principal', 'vice_principal', 'school_admin', 'homeroom_teacher', 'subject_teacher', 'student'];

/**
 * Saves the school's rules (quy chế). Only changed actions are written and audited (old → new);
 * an action set back to the regulation's default is stored too, so the page shows what was chosen.
 */
export async function savePermissions(db: Kysely<DB>, a: Actor, next: Record<string, readonly string[]>): Promise<number> {
  for (const [action, roles] of Object.entries(next)) {
    if (!(action in ACTIONS)) throw new AppError('SCHOOL_PERMISSION_UNKNOWN_ACTION', 'bad_request', `Thao tác "${action}" không tồn tại.`, `Unknown action ${action}.`);
    for (const r of roles) if (!(ASSIGNABLE_ROLES as readonly string[]).includes(r)) throw new AppError('SCHOOL_PERMISSION_UNKNOWN_ROLE', 'bad_request', `Vai trò "${r}" không tồn tại.`, `Unknown role ${r}.`);
  }
  // The principal must keep the keys: without it nobody could configure the school or change these rules back.
  const cfg = next['school.configure'];
  if (cfg && !cfg.includes('principal')) {
    throw new AppError('SCHOOL_PERMISSION_LOCKOUT', 'bad_request', 'Không thể bỏ quyền "Cấu hình năm học, lớp, môn, phân công" của hiệu trưởng: như vậy sẽ không ai cấu hình được trường.', 'The principal must keep school.configure.');
  }
  return db.transaction().execute(async (trx) => {
    const current: Permissions = await loadPermissions(trx, a.schoolId);
    let changed = 0;
    for (const action of Object.keys(ACTIONS) as Action[]) {
      const want = next[action];
      if (!want) continue;
      const sorted = ASSIGNABLE_ROLES.filter((r) => want.includes(r));
      const before = ASSIGNABLE_ROLES.filter((r) => current[action].includes(r));
      if (sorted.join(',') === before.join(',')) continue;
      await trx
        .insertInto('school_permission')
        .values({ school_id: a.schoolId, action, roles: [...sorted] })
        .onConflict((oc) => oc.columns(['school_id', 'action']).doUpdateSet({ roles: [...sorted], updated_at: new Date() }))
        .execute();
      await appendAudit(trx, { schoolId: a.schoolId, actor: { personId: a.personId, lmsUserId: a.lmsUserId, role: a.role }, action: 'permission.change', entity: 'school_permission', entityId: action, oldValue: before, newValue: sorted, source: 'admin' });
      changed++;
    }
    return changed;
  });
}

export function isDefault(action: Action, roles: readonly Role[]): boolean {
  const d = DEFAULT_PERMISSIONS[action];
  return d.length === roles.length && d.every((r) => roles.includes(r));
}
