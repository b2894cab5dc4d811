import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify, createLocalJWKSet, type JWK } from 'jose';
import type { ToolRegistration } from './model';
import type { PlatformState } from './state';
import { nowSeconds, phpIso8601Plus7 } from './http-util';

/** Error with the exact message Moodle (firebase/php-jwt) reports. */
export class JwtError extends Error {}

/** Fetch the tool's JWKS from its keyset URL; cached per tool (Moodle caches per client id). */
export async function fetchToolJwks(state: PlatformState, tool: ToolRegistration, force = false): Promise<{ keys: JWK[] }> {
  const cached = state.toolJwks.get(tool.typeId);
  if (cached && !force) return cached as { keys: JWK[] };
  let body: unknown;
  try {
    const r = await fetch(tool.jwksUrl, { headers: { accept: 'application/json' } });
    body = await r.json();
  } catch {
    body = null;
  }
  if (!body || typeof body !== 'object' || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new JwtError('"keys" member must exist in the JWK Set');
  }
  const jwks = body as { keys: JWK[] };
  if (jwks.keys.length === 0) throw new JwtError('JWK Set did not contain any keys');
  state.toolJwks.set(tool.typeId, jwks);
  return jwks;
}

/** php-jwt JWT::decode semantics: kid lookup, signature, nbf, iat (no leeway), exp. */
async function phpJwtDecode(jwt: string, jwks: { keys: JWK[] }): Promise<Record<string, unknown>> {
  let header: { kid?: string; alg?: string };
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new JwtError('Wrong number of segments');
  }
  if (!header.alg) throw new JwtError('Empty algorithm');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new JwtError('"kid" invalid, unable to lookup correct key');
  if (header.alg !== 'RS256') throw new JwtError('Incorrect key for this algorithm');
  let payload: Record<string, unknown>;
  try {
    const key = await importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
    const { payload: raw } = await compactVerify(jwt, key);
    payload = JSON.parse(new TextDecoder().decode(raw)) as Record<string, unknown>;
  } catch {
    throw new JwtError('Signature verification failed');
  }
  const now = nowSeconds();
  if (typeof payload.nbf === 'number' && payload.nbf > now) {
    throw new JwtError(`Cannot handle token with nbf prior to ${phpIso8601Plus7(payload.nbf)}`);
  }
  if (typeof payload.iat === 'number' && payload.iat > now) {
    // token/10-token-iat-in-future-120s.json: no leeway at all.
    throw new JwtError(`Cannot handle token with iat prior to ${phpIso8601Plus7(payload.iat)}`);
  }
  if (typeof payload.exp === 'number' && now >= payload.exp) throw new JwtError('Expired token');
  return payload;
}

/** Verify a tool-signed JWT like Moodle: cached JWKS first, re-downloaded once when verification fails. */
export async function verifyClientAssertion(state: PlatformState, tool: ToolRegistration, jwt: string): Promise<Record<string, unknown>> {
  const hadCache = state.toolJwks.has(tool.typeId);
  try {
    return await phpJwtDecode(jwt, await fetchToolJwks(state, tool));
  } catch (e) {
    if (!hadCache) throw e;
    return phpJwtDecode(jwt, await fetchToolJwks(state, tool, true));
  }
}

/** Standard verification (deep linking responses). */
export async function verifyToolJwt(state: PlatformState, tool: ToolRegistration, jwt: string): Promise<unknown> {
  const jwks = await fetchToolJwks(state, tool, true);
  const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), { audience: state.url, clockTolerance: 5 });
  return payload;
}
