import { randomInt } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { decodeJwt } from 'jose';
import { buildPayload } from './claims';
import { autoSubmitForm, escapeHtml, moodleErrorPage } from './http-util';
import { signJwt } from './keys';
import type { Activity, User } from './model';
import type { PendingLaunch, PlatformState } from './state';
import { verifyToolJwt } from './tool-keys';

export const SESSION_COOKIE = 'MoodleSession';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k && !(k in out)) out[k] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function sessionOf(state: PlatformState, req: Request): { id: string; userId: string; sesskey: string } | undefined {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (!id) return undefined;
  const s = state.sessions.get(id);
  return s ? { id, ...s } : undefined;
}

/** `view.php?id=..&loginas=USER` logs the browser in as USER (test/demo shortcut for Moodle's login). */
function loginAs(state: PlatformState, req: Request, res: Response): { id: string; userId: string; sesskey: string } | undefined {
  const as = typeof req.query.loginas === 'string' ? req.query.loginas : undefined;
  if (as !== undefined && state.model.users.has(as)) {
    const current = sessionOf(state, req);
    if (current && current.userId === as) return current;
    const id = state.newSession(as);
    // Moodle on http sets its session cookie without SameSite (doc §3).
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${id}; path=/; HttpOnly`);
    const s = state.sessions.get(id);
    return s ? { id, ...s } : undefined;
  }
  return sessionOf(state, req);
}

/** Who may open the activity: site admins, category managers, active enrolments. */
export function canView(state: PlatformState, user: User, courseId: string): boolean {
  if (user.siteAdmin || state.model.categoryManagers.has(user.id)) return true;
  const e = state.model.enrolment(courseId, user.id);
  return e !== undefined && !e.suspended;
}

function toolOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function pageShell(state: PlatformState, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>${escapeHtml(title)} | ${escapeHtml(state.siteName)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2125}
header{background:#fff;border-bottom:1px solid #dee2e6;padding:.6rem 1.2rem;display:flex;gap:1rem;align-items:center}
header a{color:#0f6cbf;text-decoration:none;font-weight:600}
main{padding:1rem 1.2rem}
h2{margin:.2rem 0 .8rem;font-size:1.25rem}
#contentframe{width:100%;height:calc(100vh - 140px);border:1px solid #dee2e6;background:#fff}
.muted{color:#6a737b;font-size:.9rem}
</style></head><body>
<header><a href="/">${escapeHtml(state.siteName)}</a><span class="muted">${escapeHtml(state.siteDescription)}</span></header>
<main>${body}</main></body></html>
`;
}

function pendingToolError(state: PlatformState, res: Response): void {
  // Documented choice: Moodle hides a Pending tool type from courses; we refuse to launch it.
  moodleErrorPage(res, {
    status: 403,
    siteName: state.siteName,
    message: 'This tool is pending: a site administrator must activate it before it can be launched.',
    errorCode: 'tooltypepending',
  });
}

export function createLaunch(
  state: PlatformState,
  userId: string,
  activity: Activity,
  sessionId: string,
  messageType: PendingLaunch['messageType'],
): PendingLaunch {
  const launchId =
    messageType === 'LtiDeepLinkingRequest'
      ? `ltilaunch_ContentItemSelectionRequest${randomInt(100000000, 999999999)}`
      : `ltilaunch${activity.instanceId}_${randomInt(100000000, 2000000000)}`;
  const l: PendingLaunch = {
    launchId,
    userId,
    cmid: activity.cmid,
    courseId: activity.courseId,
    toolTypeId: activity.toolTypeId,
    messageType,
    sessionId,
    createdAt: Date.now(),
  };
  state.launches.set(launchId, l);
  return l;
}

export function oidcRouter(state: PlatformState): Router {
  const r = express.Router();
  const m = state.model;

  r.get('/mod/lti/view.php', (req, res) => {
    const cmid = String(req.query.id ?? '');
    const activity = m.activities.get(cmid);
    if (!activity) return moodleErrorPage(res, { siteName: state.siteName, message: 'Invalid course module ID', errorCode: 'invalidcoursemodule' });
    const session = loginAs(state, req, res);
    const user = session ? m.users.get(session.userId) : undefined;
    if (!session || !user) return res.redirect(303, '/');
    // launch-errors/student-suspended.json: suspended (or not enrolled) → enrol page, no launch.
    if (!canView(state, user, activity.courseId)) return res.redirect(303, `/enrol/index.php?id=${activity.courseId}`);
    const tool = m.tools.get(activity.toolTypeId);
    if (!tool) return moodleErrorPage(res, { siteName: state.siteName, message: 'Tool not found', errorCode: 'tooltypenotfound' });
    if (tool.state !== 'active') return pendingToolError(state, res);
    const course = m.courses.get(activity.courseId);
    const launchUrl = `${state.url}/mod/lti/launch.php?id=${cmid}&triggerview=0`;
    const origin = toolOrigin(tool.targetLinkUri);
    const container = activity.container ?? tool.container;
    const heading = `<p class="muted">${escapeHtml(course?.fullname ?? '')} · ${escapeHtml(user.familyName)} ${escapeHtml(user.givenName)}</p><h2>${escapeHtml(activity.title)}</h2>`;
    if (container === 'window') {
      // browser-flows/flow-teacher-newwindow-container.json: window.open with a literal &amp; + fallback link.
      const body = `${heading}<p>Your activity has opened in a new window</p>
<p><a href="${escapeHtml(launchUrl)}" target="_blank">Open in new window</a></p>
<script>
//<![CDATA[
window.open('${escapeHtml(launchUrl)}','lti-${escapeHtml(cmid)}');//]]
</script>`;
      return res.type('html').send(pageShell(state, activity.title, body));
    }
    const allow = ['microphone', 'camera', 'geolocation', 'midi', 'encrypted-media', 'autoplay'].map((f) => `${f} ${origin}`).join('; ');
    const body = `${heading}<iframe id="contentframe" height="600px" width="100%" src="${escapeHtml(launchUrl)}" allow="${escapeHtml(allow)}"></iframe>`;
    res.type('html').send(pageShell(state, activity.title, body));
  });

  r.get('/mod/lti/launch.php', (req, res) => {
    const cmid = String(req.query.id ?? '');
    const activity = m.activities.get(cmid);
    if (!activity) return moodleErrorPage(res, { siteName: state.siteName, message: 'Invalid course module ID', errorCode: 'invalidcoursemodule' });
    const session = loginAs(state, req, res);
    const user = session ? m.users.get(session.userId) : undefined;
    if (!session || !user) return res.redirect(303, '/');
    if (!canView(state, user, activity.courseId)) return res.redirect(303, `/enrol/index.php?id=${activity.courseId}`);
    const tool = m.tools.get(activity.toolTypeId);
    if (!tool) return moodleErrorPage(res, { siteName: state.siteName, message: 'Tool not found', errorCode: 'tooltypenotfound' });
    if (tool.state !== 'active') return pendingToolError(state, res);
    const messageType = req.query.messagetype === 'LtiDeepLinkingRequest' ? 'LtiDeepLinkingRequest' : 'LtiResourceLinkRequest';
    const launch = createLaunch(state, user.id, activity, session.id, messageType);
    const hint = messageType === 'LtiDeepLinkingRequest' ? { launchid: launch.launchId } : { cmid: Number(cmid), launchid: launch.launchId };
    res.type('html').send(
      autoSubmitForm('ltiInitiateLoginForm', tool.loginUrl, {
        iss: state.url,
        target_link_uri: tool.targetLinkUri,
        login_hint: user.id,
        lti_message_hint: JSON.stringify(hint),
        client_id: tool.clientId,
        lti_deployment_id: tool.deploymentId,
      }),
    );
  });

  const auth = async (req: Request, res: Response): Promise<void> => {
    const q: Record<string, unknown> = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown> | undefined) ?? {}) };
    const p = (k: string): string => (typeof q[k] === 'string' ? (q[k] as string) : '');
    const invalid = (): void =>
      moodleErrorPage(res, { siteName: state.siteName, message: 'Invalid request', errorCode: 'invalidrequest' });
    // launch-errors/fault-no-nonce.json: a missing required parameter ends on the HTML error page.
    for (const k of ['scope', 'response_type', 'client_id', 'redirect_uri', 'login_hint', 'nonce']) {
      if (p(k) === '') return invalid();
    }
    let hint: unknown;
    try {
      hint = JSON.parse(p('lti_message_hint'));
    } catch {
      return invalid();
    }
    const launchId = hint && typeof hint === 'object' ? (hint as { launchid?: unknown }).launchid : undefined;
    const launch = typeof launchId === 'string' ? state.launches.get(launchId) : undefined;
    // launch-errors/replay-auth-same-message-hint.json: lti_message_hint is single use.
    if (!launch) return invalid();
    state.launches.delete(launch.launchId);
    const tool = m.tools.get(launch.toolTypeId);
    if (!tool) return invalid();
    // launch-errors/fault-redirect-unregistered.json: unregistered redirect_uri → HTML page, nothing posted.
    const redirectUri = p('redirect_uri');
    if (!tool.redirectUris.includes(redirectUri)) return invalid();
    if (tool.state !== 'active') return pendingToolError(state, res);

    const session = sessionOf(state, req);
    // The browser's Moodle session decides who the current user is; without the cookie (Moodle's
    // "repost" fallback) we use the user the launch was started for.
    const currentUser = session?.userId ?? launch.userId;
    let error: string | undefined;
    let desc: string | undefined;
    if (p('scope') !== 'openid') error = 'invalid_scope';
    else if (p('response_type') !== 'id_token') error = 'unsupported_response_type';
    else if (p('client_id') !== tool.clientId) error = 'unauthorized_client';
    else if (p('login_hint') !== currentUser) error = 'access_denied'; // launch-errors/fault-wrong-login-hint.json
    else if (p('response_mode') !== 'form_post') {
      error = 'invalid_request'; // launch-errors/fault-response-mode-query.json
      desc = 'Invalid response_mode';
    } else if (p('prompt') !== '' && p('prompt') !== 'none') {
      error = 'invalid_request'; // launch-errors/fault-prompt-login.json
      desc = 'Invalid prompt';
    }
    const params: Record<string, string> = {};
    if (error) {
      params.error = error;
      if (desc) params.error_description = desc;
    } else {
      const sesskey = state.sessions.get(launch.sessionId)?.sesskey;
      const payload = buildPayload(state, currentUser, launch.cmid, p('nonce'), { messageType: launch.messageType, ...(sesskey ? { sesskey } : {}) });
      params.id_token = await signJwt(payload, state.key);
    }
    if (p('state') !== '') params.state = p('state');
    res.type('html').send(autoSubmitForm('ltiAuthForm', redirectUri, params));
  };
  r.get('/mod/lti/auth.php', (req, res, next) => {
    auth(req, res).catch(next);
  });
  r.post('/mod/lti/auth.php', express.urlencoded({ extended: false }), (req, res, next) => {
    auth(req, res).catch(next);
  });

  r.get('/enrol/index.php', (req, res) => {
    const course = m.courses.get(String(req.query.id ?? ''));
    res
      .type('html')
      .send(pageShell(state, 'Enrolment options', `<h2>${escapeHtml(course?.fullname ?? '')}</h2><p>Enrolment options</p><p>You cannot enrol yourself in this course.</p><p><a href="/">Continue</a></p>`));
  });

  r.get('/mod/lti/return.php', (req, res) => {
    const course = m.courses.get(String(req.query.course ?? ''));
    res.type('html').send(pageShell(state, 'Return', `<h2>${escapeHtml(course?.fullname ?? '')}</h2><p>Đã quay về LMS.</p><p><a href="/">Về trang chủ</a></p>`));
  });

  // Deep Linking response (LtiDeepLinkingResponse JWT signed by the tool).
  r.post('/mod/lti/contentitem_return.php', express.urlencoded({ extended: false }), (req, res, next) => {
    (async () => {
      const typeId = String(req.query.id ?? '');
      const courseId = String(req.query.course ?? '');
      const jwt = typeof (req.body as Record<string, unknown>)?.JWT === 'string' ? ((req.body as Record<string, string>).JWT as string) : '';
      const tool = m.tools.get(typeId);
      let payload: Record<string, unknown> | null = null;
      let error: string | undefined;
      if (!tool || jwt === '') error = 'missing JWT or tool';
      else {
        try {
          payload = (await verifyToolJwt(state, tool, jwt)) as Record<string, unknown>;
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
          try {
            payload = decodeJwt(jwt) as Record<string, unknown>;
          } catch {
            payload = null;
          }
        }
      }
      state.deepLinkingReturns.push({ toolTypeId: typeId, courseId, receivedAt: Date.now(), jwt, payload, ...(error ? { error } : {}) });
      if (error) return moodleErrorPage(res, { status: 400, siteName: state.siteName, message: error, errorCode: 'invalidrequest' });
      res.type('html').send(pageShell(state, 'Deep Linking', `<h2>Đã nhận nội dung từ công cụ</h2><pre>${escapeHtml(JSON.stringify(payload, null, 2))}</pre>`));
    })().catch(next);
  });

  return r;
}
