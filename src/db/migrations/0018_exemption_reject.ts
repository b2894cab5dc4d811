import { sql, type Kysely } from 'kysely';

/**
 * Issue 6 item 3 follow-up: the principal may reject a pending exemption or disability override, with a
 * required comment. A rejected record is never deleted (who, when, why stay on the row and in the audit
 * trail); it no longer counts and no longer waits. So that the recorder can file a corrected dossier for the
 * same student and subject afterwards, the one-per-student(-subject-scope) rule now holds among the records
 * that are not rejected only (partial unique indexes) — the rejected ones are history.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE exemption
      ADD COLUMN rejected_by bigint REFERENCES person(id),
      ADD COLUMN rejected_at timestamptz,
      ADD COLUMN reject_comment text,
      ADD CONSTRAINT exemption_reject_complete CHECK ((rejected_at IS NULL) = (rejected_by IS NULL) AND (rejected_at IS NULL) = (reject_comment IS NULL)),
      ADD CONSTRAINT exemption_reject_comment CHECK (reject_comment IS NULL OR length(btrim(reject_comment)) > 0),
      ADD CONSTRAINT exemption_approved_or_rejected CHECK (approved_at IS NULL OR rejected_at IS NULL),
      DROP CONSTRAINT exemption_enrolment_id_subject_id_scope_key;
    CREATE UNIQUE INDEX exemption_active_key ON exemption (enrolment_id, subject_id, scope) WHERE rejected_at IS NULL;

    ALTER TABLE disability_override
      ADD COLUMN rejected_by bigint REFERENCES person(id),
      ADD COLUMN rejected_at timestamptz,
      ADD COLUMN reject_comment text,
      ADD CONSTRAINT disability_override_reject_complete CHECK ((rejected_at IS NULL) = (rejected_by IS NULL) AND (rejected_at IS NULL) = (reject_comment IS NULL)),
      ADD CONSTRAINT disability_override_reject_comment CHECK (reject_comment IS NULL OR length(btrim(reject_comment)) > 0),
      ADD CONSTRAINT disability_override_approved_or_rejected CHECK (approved_at IS NULL OR rejected_at IS NULL),
      DROP CONSTRAINT disability_override_enrolment_id_key;
    CREATE UNIQUE INDEX disability_override_active_key ON disability_override (enrolment_id) WHERE rejected_at IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DELETE FROM exemption WHERE rejected_at IS NOT NULL;
    DROP INDEX exemption_active_key;
    ALTER TABLE exemption
      ADD CONSTRAINT exemption_enrolment_id_subject_id_scope_key UNIQUE (enrolment_id, subject_id, scope),
      DROP CONSTRAINT exemption_approved_or_rejected,
      DROP CONSTRAINT exemption_reject_comment,
      DROP CONSTRAINT exemption_reject_complete,
      DROP COLUMN reject_comment,
      DROP COLUMN rejected_at,
      DROP COLUMN rejected_by;
    DELETE FROM disability_override WHERE rejected_at IS NOT NULL;
    DROP INDEX disability_override_active_key;
    ALTER TABLE disability_override
      ADD CONSTRAINT disability_override_enrolment_id_key UNIQUE (enrolment_id),
      DROP CONSTRAINT disability_override_approved_or_rejected,
      DROP CONSTRAINT disability_override_reject_comment,
      DROP CONSTRAINT disability_override_reject_complete,
      DROP COLUMN reject_comment,
      DROP COLUMN rejected_at,
      DROP COLUMN rejected_by;
  `.execute(db);
}
