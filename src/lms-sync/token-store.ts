/**
 * The LMS access token shared by every app process (issue 7). Without it each process fetched its own
 * token; with several processes starting at once (or after the token expired) that is a stampede on the
 * LMS's token endpoint. The token lives in PostgreSQL (`ags_access_token`), sealed with the same KEK and
 * AES-256-GCM box as the lti store's secrets (the clear token is never stored or logged; only its SHA-256,
 * so a 401 drops exactly the token that was refused and never a fresher one another process just fetched).
 *
 * Fetching happens under a per-platform transaction-level advisory lock: the first process to find no
 * valid token asks the LMS; the others wait on the lock, then read what it stored — one token request
 * between them. The lock is held at most for one token request (the client's timeout bounds it).
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { CryptoBox } from '../lti/crypto-box';

export interface TokenTarget {
  issuer: string;
  clientId: string;
}

export interface FetchedToken {
  token: string;
  /** Epoch ms at which the LMS says the token expires. */
  expiresAt: number;
}

export interface SharedTokenStore {
  /** A token still valid for `marginMs`, from the store, or fetched by `fetch` (one fetch among all processes). */
  get(t: TokenTarget, fetch: () => Promise<FetchedToken>): Promise<FetchedToken>;
  /** The LMS refused `token` (401): forget it, unless another process already replaced it. */
  drop(t: TokenTarget, token: string): Promise<void>;
}

/** GCM AAD: a sealed token of one platform cannot be pasted into another platform's row. */
const contextOf = (t: TokenTarget) => `ags_access_token:${t.issuer}\n${t.clientId}`;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export class PgTokenStore implements SharedTokenStore {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly box: CryptoBox,
    /** A token closer than this to its expiry is not handed out (a request may take a while). */
    private readonly marginMs = 60_000,
  ) {}

  private async read(q: Kysely<DB> | Transaction<DB>, t: TokenTarget): Promise<FetchedToken | null> {
    const row = await q
      .selectFrom('ags_access_token')
      .select(['sealed', 'expires_at'])
      .where('issuer', '=', t.issuer)
      .where('client_id', '=', t.clientId)
      .where('expires_at', '>', sql<Date>`now() + make_interval(secs => ${this.marginMs / 1000})`)
      .executeTakeFirst();
    if (!row) return null;
    try {
      return { token: this.box.open(row.sealed, contextOf(t)), expiresAt: new Date(row.expires_at).getTime() };
    } catch {
      // Sealed under a KEK we no longer hold (or tampered with): treat as absent; a fresh token replaces it.
      return null;
    }
  }

  async get(t: TokenTarget, fetch: () => Promise<FetchedToken>): Promise<FetchedToken> {
    const hit = await this.read(this.db, t);
    if (hit) return hit;
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('ags_access_token'), hashtext(${`${t.issuer}\n${t.clientId}`}))`.execute(trx);
      // Another process may have fetched it while we waited for the lock.
      const again = await this.read(trx, t);
      if (again) return again;
      const f = await fetch();
      const sealed = JSON.stringify(this.box.seal(f.token, contextOf(t)));
      await trx
        .insertInto('ags_access_token')
        .values({ issuer: t.issuer, client_id: t.clientId, sealed, token_sha256: sha256(f.token), expires_at: new Date(f.expiresAt) })
        .onConflict((oc) => oc.columns(['issuer', 'client_id']).doUpdateSet({ sealed, token_sha256: sha256(f.token), expires_at: new Date(f.expiresAt), fetched_at: sql`now()` }))
        .execute();
      return f;
    });
  }

  async drop(t: TokenTarget, token: string): Promise<void> {
    await this.db.deleteFrom('ags_access_token').where('issuer', '=', t.issuer).where('client_id', '=', t.clientId).where('token_sha256', '=', sha256(token)).execute();
  }
}

/** The CryptoBox of our ltijs Database plugin (src/lti/pg-lti-store.ts), when the provider uses it. */
export function boxOfProvider(provider: { Database?: unknown }): CryptoBox | null {
  const box = (provider.Database as { box?: unknown } | undefined)?.box;
  return box instanceof CryptoBox ? box : null;
}
