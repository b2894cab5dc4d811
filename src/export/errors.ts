import { AppError } from '../shared/errors';

/** Stable EXPORT_* codes. */
export const exportErrors = {
  forbidden: () => new AppError('EXPORT_FORBIDDEN', 'forbidden', 'Bạn không có quyền xuất dữ liệu này.', 'You may not export this data.'),
  badRequest: (vi: string, en: string) => new AppError('EXPORT_BAD_REQUEST', 'bad_request', vi, en),
  notFound: () => new AppError('EXPORT_NOT_FOUND', 'not_found', 'Không tìm thấy dữ liệu cần xuất.', 'Nothing to export here.'),
};
