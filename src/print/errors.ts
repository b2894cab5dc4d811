import { AppError } from '../shared/errors';

/**
 * Stable codes of the print module. The web layer turns them into HTTP answers (AppError kinds):
 * a full queue or a dead browser is "try again later" (503), never a 500.
 */
export type PrintErrorCode = 'PRINT_QUEUE_FULL' | 'PRINT_TIMEOUT' | 'PRINT_BROWSER_FAILED' | 'PRINT_POOL_CLOSED' | 'PRINT_NOT_FOUND' | 'PRINT_BAD_REQUEST' | 'PRINT_SIGNOFF_NOT_ALLOWED';

export function printQueueFull(queued: number): AppError {
  return new AppError(
    'PRINT_QUEUE_FULL',
    'unavailable',
    `Máy in sổ đang bận (${queued} bản in đang chờ). Vui lòng thử lại sau ít phút.`,
    `The print queue is full (${queued} waiting). Try again in a few minutes.`,
    { queued },
  );
}

export function printTimeout(ms: number): AppError {
  return new AppError('PRINT_TIMEOUT', 'unavailable', `Quá thời gian tạo bản in (${Math.round(ms / 1000)} giây). Vui lòng thử lại.`, `Rendering the print took longer than ${ms} ms.`, { timeoutMs: ms });
}

export function printBrowserFailed(reason: string): AppError {
  // The reason is a Chromium/puppeteer message: no personal data flows through it.
  return new AppError('PRINT_BROWSER_FAILED', 'unavailable', 'Không khởi động được trình tạo bản in (Chromium). Vui lòng thử lại hoặc báo quản trị.', `The PDF renderer (Chromium) failed: ${reason}`, { reason });
}

export function printPoolClosed(): AppError {
  return new AppError('PRINT_POOL_CLOSED', 'unavailable', 'Máy chủ đang dừng, không nhận bản in mới.', 'The server is shutting down; no new prints.');
}

export function printNotFound(what: string): AppError {
  return new AppError('PRINT_NOT_FOUND', 'not_found', `Không tìm thấy ${what}.`, `Not found: ${what}.`);
}

export function printBadRequest(vi: string, en: string, details?: Record<string, unknown>): AppError {
  return new AppError('PRINT_BAD_REQUEST', 'bad_request', vi, en, details);
}
