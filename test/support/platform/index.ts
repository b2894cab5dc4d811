import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { buildPayload } from './claims';
import { CookieJar } from './cookie-jar';
import { demoRouter } from './demo-page';
import { dynamicRegistrationUrl, dynregRouter } from './dynreg';
import { Faults, type FaultSpec } from './faults';
import { nowSeconds, parseTimestamp } from './http-util';
import { generatePlatformKey, jwksOf, signJwt } from './keys';
import { DEFAULT_PERMITTED_SCOPES, moodleClientId, type Container, type CourseRole, type ToolRegistration } from './model';
import { oidcRouter, SESSION_COOKIE } from './oidc';
import { servicesRouter } from './services';
import { PlatformState } from './state';
import { tokenRouter } from './token';
import { browse, type LaunchResult } from './launch-client';

export { CookieJar } from './cookie-jar';
export type { LaunchResult, LaunchStep } from './launch-client';
export type { FaultSpec } from './faults';
export type { ToolRegistration, CourseRole, Container } from './model';
export { SCOPE, AGS_SCOPES } from './model';
export { CLAIM, ROLE } from './claims';
export { fromWireLatin1 } from './http-util';

export interface StartPlatformOptions {
  port?: number;
  host?: string;
  /** Site short name (tool_platform.name). Default "LTITEST" like the fixtures. */
  name?: string;
  /** Site full name (tool_platform.description). */
  description?: string;
}

export interface LaunchOptions {
  jar?: CookieJar;
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  /** Default: embedded when the activity's container is 'iframe', top-level for 'window'. */
  embedded?: boolean;
  /** Rewrite the auth request the tool produced before following it (fault cases of launch-errors/). */
  tamperAuthRequest?: (url: URL) => URL | void;
}

export interface GradebookColumn {
  itemId: string;
  label: string;
  scoreMaximum: number;
  resourceId: string;
  tag: string;
  resourceLinkId: string;
  grades: Array<{ userId: string; score: number | null; comment?: string; timestamp: string }>;
}

export interface TestPlatform {
  readonly url: string;
  readonly issuer: string;
  readonly endpoints: { auth: string; token: string; jwks: string; openidConfiguration: string; registration: string };
  /** kid of the platform signing key (certs.php). */
  readonly kid: string;
  close(): Promise<void>;

  addUser(u: { id: string; username: string; givenName: string; familyName: string; email?: string; idnumber?: string; siteAdmin?: boolean }): void;
  addCourse(c: { id: string; shortname: string; fullname: string; idnumber?: string; category?: string }): void;
  enrol(courseId: string, userId: string, role: CourseRole, opts?: { suspended?: boolean }): void;
  addCategoryManager(userId: string, opts?: { ltiAdminCapability?: boolean }): void;
  registerTool(t: {
    clientId?: string;
    deploymentId?: string;
    name?: string;
    loginUrl: string;
    redirectUris: string[];
    targetLinkUri: string;
    jwksUrl: string;
    customParams?: Record<string, string>;
    container?: Container;
    /** Scopes the token endpoint grants (default: the 4 AGS scopes + NRPS, like the fixtures' manual tool). */
    permittedScopes?: string[];
  }): ToolRegistration;
  addActivity(
    courseId: string,
    a: { toolClientId: string; instanceId: string; cmid: string; title: string; gradeMax?: number | null; custom?: Record<string, string>; container?: Container },
  ): void;
  /** A grade item that is not the tool's (course total, another activity, a manual column): AGS answers 404. Returns its id. */
  addManualGradeItem(courseId: string, label: string, scoreMaximum: number): string;

  launchPageUrl(userId: string, cmid: string): string;
  launch(userId: string, cmid: string, opts?: LaunchOptions): Promise<LaunchResult>;
  signIdToken(payload: Record<string, unknown>, opts?: { kid?: string; key?: 'platform' | 'foreign'; alg?: string }): Promise<string>;
  buildIdTokenPayload(userId: string, cmid: string, nonce: string, overrides?: Record<string, unknown>): Record<string, unknown>;

  dynamicRegistrationUrl(toolRegistrationUrl: string, opts?: { updateClientId?: string }): Promise<string>;
  activateTool(clientId: string): void;
  tool(clientId: string): ToolRegistration | undefined;
  /** Deep Linking responses received at contentitem_return.php. */
  deepLinkingReturns(): ReadonlyArray<{ toolTypeId: string; courseId: string; jwt: string; payload: Record<string, unknown> | null; error?: string }>;

  stats(): { tokenRequests: number; nrpsRequests: number; agsRequests: number; scorePosts: number };
  resetStats(): void;
  gradebook(courseId: string): GradebookColumn[];
  setGrade(
    courseId: string,
    itemId: string,
    userId: string,
    score: number | null,
    opts?: { teacherOverride?: boolean; comment?: string | null; timestamp?: Date | string | number },
  ): void;
  inject(f: FaultSpec): void;
  clearFaults(): void;
}

export async function startPlatform(opts: StartPlatformOptions = {}): Promise<TestPlatform> {
  const [key, foreignKey] = await Promise.all([generatePlatformKey(), generatePlatformKey()]);
  const state = new PlatformState(
    key,
    foreignKey,
    opts.name ?? 'LTITEST',
    opts.description ?? 'Truong THCS Thu Nghiem (local LTI platform)',
  );
  const m = state.model;
  const faults = new Faults();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const launchPageUrl = (userId: string, cmid: string): string =>
    `${state.url}/mod/lti/view.php?id=${encodeURIComponent(cmid)}&loginas=${encodeURIComponent(userId)}`;

  // Count what arrives (faulted requests included), then apply faults.
  app.use((req, _res, next) => {
    const p = req.path;
    if (p === '/mod/lti/token.php' && req.method === 'POST') state.stats.tokenRequests++;
    else if (p.startsWith('/mod/lti/services.php/')) {
      if (p.includes('/memberships')) state.stats.nrpsRequests++;
      else {
        state.stats.agsRequests++;
        if (req.method === 'POST' && p.endsWith('/scores')) state.stats.scorePosts++;
      }
    }
    next();
  });
  app.use(faults.middleware(() => state.url));
  app.get('/mod/lti/certs.php', (_req, res) => {
    res.type('application/json; charset=utf-8').send(JSON.stringify(jwksOf(key)));
  });
  app.use(tokenRouter(state));
  app.use(servicesRouter(state));
  app.use(oidcRouter(state));
  app.use(dynregRouter(state, () => undefined));
  app.use(demoRouter(state, launchPageUrl));

  const host = opts.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, host, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  state.url = `http://${host}:${port}`;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const activityOrThrow = (cmid: string) => {
    const a = m.activities.get(cmid);
    if (!a) throw new Error(`unknown activity cmid ${cmid}`);
    return a;
  };

  const platform: TestPlatform = {
    get url() {
      return state.url;
    },
    get issuer() {
      return state.url;
    },
    get endpoints() {
      return state.endpoints();
    },
    kid: key.kid,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),

    addUser(u) {
      m.addUser({
        id: u.id,
        username: u.username,
        givenName: u.givenName,
        familyName: u.familyName,
        email: u.email ?? `${u.username}@example.test`,
        idnumber: u.idnumber ?? '',
        siteAdmin: u.siteAdmin ?? false,
      });
    },
    addCourse(c) {
      m.addCourse({ id: c.id, shortname: c.shortname, fullname: c.fullname, idnumber: c.idnumber ?? '', category: c.category ?? '' });
    },
    enrol(courseId, userId, role, o) {
      if (!m.courses.has(courseId)) throw new Error(`unknown course ${courseId}`);
      if (!m.users.has(userId)) throw new Error(`unknown user ${userId}`);
      m.enrol(courseId, userId, role, o?.suspended ?? false);
    },
    addCategoryManager(userId, o) {
      if (!m.users.has(userId)) throw new Error(`unknown user ${userId}`);
      m.categoryManagers.set(userId, { userId, ltiAdminCapability: o?.ltiAdminCapability ?? false });
    },
    registerTool(t) {
      const typeId = t.deploymentId ?? m.newTypeId();
      if (m.tools.has(typeId)) throw new Error(`tool type ${typeId} exists`);
      const tool: ToolRegistration = {
        typeId,
        clientId: t.clientId ?? moodleClientId(),
        deploymentId: typeId,
        name: t.name ?? 'Sổ Điểm',
        description: '',
        loginUrl: t.loginUrl,
        redirectUris: [...t.redirectUris],
        targetLinkUri: t.targetLinkUri,
        jwksUrl: t.jwksUrl,
        customParams: { ...(t.customParams ?? {}) },
        container: t.container ?? 'iframe',
        state: 'active',
        permittedScopes: [...(t.permittedScopes ?? DEFAULT_PERMITTED_SCOPES)],
        origin: 'manual',
      };
      m.tools.set(typeId, tool);
      return tool;
    },
    addActivity(courseId, a) {
      if (!m.courses.has(courseId)) throw new Error(`unknown course ${courseId}`);
      const tool = m.toolByClientId(a.toolClientId);
      if (!tool) throw new Error(`unknown tool client id ${a.toolClientId}`);
      if (m.activities.has(a.cmid)) throw new Error(`cmid ${a.cmid} exists`);
      m.noteInstanceId(a.instanceId);
      m.activities.set(a.cmid, {
        courseId,
        toolTypeId: tool.typeId,
        instanceId: a.instanceId,
        cmid: a.cmid,
        title: a.title,
        custom: { ...(a.custom ?? {}) },
        container: a.container,
      });
      if (a.gradeMax !== undefined && a.gradeMax !== null) {
        const id = m.newGradeItemId();
        m.gradeItems.set(id, {
          id,
          courseId,
          label: a.title,
          scoreMaximum: a.gradeMax,
          kind: 'activity',
          instanceId: a.instanceId,
          toolTypeId: null,
          resourceId: '',
          tag: '',
        });
      }
    },
    addManualGradeItem(courseId, label, scoreMaximum) {
      const id = m.newGradeItemId();
      m.gradeItems.set(id, { id, courseId, label, scoreMaximum, kind: 'manual', instanceId: null, toolTypeId: null, resourceId: '', tag: '' });
      return id;
    },

    launchPageUrl,
    async launch(userId, cmid, o = {}) {
      const a = activityOrThrow(cmid);
      const tool = m.tools.get(a.toolTypeId);
      const embedded = o.embedded ?? (a.container ?? tool?.container ?? 'iframe') === 'iframe';
      const jar = o.jar ?? new CookieJar();
      // "Log in" to the LMS: the MoodleSession cookie of a top-level page.
      if (!m.users.has(userId)) throw new Error(`unknown user ${userId}`);
      const sessionId = state.newSession(userId);
      jar.setFromResponse(`${state.url}/`, [`${SESSION_COOKIE}=${sessionId}; path=/; HttpOnly`], {
        topHost: new URL(state.url).hostname,
        embedded: false,
        initiatorHost: new URL(state.url).hostname,
        method: 'GET',
      });
      const dl = o.messageType === 'LtiDeepLinkingRequest' ? '&messagetype=LtiDeepLinkingRequest' : '';
      return browse(state.url, `${state.url}/mod/lti/launch.php?id=${encodeURIComponent(cmid)}&triggerview=0${dl}`, {
        jar,
        embedded,
        ...(o.tamperAuthRequest ? { tamperAuthRequest: o.tamperAuthRequest } : {}),
      });
    },
    async signIdToken(payload, o = {}) {
      const k = o.key === 'foreign' ? foreignKey : key;
      // 'foreign' signs with another key but (by default) the platform's kid: a forged token.
      return signJwt(payload, k, { kid: o.kid ?? key.kid, ...(o.alg ? { alg: o.alg } : {}) });
    },
    buildIdTokenPayload(userId, cmid, nonce, overrides = {}) {
      const p = buildPayload(state, userId, cmid, nonce);
      for (const [k, v] of Object.entries(overrides)) {
        if (v === undefined) delete p[k];
        else p[k] = v;
      }
      return p;
    },

    dynamicRegistrationUrl(toolRegistrationUrl, o) {
      const update = o?.updateClientId ? m.toolByClientId(o.updateClientId)?.typeId : undefined;
      return dynamicRegistrationUrl(state, toolRegistrationUrl, update);
    },
    activateTool(clientId) {
      const t = m.toolByClientId(clientId);
      if (!t) throw new Error(`unknown tool client id ${clientId}`);
      t.state = 'active';
    },
    tool(clientId) {
      return m.toolByClientId(clientId);
    },
    deepLinkingReturns() {
      return state.deepLinkingReturns;
    },

    stats() {
      return { ...state.stats };
    },
    resetStats() {
      state.stats.tokenRequests = 0;
      state.stats.nrpsRequests = 0;
      state.stats.agsRequests = 0;
      state.stats.scorePosts = 0;
    },
    gradebook(courseId) {
      return [...m.gradeItems.values()]
        .filter((g) => g.courseId === courseId)
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((g) => ({
          itemId: g.id,
          label: g.label,
          scoreMaximum: g.scoreMaximum,
          resourceId: g.resourceId,
          tag: g.tag,
          resourceLinkId: g.instanceId ?? '',
          grades: [...(m.grades.get(g.id)?.entries() ?? [])]
            .sort(([x], [y]) => Number(x) - Number(y))
            .map(([userId, gr]) => ({
              userId,
              score: gr.score,
              ...(gr.comment ? { comment: gr.comment } : {}),
              timestamp: new Date(gr.timemodified * 1000).toISOString(),
            })),
        }));
    },
    setGrade(courseId, itemId, userId, score, o = {}) {
      const gi = m.gradeItems.get(itemId);
      if (!gi || gi.courseId !== courseId) throw new Error(`no grade item ${itemId} in course ${courseId}`);
      let ts = nowSeconds();
      if (o.timestamp instanceof Date) ts = Math.floor(o.timestamp.getTime() / 1000);
      else if (typeof o.timestamp === 'number') ts = Math.floor(o.timestamp);
      else if (typeof o.timestamp === 'string') ts = parseTimestamp(o.timestamp) ?? ts;
      const prev = m.gradesOf(itemId).get(userId);
      m.gradesOf(itemId).set(userId, {
        score,
        comment: o.comment !== undefined ? o.comment : (prev?.comment ?? null),
        timemodified: ts,
        // A teacher override only exists on activity grade items (manual columns are just edited).
        overridden: (o.teacherOverride ?? false) && gi.kind === 'activity',
      });
    },
    inject(f) {
      faults.add(f);
    },
    clearFaults() {
      faults.clear();
    },
  };
  return platform;
}
