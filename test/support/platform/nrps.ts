import type { Request, Response } from 'express';
import { basicOutcomeClaim, CLAIM, membershipsUrl } from './claims';
import { SCOPE, type User } from './model';
import { checkToken, MEDIA, sendJson, serviceError, unauthorized } from './services-common';
import type { PlatformState } from './state';

/** Code-point comparison, like the fixtures' PostgreSQL ordering (Đ sorts after V). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** NRPS roles: Instructor only for editing teachers; non-editing teacher is Learner (nrps/02-nrps-full.json). */
function nrpsRoles(role: string): string[] {
  return role === 'editingteacher' ? ['Instructor'] : ['Learner'];
}

export function handleMemberships(state: PlatformState, req: Request, res: Response, courseId: string, typeId: string): void {
  if (req.method !== 'GET') return serviceError(req, res, 405, 'Method Not Allowed');
  // nrps/10-nrps-no-token.json, nrps/12-nrps-with-ags-only-token.json
  const token = checkToken(state, req, [SCOPE.nrps], typeId);
  if (!token) return unauthorized(req, res);
  const m = state.model;
  const course = m.courses.get(courseId);
  if (!course) return serviceError(req, res, 404, 'Not Found');
  const q = req.query;
  const roleParam = typeof q.role === 'string' ? q.role : undefined;
  const roleShort = roleParam?.replace(/^http:\/\/purl\.imsglobal\.org\/vocab\/lis\/v2\/membership#/, '');
  const rlid = typeof q.rlid === 'string' ? q.rlid : undefined;
  const activity = rlid !== undefined ? m.activityByInstance(courseId, typeId, rlid) : undefined;

  // Suspended enrolments are left out; site admins / category managers are not enrolled → not listed.
  const rows = m.enrolments
    .filter((e) => e.courseId === courseId && !e.suspended)
    .map((e) => ({ e, u: m.users.get(e.userId) }))
    .filter((x): x is { e: typeof x.e; u: User } => x.u !== undefined)
    .sort((a, b) => cmp(a.u.familyName, b.u.familyName) || cmp(a.u.givenName, b.u.givenName) || Number(a.u.id) - Number(b.u.id));

  let members = rows.map(({ e, u }) => {
    const mem: Record<string, unknown> = { status: 'Active', roles: nrpsRoles(e.role) };
    if (activity) {
      mem.message = [{ [CLAIM.messageType]: 'LtiResourceLinkRequest', [CLAIM.basicOutcome]: basicOutcomeClaim(state, activity, u.id) }];
    }
    mem.user_id = u.id;
    mem.lis_person_sourcedid = u.idnumber;
    mem.name = `${u.givenName} ${u.familyName}`; // NRPS ignores fullnamedisplay
    mem.given_name = u.givenName;
    mem.family_name = u.familyName;
    mem.email = u.email;
    mem.ext_user_username = u.username;
    return mem;
  });
  if (roleShort !== undefined) members = members.filter((x) => (x.roles as string[]).includes(roleShort));

  const base = membershipsUrl(state, courseId, typeId);
  const limit = typeof q.limit === 'string' ? parseInt(q.limit, 10) : NaN;
  if (Number.isInteger(limit) && limit > 0) {
    const from = typeof q.from === 'string' ? Math.max(0, parseInt(q.from, 10) || 0) : 0;
    const total = members.length;
    members = members.slice(from, from + limit);
    if (from + limit < total) {
      // nrps/03-nrps-limit2-page1.json: only rel="next", no differences link.
      const params = new URLSearchParams();
      if (roleParam !== undefined) params.set('role', roleParam);
      if (rlid !== undefined) params.set('rlid', rlid);
      params.set('limit', String(limit));
      params.set('from', String(from + limit));
      res.setHeader('Link', `<${base}?${params.toString()}>; rel="next"`);
    }
  }
  sendJson(res, 200, MEDIA.memberships, { id: base, context: { id: course.id, label: course.shortname, title: course.fullname }, members });
}
