import express, { type Router } from 'express';
import { jwtVerify, createLocalJWKSet } from 'jose';
import { MOODLE_RELEASE } from './claims';
import { jwksOf, signJwt } from './keys';
import { AGS_SCOPES, moodleClientId, SCOPE, type ToolRegistration } from './model';
import { nowSeconds } from './http-util';
import type { PlatformState } from './state';

/** mod/lti/openid-configuration.php (platform/openid-configuration.json). */
export function openidConfiguration(state: PlatformState): Record<string, unknown> {
  const e = state.endpoints();
  return {
    issuer: state.url,
    token_endpoint: e.token,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    jwks_uri: e.jwks,
    authorization_endpoint: e.auth,
    registration_endpoint: e.registration,
    scopes_supported: [SCOPE.basicoutcome, SCOPE.lineitemReadonly, SCOPE.resultReadonly, SCOPE.score, SCOPE.lineitem, SCOPE.nrps, SCOPE.toolsetting, 'openid'],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public', 'pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
    'https://purl.imsglobal.org/spec/lti-platform-configuration': {
      product_family_code: 'moodle',
      version: MOODLE_RELEASE,
      messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }],
      variables: [
        'basic-lti-launch-request', 'ContentItemSelectionRequest', 'ToolProxyRegistrationRequest', 'Context.id', 'Context.title',
        'Context.label', 'Context.id.history', 'Context.sourcedId', 'Context.longDescription', 'Context.timeFrame.begin',
        'CourseSection.title', 'CourseSection.label', 'CourseSection.sourcedId', 'CourseSection.longDescription',
        'CourseSection.timeFrame.begin', 'CourseSection.timeFrame.end', 'ResourceLink.id', 'ResourceLink.title',
        'ResourceLink.description', 'User.id', 'User.username', 'Person.name.full', 'Person.name.given', 'Person.name.family',
        'Person.email.primary', 'Person.sourcedId', 'Person.name.middle', 'Person.address.street1', 'Person.address.locality',
        'Person.address.country', 'Person.address.timezone', 'Person.phone.primary', 'Person.phone.mobile', 'Person.webaddress',
        'Membership.role', 'Result.sourcedId', 'Result.autocreate', 'BasicOutcome.sourcedId', 'BasicOutcome.url',
        'Moodle.Person.userGroupIds',
      ],
    },
  };
}

/** The URL Moodle opens for "Add LTI Advantage" (registration/dynamic-registration.json). */
export async function dynamicRegistrationUrl(state: PlatformState, toolRegistrationUrl: string, updateTypeId?: string): Promise<string> {
  const existing = updateTypeId ? state.model.tools.get(updateTypeId) : undefined;
  const sub = existing?.clientId ?? moodleClientId();
  state.registrationTokens.set(sub, { used: false, ...(existing ? { updateTypeId: existing.typeId } : {}) });
  const iat = nowSeconds();
  const token = await signJwt({ sub, scope: 'reg', iat, exp: iat + 3600 }, state.key);
  const sep = toolRegistrationUrl.includes('?') ? '&' : '?';
  return `${toolRegistrationUrl}${sep}openid_configuration=${encodeURIComponent(state.endpoints().openidConfiguration)}&registration_token=${token}`;
}

const REG_SCOPE_ORDER = [SCOPE.score, SCOPE.resultReadonly, SCOPE.lineitemReadonly, SCOPE.lineitem, SCOPE.nrps];

export function dynregRouter(state: PlatformState, onRegistered: (t: ToolRegistration) => void): Router {
  const r = express.Router();
  r.get('/mod/lti/openid-configuration.php', (_req, res) => {
    res.type('application/json; charset=utf-8').send(JSON.stringify(openidConfiguration(state)));
  });

  r.post('/mod/lti/openid-registration.php', express.text({ type: () => true }), (req, res, next) => {
    (async () => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      let sub: string | undefined;
      if (m?.[1]) {
        try {
          const { payload } = await jwtVerify(m[1], createLocalJWKSet(jwksOf(state.key)));
          if (payload.scope === 'reg' && typeof payload.sub === 'string') sub = payload.sub;
        } catch {
          sub = undefined;
        }
      }
      const reg = sub ? state.registrationTokens.get(sub) : undefined;
      if (!sub || !reg || reg.used) return res.status(401).type('text/plain').send('Unauthorized');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(typeof req.body === 'string' ? req.body : '') as Record<string, unknown>;
      } catch {
        return res.status(400).type('text/plain').send('Invalid registration payload');
      }
      const cfg = (body['https://purl.imsglobal.org/spec/lti-tool-configuration'] ?? {}) as Record<string, unknown>;
      const redirectUris = Array.isArray(body.redirect_uris) ? body.redirect_uris.map(String) : [];
      const loginUrl = typeof body.initiate_login_uri === 'string' ? body.initiate_login_uri : '';
      const jwksUrl = typeof body.jwks_uri === 'string' ? body.jwks_uri : '';
      if (body.application_type !== 'web' || !loginUrl || redirectUris.length === 0 || !jwksUrl || typeof cfg.target_link_uri !== 'string') {
        return res.status(400).type('text/plain').send('Invalid registration payload');
      }
      const requested = typeof body.scope === 'string' ? body.scope.split(/\s+/) : [];
      const permitted = REG_SCOPE_ORDER.filter((s) => requested.includes(s));
      // NRPS is turned on for every dynamically registered tool (doc §2).
      if (!permitted.includes(SCOPE.nrps)) permitted.push(SCOPE.nrps);
      const custom = (cfg.custom_parameters && typeof cfg.custom_parameters === 'object' ? cfg.custom_parameters : {}) as Record<string, string>;
      const existing = reg.updateTypeId ? state.model.tools.get(reg.updateTypeId) : undefined;
      const typeId = existing?.typeId ?? state.model.newTypeId();
      const tool: ToolRegistration = {
        typeId,
        clientId: sub,
        deploymentId: typeId,
        name: typeof body.client_name === 'string' ? body.client_name : 'External tool',
        description: typeof cfg.description === 'string' ? cfg.description : '',
        loginUrl,
        redirectUris,
        targetLinkUri: cfg.target_link_uri,
        jwksUrl,
        customParams: { ...custom },
        container: existing?.container ?? 'iframe',
        state: existing?.state ?? 'pending', // Pending until an admin clicks Activate
        permittedScopes: [...AGS_SCOPES, SCOPE.nrps].filter((s) => permitted.includes(s)),
        origin: 'dynamic',
      };
      state.model.tools.set(typeId, tool);
      state.toolJwks.delete(typeId);
      reg.used = true;
      onRegistered(tool);
      const messages = Array.isArray(cfg.messages) ? (cfg.messages as Array<Record<string, unknown>>) : [];
      // HTTP 200 (not 201); the response echoes only the DeepLinking message.
      res
        .status(200)
        .type('application/json; charset=utf-8')
        .send(
          JSON.stringify({
            client_id: sub,
            response_types: ['id_token'],
            jwks_uri: jwksUrl,
            initiate_login_uri: loginUrl,
            grant_types: ['client_credentials', 'implicit'],
            redirect_uris: redirectUris,
            application_type: 'web',
            token_endpoint_auth_method: 'private_key_jwt',
            client_name: tool.name,
            ...(typeof body.logo_uri === 'string' ? { logo_uri: body.logo_uri } : {}),
            scope: permitted.filter((s) => requested.includes(s)).join(' '),
            'https://purl.imsglobal.org/spec/lti-tool-configuration': {
              version: '1.3.0',
              deployment_id: tool.deploymentId,
              target_link_uri: tool.targetLinkUri,
              domain: typeof cfg.domain === 'string' ? cfg.domain : '',
              description: tool.description,
              messages: messages
                .filter((x) => x.type === 'LtiDeepLinkingRequest')
                .map((x) => ({ type: 'LtiDeepLinkingRequest', target_link_uri: x.target_link_uri ?? tool.targetLinkUri })),
              custom_parameters: custom,
              claims: ['sub', 'iss', 'name', 'family_name', 'given_name', 'email'],
            },
          }),
        );
    })().catch(next);
  });
  return r;
}
