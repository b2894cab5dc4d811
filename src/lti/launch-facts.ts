/**
 * What Sổ Điểm keeps from a validated launch, extracted from ltijs' res.locals. Names: family and
 * given names are kept apart; `name` is never trusted for order (Moodle's launch and NRPS differ).
 */
export interface LaunchFacts {
  issuer: string;
  clientId: string;
  platformKid: string;
  deploymentId: string;
  sub: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  personCode: string | null;
  ltiRoles: string[];
  messageType: string;
  context: { id: string; label: string; title: string } | null;
  courseIdnumber: string | null;
  resourceLinkId: string | null;
  custom: Record<string, string>;
  ags: { lineitems: string | null; lineitem: string | null; scopes: string[] } | null;
  nrpsUrl: string | null;
}

type Loose = Record<string, any>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export function launchFactsFromLtijs(token: Loose, context: Loose): LaunchFacts {
  const ctx = context.context as Loose | undefined;
  const lis = (context.lis ?? {}) as Loose;
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries((context.custom ?? {}) as Loose)) if (typeof v === 'string') custom[k] = v;
  const endpoint = context.endpoint as Loose | undefined;
  return {
    issuer: String(token.iss),
    clientId: String(token.clientId),
    platformKid: String(token.platformId),
    deploymentId: String(token.deploymentId),
    sub: String(token.user),
    givenName: str(token.userInfo?.given_name),
    familyName: str(token.userInfo?.family_name),
    email: str(token.userInfo?.email),
    personCode: str(lis.person_sourcedid),
    ltiRoles: Array.isArray(context.roles) ? context.roles.filter((r: unknown): r is string => typeof r === 'string') : [],
    messageType: String(context.messageType ?? ''),
    context: ctx && str(ctx.id) ? { id: String(ctx.id), label: str(ctx.label) ?? '', title: str(ctx.title) ?? '' } : null,
    courseIdnumber: str(lis.course_section_sourcedid) ?? str(custom.course_idnumber),
    resourceLinkId: str(context.resource?.id),
    custom,
    ags: endpoint
      ? { lineitems: str(endpoint.lineitems), lineitem: str(endpoint.lineitem), scopes: Array.isArray(endpoint.scope) ? endpoint.scope.map(String) : [] }
      : null,
    nrpsUrl: str(context.namesRoles?.context_memberships_url),
  };
}
