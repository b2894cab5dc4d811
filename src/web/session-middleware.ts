import type { Request, Response, NextFunction, RequestHandler, CookieOptions } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { loadSession, csrfMatches, type Session } from '../auth/session';
import { AppError } from '../shared/errors';
import type { Role } from '../auth/roles';

export const SESSION_COOKIE = 'sd_session';
/** Query/form parameter carrying the session where the browser drops even partitioned cookies. */
export const SESSION_PARAM = '_s';

declare module 'express-serve-static-core' {
  interface Locals {
    session?: Session;
    /** Set when the session travels in the URL instead of a cookie: links and forms must carry it. */
    sessionParam?: string;
    csrfToken?: string;
  }
}

/**
 * Inside the LMS iframe the tool is a third party. A `SameSite=None; Secure; Partitioned`
 * cookie (CHIPS) survives there in current Chromium; where a browser drops it anyway, the
 * session token travels as `_s` in links and forms (Referrer-Policy: no-referrer keeps it from leaking).
 */
export function sessionCookieOptions(crossSite: boolean, maxAgeMs: number): CookieOptions {
  return crossSite
    ? { httpOnly: true, secure: true, sameSite: 'none', partitioned: true, path: '/', maxAge: maxAgeMs }
    : { httpOnly: true, sameSite: 'lax', path: '/', maxAge: maxAgeMs };
}

export function loadSessionMiddleware(db: Kysely<DB>): RequestHandler {
  return (req, res, next) => {
    const cookieToken = typeof req.cookies?.[SESSION_COOKIE] === 'string' ? (req.cookies[SESSION_COOKIE] as string) : undefined;
    const paramToken = pick(req.query[SESSION_PARAM]) ?? pick(req.body?.[SESSION_PARAM]) ?? pick(req.get('x-sodiem-session'));
    (async () => {
      if (cookieToken) {
        const s = await loadSession(db, cookieToken);
        if (s) {
          res.locals.session = s;
          res.locals.csrfToken = s.csrfToken;
          // The cookie works: drop the token from the address bar.
          if (req.method === 'GET' && paramToken === cookieToken) {
            const url = new URL(req.originalUrl, 'http://x');
            url.searchParams.delete(SESSION_PARAM);
            return res.redirect(303, url.pathname + url.search);
          }
          return next();
        }
      }
      if (paramToken) {
        const s = await loadSession(db, paramToken);
        if (s) {
          res.locals.session = s;
          res.locals.csrfToken = s.csrfToken;
          res.locals.sessionParam = paramToken;
        }
      }
      next();
    })().catch(next);
  };
}

const pick = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function requireSession(req: Request, res: Response, next: NextFunction): void {
  if (!res.locals.session) {
    return next(new AppError('AUTH_NO_SESSION', 'unauthenticated', 'Bạn chưa đăng nhập hoặc phiên đã hết hạn. Hãy mở Sổ Điểm từ khoá học trong LMS.', 'Not signed in or session expired. Open Sổ Điểm from your LMS course.'));
  }
  next();
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (_req, res, next) => {
    const s = res.locals.session;
    if (!s) return requireSession(_req, res, next);
    if (!roles.some((r) => s.roles.includes(r))) {
      return next(new AppError('AUTH_FORBIDDEN_ROLE', 'forbidden', 'Vai trò của bạn không được phép thực hiện thao tác này.', 'Your role is not allowed to do this.'));
    }
    next();
  };
}

/** Every state-changing request must carry the session's CSRF token (form field or header). */
export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const s = res.locals.session;
  const presented = req.body?._csrf ?? req.get('x-csrf-token');
  if (!s || !csrfMatches(s, presented)) {
    return next(new AppError('AUTH_CSRF', 'forbidden', 'Biểu mẫu đã hết hạn hoặc không hợp lệ (CSRF). Hãy tải lại trang và thử lại.', 'The form is stale or invalid (CSRF). Reload the page and try again.'));
  }
  next();
}
