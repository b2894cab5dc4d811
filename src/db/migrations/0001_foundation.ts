import { sql, type Kysely } from 'kysely';

/**
 * Tenancy, LTI identity, sessions and the audit chain: what every later feature stands on.
 * Every domain row belongs to a school; a school is reached through an LTI deployment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE school (
      id            bigserial PRIMARY KEY,
      code          text NOT NULL UNIQUE,
      name          text NOT NULL,
      level         text NOT NULL CHECK (level IN ('THCS','THPT','LIEN_CAP')),
      province      text NOT NULL DEFAULT '',
      settings      jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at    timestamptz NOT NULL DEFAULT now()
    );

    -- A platform registration as the school admin sees it (ltijs keeps its own copy in schema lti).
    CREATE TABLE lti_platform (
      id                 bigserial PRIMARY KEY,
      school_id          bigint NOT NULL REFERENCES school(id),
      issuer             text NOT NULL,
      client_id          text NOT NULL,
      platform_kid       text NOT NULL UNIQUE,
      name               text NOT NULL DEFAULT '',
      status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','active','suspended')),
      registered_via     text NOT NULL CHECK (registered_via IN ('manual','dynamic','demo')),
      created_at         timestamptz NOT NULL DEFAULT now(),
      UNIQUE (issuer, client_id)
    );

    CREATE TABLE lti_deployment (
      id             bigserial PRIMARY KEY,
      platform_id    bigint NOT NULL REFERENCES lti_platform(id),
      school_id      bigint NOT NULL REFERENCES school(id),
      deployment_id  text NOT NULL,
      status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
      created_at     timestamptz NOT NULL DEFAULT now(),
      UNIQUE (platform_id, deployment_id)
    );

    -- One-time invitations that gate Dynamic Registration (a stranger cannot register a platform).
    CREATE TABLE registration_invite (
      token_hash   text PRIMARY KEY,
      school_id    bigint NOT NULL REFERENCES school(id),
      created_by   bigint,
      expires_at   timestamptz NOT NULL,
      used_at      timestamptz,
      platform_id  bigint REFERENCES lti_platform(id)
    );

    CREATE TABLE person (
      id             bigserial PRIMARY KEY,
      school_id      bigint NOT NULL REFERENCES school(id),
      deployment_id  bigint NOT NULL REFERENCES lti_deployment(id),
      lms_user_id    text NOT NULL,
      family_name    text NOT NULL DEFAULT '',
      given_name     text NOT NULL DEFAULT '',
      display_name   text NOT NULL DEFAULT '',
      email          text,
      person_code    text,
      date_of_birth  date,
      gender         text CHECK (gender IN ('nam','nu')),
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      UNIQUE (deployment_id, lms_user_id)
    );
    CREATE INDEX person_school_code ON person (school_id, person_code);

    -- The school keeps its own list of principals/vice-principals/admins: stock Moodle sends
    -- 'Instructor' for category managers, so launch roles alone cannot tell them apart.
    CREATE TABLE staff_designation (
      id          bigserial PRIMARY KEY,
      school_id   bigint NOT NULL REFERENCES school(id),
      role        text NOT NULL CHECK (role IN ('principal','vice_principal','school_admin')),
      person_code text,
      lms_user_id text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      CHECK (person_code IS NOT NULL OR lms_user_id IS NOT NULL)
    );
    CREATE UNIQUE INDEX staff_designation_code ON staff_designation (school_id, role, person_code) WHERE person_code IS NOT NULL;
    CREATE UNIQUE INDEX staff_designation_user ON staff_designation (school_id, role, lms_user_id) WHERE lms_user_id IS NOT NULL;

    -- An LMS course (context) as seen by the tool, with the service endpoints stored at launch so
    -- background jobs (roster sync, grade push) can run without a user session.
    CREATE TABLE course_link (
      id                 bigserial PRIMARY KEY,
      school_id          bigint NOT NULL REFERENCES school(id),
      deployment_id      bigint NOT NULL REFERENCES lti_deployment(id),
      context_id         text NOT NULL,
      context_label      text NOT NULL DEFAULT '',
      context_title      text NOT NULL DEFAULT '',
      course_idnumber    text,
      resource_link_id   text,
      lineitems_url      text,
      lineitem_url       text,
      ags_scopes         text[] NOT NULL DEFAULT '{}',
      nrps_url           text,
      custom             jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now(),
      UNIQUE (deployment_id, context_id)
    );

    -- OIDC login state kept server-side (single use): inside the LMS iframe the browser may drop
    -- third-party cookies, so the state cookie cannot be relied on. The nonce is bound here too.
    CREATE TABLE oidc_login (
      state       text PRIMARY KEY,
      nonce       text NOT NULL,
      issuer      text NOT NULL,
      client_id   text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );

    -- Our own server-side session: ltijs' ltik has no expiry and lives in URLs.
    CREATE TABLE app_session (
      token_hash      text PRIMARY KEY,
      school_id       bigint NOT NULL REFERENCES school(id),
      person_id       bigint NOT NULL REFERENCES person(id),
      course_link_id  bigint REFERENCES course_link(id),
      roles           text[] NOT NULL,
      lti_roles       text[] NOT NULL DEFAULT '{}',
      csrf_secret     text NOT NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      expires_at      timestamptz NOT NULL
    );
    CREATE INDEX app_session_expiry ON app_session (expires_at);

    -- Append-only, hash-chained per school. Rows are never updated or deleted; the verifier
    -- recomputes the chain and names the first broken record.
    CREATE TABLE audit_log (
      id             bigserial PRIMARY KEY,
      school_id      bigint NOT NULL REFERENCES school(id),
      seq            bigint NOT NULL,
      at             timestamptz NOT NULL DEFAULT now(),
      actor_person_id bigint,
      actor_lms_user_id text,
      actor_role     text,
      action         text NOT NULL,
      entity         text NOT NULL,
      entity_id      text,
      old_value      jsonb,
      new_value      jsonb,
      source         text NOT NULL,
      request_id     text,
      prev_hash      text NOT NULL,
      hash           text NOT NULL,
      UNIQUE (school_id, seq)
    );
    CREATE TABLE audit_chain_head (
      school_id  bigint PRIMARY KEY REFERENCES school(id),
      last_seq   bigint NOT NULL,
      last_hash  text NOT NULL
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS audit_chain_head, audit_log, app_session, oidc_login, course_link, staff_designation,
    person, registration_invite, lti_deployment, lti_platform, school CASCADE`.execute(db);
}
