import { createHmac, randomBytes } from 'node:crypto';
import type { PlatformKey } from './keys';
import { Model } from './model';

/** A pending OIDC launch (Moodle keeps it in $SESSION under the launchid). */
export interface PendingLaunch {
  launchId: string;
  userId: string;
  cmid: string;
  courseId: string;
  toolTypeId: string;
  messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  sessionId: string;
  createdAt: number;
}

export interface AccessToken {
  token: string;
  toolTypeId: string;
  scopes: string[];
  expiresAt: number; // unix seconds
}

export interface Stats {
  tokenRequests: number;
  nrpsRequests: number;
  agsRequests: number;
  scorePosts: number;
}

export interface DeepLinkingReturn {
  toolTypeId: string;
  courseId: string;
  receivedAt: number;
  jwt: string;
  payload: Record<string, unknown> | null;
  error?: string;
}

export class PlatformState {
  url = '';
  readonly model = new Model();
  /** Moodle-ish `$CFG->siteidentifier`-based guid (32 hex) — tool_platform.guid. */
  readonly guid = randomBytes(16).toString('hex');
  /** HMAC secret for the basic-outcome sourcedid hash. */
  private readonly salt = randomBytes(32);
  readonly sessions = new Map<string, { userId: string; sesskey: string }>();
  readonly launches = new Map<string, PendingLaunch>();
  readonly tokens = new Map<string, AccessToken>();
  /** tool typeId -> cached JWKS */
  readonly toolJwks = new Map<string, { keys: unknown[] }>();
  /** future client ids handed out in registration tokens, and whether used */
  readonly registrationTokens = new Map<string, { used: boolean; updateTypeId?: string }>();
  readonly deepLinkingReturns: DeepLinkingReturn[] = [];
  readonly stats: Stats = { tokenRequests: 0, nrpsRequests: 0, agsRequests: 0, scorePosts: 0 };

  constructor(
    readonly key: PlatformKey,
    readonly foreignKey: PlatformKey,
    readonly siteName: string,
    readonly siteDescription: string,
  ) {}

  hash(data: string): string {
    return createHmac('sha256', this.salt).update(data).digest('hex');
  }

  newSession(userId: string): string {
    const id = randomBytes(16).toString('hex');
    this.sessions.set(id, { userId, sesskey: randomBytes(5).toString('base64url').slice(0, 10) });
    return id;
  }

  endpoints(): { auth: string; token: string; jwks: string; openidConfiguration: string; registration: string } {
    return {
      auth: `${this.url}/mod/lti/auth.php`,
      token: `${this.url}/mod/lti/token.php`,
      jwks: `${this.url}/mod/lti/certs.php`,
      openidConfiguration: `${this.url}/mod/lti/openid-configuration.php`,
      registration: `${this.url}/mod/lti/openid-registration.php`,
    };
  }
}
