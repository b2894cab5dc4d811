import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Config } from '../config/config';
import { AppError } from '../shared/errors';
import { consumeInvite, registerPlatform } from './platform-registry';
import { LTI_MOUNT, LTI_ROUTES, type LtijsProvider } from './provider';

const SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

const bad = (code: string, vi: string, en: string) => new AppError(code, 'bad_request', vi, en);

async function fetchJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  // Bounded in time and size: the URL came from a browser request (SSRF hygiene, with the invite gate).
  const res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (text.length > 256 * 1024) throw bad('LTI_DYNREG_TOO_LARGE', 'Phản hồi của LMS quá lớn.', 'The LMS response is too large.');
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw bad('LTI_DYNREG_BAD_JSON', 'LMS trả về dữ liệu không phải JSON.', 'The LMS answered with something other than JSON.');
  }
}

/**
 * LTI Dynamic Registration (Moodle's "Add LTI Advantage"), gated by a one-time invitation: the
 * admin pastes `…/lti/register?invite=…` and Moodle appends openid_configuration and
 * registration_token. Unlike ltijs' built-in handler this keeps the deployment id Moodle returns,
 * refuses unknown callers before fetching anything, and leaves the platform pending activation.
 */
export async function dynamicRegistration(
  lti: LtijsProvider,
  db: Kysely<DB>,
  config: Config,
  query: Record<string, unknown>,
): Promise<{ schoolId: number; platformId: number; clientId: string; deploymentId: string }> {
  const invite = typeof query.invite === 'string' ? query.invite : '';
  const configUrl = typeof query.openid_configuration === 'string' ? query.openid_configuration : '';
  const regToken = typeof query.registration_token === 'string' ? query.registration_token : undefined;
  if (!invite) throw new AppError('LTI_INVITE_MISSING', 'forbidden', 'Thiếu mã mời đăng ký (invite).', 'The registration invitation is missing.');
  if (!/^https?:\/\//.test(configUrl)) throw bad('LTI_DYNREG_NO_CONFIG', 'Thiếu địa chỉ openid_configuration hợp lệ.', 'A valid openid_configuration URL is missing.');
  const { schoolId, tokenHash } = await consumeInvite(db, invite);
  try {
    const { body: oc } = await fetchJson(configUrl);
    const issuer = String(oc?.issuer ?? '');
    for (const k of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'registration_endpoint']) {
      if (typeof oc?.[k] !== 'string') throw bad('LTI_DYNREG_CONFIG_INCOMPLETE', `Cấu hình OpenID của LMS thiếu "${k}".`, `The LMS OpenID configuration lacks "${k}".`);
    }
    if (!configUrl.startsWith(issuer)) {
      throw bad('LTI_DYNREG_ISSUER_MISMATCH', 'Địa chỉ cấu hình không thuộc nơi phát hành (issuer) của LMS.', 'The configuration URL does not belong to the LMS issuer.');
    }
    const base = `${config.publicUrl}${LTI_MOUNT}`;
    const toolUrl = new URL(config.publicUrl);
    const { status, body: reg } = await fetchJson(oc.registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(regToken ? { authorization: `Bearer ${regToken}` } : {}) },
      body: JSON.stringify({
        application_type: 'web',
        response_types: ['id_token'],
        grant_types: ['implicit', 'client_credentials'],
        initiate_login_uri: `${base}${LTI_ROUTES.login}`,
        redirect_uris: [`${base}${LTI_ROUTES.app}`],
        client_name: 'Sổ Điểm',
        'client_name#vi': 'Sổ Điểm — sổ gọi tên và ghi điểm điện tử',
        jwks_uri: `${base}${LTI_ROUTES.keys}`,
        token_endpoint_auth_method: 'private_key_jwt',
        scope: SCOPES.join(' '),
        'https://purl.imsglobal.org/spec/lti-tool-configuration': {
          domain: toolUrl.host,
          target_link_uri: `${base}${LTI_ROUTES.app}`,
          custom_parameters: { person_sourcedid: '$Person.sourcedId', course_idnumber: '$CourseSection.sourcedId', user_username: '$User.username' },
          claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
          messages: [{ type: 'LtiResourceLinkRequest', target_link_uri: `${base}${LTI_ROUTES.app}`, label: 'Sổ Điểm' }],
          description: 'Sổ gọi tên và ghi điểm điện tử',
        },
      }),
    });
    const clientId = reg?.client_id;
    const deploymentId = reg?.['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id;
    if (status >= 300 || typeof clientId !== 'string') {
      throw bad('LTI_DYNREG_REFUSED', `LMS từ chối đăng ký (HTTP ${status}).`, `The LMS refused the registration (HTTP ${status}).`);
    }
    const name = String(oc['https://purl.imsglobal.org/spec/lti-platform-configuration']?.product_family_code ?? 'LMS');
    const { platformId } = await registerPlatform(
      lti,
      db,
      {
        schoolId,
        issuer,
        clientId,
        name: `${name} (${new URL(issuer).host})`,
        authEndpoint: oc.authorization_endpoint,
        tokenEndpoint: oc.token_endpoint,
        jwksUrl: oc.jwks_uri,
        deploymentIds: typeof deploymentId === 'string' || typeof deploymentId === 'number' ? [String(deploymentId)] : [],
      },
      { via: 'dynamic', active: false, actor: null },
    );
    await db.updateTable('registration_invite').set({ platform_id: platformId }).where('token_hash', '=', tokenHash).execute();
    return { schoolId, platformId, clientId, deploymentId: String(deploymentId ?? '') };
  } catch (err) {
    // A failed attempt does not burn the invitation.
    await db.updateTable('registration_invite').set({ used_at: null }).where('token_hash', '=', tokenHash).where('platform_id', 'is', null).execute();
    if (err instanceof AppError) throw err;
    throw new AppError('LTI_DYNREG_FAILED', 'unavailable', 'Không liên lạc được với LMS để đăng ký.', 'Could not reach the LMS to register.', { cause: String((err as Error).message) });
  }
}
