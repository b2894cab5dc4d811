import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AppError } from '../shared/errors';
import { appendAudit } from '../audit/audit-log';
import type { LtijsProvider } from './provider';

export interface Actor {
  personId: number | null;
  lmsUserId: string | null;
  role: string;
}

export interface PlatformInput {
  schoolId: number;
  issuer: string;
  clientId: string;
  name: string;
  authEndpoint: string;
  tokenEndpoint: string;
  jwksUrl: string;
  deploymentIds: string[];
}

const hash = (t: string) => createHash('sha256').update(t).digest('hex');

/**
 * Platform registrations live in two places: ltijs' own tables (keys, endpoints, active flag)
 * and ours (which school, which deployments, status shown to the admin). These functions keep
 * both in step.
 */
export async function registerPlatform(
  lti: LtijsProvider,
  db: Kysely<DB>,
  input: PlatformInput,
  opts: { via: 'manual' | 'dynamic' | 'demo'; active: boolean; actor: Actor | null },
): Promise<{ platformId: number; kid: string }> {
  const existing = await db.selectFrom('lti_platform').select('id').where('issuer', '=', input.issuer).where('client_id', '=', input.clientId).executeTakeFirst();
  if (existing) {
    throw new AppError('LTI_PLATFORM_EXISTS', 'conflict', 'LMS này (issuer + client id) đã được đăng ký.', 'This LMS (issuer + client id) is already registered.');
  }
  const platform = await lti.registerPlatform({
    url: input.issuer,
    name: input.name,
    clientId: input.clientId,
    authenticationEndpoint: input.authEndpoint,
    accesstokenEndpoint: input.tokenEndpoint,
    authConfig: { method: 'JWK_SET', key: input.jwksUrl },
  });
  const kid = String(await platform.platformKid());
  await platform.platformActive(opts.active);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('lti_platform')
      .values({
        school_id: input.schoolId,
        issuer: input.issuer,
        client_id: input.clientId,
        platform_kid: kid,
        name: input.name,
        status: opts.active ? 'active' : 'pending',
        registered_via: opts.via,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const d of new Set(input.deploymentIds.filter(Boolean))) {
      await trx.insertInto('lti_deployment').values({ platform_id: row.id, school_id: input.schoolId, deployment_id: d }).execute();
    }
    await appendAudit(trx, {
      schoolId: input.schoolId,
      actor: opts.actor ?? undefined,
      action: 'platform.register',
      entity: 'lti_platform',
      entityId: row.id,
      newValue: { issuer: input.issuer, client_id: input.clientId, deployments: input.deploymentIds, via: opts.via, status: opts.active ? 'active' : 'pending' },
      source: 'admin',
    });
    return { platformId: Number(row.id), kid };
  });
}

export async function setPlatformStatus(lti: LtijsProvider, db: Kysely<DB>, schoolId: number, platformId: number, status: 'active' | 'suspended', actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('lti_platform').selectAll().where('id', '=', platformId).where('school_id', '=', schoolId).forUpdate().executeTakeFirst();
    if (!p) throw new AppError('LTI_PLATFORM_NOT_FOUND', 'not_found', 'Không tìm thấy kết nối LMS.', 'LMS registration not found.');
    if (p.status === status) return;
    await trx.updateTable('lti_platform').set({ status }).where('id', '=', platformId).execute();
    const platform = await lti.getPlatformById(p.platform_kid);
    if (platform) await platform.platformActive(status === 'active');
    await appendAudit(trx, { schoolId, actor, action: 'platform.status', entity: 'lti_platform', entityId: platformId, oldValue: { status: p.status }, newValue: { status }, source: 'admin' });
  });
}

export async function addDeployment(db: Kysely<DB>, schoolId: number, platformId: number, deploymentId: string, actor: Actor): Promise<void> {
  if (!/^[\w.:-]{1,255}$/.test(deploymentId)) {
    throw new AppError('LTI_DEPLOYMENT_INVALID', 'bad_request', 'Mã triển khai (deployment id) không hợp lệ.', 'Invalid deployment id.');
  }
  await db.transaction().execute(async (trx) => {
    const p = await trx.selectFrom('lti_platform').select('id').where('id', '=', platformId).where('school_id', '=', schoolId).executeTakeFirst();
    if (!p) throw new AppError('LTI_PLATFORM_NOT_FOUND', 'not_found', 'Không tìm thấy kết nối LMS.', 'LMS registration not found.');
    await trx.insertInto('lti_deployment').values({ platform_id: platformId, school_id: schoolId, deployment_id: deploymentId }).onConflict((oc) => oc.doNothing()).execute();
    await appendAudit(trx, { schoolId, actor, action: 'deployment.add', entity: 'lti_deployment', entityId: deploymentId, newValue: { platform_id: platformId, deployment_id: deploymentId }, source: 'admin' });
  });
}

/** A one-time invitation for Dynamic Registration; only its hash is stored. */
export async function createRegistrationInvite(db: Kysely<DB>, schoolId: number, actor: Actor, ttlHours = 72): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('registration_invite')
      .values({ token_hash: hash(token), school_id: schoolId, created_by: actor.personId, expires_at: new Date(Date.now() + ttlHours * 3600_000), used_at: null, platform_id: null })
      .execute();
    await appendAudit(trx, { schoolId, actor, action: 'registration_invite.create', entity: 'registration_invite', entityId: hash(token).slice(0, 12), source: 'admin' });
  });
  return token;
}

/** Consumes an invitation atomically; a second use, an expired or an unknown one is refused. */
export async function consumeInvite(db: Kysely<DB>, token: string): Promise<{ schoolId: number; tokenHash: string }> {
  const row = await db
    .updateTable('registration_invite')
    .set({ used_at: new Date() })
    .where('token_hash', '=', hash(token))
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning(['school_id', 'token_hash'])
    .executeTakeFirst();
  if (!row) {
    throw new AppError(
      'LTI_INVITE_INVALID',
      'forbidden',
      'Đường dẫn đăng ký không hợp lệ, đã hết hạn hoặc đã được dùng. Hãy xin quản trị Sổ Điểm một đường dẫn mới.',
      'The registration link is invalid, expired or already used. Ask the Sổ Điểm admin for a new one.',
    );
  }
  return { schoolId: Number(row.school_id), tokenHash: row.token_hash };
}
