/**
 * Our own typings for the parts of ltijs 5.9.9 we use (do not install @types/ltijs: it describes 4.x,
 * pulls @types/express@5 and patches Response.locals globally). Written from ltijs' dist/ source;
 * see docs/ltijs-on-postgres.md §1. Only files in src/lti/ may import 'ltijs'.
 */
declare module 'ltijs' {
  import type { Express, NextFunction, Request, Response } from 'express';

  // ---- Database plugin (Utils/Database.js contract; our implementation: src/lti/pg-lti-store.ts) ----

  /** ltijs passes its ENCRYPTIONKEY or `false`; plugins treat it as the "encrypted collection" flag. */
  export type DatabaseKeyFlag = unknown;
  export interface DatabasePlugin {
    setup(): Promise<unknown>;
    Close(): Promise<unknown>;
    Get(key: DatabaseKeyFlag, collection: string, query?: Record<string, unknown>): Promise<Array<Record<string, unknown>> | false>;
    Insert(key: DatabaseKeyFlag, collection: string, item: Record<string, unknown>, index?: Record<string, unknown>): Promise<unknown>;
    Replace(
      key: DatabaseKeyFlag,
      collection: string,
      query: Record<string, unknown>,
      item: Record<string, unknown>,
      index?: Record<string, unknown>,
    ): Promise<unknown>;
    Modify(key: DatabaseKeyFlag, collection: string, query: Record<string, unknown>, modification: Record<string, unknown>): Promise<unknown>;
    /** Called without await by ltijs: must never reject. */
    Delete(collection: string, query: Record<string, unknown>): Promise<unknown>;
  }

  export type DatabaseConfig =
    | { plugin: DatabasePlugin }
    | { url: string; connection?: Record<string, unknown>; debug?: boolean };

  // ---- setup options (Provider.js:141-560) ----

  export interface DynRegOptions {
    /** Tool base URL including the mount prefix, e.g. https://host/lti */
    url: string;
    name: string;
    logo?: string;
    description?: string;
    redirectUris?: string[];
    customParameters?: Record<string, string>;
    autoActivate?: boolean;
    useDeepLinking?: boolean;
  }

  export interface CookieOptions {
    secure?: boolean;
    sameSite?: 'None' | 'Lax' | 'Strict' | 'none' | 'lax' | 'strict';
    domain?: string;
  }

  export interface ProviderOptions {
    appRoute?: string;
    appUrl?: string;
    loginRoute?: string;
    loginUrl?: string;
    keysetRoute?: string;
    keysetUrl?: string;
    dynRegRoute?: string;
    devMode?: boolean;
    ltiaas?: boolean;
    /** Seconds an id_token's iat may be old; false disables the check. Default 10. */
    tokenMaxAge?: number | false;
    https?: boolean;
    ssl?: { key: string; cert: string };
    staticPath?: string;
    /** Default true reflects any Origin with credentials: set false. */
    cors?: boolean;
    cookies?: CookieOptions;
    serverAddon?: (app: Express) => void;
    dynReg?: DynRegOptions;
  }

  export interface DeployOptions {
    port?: number;
    silent?: boolean;
    serverless?: boolean;
  }

  // ---- platforms (Utils/Platform.js) ----

  export type AuthConfigMethod = 'RSA_KEY' | 'JWK_KEY' | 'JWK_SET';
  export interface AuthConfig {
    method: AuthConfigMethod;
    key: string;
  }

  export interface PlatformRegistration {
    url: string;
    name: string;
    clientId: string;
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authorizationServer?: string;
    authConfig: AuthConfig;
  }

  export interface PlatformUpdate {
    url?: string;
    clientId?: string;
    name?: string;
    authenticationEndpoint?: string;
    accesstokenEndpoint?: string;
    authorizationServer?: string;
    authConfig?: Partial<AuthConfig>;
  }

  export interface PlatformJSON {
    id: string;
    url: string;
    clientId: string;
    name: string;
    authenticationEndpoint: string;
    accesstokenEndpoint: string;
    authorizationServer: string;
    authConfig: AuthConfig;
    publicKey: string;
    active: boolean;
  }

  export interface AccessToken {
    access_token: string;
    token_type: string;
    expires_in: number;
    scope: string;
  }

  /** All getters are async; passing a value sets it (and persists it). */
  export interface Platform {
    platformUrl(): Promise<string>;
    platformClientId(): Promise<string>;
    platformName(name?: string): Promise<string>;
    /** The id IS the kid of the tool key pair for this platform. */
    platformId(): Promise<string>;
    platformKid(): Promise<string>;
    /** true when no status row exists. */
    platformActive(active?: boolean): Promise<boolean>;
    platformAuthConfig(method?: AuthConfigMethod, key?: string): Promise<AuthConfig>;
    platformAuthenticationEndpoint(endpoint?: string): Promise<string>;
    platformAccessTokenEndpoint(endpoint?: string): Promise<string>;
    platformAuthorizationServer(server?: string): Promise<string>;
    platformPublicKey(): Promise<string>;
    platformPrivateKey(): Promise<string>;
    platformAccessToken(scopes: string): Promise<AccessToken>;
    platformJSON(): Promise<PlatformJSON>;
    delete(): Promise<true>;
  }

  // ---- launch data (res.locals after a launch, §1.7) ----

  export interface AgsEndpoint {
    scope?: string[];
    lineitems?: string;
    lineitem?: string;
  }

  export interface NamesRolesClaim {
    context_memberships_url: string;
    service_versions?: string[];
  }

  export interface DeepLinkingSettings {
    deep_link_return_url: string;
    accept_types: string[];
    accept_presentation_document_targets?: string[];
    accept_media_types?: string;
    accept_multiple?: boolean;
    auto_create?: boolean;
    title?: string;
    text?: string;
    data?: string;
  }

  export interface PlatformContext {
    contextId: string;
    user: string;
    context?: { id: string; label?: string; title?: string; type?: string[] };
    resource?: { id: string; title?: string; description?: string };
    messageType: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
    version: string;
    deepLinkingSettings?: DeepLinkingSettings;
    lis?: Record<string, string | undefined>;
    path: string;
    roles: string[];
    targetLinkUri?: string;
    custom?: Record<string, string>;
    launchPresentation?: { document_target?: string; return_url?: string; locale?: string; width?: number; height?: number };
    endpoint?: AgsEndpoint;
    namesRoles?: NamesRolesClaim;
    createdAt?: string | number | Date;
  }

  /** The minimum the services read (§1.9): enough to call AGS/NRPS from a background job. */
  export interface ServiceIdToken {
    iss: string;
    clientId: string;
    user?: string;
    platformContext: {
      resource?: { id: string };
      endpoint?: AgsEndpoint;
      namesRoles?: NamesRolesClaim;
    };
  }

  export interface IdToken extends ServiceIdToken {
    user: string;
    userInfo: { given_name?: string; family_name?: string; name?: string; email?: string };
    platformInfo?: { guid?: string; name?: string; product_family_code?: string; version?: string; contact_email?: string; url?: string; description?: string };
    platformId: string;
    deploymentId: string;
    createdAt?: string | number | Date;
    platformContext: PlatformContext;
  }

  // ---- services ----

  export interface LineItem {
    id?: string;
    scoreMaximum: number;
    label: string;
    resourceId?: string;
    resourceLinkId?: string;
    tag?: string;
    startDateTime?: string;
    endDateTime?: string;
    gradesReleased?: boolean;
  }

  export interface LineItemsPage {
    lineItems: LineItem[];
    next?: string;
    prev?: string;
    first?: string;
    last?: string;
  }

  export interface Score {
    userId?: string;
    scoreGiven?: number;
    scoreMaximum?: number;
    comment?: string;
    activityProgress: 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
    gradingProgress: 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';
    /** Overwritten with "now" by submitScore. */
    timestamp?: string;
    [extension: string]: unknown;
  }

  export interface ResultItem {
    id: string;
    scoreOf: string;
    userId: string;
    resultScore?: number;
    resultMaximum?: number;
    comment?: string;
  }

  export interface ScoresPage {
    scores: ResultItem[];
    next?: string;
    prev?: string;
    first?: string;
    last?: string;
  }

  export interface GradeService {
    getLineItems(
      idtoken: ServiceIdToken,
      options?: { resourceLinkId?: boolean; resourceId?: string; tag?: string; limit?: number; id?: string; label?: string; url?: string },
      accessToken?: AccessToken,
    ): Promise<LineItemsPage>;
    createLineItem(idtoken: ServiceIdToken, lineItem: LineItem, options?: { resourceLinkId?: boolean }, accessToken?: AccessToken): Promise<LineItem>;
    getLineItemById(idtoken: ServiceIdToken, lineItemUrl: string, accessToken?: AccessToken): Promise<LineItem>;
    updateLineItemById(idtoken: ServiceIdToken, lineItemUrl: string, lineItem: Partial<LineItem>): Promise<LineItem>;
    deleteLineItemById(idtoken: ServiceIdToken, lineItemUrl: string): Promise<true>;
    /** Mutates `score` (userId from idtoken.user, timestamp = now). */
    submitScore(idtoken: ServiceIdToken, lineItemUrl: string, score: Score): Promise<Score>;
    getScores(idtoken: ServiceIdToken, lineItemUrl: string, options?: { userId?: string; limit?: number; url?: string }): Promise<ScoresPage>;
  }

  export interface Member {
    status?: 'Active' | 'Inactive' | 'Deleted';
    name?: string;
    picture?: string;
    given_name?: string;
    family_name?: string;
    middle_name?: string;
    email?: string;
    user_id: string;
    lis_person_sourcedid?: string;
    roles: string[];
    [extension: string]: unknown;
  }

  export interface MembersResult {
    id: string;
    context: { id: string; label?: string; title?: string };
    members: Member[];
    next?: string;
    differences?: string;
  }

  export interface NamesAndRolesService {
    /** `pages` defaults to 1: pass false to follow every next link. */
    getMembers(
      idtoken: ServiceIdToken,
      options?: { role?: string; limit?: number; pages?: number | false; url?: string; resourceLinkId?: boolean },
    ): Promise<MembersResult>;
  }

  export interface DynamicRegistrationService {
    register(openidConfiguration: string, registrationToken?: string, overrides?: Record<string, unknown>): Promise<string>;
  }

  export interface DeepLinkingService {
    createDeepLinkingForm(idtoken: IdToken, items: Array<Record<string, unknown>>, options?: { message?: string; errMessage?: string; log?: string; errLog?: string }): Promise<string>;
    createDeepLinkingMessage(idtoken: IdToken, items: Array<Record<string, unknown>>, options?: { message?: string; errMessage?: string; log?: string; errLog?: string }): Promise<string>;
  }

  // ---- the Provider singleton ----

  export type RequestCallback = (req: Request, res: Response, next: NextFunction) => unknown;
  export type ErrorCallback = (req: Request, res: Response) => unknown;
  export type ConnectCallback = (token: IdToken, req: Request, res: Response, next: NextFunction) => unknown;
  export type WhitelistEntry = string | RegExp | { route: string | RegExp; method: string };

  export interface RedirectOptions {
    newResource?: boolean;
    isNewResource?: boolean;
    query?: Record<string, string>;
  }

  export interface ProviderInstance {
    readonly app: Express;
    readonly Database: DatabasePlugin;
    readonly Grade: GradeService;
    readonly NamesAndRoles: NamesAndRolesService;
    readonly DeepLinking: DeepLinkingService;
    /** Present only when setup() received `dynReg`. */
    readonly DynamicRegistration?: DynamicRegistrationService;

    setup(encryptionKey: string, database: DatabaseConfig, options?: ProviderOptions): this;
    /** Installs a SIGINT handler that calls process.exit; exits with code 0 on failure. */
    deploy(options?: DeployOptions): Promise<true>;
    close(options?: { silent?: boolean }): Promise<true>;

    onConnect(cb: ConnectCallback): true;
    onDeepLinking(cb: ConnectCallback): true;
    onDynamicRegistration(cb: RequestCallback): true;
    onSessionTimeout(cb: ErrorCallback): true;
    onInvalidToken(cb: ErrorCallback): true;
    onUnregisteredPlatform(cb: ErrorCallback): true;
    onInactivePlatform(cb: ErrorCallback): true;

    appRoute(): string;
    loginRoute(): string;
    keysetRoute(): string;
    dynRegRoute(): string;
    whitelist(...routes: WhitelistEntry[]): true;

    registerPlatform(platform: PlatformRegistration): Promise<Platform>;
    getPlatform(url: string): Promise<Platform[] | false>;
    getPlatform(url: string, clientId: string): Promise<Platform | false>;
    getPlatformById(platformId: string): Promise<Platform | false>;
    updatePlatformById(platformId: string, info: PlatformUpdate): Promise<Platform | false>;
    deletePlatform(url: string, clientId: string): Promise<true>;
    deletePlatformById(platformId: string): Promise<true>;
    getAllPlatforms(): Promise<Platform[]>;

    redirect(res: Response, path: string, options?: RedirectOptions): Promise<void>;
  }

  export const Provider: ProviderInstance;
}
