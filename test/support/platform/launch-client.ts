import { CookieJar, type CookieContext } from './cookie-jar';

export interface LaunchStep {
  method: string;
  url: string;
  status: number;
  location?: string;
}

export interface LaunchResult {
  /** Final response (after following every redirect and auto-submitted form). */
  status: number;
  statusText: string;
  url: string;
  body: string;
  headers: Headers;
  jar: CookieJar;
  steps: LaunchStep[];
  /** The login initiation POSTed to the tool. */
  loginInitiation?: Record<string, string>;
  /** The auth request the tool sent (auth.php URL, after `tamperAuthRequest`). */
  authRequest?: URL;
  /** What auth.php form-posted to the redirect_uri. */
  idToken?: string;
  state?: string;
  authError?: { error: string; error_description?: string };
}

export interface LaunchClientOptions {
  jar?: CookieJar;
  /** Embedded in the LMS page (default for container 'iframe') or a top-level window. */
  embedded: boolean;
  /** Let a test rewrite the auth request the tool produced (e.g. set prompt=login) before "the browser" follows it. */
  tamperAuthRequest?: (url: URL) => URL | void;
  maxSteps?: number;
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Parse an auto-submitting form (`document.NAME.submit()`) out of a page. */
export function parseAutoSubmitForm(html: string): { action: string; params: Record<string, string> } | undefined {
  if (!/\.submit\(\)/.test(html)) return undefined;
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form || form[1] === undefined) return undefined;
  const params: Record<string, string> = {};
  const inputRe = /<input\b[^>]*>/gi;
  for (const tag of (form[2] ?? '').match(inputRe) ?? []) {
    const name = /\bname="([^"]*)"/i.exec(tag)?.[1];
    const value = /\bvalue="([^"]*)"/i.exec(tag)?.[1] ?? '';
    if (name !== undefined) params[unescapeHtml(name)] = unescapeHtml(value);
  }
  return { action: unescapeHtml(form[1]), params };
}

/**
 * Drive a launch like a browser: starting from a platform URL (launch.php), follow redirects manually,
 * submit auto-submitting forms, keep cookies per the browser rules in CookieJar.
 */
export async function browse(platformUrl: string, startUrl: string, opts: LaunchClientOptions): Promise<LaunchResult> {
  const jar = opts.jar ?? new CookieJar();
  const topHost = new URL(platformUrl).hostname;
  const steps: LaunchStep[] = [];
  const result: Partial<LaunchResult> = {};
  let method = 'GET';
  let url = startUrl;
  let body: string | undefined;
  let initiatorHost = topHost;
  let initiatorOrigin = new URL(platformUrl).origin;
  let referer: string | undefined;
  const maxSteps = opts.maxSteps ?? 20;

  for (let i = 0; i < maxSteps; i++) {
    const target = new URL(url);
    if (target.pathname.endsWith('/mod/lti/auth.php') && target.origin === new URL(platformUrl).origin && !result.authRequest) {
      const changed = opts.tamperAuthRequest?.(target);
      const final = changed instanceof URL ? changed : target;
      url = final.toString();
      result.authRequest = final;
    }
    const ctx: CookieContext = { topHost, embedded: opts.embedded, initiatorHost, method };
    const headers: Record<string, string> = {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'user-agent': 'sodiem-test-platform-launch-client',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': opts.embedded ? 'iframe' : 'document',
      'sec-fetch-site': initiatorHost === new URL(url).hostname ? 'same-origin' : 'cross-site',
    };
    const cookie = jar.header(url, ctx);
    if (cookie) headers.cookie = cookie;
    if (referer) headers.referer = referer;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = initiatorOrigin;
    }
    const res = await fetch(url, { method, headers, body, redirect: 'manual' });
    const setCookies = res.headers.getSetCookie();
    if (setCookies.length) jar.setFromResponse(url, setCookies, ctx);
    const location = res.headers.get('location') ?? undefined;
    steps.push({ method, url, status: res.status, ...(location ? { location } : {}) });
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url).toString();
      if (res.status === 307 || res.status === 308) {
        // keep method and body
      } else {
        method = 'GET';
        body = undefined;
      }
      url = next;
      continue;
    }
    const text = await res.text();
    const fromPlatform = new URL(url).origin === new URL(platformUrl).origin;
    const form = fromPlatform ? parseAutoSubmitForm(text) : undefined;
    if (form) {
      if ('id_token' in form.params || 'error' in form.params) {
        if (form.params.id_token !== undefined) result.idToken = form.params.id_token;
        if (form.params.state !== undefined) result.state = form.params.state;
        if (form.params.error !== undefined) {
          result.authError = {
            error: form.params.error,
            ...(form.params.error_description !== undefined ? { error_description: form.params.error_description } : {}),
          };
        }
      } else if ('login_hint' in form.params) {
        result.loginInitiation = form.params;
      }
      // The browser submits the form: a navigation initiated by this platform page.
      initiatorHost = new URL(url).hostname;
      initiatorOrigin = new URL(url).origin;
      referer = `${new URL(url).origin}/`; // Referer is the origin only (doc §3)
      method = 'POST';
      body = new URLSearchParams(form.params).toString();
      url = new URL(form.action, url).toString();
      continue;
    }
    return {
      ...result,
      status: res.status,
      statusText: res.statusText,
      url,
      body: text,
      headers: res.headers,
      jar,
      steps,
    };
  }
  throw new Error(`launch did not finish within ${maxSteps} steps: ${JSON.stringify(steps)}`);
}
