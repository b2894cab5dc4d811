import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RequestHandler } from 'express';
import { decodeJwt } from 'jose';
import type { DB } from '../db/schema';
import { AppError } from '../shared/errors';

/** How long a login may take between the OIDC initiation and the id_token POST. */
const LOGIN_TTL_SECONDS = 600;
/** Clock skew tolerated for an id_token's iat (Moodle's tokens live 60 s). */
export const IAT_LEEWAY_SECONDS = 10;

/**
 * ltijs keeps OIDC state in a cookie and never stores the nonce it sends. Inside the LMS iframe
 * browsers drop third-party cookies, and an unbound nonce is weak, so we keep both server-side:
 * on the login redirect we replace ltijs' Math.random nonce with a strong one and store
 * (state → nonce, issuer, client id); the id_token POST must present a known, unused state whose
 * nonce and issuer match. ltijs then verifies the signature, aud, exp, replay and core claims.
 */
export function captureLoginState(db: Kysely<DB>, loginPath: string): RequestHandler {
  return (req, res, next) => {
    if (req.path !== loginPath) return next();
    const issuer = String(req.body?.iss ?? req.query.iss ?? '');
    const originalRedirect = res.redirect.bind(res) as (url: string) => void;
    (res as { redirect: unknown }).redirect = (target: string) => {
      const url = new URL(target);
      const state = url.searchParams.get('state');
      const clientId = url.searchParams.get('client_id') ?? '';
      if (!state) return originalRedirect(target);
      const nonce = randomBytes(24).toString('base64url');
      url.searchParams.set('nonce', nonce);
      db.insertInto('oidc_login')
        .values({ state: decodeURIComponent(state), nonce, issuer, client_id: clientId })
        .execute()
        .then(() => originalRedirect(url.toString()))
        .catch(next);
    };
    next();
  };
}

export interface LaunchGuardOptions {
  /** ltijs' app route inside the mount: only resource-link launches are accepted there. */
  appPath: string;
  now?: () => number;
}

/**
 * Checks an incoming id_token POST before ltijs does: state known and unused (single use), nonce
 * and issuer bound to it, iat not from the future, message type accepted on this route. These
 * checks only ever reject; ltijs' signature check still decides acceptance.
 */
export function launchGuard(db: Kysely<DB>, opts: LaunchGuardOptions): RequestHandler {
  const now = opts.now ?? (() => Date.now());
  return (req, _res, next) => {
    if (req.method !== 'POST' || typeof req.body?.id_token !== 'string') return next();
    const state = typeof req.body.state === 'string' ? req.body.state : '';
    (async () => {
      if (!state) throw new AppError('LTI_STATE_MISSING', 'bad_request', 'Thiếu tham số state trong yêu cầu khởi chạy.', 'The launch has no state parameter.');
      const login = await db
        .deleteFrom('oidc_login')
        .where('state', '=', state)
        .returning(['nonce', 'issuer', 'created_at'])
        .executeTakeFirst();
      if (!login || now() - login.created_at.getTime() > LOGIN_TTL_SECONDS * 1000) {
        throw new AppError(
          'LTI_STATE_UNKNOWN',
          'bad_request',
          'Phiên đăng nhập LTI không hợp lệ hoặc đã được dùng. Hãy mở lại Sổ Điểm từ khoá học.',
          'Unknown or already used launch state. Open Sổ Điểm again from the course.',
        );
      }
      let claims: Record<string, unknown>;
      try {
        claims = decodeJwt(req.body.id_token);
      } catch {
        throw new AppError('LTI_TOKEN_MALFORMED', 'bad_request', 'id_token không đúng định dạng.', 'The id_token is malformed.');
      }
      if (claims.nonce !== login.nonce) {
        throw new AppError('LTI_NONCE_MISMATCH', 'bad_request', 'Mã nonce không khớp với lần đăng nhập.', 'The nonce does not match the login.');
      }
      if (claims.iss !== login.issuer) {
        throw new AppError('LTI_ISS_MISMATCH', 'bad_request', 'Nơi phát hành (iss) không khớp với lần đăng nhập.', 'The issuer does not match the login.');
      }
      if (typeof claims.iat !== 'number' || claims.iat > now() / 1000 + IAT_LEEWAY_SECONDS) {
        throw new AppError('LTI_TOKEN_FROM_FUTURE', 'bad_request', 'id_token có thời điểm phát hành ở tương lai (đồng hồ LMS lệch?).', 'The id_token was issued in the future (LMS clock skew?).');
      }
      if (typeof claims.exp !== 'number') {
        throw new AppError('LTI_TOKEN_NO_EXP', 'bad_request', 'id_token không có thời hạn (exp).', 'The id_token has no exp claim.');
      }
      const messageType = claims['https://purl.imsglobal.org/spec/lti/claim/message_type'];
      if (messageType !== 'LtiResourceLinkRequest' && req.path === opts.appPath) {
        throw new AppError(
          'LTI_MESSAGE_TYPE_UNSUPPORTED',
          'bad_request',
          `Sổ Điểm không hỗ trợ loại thông điệp "${String(messageType)}" ở địa chỉ này. Hãy thêm Sổ Điểm như một hoạt động bình thường (không chọn nội dung).`,
          `Sổ Điểm does not accept "${String(messageType)}" messages here. Add Sổ Điểm as a plain activity (no content selection).`,
        );
      }
      const azp = claims.azp;
      if (Array.isArray(claims.aud) && claims.aud.length > 1 && typeof azp !== 'string') {
        throw new AppError('LTI_AZP_MISSING', 'bad_request', 'id_token có nhiều aud nhưng thiếu azp.', 'The id_token has several audiences but no azp.');
      }
    })().then(() => next(), next);
  };
}

export async function purgeExpiredLoginStates(db: Kysely<DB>): Promise<number> {
  const r = await db
    .deleteFrom('oidc_login')
    .where('created_at', '<', new Date(Date.now() - LOGIN_TTL_SECONDS * 1000))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
