import { sql, type Kysely } from 'kysely';

/**
 * The school's calendar for roll-call (issue 6.1 / 9.1):
 * - school_calendar: per school year, the week plan — which weekdays have which sessions (buổi sáng /
 *   buổi chiều) and whether each is a main session (buổi chính khoá) or an extra one (buổi học thêm,
 *   2nd session). A weekday without sessions is not a school day. No row = the school's settings
 *   (schoolWeekdays, twoSessions; every session main), so existing schools keep their behaviour.
 * - class_session_plan: one class's own week plan where it differs from the school's (A-22-ABS lets the
 *   main/extra split differ by class, e.g. only some classes study two sessions a day).
 * - roll_call_taken: that the roll-call of a class for a day and session was taken — attendance stores
 *   absences only, so without this nobody can tell "no absences" from "not taken".
 * Days off stay in school_holiday (0009), one row per day, by date (so per school year by its dates).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE school_calendar (
      school_year_id bigint PRIMARY KEY REFERENCES school_year(id),
      school_id      bigint NOT NULL REFERENCES school(id),
      plan           jsonb NOT NULL,
      version        integer NOT NULL DEFAULT 1,
      updated_by     bigint REFERENCES person(id),
      updated_at     timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE class_session_plan (
      class_id    bigint PRIMARY KEY REFERENCES class(id),
      plan        jsonb NOT NULL,
      updated_by  bigint REFERENCES person(id),
      updated_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE roll_call_taken (
      class_id  bigint NOT NULL REFERENCES class(id),
      day       date NOT NULL,
      session   text NOT NULL CHECK (session IN ('sang','chieu')),
      taken_by  bigint REFERENCES person(id),
      taken_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (class_id, day, session)
    );
    CREATE INDEX roll_call_taken_day ON roll_call_taken (day);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS roll_call_taken, class_session_plan, school_calendar CASCADE`.execute(db);
}
