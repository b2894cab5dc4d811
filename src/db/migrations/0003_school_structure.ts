import { sql, type Kysely } from 'kysely';

/**
 * The school's structure for a year: terms, classes with their homeroom teacher, the subject
 * catalogue, teaching assignments and enrolments. Leavers are never deleted (left_on is set).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE school_year (
      id            bigserial PRIMARY KEY,
      school_id     bigint NOT NULL REFERENCES school(id),
      name          text NOT NULL CHECK (name ~ '^[0-9]{4}-[0-9]{4}$'),
      start_date    date NOT NULL,
      end_date      date NOT NULL,
      -- grade → regime chosen by the school when it differs from the Ministry's roadmap
      regime_overrides jsonb NOT NULL DEFAULT '{}'::jsonb,
      status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (school_id, name),
      CHECK (start_date < end_date)
    );

    CREATE TABLE term (
      id              bigserial PRIMARY KEY,
      school_year_id  bigint NOT NULL REFERENCES school_year(id),
      code            text NOT NULL CHECK (code IN ('HK1','HK2')),
      start_date      date NOT NULL,
      end_date        date NOT NULL,
      UNIQUE (school_year_id, code),
      CHECK (start_date < end_date)
    );

    CREATE TABLE class (
      id                  bigserial PRIMARY KEY,
      school_id           bigint NOT NULL REFERENCES school(id),
      school_year_id      bigint NOT NULL REFERENCES school_year(id),
      name                text NOT NULL,
      grade               smallint NOT NULL CHECK (grade BETWEEN 6 AND 12),
      homeroom_person_id  bigint REFERENCES person(id),
      created_at          timestamptz NOT NULL DEFAULT now(),
      UNIQUE (school_year_id, name)
    );

    CREATE TABLE subject (
      id          bigserial PRIMARY KEY,
      school_id   bigint NOT NULL REFERENCES school(id),
      code        text NOT NULL,
      name        text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (school_id, code)
    );

    -- Teaching assignment: class × subject × teacher, optionally linked to an LMS course.
    CREATE TABLE class_subject (
      id                 bigserial PRIMARY KEY,
      class_id           bigint NOT NULL REFERENCES class(id),
      subject_id         bigint NOT NULL REFERENCES subject(id),
      teacher_person_id  bigint REFERENCES person(id),
      -- 'scored' or 'comment' (Đ/CĐ, Đạt/Chưa đạt), per the regime in force for the class
      assessment         text NOT NULL CHECK (assessment IN ('scored','comment')),
      periods_per_week   numeric(4,1),
      periods_per_year   smallint,
      course_link_id     bigint REFERENCES course_link(id),
      created_at         timestamptz NOT NULL DEFAULT now(),
      UNIQUE (class_id, subject_id)
    );
    CREATE UNIQUE INDEX class_subject_course_link ON class_subject (course_link_id) WHERE course_link_id IS NOT NULL;

    ALTER TABLE course_link ADD COLUMN class_id bigint REFERENCES class(id);

    CREATE TABLE enrolment (
      id          bigserial PRIMARY KEY,
      class_id    bigint NOT NULL REFERENCES class(id),
      person_id   bigint NOT NULL REFERENCES person(id),
      joined_on   date NOT NULL,
      left_on     date,
      created_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (class_id, person_id),
      CHECK (left_on IS NULL OR left_on >= joined_on)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE course_link DROP COLUMN IF EXISTS class_id;
    DROP TABLE IF EXISTS enrolment, class_subject, subject, class, term, school_year CASCADE`.execute(db);
}
