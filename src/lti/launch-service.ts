import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AppError } from '../shared/errors';
import { appendAudit } from '../audit/audit-log';
import { retryTransaction } from '../db/retry';
import { mapRoles, type Role } from '../auth/roles';
import { createSession, type Session } from '../auth/session';
import type { LaunchFacts } from './launch-facts';

export interface LaunchOutcome {
  token: string;
  session: Session;
  courseLinkId: number | null;
  roles: Role[];
}

/**
 * Turns a validated launch into our own session: (issuer, client id, deployment id) → school,
 * (deployment, sub) → person, context → course link (with the service endpoints, so background
 * jobs can call the LMS later without a user). One transaction; changes are audited.
 */
export async function acceptLaunch(db: Kysely<DB>, f: LaunchFacts, opts: { sessionTtlMinutes: number }): Promise<LaunchOutcome> {
  return retryTransaction(() => db.transaction().execute(async (trx) => {
    const platform = await trx
      .selectFrom('lti_platform')
      .select(['id', 'school_id', 'status'])
      .where('issuer', '=', f.issuer)
      .where('client_id', '=', f.clientId)
      .executeTakeFirst();
    if (!platform) {
      throw new AppError('LTI_UNKNOWN_PLATFORM', 'forbidden', 'LMS này chưa được đăng ký với Sổ Điểm.', 'This LMS is not registered with Sổ Điểm.');
    }
    if (platform.status !== 'active') {
      throw new AppError('LTI_PLATFORM_INACTIVE', 'forbidden', 'Kết nối LMS này chưa được quản trị nhà trường kích hoạt.', 'This LMS registration has not been activated by the school admin.');
    }
    const deployment = await trx
      .selectFrom('lti_deployment')
      .select(['id', 'school_id', 'status'])
      .where('platform_id', '=', platform.id)
      .where('deployment_id', '=', f.deploymentId)
      .executeTakeFirst();
    if (!deployment) {
      throw new AppError(
        'LTI_UNKNOWN_DEPLOYMENT',
        'forbidden',
        `Triển khai (deployment "${f.deploymentId}") này chưa được gắn với trường nào. Hãy nhờ quản trị nhà trường thêm nó trong Sổ Điểm.`,
        `Deployment "${f.deploymentId}" is not linked to any school. Ask the school admin to add it in Sổ Điểm.`,
      );
    }
    if (deployment.status !== 'active') {
      throw new AppError('LTI_DEPLOYMENT_SUSPENDED', 'forbidden', 'Triển khai này đang bị tạm ngừng.', 'This deployment is suspended.');
    }
    const schoolId = Number(deployment.school_id);
    const deploymentId = Number(deployment.id);
    const personId = await upsertPerson(trx, schoolId, deploymentId, f);
    const courseLinkId = f.context ? await upsertCourseLink(trx, schoolId, deploymentId, f) : null;

    const designations = await trx
      .selectFrom('staff_designation')
      .select('role')
      .where('school_id', '=', schoolId)
      .where((eb) =>
        eb.or([
          eb('lms_user_id', '=', f.sub),
          ...(f.personCode ? [eb('person_code', '=', f.personCode)] : []),
        ]),
      )
      .execute();
    const homeroom = await trx
      .selectFrom('class')
      .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
      .select('class.id')
      .where('class.homeroom_person_id', '=', personId)
      .where('school_year.status', '=', 'open')
      .executeTakeFirst();
    const roles = mapRoles({ ltiRoles: f.ltiRoles, designations: designations.map((d) => d.role), isHomeroomTeacher: !!homeroom });
    if (roles.length === 0) {
      throw new AppError('LTI_NO_USABLE_ROLE', 'forbidden', 'Vai trò của bạn trong LMS không được phép dùng Sổ Điểm.', 'Your LMS role does not give access to Sổ Điểm.');
    }
    const { token, session } = await createSession(trx, {
      schoolId,
      personId,
      courseLinkId,
      roles,
      ltiRoles: f.ltiRoles,
      ttlMinutes: opts.sessionTtlMinutes,
    });
    return { token, session, courseLinkId, roles };
  }));
}

type Trx = Parameters<Parameters<ReturnType<Kysely<DB>['transaction']>['execute']>[0]>[0];

async function upsertPerson(trx: Trx, schoolId: number, deploymentId: number, f: LaunchFacts): Promise<number> {
  const display = (family: string, given: string) => [family, given].filter(Boolean).join(' ');
  // Insert first: the roster sync may be creating the same person at this very moment.
  const created = await trx
    .insertInto('person')
    .values({
      school_id: schoolId,
      deployment_id: deploymentId,
      lms_user_id: f.sub,
      family_name: f.familyName ?? '',
      given_name: f.givenName ?? '',
      display_name: display(f.familyName ?? '', f.givenName ?? ''),
      email: f.email,
      person_code: f.personCode,
    })
    .onConflict((oc) => oc.columns(['deployment_id', 'lms_user_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (created) {
    await appendAudit(trx, {
      schoolId,
      actor: { personId: created.id, lmsUserId: f.sub, role: 'lti' },
      action: 'person.create',
      entity: 'person',
      entityId: created.id,
      newValue: { family_name: f.familyName ?? '', given_name: f.givenName ?? '', person_code: f.personCode },
      source: 'launch',
    });
    return Number(created.id);
  }
  const existing = await trx
    .selectFrom('person')
    .select(['id', 'family_name', 'given_name', 'email', 'person_code'])
    .where('deployment_id', '=', deploymentId)
    .where('lms_user_id', '=', f.sub)
    .forUpdate()
    .executeTakeFirstOrThrow();
  // A platform may withhold names or email (privacy settings): keep what we know.
  const next = {
    family_name: f.familyName ?? existing.family_name,
    given_name: f.givenName ?? existing.given_name,
    email: f.email ?? existing.email,
    person_code: f.personCode ?? existing.person_code,
  };
  const changed =
    existing.family_name !== next.family_name || existing.given_name !== next.given_name || existing.email !== next.email || existing.person_code !== next.person_code;
  if (changed) {
    await trx
      .updateTable('person')
      .set({ ...next, display_name: display(next.family_name, next.given_name), updated_at: new Date() })
      .where('id', '=', existing.id)
      .execute();
    await appendAudit(trx, {
      schoolId,
      actor: { personId: existing.id, lmsUserId: f.sub, role: 'lti' },
      action: 'person.update',
      entity: 'person',
      entityId: existing.id,
      oldValue: { family_name: existing.family_name, given_name: existing.given_name, person_code: existing.person_code },
      newValue: { family_name: next.family_name, given_name: next.given_name, person_code: next.person_code },
      source: 'launch',
    });
  }
  return Number(existing.id);
}

async function upsertCourseLink(trx: Trx, schoolId: number, deploymentId: number, f: LaunchFacts): Promise<number> {
  const ctx = f.context!;
  const values = {
    context_label: ctx.label,
    context_title: ctx.title,
    course_idnumber: f.courseIdnumber,
    resource_link_id: f.resourceLinkId,
    lineitems_url: f.ags?.lineitems ?? null,
    lineitem_url: f.ags?.lineitem ?? null,
    ags_scopes: f.ags?.scopes ?? [],
    nrps_url: f.nrpsUrl,
    custom: JSON.stringify(f.custom),
    updated_at: new Date(),
  };
  const row = await trx
    .insertInto('course_link')
    .values({ school_id: schoolId, deployment_id: deploymentId, context_id: ctx.id, ...values })
    .onConflict((oc) => oc.columns(['deployment_id', 'context_id']).doUpdateSet(values))
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}
