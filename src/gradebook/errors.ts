import { AppError } from '../shared/errors';

/** Stable GRID_* codes: tests, the grid script and logs match on them, never on the wording. */
export const gridErrors = {
  notFound: () => new AppError('GRID_NOT_FOUND', 'not_found', 'Không tìm thấy lớp/môn này trong sổ điểm của trường.', 'Class subject not found in this school.'),
  notYourClass: () =>
    new AppError('GRID_NOT_YOUR_CLASS', 'forbidden', 'Bạn không được phân công dạy hoặc quản lý lớp/môn này.', 'You are not assigned to this class subject.'),
  badRequest: (vi: string, en: string, details?: Record<string, unknown>) => new AppError('GRID_BAD_REQUEST', 'bad_request', vi, en, details),
};
