import { sql, type Kysely } from 'kysely';

/**
 * Issue 6 items 3–5: a disability override may be recorded by the homeroom teacher or the school admin and
 * waits for the principal (approved_by/approved_at stay empty until then; only approved ones count); the
 * principal recording it approves it at once. Re-test scores are entered by the subject teacher.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE disability_override
      ADD COLUMN requested_by bigint REFERENCES person(id),
      ALTER COLUMN approved_by DROP NOT NULL,
      ALTER COLUMN approved_at DROP NOT NULL,
      ALTER COLUMN approved_at DROP DEFAULT;
    UPDATE disability_override SET requested_by = approved_by WHERE requested_by IS NULL;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DELETE FROM disability_override WHERE approved_by IS NULL;
    ALTER TABLE disability_override
      DROP COLUMN requested_by,
      ALTER COLUMN approved_at SET DEFAULT now(),
      ALTER COLUMN approved_by SET NOT NULL,
      ALTER COLUMN approved_at SET NOT NULL;
  `.execute(db);
}
