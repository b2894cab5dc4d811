import { sql, type Kysely } from 'kysely';

/**
 * Grades both ways with the LMS (issue 7, AGS).
 * - lms_line_item: the LMS line items Sổ Điểm created (ours = true) per published column, found again by
 *   resource_id/tag; imported items the LMS gave us (ours = false) are only ever READ.
 * - ags_outbox: score pushes queued in the same transaction as the score write; a worker claims rows with
 *   FOR UPDATE SKIP LOCKED (several processes), at most one row per (line item, enrolment) pending.
 * - ags_last_timestamp: the last score timestamp sent per (line item, LMS user) → strictly increasing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE lms_line_item (
      id                bigserial PRIMARY KEY,
      class_subject_id  bigint NOT NULL REFERENCES class_subject(id),
      column_id         bigint REFERENCES assessment_column(id),
      lineitem_url      text NOT NULL UNIQUE,
      resource_id       text NOT NULL DEFAULT '',
      tag               text NOT NULL DEFAULT '',
      label             text NOT NULL,
      score_maximum     numeric NOT NULL DEFAULT 10,
      ours              boolean NOT NULL DEFAULT true,
      published         boolean NOT NULL DEFAULT true,
      gone_at           timestamptz,
      created_at        timestamptz NOT NULL DEFAULT now()
    );
    -- One line item of ours per column: never duplicated.
    CREATE UNIQUE INDEX lms_line_item_column ON lms_line_item (column_id) WHERE ours AND column_id IS NOT NULL;

    CREATE TABLE ags_outbox (
      id                 bigserial PRIMARY KEY,
      school_id          bigint NOT NULL REFERENCES school(id),
      class_subject_id   bigint NOT NULL REFERENCES class_subject(id),
      column_id          bigint NOT NULL REFERENCES assessment_column(id),
      score_id           bigint REFERENCES score(id),
      enrolment_id       bigint NOT NULL REFERENCES enrolment(id),
      lms_user_id        text NOT NULL,
      lineitem_url       text NOT NULL,
      payload            jsonb NOT NULL,
      state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','failed','conflict','superseded')),
      attempts           integer NOT NULL DEFAULT 0,
      next_attempt_at    timestamptz NOT NULL DEFAULT now(),
      locked_until       timestamptz,
      last_error_code    text,
      last_error_message text,
      lms_result         jsonb,
      sent_timestamp     timestamptz,
      created_at         timestamptz NOT NULL DEFAULT now(),
      updated_at         timestamptz NOT NULL DEFAULT now(),
      sent_at            timestamptz
    );
    CREATE UNIQUE INDEX ags_outbox_one_pending ON ags_outbox (lineitem_url, enrolment_id) WHERE state = 'pending';
    CREATE INDEX ags_outbox_due ON ags_outbox (next_attempt_at, id) WHERE state IN ('pending','sending');
    CREATE INDEX ags_outbox_cs ON ags_outbox (class_subject_id, column_id, state);

    CREATE TABLE ags_last_timestamp (
      lineitem_url  text NOT NULL,
      lms_user_id   text NOT NULL,
      last_ts       timestamptz NOT NULL,
      PRIMARY KEY (lineitem_url, lms_user_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ags_last_timestamp; DROP TABLE IF EXISTS ags_outbox; DROP TABLE IF EXISTS lms_line_item;`.execute(db);
}
