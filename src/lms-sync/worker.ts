/**
 * The outbox worker. Each drain claims a batch of due rows with FOR UPDATE SKIP LOCKED and marks them
 * `sending` with a lease (so several app processes never claim the same row), then sends them with
 * bounded concurrency. Per row: refuse line items that are not ours → reserve a strictly increasing,
 * never-future timestamp per (line item, user) → keep the LMS's existing comment → POST the score.
 * Outcomes: sent; 409 → `conflict` with the LMS's current result re-read (never retried); 404 → the
 * line item is marked gone; 400 → failed (not a learner); 429/5xx/timeout/network/malformed → retry with
 * exponential backoff up to maxAttempts, then failed; a Retry-After (429/503) is honoured, bounded by
 * maxRetryAfterMs, and pauses the whole LMS (origin) for this worker so the rest of the batch waits too.
 * Average line items recorded at approval without a URL are created (or found again) first. Delivery is at-least-once only if a process dies
 * between the LMS's 200 and our commit (the lease expires and the same value is re-sent with a newer
 * timestamp — harmless); otherwise exactly once.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { AgsClient, type LmsResult } from './ags-client';
import type { LineItem } from './ags-client';
import { AgsError, agsError } from './errors';
import { loadCourseTarget, scoreFields, type CourseTarget } from './outbox';

export interface WorkerOptions {
  batchSize?: number;
  concurrency?: number;
  maxAttempts?: number;
  /** Base of the exponential backoff (ms). */
  backoffMs?: number;
  leaseMs?: number;
  /** Upper bound on an LMS's Retry-After (default 15 min): a bad header must not park a score for days. */
  maxRetryAfterMs?: number;
  /** Keep the access token in PostgreSQL, shared by every process (default true; see token-store.ts). */
  sharedTokens?: boolean;
  log?: (line: string) => void;
}

export interface DrainResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  conflicts: number;
  deferred: number;
}

interface Claimed {
  id: number;
  class_subject_id: number;
  lms_user_id: string;
  lineitem_url: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export class OutboxWorker {
  private readonly o: Required<Omit<WorkerOptions, 'log'>> & { log: (l: string) => void };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  /** LMS origin → epoch ms before which nothing is sent there (its Retry-After). */
  private readonly pausedUntil = new Map<string, number>();
  /** Average line item id → epoch ms before which creating it is not tried again (LMS down). */
  private readonly resolveAfter = new Map<number, number>();
  private readonly resolveTries = new Map<number, number>();

  constructor(
    private readonly db: Kysely<DB>,
    readonly client: AgsClient,
    opts: WorkerOptions = {},
  ) {
    this.o = {
      batchSize: opts.batchSize ?? 100,
      concurrency: opts.concurrency ?? 8,
      maxAttempts: opts.maxAttempts ?? 6,
      backoffMs: opts.backoffMs ?? 2_000,
      leaseMs: opts.leaseMs ?? 120_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 15 * 60_000,
      sharedTokens: opts.sharedTokens ?? true,
      log: opts.log ?? (() => undefined),
    };
    // The worker is what every app process runs: it is where the token becomes shared between them.
    if (this.o.sharedTokens) client.shareTokensThrough(db);
  }

  /** Runs drainOnce every `intervalMs` (unref'd; never overlapping). */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.drainUntilIdle()
        .catch((e) => this.o.log(`[ags worker] ${e instanceof AgsError ? e.code : (e as Error)?.name ?? 'error'}`))
        .finally(() => (this.running = null));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async drainUntilIdle(maxRounds = 1000): Promise<DrainResult> {
    const total: DrainResult = { claimed: 0, sent: 0, retried: 0, failed: 0, conflicts: 0, deferred: 0 };
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.drainOnce();
      for (const k of Object.keys(total) as Array<keyof DrainResult>) total[k] += r[k];
      if (r.claimed === 0) break;
    }
    return total;
  }

  /** Claims one batch of due rows and sends them. */
  async drainOnce(): Promise<DrainResult> {
    const out: DrainResult = { claimed: 0, sent: 0, retried: 0, failed: 0, conflicts: 0, deferred: 0 };
    await this.resolveLineItems();
    const claimed = await this.claim();
    out.claimed = claimed.length;
    if (!claimed.length) return out;

    const targets = new Map<number, Promise<CourseTarget>>();
    const target = (csId: number) => {
      let t = targets.get(csId);
      if (!t) targets.set(csId, (t = loadCourseTarget(this.db, csId)));
      return t;
    };
    const urls = [...new Set(claimed.map((c) => c.lineitem_url))];
    const items = await this.db.selectFrom('lms_line_item').select(['lineitem_url', 'ours', 'gone_at', 'class_subject_id']).where('lineitem_url', 'in', urls).execute();
    const itemBy = new Map(items.map((i) => [i.lineitem_url, i]));
    // Existing LMS comments, read once per line item per drain (a score without comment erases it, §7).
    const comments = new Map<string, Promise<Map<string, LmsResult>>>();
    const resultsOf = (t: CourseTarget, url: string) => {
      let p = comments.get(url);
      if (!p) {
        p = this.client.results(t, url).then((rs) => new Map(rs.map((r) => [r.userId, r])));
        p.catch(() => comments.delete(url));
        comments.set(url, p);
      }
      return p;
    };

    // Never touch a grade item the LMS did not give us / we did not create (moodle-lti-behaviour.md §7).
    const sendable: Claimed[] = [];
    for (const row of claimed) {
      const item = itemBy.get(row.lineitem_url);
      const refusal = !item || !item.ours || Number(item.class_subject_id) !== Number(row.class_subject_id) ? 'AGS_FOREIGN_LINEITEM' : item.gone_at ? 'AGS_LINEITEM_GONE' : null;
      if (refusal) out[await this.settleFailure(row, agsError(refusal, { retryable: false }), target)]++;
      else sendable.push(row);
    }
    const stamps = await this.reserveTimestamps(sendable);
    out.deferred += sendable.length - stamps.size;

    const ready = sendable.filter((r) => stamps.has(r.id));
    // Rows the LMS accepted, marked `sent` in one statement after the batch (one round trip instead of one
    // per score). Until then they stay `sending` under their lease: a crash in between re-sends them with
    // a newer timestamp after the lease (harmless), as for a crash between one POST and its own update.
    const sentRows: Array<{ id: number; ts: Date }> = [];
    let next = 0;
    const lane = async () => {
      while (next < ready.length) {
        const row = ready[next++]!;
        const ts = stamps.get(row.id)!;
        const origin = new URL(row.lineitem_url).origin;
        const pause = this.pausedUntil.get(origin) ?? 0;
        if (pause > Date.now()) {
          // The LMS asked us to wait: put the row back untouched (the claim's attempt is given back).
          await this.deferTo(row.id, new Date(pause));
          out.deferred++;
          continue;
        }
        try {
          const t = await target(Number(row.class_subject_id));
          const existing = (await resultsOf(t, row.lineitem_url)).get(row.lms_user_id);
          const comment = existing?.comment ?? undefined;
          await this.client.postScore(t, row.lineitem_url, {
            userId: row.lms_user_id,
            ...scoreFields(row.payload),
            ...(comment !== undefined ? { comment } : {}),
            timestamp: ts.toISOString(),
          });
          sentRows.push({ id: row.id, ts });
          out.sent++;
        } catch (e) {
          const err = e instanceof AgsError ? e : agsError('AGS_FAILED', { reason: (e as Error)?.name ?? null, retryable: true });
          if (err.retryAfterMs !== null) this.pausedUntil.set(origin, Date.now() + Math.min(err.retryAfterMs, this.o.maxRetryAfterMs));
          const kind = await this.settleFailure(row, err, target);
          out[kind]++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, ready.length) }, lane));
    if (sentRows.length)
      await sql`
        UPDATE ags_outbox o SET state = 'sent', sent_at = now(), sent_timestamp = t.ts, locked_until = NULL, updated_at = now(),
               last_error_code = NULL, last_error_message = NULL
          FROM unnest(${sentRows.map((r) => r.id)}::bigint[], ${sentRows.map((r) => r.ts.toISOString())}::timestamptz[]) AS t(id, ts)
         WHERE o.id = t.id`.execute(this.db);
    return out;
  }

  private async deferTo(id: number, at: Date): Promise<void> {
    // The timestamp reserved for this row stays in ags_last_timestamp: the next one is simply later.
    await sql`UPDATE ags_outbox SET state = 'pending', attempts = attempts - 1, next_attempt_at = ${at}, locked_until = NULL, updated_at = now() WHERE id = ${id}`.execute(this.db);
  }

  /**
   * Average line items recorded at approval (lineitem_url NULL) with rows waiting: create each in the LMS
   * once — or find it again by resourceId + tag (a process that created it and died before recording it)
   * — then give its waiting outbox rows the URL. The row lock on the lms_line_item makes several
   * processes do it once. On failure the rows wait (with the LMS's reason recorded on them) and creation
   * is tried again after a backoff (or the LMS's Retry-After).
   */
  async resolveLineItems(): Promise<number> {
    const todo = await this.db
      .selectFrom('lms_line_item as li')
      .select(['li.id', 'li.class_subject_id'])
      .where('li.lineitem_url', 'is', null)
      .where('li.ours', '=', true)
      .where('li.gone_at', 'is', null)
      .where((eb) => eb.exists(eb.selectFrom('ags_outbox as o').select('o.id').whereRef('o.line_item_id', '=', 'li.id').where('o.state', '=', 'pending').where('o.lineitem_url', 'is', null)))
      .orderBy('li.id')
      .limit(200)
      .execute();
    let resolved = 0;
    for (const it of todo) {
      const id = Number(it.id);
      if ((this.resolveAfter.get(id) ?? 0) > Date.now()) continue;
      try {
        await this.db.transaction().execute(async (trx) => {
          const row = await trx.selectFrom('lms_line_item').select(['lineitem_url', 'resource_id', 'tag', 'label', 'score_maximum', 'gone_at']).where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
          let url = row.lineitem_url;
          if (!url && !row.gone_at) {
            const t = await loadCourseTarget(trx, Number(it.class_subject_id));
            const found: LineItem | undefined = (await this.client.listLineItems(t, t.lineitemsUrl, { resourceId: row.resource_id })).find((i) => i.resourceId === row.resource_id && i.tag === row.tag);
            url = (found ?? (await this.client.createLineItem(t, t.lineitemsUrl, { label: row.label, scoreMaximum: Number(row.score_maximum), resourceId: row.resource_id, tag: row.tag }))).id;
            await trx.updateTable('lms_line_item').set({ lineitem_url: url }).where('id', '=', id).execute();
          }
          if (url) await trx.updateTable('ags_outbox').set({ lineitem_url: url, updated_at: sql`now()` }).where('line_item_id', '=', id).where('lineitem_url', 'is', null).where('state', '=', 'pending').execute();
        });
        this.resolveAfter.delete(id);
        this.resolveTries.delete(id);
        resolved++;
      } catch (e) {
        const err = e instanceof AgsError ? e : agsError('AGS_FAILED', { reason: (e as Error)?.name ?? null, retryable: true });
        const tries = (this.resolveTries.get(id) ?? 0) + 1;
        this.resolveTries.set(id, tries);
        const backoff = Math.min(this.o.backoffMs * 2 ** (tries - 1), 15 * 60_000);
        this.resolveAfter.set(id, Date.now() + Math.max(backoff, Math.min(err.retryAfterMs ?? 0, this.o.maxRetryAfterMs)));
        await this.db
          .updateTable('ags_outbox')
          .set({ last_error_code: err.agsCode, last_error_message: (err.reason ?? '').slice(0, 500) || null, updated_at: sql`now()` })
          .where('line_item_id', '=', id)
          .where('lineitem_url', 'is', null)
          .where('state', '=', 'pending')
          .execute();
        this.o.log(`[ags worker] line item ${id} not created yet: ${err.agsCode}`);
      }
    }
    return resolved;
  }

  private async claim(): Promise<Claimed[]> {
    const leaseSec = Math.ceil(this.o.leaseMs / 1000);
    const r = await sql<Claimed>`
      WITH c AS (
        SELECT o.id FROM ags_outbox o
         WHERE ((o.state = 'pending' AND o.next_attempt_at <= now()) OR (o.state = 'sending' AND o.locked_until < now()))
           AND o.lineitem_url IS NOT NULL -- an average whose line item is not created yet waits (resolveLineItems)
           AND NOT EXISTS (SELECT 1 FROM ags_outbox s
                            WHERE s.lineitem_url = o.lineitem_url AND s.enrolment_id = o.enrolment_id
                              AND s.state = 'sending' AND s.id <> o.id AND s.locked_until >= now())
         ORDER BY o.next_attempt_at, o.id
         LIMIT ${this.o.batchSize}
         FOR UPDATE SKIP LOCKED)
      UPDATE ags_outbox o SET state = 'sending', attempts = o.attempts + 1, updated_at = now(),
             locked_until = now() + make_interval(secs => ${leaseSec})
        FROM c WHERE o.id = c.id
      RETURNING o.id, o.class_subject_id, o.lms_user_id, o.lineitem_url, o.payload, o.attempts`.execute(this.db);
    return r.rows.map((x) => ({ ...x, id: Number(x.id), class_subject_id: Number(x.class_subject_id) }));
  }

  /**
   * Strictly increasing per (line item, user), whole seconds (Moodle compares seconds, §7), never in the
   * future: max(now, last + 1 s), reserved for the whole batch in one statement. Rows whose next allowed
   * second is still to come (or a second row for the same user and item in this batch) go back to
   * `pending` until then. Returns outbox id → timestamp for the rows that may be sent now.
   */
  private async reserveTimestamps(rows: readonly Claimed[]): Promise<Map<number, Date>> {
    const out = new Map<number, Date>();
    if (!rows.length) return out;
    const seen = new Set<string>();
    const unique: Claimed[] = [];
    const dup: number[] = [];
    for (const r of rows) {
      const k = `${r.lineitem_url}\n${r.lms_user_id}`;
      if (seen.has(k)) dup.push(r.id);
      else {
        seen.add(k);
        unique.push(r);
      }
    }
    const r = await sql<{ id: string; ts: Date | null; wait_until: Date | null }>`
      WITH input AS (
        SELECT * FROM unnest(${unique.map((u) => u.id)}::bigint[], ${unique.map((u) => u.lineitem_url)}::text[], ${unique.map((u) => u.lms_user_id)}::text[]) AS t(id, url, uid)
      ), pick AS (
        SELECT i.id, i.url, i.uid,
               CASE WHEN l.last_ts IS NULL OR l.last_ts + interval '1 second' <= date_trunc('second', now()) THEN date_trunc('second', now()) END AS ts,
               l.last_ts + interval '1 second' AS wait_until
          FROM input i LEFT JOIN ags_last_timestamp l ON l.lineitem_url = i.url AND l.lms_user_id = i.uid
      ), ins AS (
        INSERT INTO ags_last_timestamp (lineitem_url, lms_user_id, last_ts)
        SELECT url, uid, ts FROM pick WHERE ts IS NOT NULL
        ON CONFLICT (lineitem_url, lms_user_id) DO UPDATE SET last_ts = GREATEST(ags_last_timestamp.last_ts, EXCLUDED.last_ts)
      )
      SELECT id, ts, wait_until FROM pick`.execute(this.db);
    const later: Array<{ id: number; at: Date }> = dup.map((id) => ({ id, at: new Date(Date.now() + 1000) }));
    for (const x of r.rows) {
      if (x.ts) out.set(Number(x.id), new Date(x.ts));
      else later.push({ id: Number(x.id), at: x.wait_until ? new Date(x.wait_until) : new Date(Date.now() + 1000) });
    }
    if (later.length) {
      await sql`
        UPDATE ags_outbox o SET state = 'pending', attempts = o.attempts - 1, next_attempt_at = t.at, locked_until = NULL, updated_at = now()
          FROM unnest(${later.map((l) => l.id)}::bigint[], ${later.map((l) => l.at.toISOString())}::timestamptz[]) AS t(id, at)
         WHERE o.id = t.id`.execute(this.db);
    }
    return out;
  }

  private async settleFailure(row: Claimed, err: AgsError, target: (csId: number) => Promise<CourseTarget>): Promise<'retried' | 'failed' | 'conflicts'> {
    const base = { last_error_code: err.agsCode, last_error_message: (err.reason ?? '').slice(0, 500) || null, locked_until: null, updated_at: sql<Date>`now()` };
    if (err.agsCode === 'AGS_CONFLICT_NEWER') {
      // The LMS holds something newer: re-read it, record it (shown in the agreement view), never loop.
      let lms: LmsResult | null = null;
      try {
        const t = await target(Number(row.class_subject_id));
        lms = (await this.client.results(t, row.lineitem_url, row.lms_user_id))[0] ?? null;
      } catch {
        lms = null;
      }
      if (lms?.timestamp) {
        const ts = new Date(lms.timestamp);
        if (!Number.isNaN(ts.getTime()))
          await sql`INSERT INTO ags_last_timestamp (lineitem_url, lms_user_id, last_ts) VALUES (${row.lineitem_url}, ${row.lms_user_id}, ${ts})
                    ON CONFLICT (lineitem_url, lms_user_id) DO UPDATE SET last_ts = GREATEST(ags_last_timestamp.last_ts, EXCLUDED.last_ts)`.execute(this.db);
      }
      await this.db
        .updateTable('ags_outbox')
        .set({ ...base, state: 'conflict', lms_result: lms ? JSON.stringify(lms) : null })
        .where('id', '=', row.id)
        .execute();
      return 'conflicts';
    }
    if (err.agsCode === 'AGS_LINEITEM_GONE') {
      await this.db.updateTable('lms_line_item').set({ gone_at: sql`now()` }).where('lineitem_url', '=', row.lineitem_url).where('gone_at', 'is', null).execute();
    }
    if (err.retryable && row.attempts < this.o.maxAttempts) {
      const backoff = Math.min(this.o.backoffMs * 2 ** (row.attempts - 1), 15 * 60_000) * (0.8 + Math.random() * 0.4);
      // Retry-After says "not before": honoured (bounded), never shortening our own backoff.
      const delay = err.retryAfterMs !== null ? Math.max(backoff, Math.min(err.retryAfterMs, this.o.maxRetryAfterMs)) : backoff;
      // If a newer value was queued meanwhile, it supersedes this one (the unique pending slot is taken).
      const r = await sql`
        UPDATE ags_outbox SET state = CASE WHEN EXISTS (SELECT 1 FROM ags_outbox n WHERE n.lineitem_url = ${row.lineitem_url}
                                   AND n.enrolment_id = ags_outbox.enrolment_id AND n.state = 'pending' AND n.id <> ${row.id}) THEN 'superseded' ELSE 'pending' END,
               next_attempt_at = now() + make_interval(secs => ${delay / 1000}),
               last_error_code = ${err.agsCode}, last_error_message = ${base.last_error_message}, locked_until = NULL, updated_at = now()
         WHERE id = ${row.id}`.execute(this.db);
      void r;
      this.o.log(`[ags worker] retry ${err.agsCode} outbox=${row.id} attempt=${row.attempts}`);
      return 'retried';
    }
    await this.db
      .updateTable('ags_outbox')
      .set({ ...base, state: 'failed' })
      .where('id', '=', row.id)
      .execute();
    this.o.log(`[ags worker] failed ${err.agsCode} outbox=${row.id}`);
    return 'failed';
  }
}
