import { sql, type Kysely } from 'kysely';

/**
 * Issue 8 — corrections after the deadline: the history of every transition of a request, the
 * witnesses of an applied change, optional evidence (a photo kept in PostgreSQL with its SHA-256),
 * the school's settings (expiry, delegation is school_permission 'correction.approve') and the
 * links an applied correction makes (new score version, flagged year results, LMS push hook).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE correction_request
      ADD COLUMN confirmed_by      bigint REFERENCES person(id),
      ADD COLUMN confirmed_at      timestamptz,
      ADD COLUMN decided_by        bigint REFERENCES person(id),
      ADD COLUMN decided_at        timestamptz,
      ADD COLUMN decision_comment  text,
      ADD COLUMN applied_by        bigint REFERENCES person(id),
      ADD COLUMN applied_at        timestamptz,
      ADD COLUMN applied_version   integer,
      ADD COLUMN links             jsonb NOT NULL DEFAULT '{}'::jsonb,
      ADD CONSTRAINT correction_request_state_check
        CHECK (state IN ('requested','confirmed','approved','rejected','applied','withdrawn','expired'));

    CREATE TABLE correction_transition (
      id             bigserial PRIMARY KEY,
      request_id     bigint NOT NULL REFERENCES correction_request(id),
      from_state     text NOT NULL,
      to_state       text NOT NULL,
      action         text NOT NULL,
      actor_person   bigint REFERENCES person(id),
      actor_role     text,
      comment        text NOT NULL DEFAULT '',
      at             timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX correction_transition_request ON correction_transition (request_id, at);

    CREATE TABLE correction_witness (
      request_id     bigint NOT NULL REFERENCES correction_request(id),
      person_id      bigint NOT NULL REFERENCES person(id),
      role           text NOT NULL,
      witnessed_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (request_id, person_id)
    );

    CREATE TABLE correction_evidence (
      id             bigserial PRIMARY KEY,
      request_id     bigint NOT NULL REFERENCES correction_request(id),
      mime           text NOT NULL CHECK (mime IN ('image/jpeg','image/png','image/webp','application/pdf')),
      byte_size      integer NOT NULL CHECK (byte_size BETWEEN 1 AND 5242880),
      sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      content        bytea NOT NULL,
      uploaded_by    bigint NOT NULL REFERENCES person(id),
      uploaded_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX correction_evidence_request ON correction_evidence (request_id);

    CREATE TABLE correction_setting (
      school_id      bigint PRIMARY KEY REFERENCES school(id),
      -- a request nobody acted on for this many days expires; NULL = never
      expiry_days    integer CHECK (expiry_days IS NULL OR expiry_days BETWEEN 1 AND 365),
      updated_at     timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS correction_setting, correction_evidence, correction_witness, correction_transition;
    ALTER TABLE correction_request DROP CONSTRAINT IF EXISTS correction_request_state_check,
      DROP COLUMN IF EXISTS confirmed_by, DROP COLUMN IF EXISTS confirmed_at, DROP COLUMN IF EXISTS decided_by,
      DROP COLUMN IF EXISTS decided_at, DROP COLUMN IF EXISTS decision_comment, DROP COLUMN IF EXISTS applied_by,
      DROP COLUMN IF EXISTS applied_at, DROP COLUMN IF EXISTS applied_version, DROP COLUMN IF EXISTS links;
  `.execute(db);
}
