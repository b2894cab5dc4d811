import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { CryptoBox, CryptoBoxError, type SealedBox } from './crypto-box';

/**
 * ltijs 5.9.9 Database plugin on our PostgreSQL (schema `lti`, migration 0002_lti_store).
 *
 * Contract (read from ltijs' source, see docs/ltijs-on-postgres.md §2):
 * - Get returns an array of plain objects or `false` — never [] (callers do `if (!r) …; r[0]`).
 *   Keyed (encrypted) Gets return the decrypted document plus `createdAt` in ms, which ltijs uses
 *   to decide whether an access token is still fresh.
 * - Replace is Mongo's replaceOne(upsert): INSERT … ON CONFLICT DO UPDATE when the query is a
 *   unique key (always the case for ltijs), so concurrent Replaces of one access token cannot 23505.
 * - Insert into a TTL table only succeeds if no live row has the key: the nonce is the primary key,
 *   so of two launches replaying one id_token exactly one passes.
 * - Modify is a partial merge and may change key columns (updatePlatformById moves keys to a new url).
 * - Delete is called without await (state): it must never reject.
 * - Close() leaves the shared pool alone: the application owns it.
 * - A query field this map does not know throws, so a future ltijs querying something new fails loudly.
 *
 * ltijs passes its ENCRYPTIONKEY as the first argument; we only use it as the "this collection is
 * encrypted" flag and seal with our own KEK (AES-256-GCM), so the cookie/ltik secret can rotate alone.
 */

export type LtiStoreErrorCode =
  | 'LTI_STORE_UNKNOWN_COLLECTION'
  | 'LTI_STORE_UNKNOWN_FIELD'
  | 'LTI_STORE_BAD_QUERY'
  | 'LTI_STORE_MISSING_FIELD'
  | 'LTI_STORE_DUPLICATE'
  | 'LTI_STORE_DECRYPT_FAILED'
  | 'LTI_STORE_NOT_READY';

export class LtiStoreError extends Error {
  override readonly name = 'LtiStoreError';
  constructor(
    readonly code: LtiStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The ltijs collection names the plugin serves. */
export type LtiCollection =
  | 'platform'
  | 'platformStatus'
  | 'publickey'
  | 'privatekey'
  | 'accesstoken'
  | 'nonce'
  | 'state'
  | 'idtoken'
  | 'contexttoken';

type LtiTable = keyof DB & `lti.${string}`;

interface CollectionSpec {
  readonly table: LtiTable;
  /** ltijs field → column. Only these fields may appear in queries. */
  readonly columns: Readonly<Record<string, string>>;
  /** ltijs fields forming the primary key. */
  readonly primaryKey: readonly string[];
  /** Unique keys usable as ON CONFLICT targets for Replace, with the partial-index predicate if any. */
  readonly uniqueKeys: readonly { fields: readonly string[]; where?: string }[];
  readonly ttlSeconds: number | null;
  readonly encrypted: boolean;
  /** public_key: rows with retired_at are hidden from writes and served until serve_until. */
  readonly retirable: boolean;
}

const DAY = 24 * 3600;

function buildSpecs(nonceTtlSeconds: number): Readonly<Record<LtiCollection, CollectionSpec>> {
  const keyCols = { kid: 'kid', platformUrl: 'platform_url', clientId: 'client_id' };
  return {
    platform: {
      table: 'lti.platform',
      columns: keyCols,
      primaryKey: ['kid'],
      uniqueKeys: [{ fields: ['platformUrl', 'clientId'] }, { fields: ['kid'] }],
      ttlSeconds: null,
      encrypted: false,
      retirable: false,
    },
    platformStatus: {
      table: 'lti.platform_status',
      columns: { id: 'id' },
      primaryKey: ['id'],
      uniqueKeys: [{ fields: ['id'] }],
      ttlSeconds: null,
      encrypted: false,
      retirable: false,
    },
    publickey: {
      table: 'lti.public_key',
      columns: keyCols,
      primaryKey: ['kid'],
      uniqueKeys: [{ fields: ['platformUrl', 'clientId'], where: 'retired_at IS NULL' }, { fields: ['kid'] }],
      ttlSeconds: null,
      encrypted: true,
      retirable: true,
    },
    privatekey: {
      table: 'lti.private_key',
      columns: keyCols,
      primaryKey: ['kid'],
      uniqueKeys: [{ fields: ['platformUrl', 'clientId'] }, { fields: ['kid'] }],
      ttlSeconds: null,
      encrypted: true,
      retirable: false,
    },
    accesstoken: {
      table: 'lti.access_token',
      columns: { platformUrl: 'platform_url', clientId: 'client_id', scopes: 'scopes' },
      primaryKey: ['platformUrl', 'clientId', 'scopes'],
      uniqueKeys: [{ fields: ['platformUrl', 'clientId', 'scopes'] }],
      ttlSeconds: 3600,
      encrypted: true,
      retirable: false,
    },
    nonce: {
      table: 'lti.nonce',
      columns: { nonce: 'nonce' },
      primaryKey: ['nonce'],
      uniqueKeys: [{ fields: ['nonce'] }],
      ttlSeconds: nonceTtlSeconds,
      encrypted: false,
      retirable: false,
    },
    state: {
      table: 'lti.state',
      columns: { state: 'state' },
      primaryKey: ['state'],
      uniqueKeys: [{ fields: ['state'] }],
      ttlSeconds: 600,
      encrypted: false,
      retirable: false,
    },
    idtoken: {
      table: 'lti.id_token',
      columns: { iss: 'iss', clientId: 'client_id', deploymentId: 'deployment_id', user: 'user_sub' },
      primaryKey: ['iss', 'clientId', 'deploymentId', 'user'],
      uniqueKeys: [{ fields: ['iss', 'clientId', 'deploymentId', 'user'] }],
      ttlSeconds: DAY,
      encrypted: false,
      retirable: false,
    },
    contexttoken: {
      table: 'lti.context_token',
      columns: { contextId: 'context_id', user: 'user_sub' },
      primaryKey: ['contextId', 'user'],
      uniqueKeys: [{ fields: ['contextId', 'user'] }],
      ttlSeconds: DAY,
      encrypted: false,
      retirable: false,
    },
  };
}

/** Session-level key shared with any job that must not run concurrently with the purge. */
export const LTI_PURGE_LOCK_KEY = 7_305_114_001;

export type LtiDocument = Record<string, unknown>;
type Query = Record<string, unknown>;
type Executor = Kysely<DB> | Transaction<DB>;

interface Row {
  doc: unknown;
  created_at: Date;
  [column: string]: unknown;
}

export interface PgLtiStoreOptions {
  /** Key-encryption key: exactly 32 bytes. */
  kek: Buffer;
  kekVersion?: number;
  /** Older KEKs still needed to read existing rows during a KEK rotation. */
  previousKeks?: Readonly<Record<number, Buffer>>;
  /** How long a used nonce is remembered; default 600 s (ltijs' stock 10 s is shorter than tokenMaxAge). */
  nonceTtlSeconds?: number;
  logger?: { warn(msg: string): void };
}

export interface PgLtiStore {
  setup(): Promise<true>;
  Close(): Promise<true>;
  Get(key: unknown, collection: string, query?: Query): Promise<LtiDocument[] | false>;
  Insert(key: unknown, collection: string, item: LtiDocument, index?: Query): Promise<true>;
  Replace(key: unknown, collection: string, query: Query, item: LtiDocument, index?: Query): Promise<true>;
  Modify(key: unknown, collection: string, query: Query, modification: LtiDocument): Promise<true>;
  /** Never rejects; resolves false (and logs a warning) when the delete failed. */
  Delete(collection: string, query: Query): Promise<boolean>;
  /** Deletes expired rows; null when another instance holds the purge lock. */
  purgeExpired(): Promise<{ [table: string]: number } | null>;
  /** The sealing used for encrypted collections (key rotation writes key rows with it). */
  readonly box: CryptoBox;
}

/** Seal an ltijs document for an encrypted collection, bound to that collection. */
export function sealDocument(box: CryptoBox, collection: 'publickey' | 'privatekey' | 'accesstoken', doc: LtiDocument): SealedBox {
  return box.seal(JSON.stringify(doc), collection);
}

export function openDocument(box: CryptoBox, collection: 'publickey' | 'privatekey' | 'accesstoken', stored: unknown): LtiDocument {
  try {
    return JSON.parse(box.open(stored, collection)) as LtiDocument;
  } catch (err) {
    const detail = err instanceof CryptoBoxError ? err.code : 'JSON';
    throw new LtiStoreError('LTI_STORE_DECRYPT_FAILED', `cannot open ${collection} row (${detail})`, { cause: err });
  }
}

export function createPgLtiStore(db: Kysely<DB>, opts: PgLtiStoreOptions): PgLtiStore {
  const box = new CryptoBox({ kek: opts.kek, kekVersion: opts.kekVersion, previousKeks: opts.previousKeks });
  const specs = buildSpecs(opts.nonceTtlSeconds ?? 600);
  const warn = (msg: string) => (opts.logger ? opts.logger.warn(msg) : console.warn(msg));

  function specFor(collection: string): CollectionSpec & { name: LtiCollection } {
    if (!Object.prototype.hasOwnProperty.call(specs, collection)) {
      throw new LtiStoreError('LTI_STORE_UNKNOWN_COLLECTION', `unknown ltijs collection "${collection}"`);
    }
    return { ...specs[collection as LtiCollection], name: collection as LtiCollection };
  }

  const table = (spec: CollectionSpec) => sql.table(spec.table);
  const ttlLive = (spec: CollectionSpec): RawBuilder<unknown> | null =>
    spec.ttlSeconds === null ? null : sql`created_at > now() - make_interval(secs => ${spec.ttlSeconds})`;

  /** WHERE conditions for an ltijs query; unknown fields and Mongo operators throw. */
  function conditions(spec: CollectionSpec, query: Query | undefined): RawBuilder<unknown>[] {
    if (query === undefined || query === null) return [];
    if (typeof query !== 'object' || Array.isArray(query)) throw new LtiStoreError('LTI_STORE_BAD_QUERY', 'query must be an object');
    const out: RawBuilder<unknown>[] = [];
    for (const [field, value] of Object.entries(query)) {
      const column = spec.columns[field];
      if (!column) throw new LtiStoreError('LTI_STORE_UNKNOWN_FIELD', `field "${field}" is not queryable in ${spec.table}`);
      if (value === undefined || value === null) {
        out.push(sql`${sql.ref(column)} IS NULL`); // Mongo: matches a missing field; our columns are NOT NULL
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        out.push(sql`${sql.ref(column)} = ${String(value)}`);
      } else {
        throw new LtiStoreError('LTI_STORE_BAD_QUERY', `field "${field}" must be a scalar (no Mongo operators)`);
      }
    }
    return out;
  }

  const where = (conds: RawBuilder<unknown>[]) => (conds.length === 0 ? sql`TRUE` : sql.join(conds, sql` AND `));

  /** Column values for a new row: from `index` for encrypted collections, else from the item, else the query. */
  function columnValues(spec: CollectionSpec, source: LtiDocument, query: Query | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [field, column] of Object.entries(spec.columns)) {
      const v = source[field] ?? query?.[field];
      if (v === undefined || v === null) {
        throw new LtiStoreError('LTI_STORE_MISSING_FIELD', `field "${field}" is required in ${spec.table}`);
      }
      if (typeof v === 'object') throw new LtiStoreError('LTI_STORE_BAD_QUERY', `field "${field}" must be a scalar`);
      out[column] = String(v);
    }
    return out;
  }

  /** What goes into `doc`: the sealed item, or the item minus its column fields. */
  function docFor(spec: CollectionSpec & { name: LtiCollection }, item: LtiDocument): unknown {
    if (spec.encrypted) return sealDocument(box, spec.name as 'publickey', item);
    const doc: LtiDocument = {};
    for (const [k, v] of Object.entries(item)) if (!(k in spec.columns) && k !== 'createdAt') doc[k] = v;
    return doc;
  }

  function prepare(
    spec: CollectionSpec & { name: LtiCollection },
    key: unknown,
    item: LtiDocument,
    index: Query | undefined,
    query: Query | undefined,
  ): { cols: Record<string, string>; doc: unknown } {
    if (!item || typeof item !== 'object') throw new LtiStoreError('LTI_STORE_BAD_QUERY', 'item must be an object');
    if (spec.encrypted && !key) {
      // Storing a secret in clear because a caller forgot the flag would be silent; refuse instead.
      throw new LtiStoreError('LTI_STORE_BAD_QUERY', `${spec.table} is encrypted: ltijs must pass its key flag`);
    }
    const source = spec.encrypted ? { ...(index ?? {}) } : item;
    return { cols: columnValues(spec, source, query), doc: docFor(spec, item) };
  }

  function toDocument(spec: CollectionSpec & { name: LtiCollection }, row: Row): LtiDocument {
    if (spec.encrypted) {
      const doc = openDocument(box, spec.name as 'publickey', row.doc);
      // Index columns may have been changed by Modify since sealing (e.g. kid): the column wins.
      for (const [field, column] of Object.entries(spec.columns)) if (field in doc) doc[field] = row[column];
      doc.createdAt = row.created_at.getTime(); // stock ltijs returns ms here
      return doc;
    }
    const doc: LtiDocument = { ...(row.doc as LtiDocument) };
    for (const [field, column] of Object.entries(spec.columns)) doc[field] = row[column];
    if (spec.ttlSeconds !== null) doc.createdAt = row.created_at;
    return doc;
  }

  function insertSql(spec: CollectionSpec, cols: Record<string, string>, doc: unknown) {
    const names = Object.keys(cols);
    return {
      columns: sql.join([...names.map((c) => sql.ref(c)), sql.ref('doc'), sql.ref('created_at')]),
      values: sql.join([...names.map((c) => sql`${cols[c]}`), sql`${JSON.stringify(doc)}::jsonb`, sql`now()`]),
      update: sql.join(
        [...names.map((c) => sql`${sql.ref(c)} = EXCLUDED.${sql.ref(c)}`), sql`doc = EXCLUDED.doc`, sql`created_at = now()`],
      ),
      spec,
    };
  }

  function isUniqueViolation(err: unknown): boolean {
    return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
  }

  function duplicate(spec: CollectionSpec & { name: LtiCollection }, err?: unknown): LtiStoreError {
    const hint = spec.name === 'nonce' ? ' (NONCE_ALREADY_RECEIVED)' : '';
    return new LtiStoreError('LTI_STORE_DUPLICATE', `duplicate key in ${spec.table}${hint}`, { cause: err });
  }

  /** The unique key a Replace query addresses, if the item agrees with it. */
  function upsertTarget(spec: CollectionSpec, query: Query, cols: Record<string, string>) {
    const fields = Object.keys(query).sort();
    return spec.uniqueKeys.find(
      (u) =>
        u.fields.length === fields.length &&
        [...u.fields].sort().every((f, i) => f === fields[i]) &&
        u.fields.every((f) => cols[spec.columns[f]!] === String(query[f])),
    );
  }

  async function lockedWrite<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return db.transaction().execute(fn);
  }

  const store: PgLtiStore = {
    box,

    async setup() {
      // Fail at deploy time, not at the first launch, if migration 0002 has not run.
      try {
        await sql`SELECT 1 FROM lti.platform LIMIT 0`.execute(db);
      } catch (err) {
        throw new LtiStoreError('LTI_STORE_NOT_READY', 'schema lti is missing: run the migrations', { cause: err });
      }
      return true;
    },

    async Close() {
      // The pool is the application's; ltijs' close() (and its SIGINT handler) must not end it.
      return true;
    },

    async Get(key, collection, query) {
      const spec = specFor(collection);
      const conds = conditions(spec, query);
      const live = ttlLive(spec);
      if (live) conds.push(live);
      if (spec.retirable) conds.push(sql`(retired_at IS NULL OR serve_until > now())`);
      const order = sql.join(spec.primaryKey.map((f) => sql.ref(spec.columns[f]!)));
      const { rows } = await sql<Row>`SELECT * FROM ${table(spec)} WHERE ${where(conds)} ORDER BY created_at, ${order}`.execute(db);
      if (rows.length === 0) return false;
      void key; // encryption is decided by the collection, not by the flag (see prepare())
      return rows.map((r) => toDocument(spec, r));
    },

    async Insert(key, collection, item, index) {
      const spec = specFor(collection);
      const { cols, doc } = prepare(spec, key, item, index, undefined);
      const s = insertSql(spec, cols, doc);
      try {
        if (spec.ttlSeconds !== null) {
          // An expired row with the same key is invisible to Get, so it must not block the insert:
          // overwrite it, but only if it is expired. A live row leaves 0 rows returned → duplicate.
          const target = sql.join(spec.primaryKey.map((f) => sql.ref(spec.columns[f]!)));
          const { rows } = await sql`
            INSERT INTO ${table(spec)} (${s.columns}) VALUES (${s.values})
            ON CONFLICT (${target}) DO UPDATE SET ${s.update}
            WHERE ${table(spec)}.created_at <= now() - make_interval(secs => ${spec.ttlSeconds})
            RETURNING 1 AS ok`.execute(db);
          if (rows.length === 0) throw duplicate(spec);
        } else {
          await sql`INSERT INTO ${table(spec)} (${s.columns}) VALUES (${s.values})`.execute(db);
        }
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(spec, err);
        throw err;
      }
      return true;
    },

    async Replace(key, collection, query, item, index) {
      const spec = specFor(collection);
      const conds = conditions(spec, query); // validates fields even on the upsert path
      const { cols, doc } = prepare(spec, key, item, index, query);
      const s = insertSql(spec, cols, doc);
      const target = upsertTarget(spec, query ?? {}, cols);
      try {
        if (target) {
          const targetCols = sql.join(target.fields.map((f) => sql.ref(spec.columns[f]!)));
          const predicate = target.where ? sql` WHERE ${sql.raw(target.where)}` : sql``;
          await sql`
            INSERT INTO ${table(spec)} (${s.columns}) VALUES (${s.values})
            ON CONFLICT (${targetCols})${predicate} DO UPDATE SET ${s.update}`.execute(db);
          return true;
        }
        // Not addressed by a unique key (ltijs never does this): delete the matches and insert, atomically.
        if (spec.retirable) conds.push(sql`retired_at IS NULL`);
        await lockedWrite(async (trx) => {
          await sql`DELETE FROM ${table(spec)} WHERE ${where(conds)}`.execute(trx);
          await sql`INSERT INTO ${table(spec)} (${s.columns}) VALUES (${s.values})`.execute(trx);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(spec, err);
        throw err;
      }
      return true;
    },

    async Modify(key, collection, query, modification) {
      void key; // ltijs always passes false; encrypted fields are handled by collection below
      const spec = specFor(collection);
      if (!query || !modification || typeof modification !== 'object') {
        throw new LtiStoreError('LTI_STORE_BAD_QUERY', 'Modify needs a query and a modification');
      }
      const conds = conditions(spec, query);
      const live = ttlLive(spec);
      if (live) conds.push(live);
      if (spec.retirable) conds.push(sql`retired_at IS NULL`);

      const colSets: RawBuilder<unknown>[] = [];
      const patch: LtiDocument = {};
      for (const [field, value] of Object.entries(modification)) {
        if (field.startsWith('$')) throw new LtiStoreError('LTI_STORE_BAD_QUERY', 'Mongo update operators are not supported');
        if (value === undefined) continue; // Mongo drops undefined in $set; so do we
        const column = spec.columns[field];
        if (column) {
          if (value === null || typeof value === 'object') {
            throw new LtiStoreError('LTI_STORE_BAD_QUERY', `field "${field}" must be a scalar`);
          }
          colSets.push(sql`${sql.ref(column)} = ${String(value)}`);
        } else if (field !== 'createdAt') {
          patch[field] = value;
        }
      }
      const hasPatch = Object.keys(patch).length > 0;
      if (colSets.length === 0 && !hasPatch) return true;

      try {
        if (!spec.encrypted || !hasPatch) {
          const sets = hasPatch ? [...colSets, sql`doc = doc || ${JSON.stringify(patch)}::jsonb`] : colSets;
          await sql`UPDATE ${table(spec)} SET ${sql.join(sets)} WHERE ${where(conds)}`.execute(db);
          return true;
        }
        // Encrypted document fields: open, merge every modified field (the stock plugin merges only
        // the first), re-seal, under row locks so two Modifies cannot lose each other's fields.
        await lockedWrite(async (trx) => {
          const { rows } = await sql<Row>`SELECT * FROM ${table(spec)} WHERE ${where(conds)} FOR UPDATE`.execute(trx);
          for (const row of rows) {
            const merged = { ...openDocument(box, spec.name as 'publickey', row.doc), ...patch };
            const sealed = sealDocument(box, spec.name as 'publickey', merged);
            const pk = spec.primaryKey.map((f) => sql`${sql.ref(spec.columns[f]!)} = ${row[spec.columns[f]!]}`);
            await sql`UPDATE ${table(spec)} SET ${sql.join([...colSets, sql`doc = ${JSON.stringify(sealed)}::jsonb`])}
              WHERE ${sql.join(pk, sql` AND `)}`.execute(trx);
          }
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicate(spec, err);
        throw err;
      }
      return true;
    },

    Delete(collection, query) {
      // ltijs calls this without await for `state`: a rejection would be an unhandledRejection,
      // which kills Node ≥ 15. So every failure (even a synchronous one) becomes a warning + false.
      return (async () => {
        try {
          const spec = specFor(collection);
          if (!query || typeof query !== 'object') throw new LtiStoreError('LTI_STORE_BAD_QUERY', 'Delete needs a query');
          const conds = conditions(spec, query);
          await sql`DELETE FROM ${table(spec)} WHERE ${where(conds)}`.execute(db);
          return true;
        } catch (err) {
          const code = (err as { code?: unknown })?.code;
          warn(`[lti-store] Delete on ${String(collection)} failed (${typeof code === 'string' ? code : 'error'})`);
          return false;
        }
      })().catch(() => false);
    },

    async purgeExpired() {
      return db.transaction().execute(async (trx) => {
        // Transaction-level lock: released by COMMIT even if a DELETE fails, and it conflicts with a
        // session-level lock on the same key taken by another instance.
        const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_xact_lock(${LTI_PURGE_LOCK_KEY}::bigint) AS locked`.execute(trx);
        if (!rows[0]?.locked) return null;
        const counts: { [table: string]: number } = {};
        for (const spec of Object.values(specs)) {
          if (spec.ttlSeconds === null) continue;
          const r = await sql`DELETE FROM ${table(spec)} WHERE created_at <= now() - make_interval(secs => ${spec.ttlSeconds})`.execute(trx);
          counts[spec.table] = Number(r.numAffectedRows ?? 0);
        }
        const k = await sql`DELETE FROM lti.public_key WHERE serve_until <= now()`.execute(trx);
        counts['lti.public_key'] = Number(k.numAffectedRows ?? 0);
        return counts;
      });
    },
  };
  return store;
}
