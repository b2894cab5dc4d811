import type { Request, Response } from 'express';
import { nowSeconds, setReason } from './http-util';
import type { AccessToken, PlatformState } from './state';

export const MEDIA = {
  memberships: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
  lineitems: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  lineitem: 'application/vnd.ims.lis.v2.lineitem+json',
  results: 'application/vnd.ims.lis.v2.resultcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
} as const;

/** What Moodle's services.php puts in `request` of an error body. */
export function requestInfo(req: Request): Record<string, string> {
  const info: Record<string, string> = { method: req.method, url: req.originalUrl, accept: req.headers.accept ?? '' };
  if (req.headers['content-type']) info.contentType = req.headers['content-type'];
  return info;
}

/**
 * Service errors: the message is the HTTP reason phrase and the JSON body is {status, reason, request}
 * (ags/11-ags-foreign-lineitem-manual-item-get.json, nrps/10-nrps-no-token.json).
 */
export function serviceError(req: Request, res: Response, status: number, reason: string): void {
  setReason(res, reason);
  res
    .status(status)
    .type('application/json; charset=utf-8')
    .send(Buffer.from(JSON.stringify({ status, reason, request: requestInfo(req) }), 'utf8'));
}

/** Bearer token with one of `anyOf` scopes, belonging to tool `typeId` (when given). */
export function checkToken(state: PlatformState, req: Request, anyOf: string[], typeId?: string): AccessToken | undefined {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m || !m[1]) return undefined;
  const t = state.tokens.get(m[1]);
  if (!t || t.expiresAt <= nowSeconds()) return undefined;
  if (!anyOf.some((s) => t.scopes.includes(s))) return undefined;
  if (typeId !== undefined && typeId !== '' && typeId !== t.toolTypeId) return undefined;
  return t;
}

export function unauthorized(req: Request, res: Response): void {
  serviceError(req, res, 401, 'Unauthorized');
}

/**
 * Bodies always go out as Buffers: with a string body Node writes the header block in the body's
 * encoding (UTF-8), which would double-encode our Latin-1 wire strings (reason phrases, Link header).
 */
export function sendJson(res: Response, status: number, mediaType: string, body: unknown, reason?: string): void {
  if (reason) setReason(res, reason);
  res.status(status).type(`${mediaType}; charset=utf-8`).send(Buffer.from(JSON.stringify(body), 'utf8'));
}
