import { AppError } from '../shared/errors';

/**
 * Stable codes for a roster sync that could not read the LMS. They are stored in
 * roster_sync.error_code and shown on the roster page with the Vietnamese text below.
 */
export const ROSTER_ERRORS = {
  ROSTER_NRPS_UNAUTHORIZED: ['LMS từ chối cho Sổ Điểm đọc danh sách thành viên (401). Hãy nhờ quản trị LMS bật dịch vụ "Names and Role Provisioning" cho công cụ.', 'The LMS refused to share the member list (401).'],
  ROSTER_NRPS_FORBIDDEN: ['LMS không cho phép đọc danh sách thành viên của khoá học này (403).', 'The LMS forbids reading this course roster (403).'],
  ROSTER_NRPS_NOT_FOUND: ['LMS không tìm thấy khoá học để lấy danh sách (404).', 'The LMS did not find the course roster (404).'],
  ROSTER_NRPS_SERVER_ERROR: ['LMS đang gặp lỗi khi trả danh sách thành viên. Hãy thử lại sau ít phút.', 'The LMS failed while returning the roster (5xx). Try again later.'],
  ROSTER_NRPS_TIMEOUT: ['LMS không trả lời kịp khi lấy danh sách thành viên. Hãy thử lại sau.', 'The LMS did not answer in time.'],
  ROSTER_NRPS_MALFORMED: ['LMS trả về danh sách thành viên không đúng định dạng. Danh sách lớp giữ nguyên.', 'The LMS returned a malformed member list; the class list was left unchanged.'],
  ROSTER_NRPS_UNREACHABLE: ['Không kết nối được tới LMS để lấy danh sách thành viên.', 'Could not reach the LMS for the roster.'],
  ROSTER_NRPS_EMPTY: ['LMS trả về danh sách không có học sinh nào trong khi lớp đang có học sinh. Để an toàn, Sổ Điểm không đánh dấu ai rời lớp; hãy kiểm tra ghi danh trong LMS.', 'The LMS returned no learners while the class has students; nothing was marked as left.'],
  ROSTER_NO_NRPS: ['Khoá học này chưa có địa chỉ dịch vụ danh sách thành viên (NRPS). Hãy mở Sổ Điểm từ hoạt động trong khoá học LMS.', 'This course has no NRPS endpoint yet.'],
  ROSTER_COURSE_NOT_LINKED: ['Khoá học chưa được gắn với lớp nào, nên chưa thể đồng bộ danh sách.', 'The course is not linked to a class yet.'],
  ROSTER_PLATFORM_INACTIVE: ['Kết nối LMS của khoá học này không còn hoạt động.', 'The LMS registration of this course is not active.'],
  ROSTER_FAILED: ['Đồng bộ danh sách không thành công.', 'Roster sync failed.'],
} as const satisfies Record<string, readonly [string, string]>;

export type RosterErrorCode = keyof typeof ROSTER_ERRORS;

export function rosterError(code: RosterErrorCode, details?: Record<string, unknown>): AppError {
  const [vi, en] = ROSTER_ERRORS[code];
  const kind = code === 'ROSTER_COURSE_NOT_LINKED' || code === 'ROSTER_NO_NRPS' ? 'conflict' : 'unavailable';
  return new AppError(code, kind, vi, en, details);
}

export function rosterErrorMessageVi(code: string | null): string | null {
  if (!code) return null;
  return (ROSTER_ERRORS as Record<string, readonly [string, string]>)[code]?.[0] ?? ROSTER_ERRORS.ROSTER_FAILED[0];
}
