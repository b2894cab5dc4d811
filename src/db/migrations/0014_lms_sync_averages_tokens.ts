import { sql, type Kysely } from 'kysely';

/**
 * LMS grade sync, part 2 (issue 7):
 * - lms_line_item.kind: a line item of ours is either an assessment column's ('column', keyed by column_id)
 *   or a class subject's semester average ('semester_avg' + term HK1/HK2) or year average ('year_avg'),
 *   keyed by (class_subject_id, kind, term) so it is found again and never duplicated. An average's line
 *   item is recorded when the principal approves (inside that transaction, no HTTP there) with
 *   lineitem_url NULL; the worker creates it in the LMS (or finds it again by resourceId) and fills the URL.
 * - ags_outbox rows for averages carry line_item_id (no column); their lineitem_url is filled when the
 *   line item exists. One pending row per (line item, enrolment) as before.
 * - ags_access_token: the platform access token shared by every app process (sealed with LTI_KEK like the
 *   lti store; only its SHA-256 in clear, to drop exactly the token a 401 refused).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE lms_line_item
      ADD COLUMN kind text NOT NULL DEFAULT 'column' CHECK (kind IN ('column', 'semester_avg', 'year_avg')),
      ADD COLUMN term text CHECK (term IN ('HK1', 'HK2')),
      ALTER COLUMN lineitem_url DROP NOT NULL;
    ALTER TABLE lms_line_item ADD CONSTRAINT lms_line_item_kind_shape CHECK (
      (kind = 'column' AND term IS NULL AND lineitem_url IS NOT NULL)
      OR (kind = 'semester_avg' AND term IS NOT NULL AND column_id IS NULL)
      OR (kind = 'year_avg' AND term IS NULL AND column_id IS NULL));
    -- One live average line item of ours per class subject, kind and term (a gone one may be replaced).
    CREATE UNIQUE INDEX lms_line_item_average ON lms_line_item (class_subject_id, kind, (coalesce(term, '')))
      WHERE ours AND kind <> 'column' AND gone_at IS NULL;

    ALTER TABLE ags_outbox
      ALTER COLUMN column_id DROP NOT NULL,
      ALTER COLUMN lineitem_url DROP NOT NULL,
      ADD COLUMN line_item_id bigint REFERENCES lms_line_item(id);
    ALTER TABLE ags_outbox ADD CONSTRAINT ags_outbox_target CHECK (
      (column_id IS NOT NULL AND lineitem_url IS NOT NULL) OR line_item_id IS NOT NULL);
    CREATE UNIQUE INDEX ags_outbox_one_pending_item ON ags_outbox (line_item_id, enrolment_id)
      WHERE state = 'pending' AND line_item_id IS NOT NULL;
    CREATE INDEX ags_outbox_item ON ags_outbox (line_item_id, enrolment_id, id) WHERE line_item_id IS NOT NULL;

    CREATE TABLE ags_access_token (
      issuer        text NOT NULL,
      client_id     text NOT NULL,
      sealed        jsonb NOT NULL,
      token_sha256  text NOT NULL,
      expires_at    timestamptz NOT NULL,
      fetched_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (issuer, client_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TABLE IF EXISTS ags_access_token;
    DELETE FROM ags_outbox WHERE column_id IS NULL OR lineitem_url IS NULL;
    DROP INDEX IF EXISTS ags_outbox_item;
    DROP INDEX IF EXISTS ags_outbox_one_pending_item;
    ALTER TABLE ags_outbox DROP CONSTRAINT IF EXISTS ags_outbox_target, DROP COLUMN IF EXISTS line_item_id,
      ALTER COLUMN column_id SET NOT NULL, ALTER COLUMN lineitem_url SET NOT NULL;
    DELETE FROM lms_line_item WHERE kind <> 'column';
    DROP INDEX IF EXISTS lms_line_item_average;
    ALTER TABLE lms_line_item DROP CONSTRAINT IF EXISTS lms_line_item_kind_shape, DROP COLUMN IF EXISTS term,
      DROP COLUMN IF EXISTS kind, ALTER COLUMN lineitem_url SET NOT NULL;
  `.execute(db);
}
