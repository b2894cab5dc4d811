/**
 * Our own small AGS client (fetch + AbortSignal.timeout) instead of ltijs' Grade service, because ltijs
 * has no timeouts, overwrites the score timestamp with "now", mutates its argument, throws HTTPErrors whose
 * reason is only in the body/status text, and fetches one token per concurrent call (ltijs-on-postgres.md
 * §1.8, §2.4, §4.5). The access token comes from a client-credentials request signed with the tool key
 * ltijs keeps for the platform (Platform.platformPrivateKey()/platformKid()/platformAccessTokenEndpoint()).
 *
 * Single flight: one token request at a time per (issuer, client id) in THIS process; the token is cached
 * in memory until 60 s before expiry. Across processes: with a shared store (token-store.ts, attached by
 * the outbox worker) the token is kept sealed in PostgreSQL and fetched under a per-platform advisory
 * lock, so several app processes make one token request between them.
 *
 * Retry-After (429/503, seconds or an HTTP date) is parsed into the AgsError; the worker bounds and honours it.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { LtijsProvider } from '../lti/provider';
import { agsError, AgsError } from './errors';
import { boxOfProvider, PgTokenStore, type FetchedToken, type SharedTokenStore } from './token-store';

export const AGS_SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
];

export interface AgsTarget {
  issuer: string;
  clientId: string;
}

export interface LineItem {
  id: string;
  label: string;
  scoreMaximum: number;
  resourceId: string;
  tag: string;
  resourceLinkId: string | null;
}

export interface LmsResult {
  userId: string;
  resultScore: number | null;
  resultMaximum: number | null;
  comment: string | null;
  timestamp: string | null;
}

export interface ScorePayload {
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: 'Completed' | 'Initialized';
  gradingProgress: 'FullyGraded' | 'NotReady';
  timestamp: string;
}

const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const LineItemJson = z.object({
  id: z.string().url(),
  label: z.string().default(''),
  scoreMaximum: num.default(0),
  resourceId: z.string().nullish().transform((v) => v ?? ''),
  tag: z.string().nullish().transform((v) => v ?? ''),
  resourceLinkId: z.union([z.string(), z.number()]).nullish().transform((v) => (v === undefined || v === null ? null : String(v))),
});
const ResultJson = z.object({
  userId: z.union([z.string(), z.number()]).transform(String),
  resultScore: num.nullish().transform((v) => v ?? null),
  resultMaximum: num.nullish().transform((v) => v ?? null),
  comment: z.string().nullish().transform((v) => v ?? null),
  timestamp: z.string().nullish().transform((v) => v ?? null),
});
const TokenJson = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive().default(3600) });

interface PlatformKeys {
  tokenUrl: string;
  kid: string;
  key: ReturnType<typeof createPrivateKey>;
}

export interface AgsClientOptions {
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  /** Share the access token with other processes (see token-store.ts); default: per process only. */
  tokenStore?: SharedTokenStore;
}

export interface AgsStats {
  tokenRequests: number;
  requests: number;
}

export class AgsClient {
  readonly stats: AgsStats = { tokenRequests: 0, requests: 0 };
  private readonly timeoutMs: number;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly keys = new Map<string, Promise<PlatformKeys>>();
  private shared: SharedTokenStore | null;

  constructor(
    private readonly provider: LtijsProvider,
    opts: AgsClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.shared = opts.tokenStore ?? null;
  }

  /**
   * Keeps the token in PostgreSQL, sealed with the lti store's box, shared by every process (no stampede
   * on the LMS when several processes need a token at once). No-op when a store is already set or the
   * provider does not use our PostgreSQL plugin. Returns whether tokens are shared.
   */
  shareTokensThrough(db: Kysely<DB>): boolean {
    if (!this.shared) {
      const box = boxOfProvider(this.provider);
      if (box) this.shared = new PgTokenStore(db, box);
    }
    return this.shared !== null;
  }

  private platformKeys(t: AgsTarget): Promise<PlatformKeys> {
    const k = `${t.issuer}\n${t.clientId}`;
    let p = this.keys.get(k);
    if (!p) {
      p = (async () => {
        const platform = await this.provider.getPlatform(t.issuer, t.clientId);
        if (!platform) throw agsError('AGS_PLATFORM_UNKNOWN', { retryable: false });
        const [tokenUrl, kid, pem] = await Promise.all([platform.platformAccessTokenEndpoint(), platform.platformKid(), platform.platformPrivateKey()]);
        return { tokenUrl, kid, key: createPrivateKey(pem) };
      })();
      p.catch(() => this.keys.delete(k));
      this.keys.set(k, p);
    }
    return p;
  }

  /** Single-flight token per platform: concurrent callers share one request. */
  async token(t: AgsTarget): Promise<string> {
    const k = `${t.issuer}\n${t.clientId}`;
    const cached = this.tokens.get(k);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    let p = this.inflight.get(k);
    if (!p) {
      const shared = this.shared;
      p = (shared ? shared.get(t, () => this.fetchToken(t)) : this.fetchToken(t))
        .then((f) => {
          this.tokens.set(k, { token: f.token, expiresAt: f.expiresAt - 60_000 });
          return f.token;
        })
        .finally(() => this.inflight.delete(k));
      this.inflight.set(k, p);
    }
    return p;
  }

  /** Called on a 401 from a service: the LMS revoked or expired the token (here and in the shared store). */
  async invalidate(t: AgsTarget, token: string): Promise<void> {
    const k = `${t.issuer}\n${t.clientId}`;
    if (this.tokens.get(k)?.token === token) this.tokens.delete(k);
    await this.shared?.drop(t, token);
  }

  private async fetchToken(t: AgsTarget): Promise<FetchedToken> {
    const keys = await this.platformKeys(t);
    const now = Math.floor(Date.now() / 1000);
    // Moodle has no clock leeway: iat a few seconds in the past (moodle-lti-behaviour.md §5).
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keys.kid })
      .setIssuer(t.clientId)
      .setSubject(t.clientId)
      .setAudience(keys.tokenUrl)
      .setIssuedAt(now - 5)
      .setExpirationTime(now + 60)
      .setJti(randomUUID())
      .sign(keys.key);
    this.stats.tokenRequests++;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: AGS_SCOPES.join(' '),
    });
    const res = await this.send(keys.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() });
    const text = await this.readText(res);
    if (!res.ok) {
      // Moodle: 400 {"error":"…"} as text/html — and invalid JSON for an unknown kid (§5): keep the raw text.
      let reason = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { error?: unknown };
        if (typeof j.error === 'string') reason = j.error;
      } catch {
        /* invalid JSON: raw text kept */
      }
      throw agsError(res.status >= 500 ? 'AGS_SERVER_ERROR' : res.status === 429 ? 'AGS_RATE_LIMITED' : 'AGS_TOKEN_FAILED', {
        status: res.status,
        reason,
        retryable: res.status >= 500 || res.status === 429,
        retryAfterMs: res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after')) : null,
      });
    }
    // Content-Type is text/html; charset=utf-8 (§5): parse as JSON whatever it says.
    const parsed = TokenJson.safeParse(safeJson(text));
    if (!parsed.success) throw agsError('AGS_MALFORMED', { status: res.status, reason: 'token response' });
    return { token: parsed.data.access_token, expiresAt: Date.now() + parsed.data.expires_in * 1000 };
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    this.stats.requests++;
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw networkError(e);
    }
  }

  private async readText(res: Response): Promise<string> {
    try {
      return await res.text();
    } catch (e) {
      throw networkError(e);
    }
  }

  /** One authorised service call; a 401 drops the cached token and retries once with a fresh one. */
  private async call(t: AgsTarget, url: string, init: { method: string; accept: string; contentType?: string; body?: string }): Promise<{ status: number; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(t);
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: init.accept };
      if (init.contentType) headers['content-type'] = init.contentType;
      const res = await this.send(url, { method: init.method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
      const text = await this.readText(res);
      if (res.ok) return { status: res.status, text };
      if (res.status === 401 && attempt === 0) {
        await this.invalidate(t, token);
        continue;
      }
      throw httpError(res.status, res.statusText, text, res.headers.get('retry-after'));
    }
  }

  /** GET lineitems: a bare array; never follow Moodle's broken Link header (§7) — filters instead of paging. */
  async listLineItems(t: AgsTarget, lineitemsUrl: string, filter: { resourceId?: string; tag?: string } = {}): Promise<LineItem[]> {
    const u = new URL(lineitemsUrl);
    if (filter.resourceId !== undefined) u.searchParams.set('resource_id', filter.resourceId);
    if (filter.tag !== undefined) u.searchParams.set('tag', filter.tag);
    const { text } = await this.call(t, u.toString(), { method: 'GET', accept: 'application/vnd.ims.lis.v2.lineitemcontainer+json' });
    const parsed = z.array(LineItemJson).safeParse(safeJson(text));
    if (!parsed.success) throw agsError('AGS_MALFORMED', { reason: 'lineitems' });
    return parsed.data;
  }

  async createLineItem(t: AgsTarget, lineitemsUrl: string, item: { label: string; scoreMaximum: number; resourceId: string; tag: string }): Promise<LineItem> {
    const { text } = await this.call(t, lineitemsUrl, { method: 'POST', accept: 'application/vnd.ims.lis.v2.lineitem+json', contentType: 'application/vnd.ims.lis.v2.lineitem+json', body: JSON.stringify(item) });
    const parsed = LineItemJson.safeParse(safeJson(text));
    if (!parsed.success) throw agsError('AGS_MALFORMED', { reason: 'lineitem' });
    return parsed.data;
  }

  /** GET results (never paged: `limit=` crashes Moodle, §7). */
  async results(t: AgsTarget, lineitemUrl: string, userId?: string): Promise<LmsResult[]> {
    const u = serviceUrl(lineitemUrl, 'results');
    if (userId !== undefined) u.searchParams.set('user_id', userId);
    const { text } = await this.call(t, u.toString(), { method: 'GET', accept: 'application/vnd.ims.lis.v2.resultcontainer+json' });
    const parsed = z.array(ResultJson).safeParse(safeJson(text));
    if (!parsed.success) throw agsError('AGS_MALFORMED', { reason: 'results' });
    return parsed.data;
  }

  /** POST scores: 200 with an empty body on success. The payload's timestamp is sent as given. */
  async postScore(t: AgsTarget, lineitemUrl: string, score: ScorePayload): Promise<void> {
    await this.call(t, serviceUrl(lineitemUrl, 'scores').toString(), { method: 'POST', accept: 'application/json', contentType: 'application/vnd.ims.lis.v1.score+json', body: JSON.stringify(score) });
  }
}

/** Every Moodle id URL carries ?type_id=: append the path before the query string (§7). */
export function serviceUrl(lineitemUrl: string, suffix: 'results' | 'scores'): URL {
  const u = new URL(lineitemUrl);
  u.pathname = `${u.pathname.replace(/\/$/, '')}/${suffix}`;
  return u;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkError(e: unknown): AgsError {
  if (e instanceof AgsError) return e;
  const err = e as { name?: string; cause?: { code?: string; name?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.cause?.name === 'TimeoutError') return agsError('AGS_TIMEOUT');
  return agsError('AGS_UNREACHABLE', { reason: err?.cause?.code ?? null });
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date → ms from now (never negative); anything
 * else → null (the worker's own backoff applies). Not bounded here: the worker caps it.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  // An HTTP date always names a weekday and GMT ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse would also
  // accept bare numbers and odd strings, so insist on the shape first.
  if (!/^[A-Za-z]{3},? .+ GMT$/.test(v) && !/^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} .+ GMT$/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Moodle puts the reason in the status text (`409 Refusing score …`) or the JSON body `{reason}` (§8). */
function httpError(status: number, statusText: string, body: string, retryAfter: string | null = null): AgsError {
  let reason = statusText && statusText !== 'OK' ? statusText : '';
  const j = safeJson(body) as { reason?: unknown } | undefined;
  if (!reason && j && typeof j === 'object' && typeof j.reason === 'string') reason = j.reason;
  if (!reason) reason = body.slice(0, 200);
  const opts = { status, reason: reason || null };
  if (status === 401) return agsError('AGS_UNAUTHORIZED', opts);
  if (status === 403) return agsError('AGS_FORBIDDEN', { ...opts, retryable: false });
  if (status === 404) return agsError('AGS_LINEITEM_GONE', { ...opts, retryable: false });
  if (status === 409) return agsError('AGS_CONFLICT_NEWER', { ...opts, retryable: false });
  if (status === 429) return agsError('AGS_RATE_LIMITED', { ...opts, retryAfterMs: parseRetryAfter(retryAfter) });
  if (status >= 500) return agsError('AGS_SERVER_ERROR', { ...opts, retryAfterMs: status === 503 ? parseRetryAfter(retryAfter) : null });
  if (status === 400 && /Incorrect score received/i.test(reason)) return agsError('AGS_NOT_LEARNER', { status, reason: 'Incorrect score received', retryable: false });
  return agsError('AGS_BAD_REQUEST', { ...opts, retryable: false });
}
