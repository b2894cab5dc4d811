import { sql, type Kysely } from 'kysely';

/**
 * Durable memory that a person launched with staff roles (LTI Instructor/Administrator).
 * Moodle's NRPS lists a non-editing teacher as `Learner` (moodle-lti-behaviour.md §6), so the
 * roster sync needs to know who has ever launched as staff; app_session rows expire and are purged.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE person_staff_launch (
      person_id       bigint PRIMARY KEY REFERENCES person(id),
      first_seen_at   timestamptz NOT NULL DEFAULT now(),
      last_seen_at    timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS person_staff_launch`.execute(db);
}
