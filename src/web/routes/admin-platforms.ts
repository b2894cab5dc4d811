import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import type { Config } from '../../config/config';
import { AppError } from '../../shared/errors';
import { requireRole } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { addDeployment, createRegistrationInvite, registerPlatform, setPlatformStatus, type Actor } from '../../lti/platform-registry';
import { LTI_MOUNT, LTI_ROUTES, type LtijsProvider } from '../../lti/provider';

const httpUrl = z.string().trim().url().refine((v) => /^https?:\/\//.test(v));
const ManualPlatform = z.object({
  name: z.string().trim().min(1).max(200),
  issuer: httpUrl,
  client_id: z.string().trim().min(1).max(255),
  auth_endpoint: httpUrl,
  token_endpoint: httpUrl,
  jwks_url: httpUrl,
  deployment_ids: z.string().trim().min(1),
});

const FIELD_VI: Record<string, string> = {
  name: 'Tên', issuer: 'Platform ID (issuer)', client_id: 'Client ID', auth_endpoint: 'Authentication request URL',
  token_endpoint: 'Access token URL', jwks_url: 'Public keyset URL', deployment_ids: 'Deployment ID',
};

export function validationError(issues: z.core.$ZodIssue[]): AppError {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? '')))];
  return new AppError(
    'INPUT_INVALID',
    'bad_request',
    `Dữ liệu chưa hợp lệ: ${fields.map((f) => FIELD_VI[f] ?? f).join(', ')}.`,
    `Invalid input: ${fields.join(', ')}.`,
    { fields },
  );
}

const actorOf = (res: { locals: { session?: { personId: number; roles: readonly string[] } } }, lmsUserId: string | null): Actor => ({
  personId: res.locals.session!.personId,
  lmsUserId,
  role: res.locals.session!.roles[0] ?? 'unknown',
});

export function adminPlatformRoutes(db: Kysely<DB>, config: Config, lti: LtijsProvider): Router {
  const r = Router();
  const guard = requireRole('principal', 'school_admin');
  const toolUrls = () => ({
    toolUrl: `${config.publicUrl}${LTI_MOUNT}${LTI_ROUTES.app}`,
    loginUrl: `${config.publicUrl}${LTI_MOUNT}${LTI_ROUTES.login}`,
    jwksUrl: `${config.publicUrl}${LTI_MOUNT}${LTI_ROUTES.keys}`,
    registerUrl: `${config.publicUrl}${LTI_MOUNT}${LTI_ROUTES.register}`,
  });

  async function render(res: any, extra: Record<string, unknown> = {}) {
    const s = res.locals.session!;
    const me = await loadMe(db, s);
    const platforms = await db
      .selectFrom('lti_platform')
      .select(['id', 'name', 'issuer', 'client_id', 'status', 'registered_via', 'created_at'])
      .where('school_id', '=', s.schoolId)
      .orderBy('id')
      .execute();
    const deployments = await db.selectFrom('lti_deployment').select(['platform_id', 'deployment_id', 'status']).where('school_id', '=', s.schoolId).execute();
    res.render('admin/platforms', { title: 'Kết nối LMS', me, nav: navFor(s.roles, '/admin/platforms'), platforms, deployments, urls: toolUrls(), invite: null, ...extra });
  }

  r.get('/admin/platforms', guard, (req, res, next) => render(res).catch(next));

  r.post('/admin/platforms', guard, async (req, res, next) => {
    try {
      const parsed = ManualPlatform.safeParse(req.body);
      if (!parsed.success) throw validationError(parsed.error.issues);
      const p = parsed.data;
      const me = await loadMe(db, res.locals.session!);
      await registerPlatform(
        lti,
        db,
        {
          schoolId: res.locals.session!.schoolId,
          issuer: p.issuer.replace(/\/+$/, ''),
          clientId: p.client_id,
          name: p.name,
          authEndpoint: p.auth_endpoint,
          tokenEndpoint: p.token_endpoint,
          jwksUrl: p.jwks_url,
          deploymentIds: p.deployment_ids.split(/[\s,]+/),
        },
        { via: 'manual', active: true, actor: actorOf(res, me.lmsUserId) },
      );
      res.redirect(303, res.locals.u('/admin/platforms'));
    } catch (e) {
      next(e);
    }
  });

  r.post('/admin/platforms/:id/status', guard, async (req, res, next) => {
    try {
      const status = req.body.status === 'active' ? 'active' : req.body.status === 'suspended' ? 'suspended' : null;
      const id = Number(req.params.id);
      if (!status || !Number.isSafeInteger(id)) throw new AppError('INPUT_INVALID', 'bad_request', 'Trạng thái không hợp lệ.', 'Invalid status.');
      const me = await loadMe(db, res.locals.session!);
      await setPlatformStatus(lti, db, res.locals.session!.schoolId, id, status, actorOf(res, me.lmsUserId));
      res.redirect(303, res.locals.u('/admin/platforms'));
    } catch (e) {
      next(e);
    }
  });

  r.post('/admin/platforms/:id/deployments', guard, async (req, res, next) => {
    try {
      const me = await loadMe(db, res.locals.session!);
      await addDeployment(db, res.locals.session!.schoolId, Number(req.params.id), String(req.body.deployment_id ?? '').trim(), actorOf(res, me.lmsUserId));
      res.redirect(303, res.locals.u('/admin/platforms'));
    } catch (e) {
      next(e);
    }
  });

  r.post('/admin/invites', guard, async (_req, res, next) => {
    try {
      const me = await loadMe(db, res.locals.session!);
      const token = await createRegistrationInvite(db, res.locals.session!.schoolId, actorOf(res, me.lmsUserId));
      await render(res, { invite: `${toolUrls().registerUrl}?invite=${token}` });
    } catch (e) {
      next(e);
    }
  });
  return r;
}
