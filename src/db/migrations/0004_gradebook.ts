import { sql, type Kysely } from 'kysely';

/**
 * The class book: update time points (deadlines), assessment columns, scores with per-cell
 * versions, stored correction requests, the school's permission rules and roster syncs.
 * Scores are integer tenths (0–100) or a rating; never floats.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- "Each semester the school fixes the times at which scores and comments are brought up to
    -- date": after a point's deadline, the columns it covers are locked for direct editing.
    CREATE TABLE update_point (
      id           bigserial PRIMARY KEY,
      term_id      bigint NOT NULL REFERENCES term(id),
      label        text NOT NULL,
      deadline     timestamptz NOT NULL,
      -- which column kinds it locks; empty = every column of the term
      kinds        text[] NOT NULL DEFAULT '{}',
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX update_point_term ON update_point (term_id, deadline);

    -- One column of the grid, shaped by the regime: TT58 (mieng/15p ×1, 1 tiết ×2, học kỳ ×3),
    -- TT26/TT22 (ĐĐGtx ×1, giữa kì ×2, cuối kì ×3), comment subjects (Đ/CĐ).
    CREATE TABLE assessment_column (
      id                bigserial PRIMARY KEY,
      class_subject_id  bigint NOT NULL REFERENCES class_subject(id),
      term_id           bigint NOT NULL REFERENCES term(id),
      kind              text NOT NULL CHECK (kind IN ('regular','periodic','midterm','final')),
      position          smallint NOT NULL CHECK (position >= 1),
      coefficient       smallint NOT NULL CHECK (coefficient BETWEEN 1 AND 3),
      value_type        text NOT NULL CHECK (value_type IN ('score','rating')),
      -- TT58: the form of a regular test ('oral','15min','essay'...) decides integer-only entry
      form              text,
      label             text NOT NULL,
      lineitem_url      text,
      created_at        timestamptz NOT NULL DEFAULT now(),
      UNIQUE (class_subject_id, term_id, kind, position)
    );

    CREATE TABLE score (
      id             bigserial PRIMARY KEY,
      column_id      bigint NOT NULL REFERENCES assessment_column(id),
      enrolment_id   bigint NOT NULL REFERENCES enrolment(id),
      tenths         smallint CHECK (tenths BETWEEN 0 AND 100),
      rating         text CHECK (rating IN ('D','CD')),
      -- optimistic concurrency: every change bumps it; a stale write is refused
      version        integer NOT NULL DEFAULT 1,
      updated_at     timestamptz NOT NULL DEFAULT now(),
      updated_by     bigint REFERENCES person(id),
      source         text NOT NULL DEFAULT 'grid',
      UNIQUE (column_id, enrolment_id),
      CHECK (tenths IS NULL OR rating IS NULL)
    );
    CREATE INDEX score_enrolment ON score (enrolment_id);

    -- A request to change a locked cell (the workflow itself: issue "corrections").
    CREATE TABLE correction_request (
      id              bigserial PRIMARY KEY,
      school_id       bigint NOT NULL REFERENCES school(id),
      column_id       bigint NOT NULL REFERENCES assessment_column(id),
      enrolment_id    bigint NOT NULL REFERENCES enrolment(id),
      old_tenths      smallint,
      old_rating      text,
      new_tenths      smallint CHECK (new_tenths BETWEEN 0 AND 100),
      new_rating      text CHECK (new_rating IN ('D','CD')),
      score_version   integer,
      reason_code     text NOT NULL,
      reason_text     text NOT NULL DEFAULT '',
      state           text NOT NULL DEFAULT 'requested',
      requested_by    bigint NOT NULL REFERENCES person(id),
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX correction_request_state ON correction_request (school_id, state);

    -- The school's rules (quy chế): which roles may do what. Absent rows → the regulation's default.
    CREATE TABLE school_permission (
      school_id   bigint NOT NULL REFERENCES school(id),
      action      text NOT NULL,
      roles       text[] NOT NULL,
      updated_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (school_id, action)
    );

    CREATE TABLE roster_sync (
      id              bigserial PRIMARY KEY,
      course_link_id  bigint NOT NULL REFERENCES course_link(id),
      class_id        bigint REFERENCES class(id),
      started_at      timestamptz NOT NULL DEFAULT now(),
      finished_at     timestamptz,
      members_seen    integer,
      joined          jsonb NOT NULL DEFAULT '[]'::jsonb,
      left_           jsonb NOT NULL DEFAULT '[]'::jsonb,
      error_code      text
    );
    CREATE INDEX roster_sync_link ON roster_sync (course_link_id, started_at DESC);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS roster_sync, school_permission, correction_request, score, assessment_column, update_point CASCADE`.execute(db);
}
