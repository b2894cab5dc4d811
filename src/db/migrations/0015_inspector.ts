import { sql, type Kysely } from 'kysely';

/**
 * Issue 8 — the inspector (thanh tra / chuyên viên of the education office). Moodle has no such role
 * (shared/docs/moodle-lti-behaviour.md §4), so the school admin designates the person on the staff
 * page like a principal, but only for the inspection's period (dates, Vietnam time, inclusive) and
 * with the decision that sends them (e.g. "QĐ số 12/QĐ-PGDĐT"). The period is required for an
 * inspector and checked on every request, so a session cannot outlive it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE staff_designation DROP CONSTRAINT IF EXISTS staff_designation_role_check;
    ALTER TABLE staff_designation
      ADD CONSTRAINT staff_designation_role_check CHECK (role IN ('principal','vice_principal','school_admin','inspector')),
      ADD COLUMN valid_from  date,
      ADD COLUMN valid_until date,
      ADD COLUMN note        text,
      ADD CONSTRAINT staff_designation_inspector_period CHECK (
        role <> 'inspector' OR (valid_from IS NOT NULL AND valid_until IS NOT NULL AND valid_until >= valid_from)
      );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DELETE FROM staff_designation WHERE role = 'inspector';
    ALTER TABLE staff_designation DROP CONSTRAINT IF EXISTS staff_designation_inspector_period;
    ALTER TABLE staff_designation DROP COLUMN IF EXISTS valid_from, DROP COLUMN IF EXISTS valid_until, DROP COLUMN IF EXISTS note;
    ALTER TABLE staff_designation DROP CONSTRAINT IF EXISTS staff_designation_role_check;
    ALTER TABLE staff_designation ADD CONSTRAINT staff_designation_role_check CHECK (role IN ('principal','vice_principal','school_admin'));
  `.execute(db);
}
