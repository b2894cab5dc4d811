import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWK, type KeyLike } from 'jose';

/**
 * A throwaway LTI tool for testing the test platform (independent of the product's code), like the capture
 * tool of the fixtures: login initiation → auth redirect (state/nonce kept server-side), launch endpoints that
 * verify the id_token, probe cookies, its own RS256 key and JWKS.
 */
export interface ReceivedLaunch {
  path: string;
  form: Record<string, string>;
  cookies: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  payload?: Record<string, unknown>;
  header?: Record<string, unknown>;
  verifyError?: string;
  stateKnown: boolean;
  nonceMatches?: boolean;
}

export interface TinyTool {
  url: string;
  kid: string;
  loginInitiations: Array<Record<string, string>>;
  launches: ReceivedLaunch[];
  /** Change how /login builds the auth request (fault cases). */
  authOverrides: Record<string, string | null>;
  redirectPath: string;
  jwksHits: number;
  rotateKey(): Promise<void>;
  signAssertion(payload: Record<string, unknown>, opts?: { kid?: string; foreignKey?: boolean }): Promise<string>;
  clientAssertion(clientId: string, tokenUrl: string, overrides?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

function parseCookies(h: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of (h ?? '').split(';')) {
    const i = p.indexOf('=');
    if (i > 0) out[p.slice(0, i).trim()] = p.slice(i + 1).trim();
  }
  return out;
}

export async function startTinyTool(platform: { url: string; endpoints: { auth: string; jwks: string } }): Promise<TinyTool> {
  let kid = 'tool-key-1';
  let keys: { privateKey: KeyLike; jwk: JWK } = await makeKey(kid);
  const foreign = await makeKey(kid);
  const states = new Map<string, { nonce: string }>();
  const app = express();
  const remoteJwks = createRemoteJWKSet(new URL(platform.endpoints.jwks));

  const tool: TinyTool = {
    url: '',
    kid,
    loginInitiations: [],
    launches: [],
    authOverrides: {},
    redirectPath: '/launch',
    jwksHits: 0,
    async rotateKey() {
      kid = `tool-key-${randomBytes(3).toString('hex')}`;
      keys = await makeKey(kid);
      tool.kid = kid;
    },
    async signAssertion(payload, opts = {}) {
      const k = opts.foreignKey ? foreign.privateKey : keys.privateKey;
      return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? kid }).sign(k);
    },
    async clientAssertion(clientId, tokenUrl, overrides = {}) {
      const now = Math.floor(Date.now() / 1000);
      const p: Record<string, unknown> = { iss: clientId, sub: clientId, aud: tokenUrl, iat: now - 5, exp: now + 300, jti: randomUUID() };
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete p[k];
        else p[k] = v;
      }
      return tool.signAssertion(p);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  app.get('/jwks', (_req, res) => {
    tool.jwksHits++;
    res.json({ keys: [keys.jwk] });
  });
  const login = (req: express.Request, res: express.Response): void => {
    const p = { ...(req.query as Record<string, string>), ...((req.body as Record<string, string>) ?? {}) };
    tool.loginInitiations.push(p);
    const state = randomBytes(16).toString('hex');
    const nonce = randomBytes(16).toString('hex');
    states.set(state, { nonce });
    const params: Record<string, string | null> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: p.client_id ?? '',
      redirect_uri: `${tool.url}${tool.redirectPath}`,
      login_hint: p.login_hint ?? '',
      state,
      nonce,
      lti_message_hint: p.lti_message_hint ?? '',
      ...tool.authOverrides,
    };
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null) q.set(k, v);
    res.setHeader('Set-Cookie', [
      `lti_state_lax=${state}; Path=/; HttpOnly; SameSite=Lax`,
      `lti_state_none=${state}; Path=/; HttpOnly; SameSite=None; Secure`,
      `lti_state_nosamesite=${state}; Path=/; HttpOnly`,
      `lti_state_chips=${state}; Path=/; HttpOnly; SameSite=None; Secure; Partitioned`,
    ]);
    res.redirect(302, `${platform.endpoints.auth}?${q.toString()}`);
  };
  app.get('/login', login);
  app.post('/login', express.urlencoded({ extended: false }), login);
  app.get('/launch', (_req, res) => res.send('tool launch URL (GET)'));
  const launch = (req: express.Request, res: express.Response, next: express.NextFunction): void => {
    (async () => {
      const form = (req.body ?? {}) as Record<string, string>;
      const st = form.state ? states.get(form.state) : undefined;
      const rec: ReceivedLaunch = {
        path: req.path,
        form,
        cookies: parseCookies(req.headers.cookie),
        headers: req.headers,
        stateKnown: st !== undefined,
      };
      if (form.id_token) {
        try {
          const { payload, protectedHeader } = await jwtVerify(form.id_token, remoteJwks, { issuer: platform.url, clockTolerance: 5 });
          rec.payload = payload as Record<string, unknown>;
          rec.header = protectedHeader as Record<string, unknown>;
          rec.nonceMatches = st?.nonce === payload.nonce;
        } catch (e) {
          rec.verifyError = e instanceof Error ? e.message : String(e);
        }
      }
      tool.launches.push(rec);
      res.json({ received: true, sub: rec.payload?.sub ?? null, error: form.error ?? null, verifyError: rec.verifyError ?? null });
    })().catch(next);
  };
  app.post('/launch', express.urlencoded({ extended: false }), launch);
  app.post('/launch2', express.urlencoded({ extended: false }), launch);

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, 'localhost', () => resolve(s));
  });
  tool.url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return tool;
}

async function makeKey(kid: string): Promise<{ privateKey: KeyLike; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}
