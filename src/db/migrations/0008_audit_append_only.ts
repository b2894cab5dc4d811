import { sql, type Kysely } from 'kysely';

/**
 * The audit chain's hash is defined in SQL, so the writer and the verifier cannot disagree and a
 * whole chain verifies set-wise inside PostgreSQL. The payload is every field of the record,
 * unambiguous (quote_nullable), time in UTC with microseconds, JSON in jsonb's canonical text.
 * The log is append-only in the database too: UPDATE, DELETE and TRUNCATE raise. A superuser can
 * still disable the trigger — that is what the hash chain and the verifier are for.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION audit_hash(prev text, school_id bigint, seq bigint, at timestamptz, actor_person_id bigint,
                               actor_lms_user_id text, actor_role text, action text, entity text, entity_id text,
                               old_value jsonb, new_value jsonb, source text, request_id text)
    -- STABLE, not IMMUTABLE: its body uses STABLE functions (concat_ws, quote_nullable), and only a
    -- function no stricter than its body is inlined by the planner (4× faster verification).
    RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT encode(sha256(convert_to(concat_ws(E'\\x1f', prev, school_id::text, seq::text,
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), quote_nullable(actor_person_id),
        quote_nullable(actor_lms_user_id), quote_nullable(actor_role), quote_nullable(action), quote_nullable(entity),
        quote_nullable(entity_id), quote_nullable(old_value::text), quote_nullable(new_value::text),
        quote_nullable(source), quote_nullable(request_id)), 'UTF8')), 'hex')
    $$;

    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only (nhật ký kiểm tra chỉ được ghi thêm)' USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log;
    DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
    DROP FUNCTION IF EXISTS audit_log_append_only();
    DROP FUNCTION IF EXISTS audit_hash(text, bigint, bigint, timestamptz, bigint, text, text, text, text, text, jsonb, jsonb, text, text)`.execute(db);
}
