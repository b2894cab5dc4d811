import { sql, type Kysely } from 'kysely';

/**
 * ltijs' own storage (its "Database plugin", src/lti/pg-lti-store.ts), one table per ltijs collection
 * in schema `lti`. The fields ltijs queries by are real columns with the uniqueness Mongo had (or
 * stronger where ltijs always replaces by the full key, so upserts can use ON CONFLICT); the rest of
 * the document is `doc jsonb`, so a new field in a future ltijs needs no migration.
 * Encrypted collections hold only an AES-256-GCM box {v, iv, tag, data} in `doc` — the CHECKs make a
 * clear-text private key or access token impossible to store by mistake.
 * `created_at` drives TTLs: reads hide expired rows, purgeExpired() deletes them.
 * No foreign keys: ltijs writes keys before the platform row and deletes in its own order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE SCHEMA lti;

    CREATE TABLE lti.platform (
      kid           text PRIMARY KEY,            -- ltijs' platform id IS the tool key's kid
      platform_url  text NOT NULL,               -- the issuer
      client_id     text NOT NULL,
      doc           jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (platform_url, client_id)           -- also serves {platformUrl} lookups (prefix)
    );

    CREATE TABLE lti.platform_status (
      id          text PRIMARY KEY,              -- = platform kid
      doc         jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at  timestamptz NOT NULL DEFAULT now()
    );

    -- Tool public keys. After a rotation the old key stays (retired_at set) and is still published
    -- in the JWKS until serve_until, so platforms that cached it keep verifying our signatures.
    CREATE TABLE lti.public_key (
      kid           text PRIMARY KEY,
      platform_url  text NOT NULL,
      client_id     text NOT NULL,
      doc           jsonb NOT NULL CHECK (doc ?& array['v','iv','tag','data']),
      created_at    timestamptz NOT NULL DEFAULT now(),
      retired_at    timestamptz,
      serve_until   timestamptz,
      CHECK ((retired_at IS NULL) = (serve_until IS NULL))
    );
    -- One current key per platform; ltijs replaces keys by {platformUrl, clientId}.
    CREATE UNIQUE INDEX public_key_current ON lti.public_key (platform_url, client_id) WHERE retired_at IS NULL;
    CREATE INDEX public_key_serve_until ON lti.public_key (serve_until) WHERE serve_until IS NOT NULL;

    CREATE TABLE lti.private_key (
      kid           text PRIMARY KEY,
      platform_url  text NOT NULL,
      client_id     text NOT NULL,
      doc           jsonb NOT NULL CHECK (doc ?& array['v','iv','tag','data']),
      created_at    timestamptz NOT NULL DEFAULT now(),
      UNIQUE (platform_url, client_id)
    );

    CREATE TABLE lti.access_token (
      platform_url  text NOT NULL,
      client_id     text NOT NULL,
      scopes        text NOT NULL,
      doc           jsonb NOT NULL CHECK (doc ?& array['v','iv','tag','data']),
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (platform_url, client_id, scopes)
    );
    CREATE INDEX access_token_created_at ON lti.access_token (created_at);

    -- nonce is the primary key: of two launches racing with the same id_token, the second INSERT fails.
    CREATE TABLE lti.nonce (
      nonce       text PRIMARY KEY,
      doc         jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX nonce_created_at ON lti.nonce (created_at);

    CREATE TABLE lti.state (
      state       text PRIMARY KEY,
      doc         jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX state_created_at ON lti.state (created_at);

    -- Mongo's index here was not unique, but ltijs always replaces by the full key.
    CREATE TABLE lti.id_token (
      iss            text NOT NULL,
      client_id      text NOT NULL,
      deployment_id  text NOT NULL,
      user_sub       text NOT NULL,              -- ltijs field "user" (the LTI sub)
      doc            jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at     timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (iss, client_id, deployment_id, user_sub)
    );
    CREATE INDEX id_token_created_at ON lti.id_token (created_at);

    CREATE TABLE lti.context_token (
      context_id  text NOT NULL,
      user_sub    text NOT NULL,
      doc         jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (context_id, user_sub)
    );
    CREATE INDEX context_token_created_at ON lti.context_token (created_at);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS lti CASCADE`.execute(db);
}
