import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { CryptoBox } from './crypto-box';
import { sealDocument, type PgLtiStore } from './pg-lti-store';

/**
 * Tool key rotation for one platform (docs/ltijs-on-postgres.md §3.5). ltijs has no rotation API and
 * its platform id IS the kid of the tool key, so rotating means moving the platform to a new kid:
 * platform row, status row, key rows, our product's lti_platform.platform_kid, and live id_tokens'
 * platformId — all in one transaction, so a launch never sees half a rotation.
 * The old public key stays in the JWKS until the overlap ends (platforms cache JWKS); the old private
 * key is deleted at once, so nothing can sign with it any more.
 */

export type KeyRotationErrorCode = 'KEY_ROTATION_PLATFORM_NOT_FOUND' | 'KEY_ROTATION_BAD_OPTIONS';

export class KeyRotationError extends Error {
  override readonly name = 'KeyRotationError';
  constructor(
    readonly code: KeyRotationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RotateToolKeyOptions {
  /** Days the retired public key is still served in the JWKS. 0 = drop it from the JWKS now. */
  overlapDays: number;
  /** RSA modulus; default 4096 like ltijs' own registration. */
  modulusLength?: 2048 | 4096;
}

export interface KekOptions {
  kek: Buffer;
  kekVersion?: number;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** Async keygen: 4096-bit RSA takes seconds, which must not block the event loop. */
async function newRsaKeyPair(modulusLength: number): Promise<{ publicKey: string; privateKey: string }> {
  // Same encodings ltijs uses (Auth.js:25-35): the JWKS importer and jwt.sign accept them.
  return generateKeyPairAsync('rsa', {
    modulusLength,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
}

function boxOf(storeOrKek: PgLtiStore | KekOptions): CryptoBox {
  return 'box' in storeOrKek ? storeOrKek.box : new CryptoBox({ kek: storeOrKek.kek, kekVersion: storeOrKek.kekVersion });
}

/** Moves the platform whose kid is `platformKid` to a fresh key pair; returns the new kid. */
export async function rotateToolKey(
  db: Kysely<DB>,
  storeOrKek: PgLtiStore | KekOptions,
  platformKid: string,
  options: RotateToolKeyOptions,
): Promise<string> {
  const { overlapDays } = options;
  if (!Number.isFinite(overlapDays) || overlapDays < 0) {
    throw new KeyRotationError('KEY_ROTATION_BAD_OPTIONS', 'overlapDays must be a number ≥ 0');
  }
  const box = boxOf(storeOrKek);
  // Generate before opening the transaction: no row locks are held during the slow part.
  const { publicKey, privateKey } = await newRsaKeyPair(options.modulusLength ?? 4096);
  const newKid = randomBytes(16).toString('hex'); // same shape as ltijs' kids

  await db.transaction().execute(async (trx) => {
    const platform = await trx
      .selectFrom('lti.platform')
      .select(['kid', 'platform_url', 'client_id'])
      .where('kid', '=', platformKid)
      .forUpdate()
      .executeTakeFirst();
    if (!platform) {
      throw new KeyRotationError('KEY_ROTATION_PLATFORM_NOT_FOUND', `no ltijs platform with kid ${platformKid}`);
    }
    const { platform_url, client_id } = platform;

    await trx.updateTable('lti.platform').set({ kid: newKid }).where('kid', '=', platformKid).execute();
    await trx.updateTable('lti.platform_status').set({ id: newKid }).where('id', '=', platformKid).execute();

    // Retire first: the partial unique index allows one current public key per platform.
    await trx
      .updateTable('lti.public_key')
      .set({
        retired_at: sql<Date>`now()`,
        serve_until: sql<Date>`now() + make_interval(secs => ${overlapDays * 86400})`,
      })
      .where('kid', '=', platformKid)
      .where('retired_at', 'is', null)
      .execute();
    await trx.deleteFrom('lti.private_key').where('kid', '=', platformKid).execute();

    const row = { kid: newKid, platform_url, client_id };
    await trx
      .insertInto('lti.public_key')
      .values({ ...row, doc: JSON.stringify(sealDocument(box, 'publickey', { key: publicKey, kid: newKid })) })
      .execute();
    await trx
      .insertInto('lti.private_key')
      .values({ ...row, doc: JSON.stringify(sealDocument(box, 'privatekey', { key: privateKey, kid: newKid })) })
      .execute();

    // Live ltijs sessions carry platformId (= kid) in their id_token.
    await sql`UPDATE lti.id_token SET doc = jsonb_set(doc, '{platformId}', to_jsonb(${newKid}::text))
      WHERE doc->>'platformId' = ${platformKid}`.execute(trx);

    // Our product's view of the platform (migration 0001).
    await trx.updateTable('lti_platform').set({ platform_kid: newKid }).where('platform_kid', '=', platformKid).execute();
  });
  return newKid;
}
