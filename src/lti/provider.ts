import type { Express, Request, Response, NextFunction } from 'express';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Config } from '../config/config';
import { AppError } from '../shared/errors';
import { captureLoginState, launchGuard } from './login-state';

/** ltijs is CommonJS and a process-wide singleton; only src/lti touches it. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const loadLtijs = () => require('ltijs').Provider as LtijsProvider;

export interface LtijsProvider {
  app: Express;
  setup(key: string, db: { plugin: unknown }, options: Record<string, unknown>): unknown;
  deploy(o: { serverless: boolean; silent?: boolean }): Promise<unknown>;
  close(o?: { silent?: boolean }): Promise<unknown>;
  onConnect(cb: (token: any, req: Request, res: Response, next: NextFunction) => unknown): unknown;
  onDeepLinking(cb: (token: any, req: Request, res: Response, next: NextFunction) => unknown): unknown;
  onInvalidToken(cb: (req: Request, res: Response, next: NextFunction) => unknown): unknown;
  onSessionTimeout(cb: (req: Request, res: Response, next: NextFunction) => unknown): unknown;
  onUnregisteredPlatform(cb: (req: Request, res: Response) => unknown): unknown;
  onInactivePlatform(cb: (req: Request, res: Response) => unknown): unknown;
  onDynamicRegistration(cb: (req: Request, res: Response, next: NextFunction) => unknown): unknown;
  registerPlatform(p: Record<string, unknown>): Promise<any>;
  getPlatform(url: string, clientId?: string): Promise<any>;
  getPlatformById(kid: string): Promise<any>;
  deletePlatformById(kid: string): Promise<unknown>;
  Grade: any;
  NamesAndRoles: any;
  Database: any;
}

export const LTI_MOUNT = '/lti';
export const LTI_ROUTES = { app: '/', login: '/login', keys: '/keys', register: '/register' } as const;

export interface LtiEdgeHandlers {
  /** A validated resource-link launch; must answer the response. */
  onLaunch(token: Record<string, any>, context: Record<string, any>, req: Request, res: Response, next: NextFunction): unknown;
  /** A launch ltijs refused; `code` is ltijs' error message (e.g. NONCE_ALREADY_RECEIVED). */
  onRefused(code: string, req: Request, res: Response, next: NextFunction): unknown;
  onDynamicRegistration(req: Request, res: Response, next: NextFunction): unknown;
}

export interface LtiEdge {
  readonly provider: LtijsProvider;
  close(): Promise<void>;
}

/**
 * ltijs in serverless mode, mounted by the caller under /lti. Settings and why:
 * - ltiaas: the id_token POST is answered directly (no ltik redirect, no ltijs session cookie);
 *   we create our own session right there.
 * - devMode: in ltijs this only waives the *presence* of the state cookie (it is still checked
 *   when sent). We replace that cookie with a server-side, single-use state bound to the nonce
 *   (login-state.ts), which also works when the LMS iframe drops third-party cookies.
 * - cors: false (ltijs would reflect any Origin with credentials).
 * - tokenMaxAge: Moodle's id_tokens live 60 s.
 */
export async function createLtiEdge(config: Config, db: Kysely<DB>, plugin: unknown, handlers: LtiEdgeHandlers): Promise<LtiEdge> {
  const lti = loadLtijs();
  lti.setup(config.ltiEncryptionKey, { plugin }, {
    appRoute: LTI_ROUTES.app,
    loginRoute: LTI_ROUTES.login,
    keysetRoute: LTI_ROUTES.keys,
    dynRegRoute: LTI_ROUTES.register,
    ltiaas: true,
    devMode: true,
    cors: false,
    tokenMaxAge: config.ltiTokenMaxAgeSeconds,
    cookies: config.crossSiteCookies ? { secure: true, sameSite: 'None' } : { secure: false, sameSite: 'Lax' },
    dynReg: { url: `${config.publicUrl}${LTI_MOUNT}`, name: 'Sổ Điểm', autoActivate: false, useDeepLinking: false },
    serverAddon: (app: Express) => {
      app.use(captureLoginState(db, LTI_ROUTES.login));
      app.use(launchGuard(db, { appPath: LTI_ROUTES.app }));
    },
  });
  lti.onConnect((token, req, res, next) => {
    if (token?.platformContext?.messageType !== 'LtiResourceLinkRequest') {
      return handlers.onRefused('LTI_MESSAGE_TYPE_UNSUPPORTED', req, res, next);
    }
    return handlers.onLaunch(token, token.platformContext, req, res, next);
  });
  lti.onDeepLinking((_token, req, res, next) => handlers.onRefused('LTI_MESSAGE_TYPE_UNSUPPORTED', req, res, next));
  // Never echo the posted body (ltijs' default includes the id_token with names and emails).
  lti.onInvalidToken((req, res, next) => handlers.onRefused(String(res.locals.err?.details?.message ?? 'INVALID_TOKEN'), req, res, next));
  lti.onSessionTimeout((req, res, next) => handlers.onRefused('SESSION_TIMEOUT', req, res, next));
  lti.onUnregisteredPlatform((req, res) => handlers.onRefused('UNREGISTERED_PLATFORM', req, res, () => undefined));
  lti.onInactivePlatform((req, res) => handlers.onRefused('PLATFORM_NOT_ACTIVATED', req, res, () => undefined));
  lti.onDynamicRegistration((req, res, next) => handlers.onDynamicRegistration(req, res, next));

  const before = new Set(process.listeners('SIGINT'));
  await lti.deploy({ serverless: true, silent: true });
  // ltijs installs SIGINT → process.exit(); the app owns shutdown.
  for (const l of process.listeners('SIGINT')) if (!before.has(l)) process.removeListener('SIGINT', l);
  return {
    provider: lti,
    async close() {
      await lti.close({ silent: true });
    },
  };
}

/** Vietnamese wording for ltijs' and our launch refusal codes. */
export function describeLaunchRefusal(code: string): AppError {
  const m = REFUSALS[code] ?? REFUSALS_BY_PREFIX.find(([p]) => code.startsWith(p))?.[1];
  const [vi, en] = m ?? ['Không xác thực được yêu cầu khởi chạy từ LMS.', 'The launch from the LMS could not be validated.'];
  return new AppError(`LTI_${code.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`.replace(/^LTI_LTI_/, 'LTI_'), 'unauthenticated', vi, en);
}

const REFUSALS: Record<string, [string, string]> = {
  INVALID_JWT_RECEIVED: ['id_token không đúng định dạng.', 'The id_token is malformed.'],
  MISSING_VALIDATION_COOKIE: ['Thiếu thông tin xác thực phiên đăng nhập.', 'Missing login validation data.'],
  ISS_CLAIM_DOES_NOT_MATCH: ['Nơi phát hành (iss) không khớp.', 'The issuer does not match.'],
  UNREGISTERED_PLATFORM: ['LMS này (iss/client_id) chưa được đăng ký với Sổ Điểm.', 'This LMS (iss/client_id) is not registered with Sổ Điểm.'],
  PLATFORM_NOT_ACTIVATED: ['Kết nối LMS này chưa được quản trị nhà trường kích hoạt.', 'This LMS registration is not activated yet.'],
  KID_NOT_FOUND: ['id_token không có mã khoá (kid).', 'The id_token has no key id (kid).'],
  KEY_NOT_FOUND: ['Không tìm thấy khoá của LMS để kiểm tra chữ ký.', 'The LMS key to verify the signature was not found.'],
  ALG_NOT_RS256: ['id_token phải được ký bằng RS256.', 'The id_token must be signed with RS256.'],
  TOKEN_TOO_OLD: ['id_token đã quá cũ.', 'The id_token is too old.'],
  NONCE_ALREADY_RECEIVED: ['Yêu cầu khởi chạy này đã được dùng (phát lại).', 'This launch was already used (replay).'],
  NO_MESSAGE_TYPE_CLAIM: ['Loại thông điệp LTI không được hỗ trợ.', 'Unsupported LTI message type.'],
  NO_ROLES_CLAIM: ['id_token không có vai trò (roles).', 'The id_token has no roles claim.'],
  NO_DEPLOYMENT_ID_CLAIM: ['id_token không có deployment_id.', 'The id_token has no deployment_id.'],
  NO_SUB_CLAIM: ['id_token không có người dùng (sub).', 'The id_token has no subject (sub).'],
  'invalid signature': ['Chữ ký của id_token không hợp lệ.', 'The id_token signature is invalid.'],
  'jwt expired': ['id_token đã hết hạn.', 'The id_token has expired.'],
  SESSION_TIMEOUT: ['Phiên làm việc đã hết hạn. Hãy mở lại Sổ Điểm từ khoá học.', 'Your session has expired. Open Sổ Điểm again from the course.'],
  LTI_MESSAGE_TYPE_UNSUPPORTED: ['Sổ Điểm chỉ nhận yêu cầu khởi chạy hoạt động (LtiResourceLinkRequest) ở đây.', 'Sổ Điểm only accepts resource-link launches here.'],
};
const REFUSALS_BY_PREFIX: [string, [string, string]][] = [
  ['jwt ', ['id_token không hợp lệ.', 'The id_token is invalid.']],
  ['NO_', ['id_token thiếu thông tin bắt buộc.', 'The id_token lacks a required claim.']],
];
