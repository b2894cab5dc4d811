import type { Request, Response } from 'express';
import { lineitemUrl } from './claims';
import { isoPlus7, moodleErrorPage, nowSeconds, parseTimestamp, setReason, wireLatin1 } from './http-util';
import { SCOPE, type GradeItem } from './model';
import { checkToken, MEDIA, sendJson, serviceError, unauthorized } from './services-common';
import type { PlatformState } from './state';

/** Moodle keeps grades with 5 decimals (ags-edge/09-edge-results-decimals.json: 1/3 → 3.33333). */
export function round5(n: number): number {
  return Math.round(n * 100000) / 100000;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function parseBody(req: Request): { raw: string; json: Record<string, unknown> | null } {
  const raw = typeof req.body === 'string' ? req.body : '';
  try {
    const j: unknown = JSON.parse(raw);
    return { raw, json: j && typeof j === 'object' && !Array.isArray(j) ? (j as Record<string, unknown>) : null };
  } catch {
    return { raw, json: null };
  }
}

/** item_for_json: activity items carry resourceId/tag "" and the link; tool items the link only when bound. */
export function itemJson(state: PlatformState, gi: GradeItem, urlCourseId: string, typeId: string): Record<string, unknown> {
  const j: Record<string, unknown> = {
    id: lineitemUrl(state, urlCourseId, gi.id, typeId),
    label: gi.label,
    scoreMaximum: gi.scoreMaximum,
    resourceId: gi.resourceId,
    tag: gi.tag,
  };
  if (gi.instanceId !== null) {
    j.resourceLinkId = gi.instanceId;
    j.ltiLinkId = gi.instanceId;
  }
  return j;
}

/** Echo of the request body with `id` set (ags/13-ags-lineitem-post.json, ags/53-…-put-foreign-assign.json). */
function echoWithId(json: Record<string, unknown>, id: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...json };
  out.id = id;
  return out;
}

/** The broken Link header of lineitems paging (ags/03-ags-lineitems-get-limit1.json): &amp; and “curly quotes”. */
function brokenLinkHeader(base: string, filters: Array<[string, string]>, typeId: string, limit: number, from: number, total: number): string {
  const outOfRange = from >= total || from < 0;
  const prev = from - limit >= 0 ? from - limit : 0;
  const last = total - limit + 1 >= 0 ? total - limit + 1 : 0;
  const next = from + limit;
  const url = (f: number): string => {
    const parts = [...filters, ['type_id', typeId], ['limit', String(limit)], ['from', String(f)]].map(
      ([k, v]) => `${encodeURIComponent(k as string)}=${encodeURIComponent(v as string)}`,
    );
    return `${base}?${parts.join('&amp;')}`;
  };
  let links = `<${url(0)}>; rel=“first”`;
  if (from > 0 && !outOfRange) links += `, <${url(prev)}>; rel=“prev”`;
  links += `, <${url(from)}>; rel=“canonical”`;
  if (next <= total - 1 && !outOfRange) links += `, <${url(next)}>; rel=“next”`;
  links += `, <${url(last)}>; rel=“last”`;
  return links;
}

export function handleLineitems(state: PlatformState, req: Request, res: Response, courseId: string): void {
  const m = state.model;
  const qTypeId = typeof req.query.type_id === 'string' ? req.query.type_id : undefined;
  if (req.method === 'GET') {
    const token = checkToken(state, req, [SCOPE.lineitem, SCOPE.lineitemReadonly], qTypeId);
    if (!token) return unauthorized(req, res);
    const typeId = token.toolTypeId;
    const q = req.query;
    const resourceId = typeof q.resource_id === 'string' ? q.resource_id : undefined;
    const linkId = typeof q.resource_link_id === 'string' ? q.resource_link_id : typeof q.lti_link_id === 'string' ? q.lti_link_id : undefined;
    const tag = typeof q.tag === 'string' ? q.tag : undefined;
    let items = [...m.gradeItems.values()]
      .filter((gi) => gi.courseId === courseId && m.isToolsItem(gi, typeId))
      .filter((gi) => resourceId === undefined || gi.resourceId === resourceId)
      .filter((gi) => linkId === undefined || gi.instanceId === linkId)
      .filter((gi) => tag === undefined || gi.tag === tag)
      .sort((a, b) => Number(a.id) - Number(b.id));
    const limit = typeof q.limit === 'string' ? parseInt(q.limit, 10) : NaN;
    if (Number.isInteger(limit) && limit > 0) {
      const from = typeof q.from === 'string' ? parseInt(q.from, 10) || 0 : 0;
      const total = items.length;
      const filters: Array<[string, string]> = [];
      if (resourceId !== undefined) filters.push(['resource_id', resourceId]);
      if (linkId !== undefined) filters.push(['lti_link_id', linkId]);
      if (tag !== undefined) filters.push(['tag', tag]);
      res.setHeader('Link', wireLatin1(brokenLinkHeader(`${state.url}/mod/lti/services.php/${courseId}/lineitems`, filters, typeId, limit, from, total)));
      items = items.slice(Math.max(0, from), Math.max(0, from) + limit);
    }
    // ags/02-ags-lineitems-get.json: a bare JSON array.
    return sendJson(res, 200, MEDIA.lineitems, items.map((gi) => itemJson(state, gi, courseId, typeId)));
  }
  if (req.method === 'POST') {
    const token = checkToken(state, req, [SCOPE.lineitem], qTypeId);
    if (!token) return unauthorized(req, res); // ags/55-ags-lineitem-post-with-readonly-token.json
    const typeId = token.toolTypeId;
    const { json } = parseBody(req);
    // ags/15-ags-lineitem-post-missing-label.json
    if (!json || !isSet(json.scoreMaximum) || !isSet(json.label)) return serviceError(req, res, 400, 'No label or Score Maximum');
    const max = toNumber(json.scoreMaximum);
    if (max === null) return serviceError(req, res, 400, 'Bad Request');
    if (!m.courses.has(courseId)) return serviceError(req, res, 404, 'Not Found');
    const linkRaw = isSet(json.resourceLinkId) ? json.resourceLinkId : json.ltiLinkId;
    const link = isSet(linkRaw) ? String(linkRaw) : null;
    if (link !== null && !m.activityByInstance(courseId, typeId, link)) return serviceError(req, res, 403, 'Forbidden');
    const gi: GradeItem = {
      id: m.newGradeItemId(),
      courseId,
      label: String(json.label),
      scoreMaximum: max,
      kind: 'tool',
      instanceId: link,
      toolTypeId: typeId,
      resourceId: isSet(json.resourceId) ? String(json.resourceId) : '',
      tag: isSet(json.tag) ? String(json.tag) : '',
    };
    m.gradeItems.set(gi.id, gi);
    // 201, echo + id, no Location header (ags/13-ags-lineitem-post.json). startDateTime etc. are not stored.
    return sendJson(res, 201, MEDIA.lineitem, echoWithId(json, lineitemUrl(state, courseId, gi.id, typeId)), 'Created');
  }
  return serviceError(req, res, 405, 'Method Not Allowed');
}

type ItemLookup = { ok: true; gi: GradeItem; typeId: string } | { ok: false };

function lookupItem(state: PlatformState, req: Request, res: Response, itemId: string, typeId: string): ItemLookup {
  const gi = state.model.gradeItems.get(itemId);
  // ags/59-ags-lineitem-get-after-delete.json
  if (!gi) {
    serviceError(req, res, 404, `Not Found: Grade item ${itemId} doesn't exist`);
    return { ok: false };
  }
  // ags/11-ags-foreign-lineitem-manual-item-get.json (foreign items: always refused here).
  if (!state.model.isToolsItem(gi, typeId)) {
    serviceError(req, res, 404, 'Line item does not exist');
    return { ok: false };
  }
  // NB: the course id in the URL is not checked against the item (ags-nrps-cross-course/07-…).
  return { ok: true, gi, typeId };
}

export function handleLineitem(state: PlatformState, req: Request, res: Response, courseId: string, itemId: string): void {
  const m = state.model;
  const qTypeId = typeof req.query.type_id === 'string' ? req.query.type_id : undefined;
  const scopes = req.method === 'GET' ? [SCOPE.lineitem, SCOPE.lineitemReadonly] : [SCOPE.lineitem];
  const token = checkToken(state, req, scopes, qTypeId);
  if (!token) return unauthorized(req, res);
  if (!['GET', 'PUT', 'DELETE'].includes(req.method)) return serviceError(req, res, 405, 'Method Not Allowed');
  const found = lookupItem(state, req, res, itemId, token.toolTypeId);
  if (!found.ok) return;
  const { gi, typeId } = found;
  if (req.method === 'GET') return sendJson(res, 200, MEDIA.lineitem, itemJson(state, gi, courseId, typeId));
  if (req.method === 'DELETE') {
    m.deleteGradeItem(gi.id);
    // ags/58-ags-lineitem-delete.json: 204 with reason "OK".
    res.statusMessage = 'OK';
    res.status(204).end();
    return;
  }
  // PUT: label AND scoreMaximum required (ags-edge/49-edge-lineitem-put-label-only.json → 400 Bad Request).
  const { json } = parseBody(req);
  if (!json || !isSet(json.label) || !isSet(json.scoreMaximum)) return serviceError(req, res, 400, 'Bad Request');
  const max = toNumber(json.scoreMaximum);
  if (max === null) return serviceError(req, res, 400, 'Bad Request');
  gi.label = String(json.label);
  if (gi.kind === 'tool') {
    if (isSet(json.resourceId)) gi.resourceId = String(json.resourceId);
    if (isSet(json.tag)) gi.tag = String(json.tag);
  }
  if (max !== gi.scoreMaximum) {
    // ags/52-ags-results-get-after-put-max20.json: grades rescaled, empty → 0, all stamped with the PUT time.
    const now = nowSeconds();
    const old = gi.scoreMaximum;
    for (const g of m.gradesOf(gi.id).values()) {
      g.score = g.score === null ? 0 : old > 0 ? round5((g.score * max) / old) : g.score;
      g.timemodified = now;
    }
    gi.scoreMaximum = max;
  }
  return sendJson(res, 200, MEDIA.lineitem, echoWithId(json, lineitemUrl(state, courseId, gi.id, typeId)));
}

export function handleResults(state: PlatformState, req: Request, res: Response, courseId: string, itemId: string): void {
  const qTypeId = typeof req.query.type_id === 'string' ? req.query.type_id : undefined;
  const token = checkToken(state, req, [SCOPE.resultReadonly], qTypeId);
  if (!token) return unauthorized(req, res);
  if (req.method !== 'GET') return serviceError(req, res, 405, 'Method Not Allowed');
  const found = lookupItem(state, req, res, itemId, token.toolTypeId);
  if (!found.ok) return;
  const { gi, typeId } = found;
  if (req.query.limit !== undefined) {
    // ags/45-ags-results-get-limit2.json: Moodle crashes with an HTML 404 page.
    setReason(res, 'Not Found');
    return moodleErrorPage(res, {
      status: 404,
      siteName: state.siteName,
      message: 'Exception - Call to a member function out() on null',
      errorCode: 'generalexceptionmessage',
    });
  }
  const userFilter = typeof req.query.user_id === 'string' ? req.query.user_id : undefined;
  const itemUrl = lineitemUrl(state, courseId, gi.id, typeId);
  const resultsBase = `${state.url}/mod/lti/services.php/${courseId}/lineitems/${gi.id}/lineitem/results?type_id=${typeId}`;
  const out = [...state.model.gradesOf(gi.id).entries()]
    .filter(([userId]) => userFilter === undefined || userId === userFilter)
    .sort(([a], [b]) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([userId, g]) => {
      const r: Record<string, unknown> = { id: `${resultsBase}&user_id=${userId}`, userId };
      if (g.score === null) return r; // cleared grade: just {id, userId} (ags/43-ags-results-get.json)
      r.resultScore = g.score;
      r.resultMaximum = gi.scoreMaximum;
      if (g.comment !== null && g.comment !== '') r.comment = g.comment;
      r.scoreOf = itemUrl;
      r.timestamp = isoPlus7(g.timemodified);
      return r;
    });
  sendJson(res, 200, MEDIA.results, out);
}

function scoreReply(res: Response, status: number, reason?: string): void {
  if (reason) setReason(res, reason);
  res.status(status).type(`${MEDIA.score}; charset=utf-8`);
  res.send(Buffer.from(status === 200 ? '' : '[]', 'utf8'));
}

export function handleScores(state: PlatformState, req: Request, res: Response, _courseId: string, itemId: string): void {
  const m = state.model;
  const qTypeId = typeof req.query.type_id === 'string' ? req.query.type_id : undefined;
  const token = checkToken(state, req, [SCOPE.score], qTypeId);
  if (!token) return unauthorized(req, res); // ags/56-ags-score-with-readonly-token.json
  if (req.method !== 'POST') return serviceError(req, res, 405, 'Method Not Allowed'); // ags/46-ags-scores-get-405.json
  const found = lookupItem(state, req, res, itemId, token.toolTypeId);
  if (!found.ok) return;
  const { gi } = found;
  const { raw, json } = parseBody(req);
  const incorrect = (): void => scoreReply(res, 400, `Incorrect score received${raw}`);
  if (!json) return incorrect();
  const userId = isSet(json.userId) ? String(json.userId) : '';
  const ts = parseTimestamp(json.timestamp);
  // ags/35-ags-score-no-scoreMaximum.json, ags/36-ags-score-missing-progress.json
  if (userId === '' || ts === null || !isSet(json.activityProgress) || !isSet(json.gradingProgress)) return incorrect();
  if (isSet(json.scoreGiven) && !isSet(json.scoreMaximum)) return incorrect();
  // ags/33-ags-score-teacher.json, ags/34-…-manager-not-enrolled.json, ags-edge/39-edge-score-unknown-user.json
  if (!m.isGradable(gi.courseId, userId)) return incorrect();
  const grades = m.gradesOf(gi.id);
  const existing = grades.get(userId);
  // ags/27-ags-score-student1-same-second.json: whole-second comparison, equal is refused too.
  if (existing && ts <= existing.timemodified) {
    return scoreReply(res, 409, `Refusing score with an earlier timestamp for item ${gi.id} and user ${userId}`);
  }
  // ags-edge/47-…: a teacher override on the activity's grade item wins; the tool still gets 200.
  if (existing?.overridden) return scoreReply(res, 200);
  let score: number | null = null;
  const given = toNumber(json.scoreGiven);
  if (json.gradingProgress === 'FullyGraded' && given !== null) {
    const smax = toNumber(json.scoreMaximum) ?? 0;
    let v = smax !== 0 ? (given / smax) * gi.scoreMaximum : given; // ags-edge/17: scoreMaximum 0 → no rescale
    if (v > gi.scoreMaximum) v = gi.scoreMaximum; // ags/30, ags-edge/11: clamp
    if (v < 0) v = 0; // ags/31, ags-edge/14
    score = round5(v);
  }
  // A score without comment erases the previous feedback (ags-edge/45-edge-results-after-tool-newer.json).
  const comment = typeof json.comment === 'string' ? json.comment : null;
  // Tool-created (manual) items keep the score's timestamp; the LTI activity's own item is written through
  // Moodle's grade_update() and gets the processing time (ags-edge/47: 15:25:42.933Z stored as 22:25:43).
  const timemodified = gi.kind === 'activity' ? Math.max(nowSeconds(), ts) : ts;
  grades.set(userId, { score, comment, timemodified, overridden: false });
  scoreReply(res, 200);
}
