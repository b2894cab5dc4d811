import { randomBytes } from 'node:crypto';
import express, { type Response, type Router } from 'express';
import { decodeJwt } from 'jose';
import { nowSeconds } from './http-util';
import type { PlatformState } from './state';
import { JwtError, verifyClientAssertion } from './tool-keys';

/**
 * Moodle prints token errors by hand: `{\n  "error" : "<message>"\n}` with no escaping — which is why the
 * unknown-kid body is invalid JSON (token/12-token-unknown-kid.json). Content-Type is text/html.
 */
function tokenError(res: Response, message: string): void {
  res.status(400).type('text/html; charset=utf-8').send(`{\n  "error" : "${message}"\n}`);
}

export function tokenRouter(state: PlatformState): Router {
  const r = express.Router();
  r.post('/mod/lti/token.php', express.urlencoded({ extended: false }), (req, res, next) => {
    (async () => {
      // token/14-token-json-body.json: only form-encoded bodies are read.
      const body = req.is('application/x-www-form-urlencoded') ? ((req.body ?? {}) as Record<string, unknown>) : {};
      const str = (k: string): string => (typeof body[k] === 'string' ? (body[k] as string) : '');
      if (
        str('grant_type') !== 'client_credentials' ||
        str('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' ||
        str('client_assertion') === '' ||
        str('scope') === ''
      ) {
        return tokenError(res, 'invalid_request');
      }
      const assertion = str('client_assertion');
      let sub: unknown;
      try {
        sub = decodeJwt(assertion).sub;
      } catch {
        return tokenError(res, 'invalid_request');
      }
      // Moodle finds the tool by the assertion's sub (= client_id); iss/aud/jti are never checked
      // (token/05-token-wrong-aud.json, 06-token-no-aud-no-iss-no-jti.json, 07/08 replay).
      const tool = typeof sub === 'string' ? state.model.toolByClientId(sub) : undefined;
      if (!tool) return tokenError(res, 'invalid_client'); // token/13-token-unknown-client.json
      try {
        await verifyClientAssertion(state, tool, assertion);
      } catch (e) {
        if (e instanceof JwtError) return tokenError(res, e.message);
        throw e;
      }
      const requested = str('scope').split(/\s+/).filter(Boolean);
      const granted = requested.filter((s, i) => tool.permittedScopes.includes(s) && requested.indexOf(s) === i);
      if (granted.length === 0) return tokenError(res, 'invalid_scope'); // token/04-token-unpermitted-scope-only.json
      const token = randomBytes(16).toString('hex'); // 32 chars
      state.tokens.set(token, { token, toolTypeId: tool.typeId, scopes: granted, expiresAt: nowSeconds() + 3600 });
      // token/02-token-all-scopes.json: 200, JSON body, Content-Type text/html; charset=utf-8.
      res
        .status(200)
        .type('text/html; charset=utf-8')
        .send(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600, scope: granted.join(' ') }));
    })().catch(next);
  });
  return r;
}
