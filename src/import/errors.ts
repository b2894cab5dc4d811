import { AppError } from '../shared/errors';

/** Stable IMPORT_* codes (tests and the page match on them); the message is Vietnamese first. */
export const importErrors = {
  tooLarge: (maxBytes: number) =>
    new AppError('IMPORT_TOO_LARGE', 'bad_request', `Tệp quá lớn: tối đa ${Math.round(maxBytes / 1024)} KB cho một lớp/môn. Hãy dùng tệp mẫu tải về từ sổ điểm.`, `File too large (max ${maxBytes} bytes).`),
  empty: () => new AppError('IMPORT_EMPTY', 'bad_request', 'Tệp rỗng: không có dữ liệu để nhập.', 'Empty file.'),
  format: () =>
    new AppError('IMPORT_UNSUPPORTED_FORMAT', 'bad_request', 'Chỉ nhận tệp Excel .xlsx hoặc CSV (UTF-8). Tệp .xls cũ hãy mở bằng Excel rồi lưu lại dạng .xlsx.', 'Only .xlsx or UTF-8 CSV files are accepted.'),
  encoding: () =>
    new AppError(
      'IMPORT_ENCODING',
      'bad_request',
      'Tệp CSV không ở bảng mã UTF-8 (có thể là Windows-1258/TCVN3): chữ tiếng Việt sẽ bị lỗi. Trong Excel chọn "Lưu thành" → "CSV UTF-8 (phân tách bằng dấu phẩy)", hoặc dùng tệp .xlsx.',
      'The CSV file is not UTF-8 (probably Windows-1258). Save it as "CSV UTF-8" or use .xlsx.',
    ),
  unreadable: () => new AppError('IMPORT_UNREADABLE', 'bad_request', 'Không đọc được tệp Excel (tệp hỏng hoặc không phải .xlsx).', 'The spreadsheet cannot be read.'),
  notTemplate: () =>
    new AppError('IMPORT_NOT_TEMPLATE', 'bad_request', 'Tệp không theo mẫu của Sổ Điểm (thiếu dòng đầu "SODIEM"). Hãy tải tệp mẫu của lớp/môn này rồi điền vào.', 'Not a Sổ Điểm template (first row "SODIEM" missing).'),
  wrongClass: (fileDesc: string, openDesc: string) =>
    new AppError('IMPORT_WRONG_CLASS', 'bad_request', `Tệp này là của ${fileDesc}, không phải của ${openDesc} đang mở. Không có điểm nào được ghi.`, `The file belongs to another class subject (${fileDesc}).`),
  wrongTerm: (fileTerm: string, openTerm: string) =>
    new AppError('IMPORT_WRONG_TERM', 'bad_request', `Tệp này là của ${fileTerm}, không phải ${openTerm}. Không có điểm nào được ghi.`, 'The file belongs to another term.'),
  mergedCells: (ranges: readonly string[]) =>
    new AppError('IMPORT_MERGED_CELLS', 'bad_request', `Tệp có ô bị gộp (${ranges.slice(0, 3).join(', ')}): mỗi học sinh, mỗi cột điểm phải là một ô riêng. Hãy bỏ gộp ô rồi tải lên lại.`, 'The sheet has merged cells.', { ranges }),
  columns: (detailVi: string, expected: readonly string[], found: readonly string[]) =>
    new AppError('IMPORT_COLUMNS', 'bad_request', `Tiêu đề cột không khớp với sổ điểm: ${detailVi}. Không đổi tên, thêm hay xoá cột của tệp mẫu.`, 'Column headers do not match the grade book.', { expected, found }),
  tooManyRows: (max: number) => new AppError('IMPORT_TOO_MANY_ROWS', 'bad_request', `Tệp có quá nhiều dòng (tối đa ${max}).`, `Too many rows (max ${max}).`),
  invalid: (count: number, details: Record<string, unknown>) =>
    new AppError('IMPORT_INVALID', 'bad_request', `Tệp có ${count} lỗi nên không có điểm nào được ghi. Tải tệp báo lỗi để xem lý do ở từng ô, sửa rồi tải lên lại (hoặc chọn "chỉ ghi các dòng hợp lệ").`, `${count} error(s); nothing was written.`, details),
};
