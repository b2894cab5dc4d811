import { AppError, type ErrorKind } from '../shared/errors';

/** Stable codes of the LMS grade sync (AGS). Vietnamese first. */
export const AGS_ERRORS = {
  AGS_UNREACHABLE: ['unavailable', 'Không kết nối được với LMS.', 'The LMS cannot be reached.'],
  AGS_TIMEOUT: ['unavailable', 'LMS không trả lời kịp (hết thời gian chờ).', 'The LMS did not answer in time.'],
  AGS_UNAUTHORIZED: ['unavailable', 'LMS từ chối mã truy cập (401).', 'The LMS refused the access token (401).'],
  AGS_FORBIDDEN: ['forbidden', 'LMS không cho phép thao tác này (403).', 'The LMS forbids this operation (403).'],
  AGS_TOKEN_FAILED: ['unavailable', 'Không lấy được mã truy cập từ LMS.', 'Could not obtain an access token from the LMS.'],
  AGS_NOT_LEARNER: ['bad_request', 'LMS không nhận điểm cho người này (không phải học sinh đang ghi danh).', 'The LMS does not accept a score for this user (not an enrolled learner).'],
  AGS_BAD_REQUEST: ['bad_request', 'LMS từ chối dữ liệu gửi lên (400).', 'The LMS rejected the request (400).'],
  AGS_CONFLICT_NEWER: ['conflict', 'LMS đang giữ một điểm mới hơn; không ghi đè.', 'The LMS holds a newer score; not overwritten.'],
  AGS_LINEITEM_GONE: ['not_found', 'Cột điểm trên LMS đã bị xoá.', 'The line item was deleted in the LMS.'],
  AGS_FOREIGN_LINEITEM: ['forbidden', 'Cột điểm này không phải do LMS cấp cho Sổ Điểm; không được sửa.', 'This grade item was not given to Sổ Điểm by the LMS; it is never touched.'],
  AGS_RATE_LIMITED: ['unavailable', 'LMS đang quá tải (429), sẽ thử lại.', 'The LMS is rate limiting (429); will retry.'],
  AGS_SERVER_ERROR: ['unavailable', 'LMS gặp lỗi máy chủ, sẽ thử lại.', 'The LMS had a server error; will retry.'],
  AGS_MALFORMED: ['unavailable', 'LMS trả về dữ liệu không đọc được.', 'The LMS answered with unreadable data.'],
  AGS_NOT_CONFIGURED: ['bad_request', 'Khoá học này chưa bật dịch vụ điểm (AGS) của LMS.', 'This course has no LMS grade service (AGS).'],
  AGS_NOT_PUBLISHABLE: ['bad_request', 'Cột đánh giá bằng nhận xét (Đ/CĐ) không gửi được sang LMS dưới dạng điểm số.', 'Rating columns (Đ/CĐ) cannot be published as scores.'],
  AGS_PLATFORM_UNKNOWN: ['unavailable', 'Không tìm thấy cấu hình LMS của khoá học.', 'The LMS registration of this course was not found.'],
  AGS_FAILED: ['unavailable', 'Đồng bộ điểm với LMS không thành công.', 'Grade sync with the LMS failed.'],
} as const satisfies Record<string, readonly [ErrorKind, string, string]>;

export type AgsErrorCode = keyof typeof AGS_ERRORS;

/** An AGS failure; `reason` is the LMS's own words (reason phrase or body), never personal data of ours. */
export class AgsError extends AppError {
  constructor(
    readonly agsCode: AgsErrorCode,
    readonly httpStatus: number | null,
    readonly reason: string | null,
    readonly retryable: boolean,
    /** What the LMS asked for in Retry-After (429/503), in ms from when the answer arrived; the worker bounds it. */
    readonly retryAfterMs: number | null = null,
  ) {
    const [kind, vi, en] = AGS_ERRORS[agsCode];
    super(agsCode, kind, reason ? `${vi} (LMS: ${reason})` : vi, reason ? `${en} (LMS: ${reason})` : en, { httpStatus, reason });
    this.name = 'AgsError';
  }
}

export function agsError(code: AgsErrorCode, opts: { status?: number | null; reason?: string | null; retryable?: boolean; retryAfterMs?: number | null } = {}): AgsError {
  const retryableByDefault = ['AGS_UNREACHABLE', 'AGS_TIMEOUT', 'AGS_RATE_LIMITED', 'AGS_SERVER_ERROR', 'AGS_MALFORMED', 'AGS_TOKEN_FAILED', 'AGS_UNAUTHORIZED'].includes(code);
  return new AgsError(code, opts.status ?? null, opts.reason ?? null, opts.retryable ?? retryableByDefault, opts.retryAfterMs ?? null);
}
