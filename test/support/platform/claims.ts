import { randomInt } from 'node:crypto';
import type { Activity, Course, ToolRegistration, User } from './model';
import { AGS_SCOPES, SCOPE } from './model';
import type { PlatformState } from './state';
import { nowSeconds } from './http-util';

export const CLAIM = {
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  lis: 'https://purl.imsglobal.org/spec/lti/claim/lis',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  basicOutcome: 'https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome',
  ext: 'https://purl.imsglobal.org/spec/lti/claim/ext',
  launchPresentation: 'https://purl.imsglobal.org/spec/lti/claim/launch_presentation',
  toolPlatform: 'https://purl.imsglobal.org/spec/lti/claim/tool_platform',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
} as const;

export const ROLE = {
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  institutionAdmin: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  systemAdmin: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
} as const;

/** Moodle's platform version number (tool_platform.version) and release (openid-configuration). */
export const MOODLE_VERSION = '2024090300';
export const MOODLE_RELEASE = '4.5dev+ (Build: 20240903)';

/**
 * Launch roles per Moodle role (doc §4 table, launches/launch-*-iframe-via-view.php.json):
 * site admin or anyone with mod/lti:admin → institution Administrator + Instructor + system Administrator;
 * mod/lti:manage (editingteacher, teacher, category manager) → Instructor; student → Learner.
 */
export function launchRoles(state: PlatformState, user: User, courseId: string): string[] {
  const mgr = state.model.categoryManagers.get(user.id);
  if (user.siteAdmin || mgr?.ltiAdminCapability) {
    return [ROLE.institutionAdmin, ROLE.instructor, ROLE.systemAdmin];
  }
  const e = state.model.enrolment(courseId, user.id);
  if (mgr) return [ROLE.instructor];
  if (!e) return [];
  return e.role === 'student' ? [ROLE.learner] : [ROLE.instructor];
}

/** `name` follows fullnamedisplay = "lastname firstname" (launches: "Trần Thị Hoa"). */
export function launchFullName(u: User): string {
  return `${u.familyName} ${u.givenName}`;
}

export function membershipsUrl(state: PlatformState, courseId: string, typeId: string): string {
  return `${state.url}/mod/lti/services.php/CourseSection/${courseId}/bindings/${typeId}/memberships`;
}

export function lineitemsUrl(state: PlatformState, courseId: string, typeId: string): string {
  return `${state.url}/mod/lti/services.php/${courseId}/lineitems?type_id=${typeId}`;
}

export function lineitemUrl(state: PlatformState, courseId: string, itemId: string, typeId: string): string {
  return `${state.url}/mod/lti/services.php/${courseId}/lineitems/${itemId}/lineitem?type_id=${typeId}`;
}

/** The JSON string Moodle puts in lis_result_sourcedid. */
export function resultSourcedId(state: PlatformState, instanceId: string, userId: string, typeId: string): string {
  const data = { instanceid: instanceId, userid: userId, typeid: typeId, launchid: randomInt(100000000, 2000000000) };
  return JSON.stringify({ data, hash: state.hash(JSON.stringify(data)) });
}

export function basicOutcomeClaim(state: PlatformState, a: Activity, userId: string): Record<string, string> {
  return {
    lis_result_sourcedid: resultSourcedId(state, a.instanceId, userId, a.toolTypeId),
    lis_outcome_service_url: `${state.url}/mod/lti/service.php`,
  };
}

/** Custom parameter substitution (the variables Moodle expanded in the fixtures, plus a few simple ones). */
export function substitute(
  value: string,
  ctx: { user: User; course: Course; activity: Activity | undefined; state: PlatformState },
): string {
  const { user, course, activity } = ctx;
  const vars: Record<string, string> = {
    '$User.username': user.username,
    '$User.id': user.id,
    '$Person.sourcedId': user.idnumber,
    '$Person.name.given': user.givenName,
    '$Person.name.family': user.familyName,
    '$Person.name.full': launchFullName(user),
    '$Person.email.primary': user.email,
    '$CourseSection.sourcedId': course.idnumber,
    '$CourseSection.label': course.shortname,
    '$CourseSection.title': course.fullname,
    '$Context.id': course.id,
    '$Context.label': course.shortname,
    '$Context.title': course.fullname,
    '$Context.sourcedId': course.idnumber,
  };
  if (activity) {
    vars['$ResourceLink.id'] = activity.instanceId;
    vars['$ResourceLink.title'] = activity.title;
  }
  return Object.prototype.hasOwnProperty.call(vars, value) ? (vars[value] as string) : value;
}

export interface BuildOpts {
  messageType?: 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
  sesskey?: string;
}

export function buildPayload(
  state: PlatformState,
  userId: string,
  cmid: string,
  nonce: string,
  opts: BuildOpts = {},
): Record<string, unknown> {
  const m = state.model;
  const user = m.users.get(userId);
  if (!user) throw new Error(`unknown user ${userId}`);
  const activity = m.activities.get(cmid);
  if (!activity) throw new Error(`unknown activity cmid ${cmid}`);
  const course = m.courses.get(activity.courseId);
  if (!course) throw new Error(`unknown course ${activity.courseId}`);
  const tool = m.tools.get(activity.toolTypeId);
  if (!tool) throw new Error(`unknown tool type ${activity.toolTypeId}`);
  const messageType = opts.messageType ?? 'LtiResourceLinkRequest';
  const deepLinking = messageType === 'LtiDeepLinkingRequest';
  const sesskey = opts.sesskey ?? 'sesskey0000';
  const iat = nowSeconds();
  const hasNrps = tool.permittedScopes.includes(SCOPE.nrps) && !deepLinking;
  const agsScopes = AGS_SCOPES.filter((s) => tool.permittedScopes.includes(s));

  const p: Record<string, unknown> = {
    nonce,
    iat,
    exp: iat + 60,
    iss: state.url,
    aud: tool.clientId,
    [CLAIM.deploymentId]: tool.deploymentId,
    [CLAIM.targetLinkUri]: tool.targetLinkUri,
    sub: user.id,
    [CLAIM.lis]: { person_sourcedid: user.idnumber, course_section_sourcedid: course.idnumber },
    [CLAIM.roles]: launchRoles(state, user, course.id),
    [CLAIM.context]: { id: course.id, label: course.shortname, title: course.fullname, type: ['CourseSection'] },
    [CLAIM.messageType]: messageType,
  };
  if (!deepLinking) {
    p[CLAIM.resourceLink] = { title: activity.title, description: '', id: activity.instanceId };
    p[CLAIM.basicOutcome] = basicOutcomeClaim(state, activity, user.id);
  }
  p.given_name = user.givenName;
  p.family_name = user.familyName;
  p.name = launchFullName(user);
  p[CLAIM.ext] = { user_username: user.username, lms: 'moodle-2' };
  p.email = user.email;
  const container = activity.container ?? tool.container;
  p[CLAIM.launchPresentation] = deepLinking
    ? { locale: 'en' }
    : {
        locale: 'en',
        document_target: container,
        return_url: `${state.url}/mod/lti/return.php?course=${course.id}&launch_container=${container === 'window' ? 4 : 3}&instanceid=${activity.instanceId}&sesskey=${sesskey}`,
      };
  p[CLAIM.toolPlatform] = {
    product_family_code: 'moodle',
    version: MOODLE_VERSION,
    guid: state.guid,
    name: state.siteName,
    description: state.siteDescription,
  };
  p[CLAIM.version] = '1.3.0';
  const ctx = { user, course, activity, state };
  const custom: Record<string, string> = {};
  if (!deepLinking) for (const [k, v] of Object.entries(activity.custom)) custom[k] = substitute(v, ctx);
  for (const [k, v] of Object.entries(tool.customParams)) custom[k] = substitute(v, ctx);
  if (hasNrps) custom.context_memberships_url = membershipsUrl(state, course.id, tool.typeId);
  p[CLAIM.custom] = custom;
  if (agsScopes.length > 0) {
    const ags: Record<string, unknown> = { scope: agsScopes, lineitems: lineitemsUrl(state, course.id, tool.typeId) };
    const gi = deepLinking ? undefined : m.activityGradeItem(activity);
    if (gi) ags.lineitem = lineitemUrl(state, course.id, gi.id, tool.typeId);
    p[CLAIM.ags] = ags;
  }
  if (hasNrps) {
    p[CLAIM.nrps] = { context_memberships_url: membershipsUrl(state, course.id, tool.typeId), service_versions: ['1.0', '2.0'] };
  }
  if (deepLinking) {
    p[CLAIM.deepLinkingSettings] = {
      accept_types: ['ltiResourceLink'],
      accept_presentation_document_targets: ['frame', 'iframe', 'window'],
      accept_copy_advice: false,
      accept_multiple: true,
      accept_unsigned: false,
      auto_create: false,
      can_confirm: false,
      deep_link_return_url: `${state.url}/mod/lti/contentitem_return.php?course=${course.id}&id=${tool.typeId}&sesskey=${sesskey}`,
      title: tool.name,
      text: '',
    };
  }
  return p;
}

export type { ToolRegistration };
