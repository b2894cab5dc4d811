import type { Request, Response, NextFunction } from 'express';
import { ROLE_LABEL_VI, type Role } from '../auth/roles';
import { SESSION_PARAM } from './session-middleware';
import { maySeePending } from '../results/exemptions';

export interface NavItem {
  href: string;
  label: string;
  on?: boolean;
}

/** `u(path)` keeps the session in links when the browser refused the cookie. */
export function viewHelpers(req: Request, res: Response, next: NextFunction): void {
  res.locals.u = (path: string) => {
    const param = res.locals.sessionParam;
    if (!param) return path;
    return `${path}${path.includes('?') ? '&' : '?'}${SESSION_PARAM}=${encodeURIComponent(param)}`;
  };
  res.locals.path = req.path;
  next();
}

export function navFor(roles: readonly Role[], current: string): NavItem[] {
  const items: NavItem[] = [{ href: '/home', label: 'Trang chính' }];
  // Issue 8: an inspector reads the inspection pages only (src/auth/inspector.ts refuses the rest).
  if (roles.includes('inspector')) {
    items.push({ href: '/audit', label: 'Nhật ký' }, { href: '/corrections', label: 'Sửa điểm' }, { href: '/results', label: 'Kết quả học tập' }, { href: '/print', label: 'Sổ đã in' });
    return markCurrent(items, current);
  }
  if (roles.some((r) => r !== 'student' && r !== 'school_admin')) items.push({ href: '/grid', label: 'Sổ điểm' });
  if (roles.includes('student')) items.push({ href: '/student/averages', label: 'Điểm của em' });
  if (roles.includes('principal') || roles.includes('school_admin')) {
    items.push({ href: '/admin/platforms', label: 'Kết nối LMS' }, { href: '/admin/staff', label: 'Ban giám hiệu' });
  }
  // School year model (permission 'school.configure' by default); the server re-checks the school's rules.
  if (roles.includes('principal') || roles.includes('school_admin')) items.push({ href: '/school/years', label: 'Năm học' }, { href: '/school/subjects', label: 'Môn học' });
  if (roles.includes('principal') || roles.includes('school_admin')) items.push({ href: '/attendance/calendar', label: 'Lịch học & ngày nghỉ' });
  if (roles.includes('principal') || roles.includes('vice_principal')) items.push({ href: '/school/deadlines', label: 'Hạn cập nhật' });
  if (roles.includes('principal')) items.push({ href: '/school/permissions', label: 'Quy chế' });
  if (roles.includes('principal') || roles.includes('vice_principal')) items.push({ href: '/print', label: 'In sổ' });
  // Roll-call, conduct, results, year-end lists: homeroom teachers for their class, the board for every class (checked again server-side).
  if (roles.includes('homeroom_teacher') || roles.includes('principal') || roles.includes('vice_principal')) items.push({ href: '/results', label: 'Điểm danh & kết quả' });
  // Exemptions / disability overrides waiting for the principal: the same rule as the page itself (listPending).
  if (maySeePending(roles)) items.push({ href: '/results/pending', label: 'Hồ sơ chờ duyệt' });
  // Re-test scores are entered by the teacher of the subject (issue 6.4); the page lists only their own subjects.
  if (roles.includes('subject_teacher')) items.push({ href: '/year-end/retests', label: 'Kiểm tra lại' });
  if (roles.some((r) => r !== 'student')) items.push({ href: '/corrections', label: 'Sửa điểm' });
  if (roles.includes('principal') || roles.includes('vice_principal') || roles.includes('school_admin')) items.push({ href: '/audit', label: 'Nhật ký' });
  if (roles.includes('principal') || roles.includes('vice_principal')) items.push({ href: '/dashboard', label: 'Theo dõi' });
  if (roles.some((r) => r !== 'student')) items.push({ href: '/export', label: 'Xuất dữ liệu' });
  return markCurrent(items, current);
}

/** One tab is current: the one whose path is the longest prefix of the page (so /results/pending is not also /results). */
function markCurrent(items: NavItem[], current: string): NavItem[] {
  const matches = (href: string) => current === href || current.startsWith(`${href}/`);
  const best = items.filter((i) => matches(i.href)).reduce<string | null>((b, i) => (b === null || i.href.length > b.length ? i.href : b), null);
  return items.map((i) => ({ ...i, on: i.href === best }));
}

export const roleLabels = (roles: readonly Role[]) => roles.map((r) => ROLE_LABEL_VI[r]);
