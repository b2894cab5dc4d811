import type { ErrorRequestHandler } from 'express';
import { isAppError } from '../shared/errors';

/** The one place where typed errors become HTTP answers: a Vietnamese page, or JSON for fetch(). */
export function errorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const app = isAppError(err) ? err : null;
    const status = app?.status ?? (typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500);
    const code = app?.code ?? (status === 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
    // Log the code and path only: never bodies (id_tokens, names, scores).
    log(`[${status}] ${code} ${req.method} ${req.path}${status === 500 ? ` ${String(err?.stack ?? err)}` : ''}`);
    if (res.headersSent) return;
    const vi = app?.vi ?? (status === 500 ? 'Đã có lỗi ở máy chủ. Vui lòng thử lại sau.' : 'Yêu cầu không hợp lệ.');
    const en = app?.en ?? (status === 500 ? 'Server error. Please try again later.' : 'Bad request.');
    res.status(status);
    if (req.accepts(['html', 'json']) === 'json' || req.xhr) {
      res.json({ error: { code, message: vi, message_en: en, details: app?.details } });
    } else {
      res.render('error', { code, vi, en, status, u: res.locals.u ?? ((p: string) => p) });
    }
  };
}
