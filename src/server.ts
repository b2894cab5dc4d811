import path from 'node:path';
import http from 'node:http';
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import type { Config } from './config/config';
import type { Database } from './db/database';
import { isAppError, AppError } from './shared/errors';
import { createLtiEdge, describeLaunchRefusal, LTI_MOUNT, type LtiEdge } from './lti/provider';
import { createPgLtiStore } from './lti/pg-lti-store';
import { launchFactsFromLtijs } from './lti/launch-facts';
import { acceptLaunch } from './lti/launch-service';
import { dynamicRegistration } from './lti/dynamic-registration';
import { loadSessionMiddleware, csrfProtection, sessionCookieOptions, SESSION_COOKIE, SESSION_PARAM } from './web/session-middleware';
import { viewHelpers } from './web/view-helpers';
import { errorHandler } from './web/error-handler';
import { scheduleHousekeeping } from './jobs/housekeeping';
import { homeRoutes } from './web/routes/home';
import { adminPlatformRoutes } from './web/routes/admin-platforms';
import { adminStaffRoutes } from './web/routes/admin-staff';
import { gridRoutes } from './web/routes/grid';
import { conductRoutes } from './web/routes/conduct';
import { resultsRoutes } from './web/routes/results';
import { yearEndRoutes } from './web/routes/year-end';
import { importRoutes } from './web/routes/import';
import { exportRoutes } from './web/routes/export';
import { dashboardRoutes } from './web/routes/dashboard';
import { attendanceRoutes } from './web/routes/attendance';
import { studentRoutes } from './web/routes/student';
import { createRosterService } from './roster/roster-service';
import { rosterRoutes } from './web/routes/roster';
import { courseSetupRoutes } from './web/routes/course-setup';
import { printRoutes } from './web/routes/print';
import { printPoolFromConfig } from './print/chromium-pool';
import { schoolRoutes } from './web/routes/school';
import { permissionsRoutes } from './web/routes/permissions';
import { AgsClient } from './lms-sync/ags-client';
import { OutboxWorker } from './lms-sync/worker';
import { lmsSyncRoutes } from './web/routes/lms-sync';
import { correctionRoutes } from './web/routes/corrections';
import { auditRoutes } from './web/routes/audit';
import { inspectorGuard } from './auth/inspector';

export const VIEWS_DIR = path.resolve(__dirname, '..', 'views');

export interface Server {
  readonly app: Express;
  readonly lti: LtiEdge;
  readonly url: string;
  close(): Promise<void>;
}

export type Logger = (line: string) => void;

/** Builds the web app around an open, migrated database and listens. */
export async function startServer(config: Config, database: Database, opts: { log?: Logger; port?: number } = {}): Promise<Server> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const { db } = database;
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');

  const renderError = (res: express.Response, err: AppError) =>
    app.render('error', { code: err.code, vi: err.vi, en: err.en, status: err.status, u: (p: string) => p }, (e, html) => {
      if (res.headersSent) return;
      res.status(err.status).type('html').send(e ? `${err.vi} / ${err.en} (${err.code})` : html);
    });

  const store = createPgLtiStore(db, { kek: config.ltiKek });
  const lti = await createLtiEdge(config, db, store, {
    async onLaunch(token, context, _req, res) {
      try {
        const outcome = await acceptLaunch(db, launchFactsFromLtijs(token, context), { sessionTtlMinutes: config.sessionTtlMinutes });
        res.cookie(SESSION_COOKIE, outcome.token, sessionCookieOptions(config.crossSiteCookies, config.sessionTtlMinutes * 60_000));
        // The token also rides once in the URL: the next request tells whether the cookie survived.
        res.redirect(303, `/home?${SESSION_PARAM}=${outcome.token}`);
      } catch (err) {
        const e = isAppError(err) ? err : new AppError('LTI_LAUNCH_FAILED', 'unavailable', 'Không mở được Sổ Điểm.', 'Could not open Sổ Điểm.');
        log(`[launch refused] ${e.code}${isAppError(err) ? '' : ` ${String((err as Error)?.stack ?? err)}`}`);
        renderError(res, e);
      }
    },
    onRefused(code, req, res) {
      const e = describeLaunchRefusal(code);
      log(`[launch refused] ${e.code} ${req.method} ${req.baseUrl}${req.path}`);
      renderError(res, e);
    },
    async onDynamicRegistration(req, res) {
      try {
        await dynamicRegistration(lti.provider, db, config, req.query as Record<string, unknown>);
        app.render('dynreg-done', { u: (p: string) => p }, (e, html) => res.type('html').send(e ? 'OK' : html));
      } catch (err) {
        const e = isAppError(err) ? err : new AppError('LTI_DYNREG_FAILED', 'unavailable', 'Đăng ký không thành công.', 'Registration failed.');
        log(`[dynreg refused] ${e.code}`);
        renderError(res, e);
      }
    },
  });

  app.use((_req, res, next) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: '1h', index: false }));
  app.get('/health', (_req, res) => res.json({ ok: true }));
  app.use(LTI_MOUNT, lti.provider.app);
  app.use(express.urlencoded({ extended: false, limit: '2mb' }), express.json({ limit: '2mb' }), cookieParser());
  app.use(viewHelpers, loadSessionMiddleware(db), csrfProtection);
  // Issue 8: an inspector's session is read-only and limited to the inspection pages, before any route runs.
  app.use(inspectorGuard(db));
  app.get('/', (_req, res) => res.redirect(303, res.locals.session ? res.locals.u('/home') : '/about'));
  app.get('/about', (_req, res) => res.render('about', { title: 'Giới thiệu', toolUrl: `${config.publicUrl}${LTI_MOUNT}/` }));
  const roster = createRosterService(db, lti.provider, { log });
  app.use(homeRoutes(db, { roster }));
  app.use(adminPlatformRoutes(db, config, lti.provider));
  app.use(adminStaffRoutes(db));
  app.use(gridRoutes(db));
  app.use(conductRoutes(db));
  app.use(resultsRoutes(db));
  app.use(yearEndRoutes(db));
  app.use(importRoutes(db));
  app.use(exportRoutes(db));
  app.use(dashboardRoutes(db));
  app.use(attendanceRoutes(db));
  app.use(studentRoutes(db));
  app.use(rosterRoutes(db, roster));
  app.use(courseSetupRoutes(db));
  app.use(schoolRoutes(db));
  app.use(permissionsRoutes(db));
  // LMS grade sync (issue 7): AGS client with timeouts + single-flight tokens, outbox worker below.
  const agsClient = new AgsClient(lti.provider);
  app.use(lmsSyncRoutes(db, agsClient));
  // Chromium browsers start lazily on the first print and are reused (src/print/chromium-pool.ts).
  const printPool = printPoolFromConfig(config);
  app.use(printRoutes(db, printPool));
  app.use(correctionRoutes(db, printPool));
  app.use(auditRoutes(db));
  app.use((_req, _res, next) => next(new AppError('NOT_FOUND', 'not_found', 'Không tìm thấy trang.', 'Page not found.')));
  app.use(errorHandler(log));

  const stopHousekeeping = scheduleHousekeeping(db, store, 10 * 60_000, log);
  // SODIEM_AGS_WORKER=off: tests that drive OutboxWorker.drainOnce() themselves.
  const agsWorker = new OutboxWorker(db, agsClient, { log });
  if (process.env.SODIEM_AGS_WORKER !== 'off') agsWorker.start(2_000);
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? config.port, config.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  return {
    app,
    lti,
    url: `http://localhost:${port}`,
    async close() {
      stopHousekeeping();
      await agsWorker.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await lti.close();
      await printPool.close();
    },
  };
}
