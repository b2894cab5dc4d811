import type { Response } from 'express';

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Moodle (PHP/Apache) sends UTF-8 bytes in reason phrases and headers. Node only accepts Latin-1
 * strings there, so we hand it the UTF-8 bytes as a Latin-1 string: the bytes on the wire are the
 * same as Moodle's. Node's fetch (undici) decodes reason phrases as UTF-8 (so `statusText` reads fine) but
 * header values as Latin-1 (so the Link header's curly quotes show as `â`, exactly like the fixtures).
 */
export function wireLatin1(s: string): string {
  return Buffer.from(s.replace(/[\r\n]+/g, ' '), 'utf8').toString('latin1');
}

/** Decode a header value that fetch read as Latin-1 (e.g. the AGS Link header) back to UTF-8. */
export function fromWireLatin1(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

export function setReason(res: Response, reason: string): void {
  res.statusMessage = wireLatin1(reason);
}

/** The server timezone of the fixtures' Moodle (Asia/Ho_Chi_Minh, +07:00, no DST). */
const TZ_OFFSET_SECONDS = 7 * 3600;

/** `2026-11-22T22:25:38+07:00` (AGS results timestamps). */
export function isoPlus7(unixSeconds: number): string {
  const d = new Date((unixSeconds + TZ_OFFSET_SECONDS) * 1000);
  return d.toISOString().replace(/\.\d{3}Z$/, '+07:00');
}

/** PHP `date(DateTime::ISO8601)` in +07:00: `2026-11-22T22:27:06+0700` (token/10-token-iat-in-future-120s.json). */
export function phpIso8601Plus7(unixSeconds: number): string {
  return isoPlus7(unixSeconds).replace(/\+07:00$/, '+0700');
}

/**
 * PHP strtotime-like parse for score timestamps: ISO 8601 with or without zone; without a zone the
 * server zone (+07:00) applies (ags/38-ags-score-timestamp-no-tz.json). Returns whole seconds or null.
 */
export function parseTimestamp(s: unknown): number | null {
  if (typeof s !== 'string' || s.trim() === '') return null;
  const t = s.trim();
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(t);
  const ms = Date.parse(hasZone ? t : `${t}+07:00`);
  if (Number.isNaN(ms)) return null;
  return Math.floor(ms / 1000);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Moodle's auto-submitting form (launch.php's initiate login form, auth.php's ltiAuthForm). */
export function autoSubmitForm(name: string, action: string, params: Record<string, string>): string {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`)
    .join('\n');
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Launch</title></head><body>\n` +
    `<form action="${escapeHtml(action)}" name="${name}" id="${name}" method="post" enctype="application/x-www-form-urlencoded">\n` +
    `${inputs}\n</form>\n<script type="text/javascript">\n//<![CDATA[\ndocument.${name}.submit();\n//]]>\n</script>\n</body></html>\n`
  );
}

/** A Moodle-like error page ("Invalid request", "Error code: invalidrequest"). */
export function moodleErrorPage(
  res: Response,
  opts: { status?: number; siteName: string; message: string; errorCode: string },
): void {
  res
    .status(opts.status ?? 404)
    .type('html')
    .send(
      `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Error | ${escapeHtml(opts.siteName)}</title></head>` +
        `<body id="page-mod-lti-error"><header>${escapeHtml(opts.siteName)}</header><main>` +
        `<div class="alert alert-danger" role="alert"><p class="errormessage">${escapeHtml(opts.message)}</p>` +
        `<p class="errorcode"><a href="https://docs.moodle.org/405/en/error/moodle/${escapeHtml(opts.errorCode)}">More information about this error</a></p>` +
        `<div class="notifytiny"><p>Debug info:</p><p>Error code: ${escapeHtml(opts.errorCode)}</p></div></div>` +
        `<a href="/">Continue</a></main></body></html>\n`,
    );
}
