/**
 * The principal's monthly sign-off of the dashboard: the month's snapshot (the dashboard as loaded
 * at signing) is hashed (SHA-256 of its JSON) and recorded, with the snapshot itself, as one record
 * of the school's hash-chained, append-only audit log (action 'dashboard.snapshot.sign', entity id
 * "YYYY-MM"). No new table: the audit chain already gives order, integrity and immutability.
 * One sign-off per month; only the principal signs.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { AppError } from '../shared/errors';
import { loadDashboard, type Dashboard } from './dashboard';

export interface SignOff {
  readonly month: string;
  readonly sha256: string;
  readonly signedAt: Date;
  readonly signedBy: string | null;
}

const monthKey = (now: Date) => new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 7);

export async function loadSignOff(db: Kysely<DB>, schoolId: number, now = new Date()): Promise<SignOff | null> {
  const r = await db
    .selectFrom('audit_log as a')
    .leftJoin('person as p', 'p.id', 'a.actor_person_id')
    .select(['a.entity_id', 'a.at', 'a.new_value', 'p.display_name'])
    .where('a.school_id', '=', schoolId)
    .where('a.action', '=', 'dashboard.snapshot.sign')
    .where('a.entity_id', '=', monthKey(now))
    .orderBy('a.seq')
    .executeTakeFirst();
  if (!r) return null;
  const v = (typeof r.new_value === 'string' ? JSON.parse(r.new_value) : r.new_value) as { sha256?: string };
  return { month: r.entity_id ?? '', sha256: v.sha256 ?? '', signedAt: new Date(r.at), signedBy: r.display_name };
}

export async function signMonthlySnapshot(db: Kysely<DB>, session: Session, now = new Date()): Promise<SignOff> {
  if (!session.roles.includes('principal')) throw new AppError('DASHBOARD_SIGN_FORBIDDEN', 'forbidden', 'Chỉ hiệu trưởng ký xác nhận bảng theo dõi hằng tháng.', 'Only the principal signs the monthly snapshot.');
  const existing = await loadSignOff(db, session.schoolId, now);
  if (existing) throw new AppError('DASHBOARD_ALREADY_SIGNED', 'conflict', `Bảng theo dõi tháng ${existing.month.split('-').reverse().join('/')} đã được ký.`, 'This month is already signed.', { month: existing.month });
  const snapshot: Dashboard = await loadDashboard(db, session, { now });
  const json = JSON.stringify(snapshot);
  const sha256 = createHash('sha256').update(json).digest('hex');
  const month = monthKey(now);
  await db.transaction().execute(async (trx) => {
    await appendAudit(trx, { schoolId: session.schoolId, actor: { personId: session.personId, role: 'principal' }, action: 'dashboard.snapshot.sign', entity: 'dashboard_snapshot', entityId: month, oldValue: null, newValue: { month, sha256, snapshot: JSON.parse(json) as unknown }, source: 'admin', requestId: null });
  });
  return { month, sha256, signedAt: now, signedBy: null };
}
