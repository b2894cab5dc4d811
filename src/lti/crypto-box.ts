import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM sealing for the ltijs collections that hold secrets (tool private keys, platform access
 * tokens). It uses its own key-encryption key (LTI_KEK), not ltijs' ENCRYPTIONKEY, so rotating the
 * cookie/ltik secret never makes stored keys unreadable. The KEK version travels with every box so a
 * future KEK rotation can re-seal rows lazily or in a batch while old boxes stay readable.
 */

/** What is stored in the `doc` column of an encrypted table. base64 strings keep it plain JSON. */
export interface SealedBox {
  v: number;
  iv: string;
  tag: string;
  data: string;
}

export type CryptoBoxErrorCode =
  | 'CRYPTO_BOX_BAD_KEY'
  | 'CRYPTO_BOX_UNKNOWN_VERSION'
  | 'CRYPTO_BOX_MALFORMED'
  | 'CRYPTO_BOX_TAMPERED';

export class CryptoBoxError extends Error {
  override readonly name = 'CryptoBoxError';
  constructor(
    readonly code: CryptoBoxErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CryptoBoxKeys {
  /** 32 random bytes. */
  kek: Buffer;
  /** Version written into new boxes; default 1. */
  kekVersion?: number;
  /** Older KEKs that may still be needed to open existing boxes, by version. */
  previousKeks?: Readonly<Record<number, Buffer>>;
}

const IV_BYTES = 12; // the GCM standard nonce size; random per box
const TAG_BYTES = 16;

function checkKey(key: Buffer, version: number): Buffer {
  if (!Buffer.isBuffer(key) || key.length !== 32) {
    throw new CryptoBoxError('CRYPTO_BOX_BAD_KEY', `KEK version ${version} must be exactly 32 bytes`);
  }
  return Buffer.from(key); // private copy: the caller may zero or reuse its buffer
}

export function isSealedBox(x: unknown): x is SealedBox {
  if (typeof x !== 'object' || x === null) return false;
  const b = x as Record<string, unknown>;
  return (
    typeof b.v === 'number' && typeof b.iv === 'string' && typeof b.tag === 'string' && typeof b.data === 'string'
  );
}

export class CryptoBox {
  readonly version: number;
  readonly #keys = new Map<number, Buffer>();

  constructor(keys: CryptoBoxKeys) {
    this.version = keys.kekVersion ?? 1;
    if (!Number.isInteger(this.version) || this.version < 1) {
      throw new CryptoBoxError('CRYPTO_BOX_BAD_KEY', 'kekVersion must be a positive integer');
    }
    for (const [v, key] of Object.entries(keys.previousKeks ?? {})) this.#keys.set(Number(v), checkKey(key, Number(v)));
    this.#keys.set(this.version, checkKey(keys.kek, this.version));
  }

  /**
   * `context` is authenticated but not stored (GCM AAD): a box sealed for one table cannot be
   * pasted into another (e.g. a private key row moved into the public key table and served).
   */
  seal(plaintext: string, context: string): SealedBox {
    const key = this.#keys.get(this.version)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(context, this.version));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { v: this.version, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(box: unknown, context: string): string {
    if (!isSealedBox(box)) throw new CryptoBoxError('CRYPTO_BOX_MALFORMED', 'stored value is not a sealed box');
    const key = this.#keys.get(box.v);
    if (!key) throw new CryptoBoxError('CRYPTO_BOX_UNKNOWN_VERSION', `no KEK for version ${box.v}`);
    const iv = Buffer.from(box.iv, 'base64');
    const tag = Buffer.from(box.tag, 'base64');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new CryptoBoxError('CRYPTO_BOX_MALFORMED', 'bad iv or tag length');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(context, box.v));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Never echo the ciphertext or key material: only say that authentication failed.
      throw new CryptoBoxError('CRYPTO_BOX_TAMPERED', 'sealed box failed authentication');
    }
  }

  /** True when the box was sealed under an older KEK and should be re-sealed. */
  isStale(box: SealedBox): boolean {
    return box.v !== this.version;
  }
}

function aad(context: string, version: number): Buffer {
  return Buffer.from(`sodiem:lti:${context}:v${version}`, 'utf8');
}
