import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema';
import type { Harness } from './harness';

/** A school year with both terms, classes and subjects, written straight to the database. */
export async function seedSchoolYear(
  db: Kysely<DB>,
  schoolId: number,
  o: { name?: string; classes?: { name: string; grade: number }[]; subjects?: { code: string; name: string }[] } = {},
): Promise<{ yearId: number; termIds: { HK1: number; HK2: number }; classIds: Record<string, number>; subjectIds: Record<string, number> }> {
  const name = o.name ?? '2024-2025';
  const start = Number(name.slice(0, 4));
  const year = await db
    .insertInto('school_year')
    .values({ school_id: schoolId, name, start_date: `${start}-09-05`, end_date: `${start + 1}-05-31`, regime_overrides: JSON.stringify({}) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const hk1 = await db.insertInto('term').values({ school_year_id: year.id, code: 'HK1', start_date: `${start}-09-05`, end_date: `${start + 1}-01-15` }).returning('id').executeTakeFirstOrThrow();
  const hk2 = await db.insertInto('term').values({ school_year_id: year.id, code: 'HK2', start_date: `${start + 1}-01-16`, end_date: `${start + 1}-05-31` }).returning('id').executeTakeFirstOrThrow();
  const classIds: Record<string, number> = {};
  for (const c of o.classes ?? [{ name: '6A', grade: 6 }]) {
    const row = await db.insertInto('class').values({ school_id: schoolId, school_year_id: year.id, name: c.name, grade: c.grade }).returning('id').executeTakeFirstOrThrow();
    classIds[c.name] = Number(row.id);
  }
  const subjectIds: Record<string, number> = {};
  for (const s of o.subjects ?? [{ code: 'TOAN', name: 'Toán' }]) {
    const existing = await db.selectFrom('subject').select('id').where('school_id', '=', schoolId).where('code', '=', s.code).executeTakeFirst();
    const row = existing ?? (await db.insertInto('subject').values({ school_id: schoolId, code: s.code, name: s.name }).returning('id').executeTakeFirstOrThrow());
    subjectIds[s.code] = Number(row.id);
  }
  return { yearId: Number(year.id), termIds: { HK1: Number(hk1.id), HK2: Number(hk2.id) }, classIds, subjectIds };
}

export interface Client {
  token: string;
  csrf: string;
  finalUrl: string;
  body: string;
  get(path: string): Promise<{ status: number; html: string; location: string | null }>;
  post(path: string, form: Record<string, string | string[]>): Promise<{ status: number; html: string; location: string | null }>;
}

/** A full launch through the platform (OIDC + id_token), then a cookie-carrying HTTP client for the tool. */
export async function launchAs(h: Harness, userId: string, cmid = '3'): Promise<Client> {
  const r = await h.platform.launch(userId, cmid);
  const c = r.jar.cookies.find((x) => x.name === 'sd_session');
  if (!c) throw new Error(`launch of user ${userId} gave no session (status ${r.status}): ${r.body.slice(0, 300)}`);
  const token = c.value;
  const row = await h.db.db
    .selectFrom('app_session')
    .select('csrf_secret')
    .where('token_hash', '=', createHash('sha256').update(token).digest('hex'))
    .executeTakeFirstOrThrow();
  const headers = { cookie: `sd_session=${token}`, accept: 'text/html' };
  const answer = async (res: Response) => ({ status: res.status, html: await res.text(), location: res.headers.get('location') });
  return {
    token,
    csrf: row.csrf_secret,
    finalUrl: r.url,
    body: r.body,
    get: async (path) => answer(await fetch(`${h.toolUrl}${path}`, { redirect: 'manual', headers })),
    post: async (path, form) =>
      answer(
        await fetch(`${h.toolUrl}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: formBody({ _csrf: row.csrf_secret, ...form }),
        }),
      ),
  };
}

/** Waits until every roster sync of the course link has finished (background syncs). */
export async function waitForRosterSyncs(db: Kysely<DB>, courseLinkId: number, atLeast = 1, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const rows = await db.selectFrom('roster_sync').select(['finished_at']).where('course_link_id', '=', courseLinkId).execute();
    if (rows.length >= atLeast && rows.every((r) => r.finished_at !== null)) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`roster sync did not finish (${rows.length} rows)`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function auditActions(db: Kysely<DB>, prefix: string): Promise<{ action: string; source: string; old_value: unknown; new_value: unknown }[]> {
  return db.selectFrom('audit_log').select(['action', 'source', 'old_value', 'new_value']).where('action', 'like', `${prefix}%`).orderBy('seq').execute();
}

function formBody(form: Record<string, string | string[]>): URLSearchParams {
  const b = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) b.append(k, x);
  return b;
}
