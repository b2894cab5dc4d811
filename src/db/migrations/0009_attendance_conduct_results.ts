import { sql, type Kysely } from 'kysely';

/**
 * Issue 6: roll-call, conduct/training, exemptions, disability overrides, year-end decisions and re-tests.
 * School days are Monday–Saturday inside a term minus the school's holidays (school_holiday); that rule
 * lives in src/attendance/school-days.ts so the same check serves the page and the write path.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE school_holiday (
      school_id  bigint NOT NULL REFERENCES school(id),
      day        date NOT NULL,
      label      text NOT NULL DEFAULT '',
      PRIMARY KEY (school_id, day)
    );

    CREATE TABLE attendance (
      id            bigserial PRIMARY KEY,
      enrolment_id  bigint NOT NULL REFERENCES enrolment(id),
      day           date NOT NULL,
      session       text NOT NULL CHECK (session IN ('sang','chieu')),
      mark          text NOT NULL CHECK (mark IN ('P','K')),
      -- Whether the session is a main-curriculum session (A-22-ABS = main-sessions-only).
      main          boolean NOT NULL DEFAULT true,
      version       integer NOT NULL DEFAULT 1,
      updated_by    bigint REFERENCES person(id),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (enrolment_id, day, session)
    );
    CREATE INDEX attendance_day ON attendance (day);

    CREATE TABLE conduct (
      id            bigserial PRIMARY KEY,
      enrolment_id  bigint NOT NULL REFERENCES enrolment(id),
      term          text NOT NULL CHECK (term IN ('HK1','HK2','CN')),
      regime        text NOT NULL CHECK (regime IN ('TT58','TT58_TT26','TT22')),
      level         text NOT NULL CHECK (level IN ('Tốt','Khá','Trung bình','Yếu','Đạt','Chưa đạt')),
      comment       text NOT NULL DEFAULT '',
      version       integer NOT NULL DEFAULT 1,
      updated_by    bigint REFERENCES person(id),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (enrolment_id, term)
    );

    CREATE TABLE exemption (
      id            bigserial PRIMARY KEY,
      enrolment_id  bigint NOT NULL REFERENCES enrolment(id),
      subject_id    bigint NOT NULL REFERENCES subject(id),
      -- TT58 Điều 12: HK1 | HK2 | year; TT22 Điều 10: practical
      scope         text NOT NULL CHECK (scope IN ('HK1','HK2','year','practical')),
      dossier_ref   text NOT NULL CHECK (length(dossier_ref) > 0),
      valid_from    date NOT NULL,
      valid_to      date NOT NULL CHECK (valid_to >= valid_from),
      requested_by  bigint NOT NULL REFERENCES person(id),
      approved_by   bigint REFERENCES person(id),
      approved_at   timestamptz,
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (enrolment_id, subject_id, scope)
    );

    CREATE TABLE disability_override (
      id            bigserial PRIMARY KEY,
      enrolment_id  bigint NOT NULL REFERENCES enrolment(id) UNIQUE,
      learning      text NOT NULL,
      outcome       text NOT NULL CHECK (outcome IN ('promoted','repeat','retest','summer-training')),
      reason        text NOT NULL CHECK (length(reason) > 0),
      dossier_ref   text NOT NULL,
      approved_by   bigint NOT NULL REFERENCES person(id),
      approved_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE year_decision (
      id              bigserial PRIMARY KEY,
      class_id        bigint NOT NULL REFERENCES class(id),
      school_year_id  bigint NOT NULL REFERENCES school_year(id),
      round           text NOT NULL CHECK (round IN ('main','after_retest')),
      state           text NOT NULL CHECK (state IN ('proposed','approved','reopened')),
      -- per student: learning, conduct, absences, outcome, title, eligible re-test subjects; plus the options used
      payload         jsonb NOT NULL,
      options         jsonb NOT NULL,
      proposed_by     bigint NOT NULL REFERENCES person(id),
      proposed_at     timestamptz NOT NULL DEFAULT now(),
      approved_by     bigint REFERENCES person(id),
      approved_at     timestamptz,
      frozen_at       timestamptz,
      version         integer NOT NULL DEFAULT 1,
      UNIQUE (class_id, round)
    );

    CREATE TABLE retest_score (
      id            bigserial PRIMARY KEY,
      enrolment_id  bigint NOT NULL REFERENCES enrolment(id),
      subject_id    bigint NOT NULL REFERENCES subject(id),
      tenths        smallint CHECK (tenths BETWEEN 0 AND 100),
      rating        text CHECK (rating IN ('D','CD')),
      entered_by    bigint NOT NULL REFERENCES person(id),
      entered_at    timestamptz NOT NULL DEFAULT now(),
      CHECK ((tenths IS NULL) <> (rating IS NULL)),
      UNIQUE (enrolment_id, subject_id)
    );

    CREATE TABLE summer_training (
      enrolment_id  bigint PRIMARY KEY REFERENCES enrolment(id),
      completed     boolean NOT NULL,
      re_evaluated  text,
      entered_by    bigint NOT NULL REFERENCES person(id),
      entered_at    timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS summer_training, retest_score, year_decision, disability_override, exemption, conduct, attendance, school_holiday CASCADE`.execute(db);
}
