/** Stable codes for roll-call, conduct, results and year-end (Vietnamese message first). */
import { AppError, type ErrorKind } from '../shared/errors';

export const err = (code: string, kind: ErrorKind, vi: string, en: string, details?: Record<string, unknown>) => new AppError(code, kind, vi, en, details);

export const classErrors = {
  notFound: () => err('RESULTS_CLASS_NOT_FOUND', 'not_found', 'Không tìm thấy lớp.', 'Class not found.'),
  notHomeroom: () => err('RESULTS_NOT_HOMEROOM', 'forbidden', 'Chỉ giáo viên chủ nhiệm của lớp này được làm việc này.', 'Only this class\'s homeroom teacher may do this.'),
  notViewer: () => err('RESULTS_NOT_ALLOWED', 'forbidden', 'Bạn không được xem kết quả của lớp này.', 'You may not view this class\'s results.'),
};
