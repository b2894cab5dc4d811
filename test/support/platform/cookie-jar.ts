/**
 * A small browser-like cookie jar for programmatic launches. It follows what the fixtures observed in
 * Chromium 156 (doc §3, launches/launch-student2-cookieprobe-*.json):
 * - third-party context (tool inside the LMS iframe): only `Partitioned` cookies are stored and sent;
 * - top-level cross-site requests: SameSite=Strict never, Lax only on GET, no-attribute cookies on GET and
 *   on POST within 2 minutes of being set (Lax+POST), SameSite=None;Secure always;
 * - `Secure` is accepted on http://localhost and http://127.0.0.1 (secure contexts).
 */
export interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  sameSite: 'strict' | 'lax' | 'none' | undefined;
  secure: boolean;
  httpOnly: boolean;
  partitioned: boolean;
  /** top-level site the cookie is partitioned under (Partitioned cookies only) */
  partitionKey: string | undefined;
  createdAt: number;
  expiresAt: number | undefined;
}

export interface CookieContext {
  /** Host of the top-level document (the LMS page for embedded launches). */
  topHost: string;
  /** Request made from inside an iframe whose top-level host is `topHost`. */
  embedded: boolean;
  /** Host of the document that initiated the navigation. */
  initiatorHost: string;
  method: string;
}

function isSecureContextHost(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.localhost');
}

export class CookieJar {
  readonly cookies: StoredCookie[] = [];

  private static thirdParty(host: string, ctx: CookieContext): boolean {
    return ctx.embedded && host !== ctx.topHost;
  }

  setFromResponse(url: string, setCookies: string[], ctx: CookieContext): void {
    const u = new URL(url);
    const host = u.hostname;
    for (const line of setCookies) {
      const parts = line.split(';').map((s) => s.trim());
      const first = parts.shift() ?? '';
      const eq = first.indexOf('=');
      if (eq <= 0) continue;
      const c: StoredCookie = {
        name: first.slice(0, eq).trim(),
        value: first.slice(eq + 1).trim(),
        host,
        path: '/',
        sameSite: undefined,
        secure: false,
        httpOnly: false,
        partitioned: false,
        partitionKey: undefined,
        createdAt: Date.now(),
        expiresAt: undefined,
      };
      for (const attr of parts) {
        const [k, ...rest] = attr.split('=');
        const key = (k ?? '').trim().toLowerCase();
        const val = rest.join('=').trim();
        if (key === 'path' && val) c.path = val;
        else if (key === 'samesite') c.sameSite = val.toLowerCase() as StoredCookie['sameSite'];
        else if (key === 'secure') c.secure = true;
        else if (key === 'httponly') c.httpOnly = true;
        else if (key === 'partitioned') c.partitioned = true;
        else if (key === 'max-age') c.expiresAt = Date.now() + Number(val) * 1000;
        else if (key === 'expires') {
          const t = Date.parse(val);
          if (!Number.isNaN(t)) c.expiresAt = t;
        }
      }
      if (c.secure && u.protocol !== 'https:' && !isSecureContextHost(host)) continue;
      if (c.sameSite === 'none' && !c.secure) continue;
      if (c.partitioned && !c.secure) continue;
      if (CookieJar.thirdParty(host, ctx)) {
        if (!c.partitioned) continue; // third-party cookies blocked
        c.partitionKey = ctx.topHost;
      } else if (c.partitioned) {
        c.partitionKey = ctx.embedded ? ctx.topHost : host;
      }
      const idx = this.cookies.findIndex(
        (x) => x.name === c.name && x.host === c.host && x.path === c.path && x.partitionKey === c.partitionKey,
      );
      if (idx >= 0) this.cookies.splice(idx, 1);
      if (c.expiresAt !== undefined && c.expiresAt <= Date.now()) continue;
      this.cookies.push(c);
    }
  }

  header(url: string, ctx: CookieContext): string {
    const u = new URL(url);
    const host = u.hostname;
    const now = Date.now();
    const thirdParty = CookieJar.thirdParty(host, ctx);
    const crossSite = ctx.initiatorHost !== host || thirdParty;
    const out: string[] = [];
    for (const c of this.cookies) {
      if (c.host !== host || !u.pathname.startsWith(c.path)) continue;
      if (c.expiresAt !== undefined && c.expiresAt <= now) continue;
      if (thirdParty) {
        if (!c.partitioned || c.partitionKey !== ctx.topHost) continue;
      } else if (c.partitioned && c.partitionKey !== (ctx.embedded ? ctx.topHost : host)) continue;
      if (crossSite && !thirdParty) {
        if (c.sameSite === 'strict') continue;
        if (c.sameSite === 'lax' && ctx.method !== 'GET') continue;
        if (c.sameSite === undefined && ctx.method !== 'GET' && now - c.createdAt > 120_000) continue;
      }
      if (crossSite && thirdParty && c.sameSite !== 'none') continue;
      out.push(`${c.name}=${c.value}`);
    }
    return out.join('; ');
  }

  get(name: string, host?: string): string | undefined {
    return this.cookies.find((c) => c.name === name && (host === undefined || c.host === host))?.value;
  }
}
