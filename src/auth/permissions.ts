import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AppError } from '../shared/errors';
import type { Role } from './roles';
import type { Session } from './session';

/**
 * What the school's own rules (quy chế) decide: who may enter scores, request corrections,
 * approve, print and export. Defaults follow the roles the regulations name; the principal can
 * change them on the permissions page. Enforced on the server, in the use cases' callers.
 */
export const ACTIONS = {
  'scores.enter': 'Nhập điểm, nhận xét môn học',
  'scores.view_class': 'Xem điểm mọi môn của lớp',
  'correction.request': 'Đề nghị sửa điểm sau hạn',
  'correction.confirm': 'Xác nhận đề nghị sửa điểm (GVCN)',
  'correction.approve': 'Duyệt sửa điểm',
  'attendance.enter': 'Điểm danh',
  'conduct.enter': 'Đánh giá hạnh kiểm / rèn luyện',
  'year_end.propose': 'Đề xuất danh sách cuối năm',
  'year_end.approve': 'Duyệt danh sách cuối năm',
  'deadline.move': 'Dời thời điểm cập nhật điểm',
  'school.configure': 'Cấu hình năm học, lớp, môn, phân công',
  'print.books': 'In sổ',
  'export.data': 'Xuất dữ liệu',
} as const;

export type Action = keyof typeof ACTIONS;

export const DEFAULT_PERMISSIONS: Record<Action, readonly Role[]> = {
  'scores.enter': ['subject_teacher'],
  'scores.view_class': ['homeroom_teacher', 'principal', 'vice_principal'],
  'correction.request': ['subject_teacher'],
  'correction.confirm': ['homeroom_teacher'],
  'correction.approve': ['principal'],
  'attendance.enter': ['homeroom_teacher'],
  'conduct.enter': ['homeroom_teacher'],
  'year_end.propose': ['homeroom_teacher'],
  'year_end.approve': ['principal'],
  'deadline.move': ['principal'],
  'school.configure': ['principal', 'school_admin'],
  'print.books': ['principal', 'vice_principal', 'school_admin'],
  'export.data': ['principal', 'vice_principal', 'school_admin'],
};

export type Permissions = Record<Action, readonly Role[]>;

export async function loadPermissions(db: Kysely<DB>, schoolId: number): Promise<Permissions> {
  const rows = await db.selectFrom('school_permission').select(['action', 'roles']).where('school_id', '=', schoolId).execute();
  const out: Permissions = { ...DEFAULT_PERMISSIONS };
  for (const r of rows) if (r.action in ACTIONS) out[r.action as Action] = r.roles as Role[];
  return out;
}

/**
 * An inspector's rights are fixed by the designation, not by the school's rules (the school must not
 * widen or narrow an inspection): reading the print archive. Printing itself is a write and is
 * refused to inspectors before any route runs (src/auth/inspector.ts); every other action is theirs
 * to read only through the pages the inspector guard lets through.
 */
export const INSPECTOR_ACTIONS: readonly Action[] = ['print.books'];

export function allowed(perms: Permissions, roles: readonly Role[], action: Action): boolean {
  if (roles.includes('inspector')) return INSPECTOR_ACTIONS.includes(action);
  return perms[action].some((r) => roles.includes(r));
}

/** Throws the stable AUTH_NOT_PERMITTED error when the session's roles may not do `action`. */
export async function requirePermission(db: Kysely<DB>, session: Session, action: Action): Promise<void> {
  const perms = await loadPermissions(db, session.schoolId);
  if (!allowed(perms, session.roles, action)) {
    throw new AppError('AUTH_NOT_PERMITTED', 'forbidden', `Theo quy chế của trường, vai trò của bạn không được phép: ${ACTIONS[action]}.`, `The school's rules do not allow your role to: ${action}.`, { action });
  }
}
