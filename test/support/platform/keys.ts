import { randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type KeyLike } from 'jose';

/** One RS256 signing key, like Moodle's single platform key (`mod/lti/certs.php`). */
export interface PlatformKey {
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly publicJwk: JWK;
}

/** Moodle kids look like `c00cc7e04dfd7a0ad058` (20 hex chars). */
export function moodleLikeKid(): string {
  return randomBytes(10).toString('hex');
}

export async function generatePlatformKey(kid: string = moodleLikeKid()): Promise<PlatformKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  // Same member order as certs.php: kty, alg, kid, e, n, use.
  const publicJwk: JWK = { kty: 'RSA', alg: 'RS256', kid, e: jwk.e, n: jwk.n, use: 'sig' };
  return { kid, privateKey, publicJwk };
}

/** `{"keys":[{kty,alg:"RS256",kid,e,n,use:"sig"}]}` (platform/platform-jwks.json). */
export function jwksOf(...keys: PlatformKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

export async function signJwt(
  payload: Record<string, unknown>,
  key: PlatformKey,
  opts: { kid?: string; alg?: string; typ?: string | null } = {},
): Promise<string> {
  const header: { alg: string; kid?: string; typ?: string } = { alg: opts.alg ?? 'RS256' };
  // Moodle's header order is typ, alg, kid (launches/*.json "header").
  const ordered: Record<string, string> = {};
  if (opts.typ !== null) ordered.typ = opts.typ ?? 'JWT';
  ordered.alg = header.alg;
  ordered.kid = opts.kid ?? key.kid;
  return new SignJWT(payload).setProtectedHeader(ordered as { alg: string }).sign(key.privateKey);
}
