/**
 * The full audit trail of a school, streamed: keyset pages of 2,000 records by `seq` (the chain
 * order), so a million records export in bounded memory. Raw and complete — every field the hash
 * chain covers, plus the actor's name — for inspectors; the filtered, readable view is /audit.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { TableWriter } from './table-writer';

export interface AuditExportFilter {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

const PAGE = 2000;
export const AUDIT_HEADER = ['Số thứ tự', 'Thời gian (giờ Việt Nam)', 'Người thực hiện', 'Mã người thực hiện', 'Vai trò', 'Thao tác', 'Đối tượng', 'Mã đối tượng', 'Giá trị cũ', 'Giá trị mới', 'Nguồn', 'Mã yêu cầu', 'Mã băm (SHA-256)'];

/** "2025-01-10T03:04:05Z" → "10/01/2025 10:04:05" (UTC+7, no daylight saving in Vietnam). */
export function vnTime(d: Date): string {
  const t = new Date(d.getTime() + 7 * 3600_000).toISOString();
  return `${t.slice(8, 10)}/${t.slice(5, 7)}/${t.slice(0, 4)} ${t.slice(11, 19)}`;
}

const json = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

export async function writeAuditTrail(db: Kysely<DB>, schoolId: number, f: AuditExportFilter, w: TableWriter, onProgress?: (rows: number) => void): Promise<number> {
  w.sheet('Nhật ký', AUDIT_HEADER, { widths: [10, 20, 24, 14, 16, 22, 14, 12, 40, 40, 10, 18, 66] });
  let after = 0;
  let n = 0;
  for (;;) {
    let q = db
      .selectFrom('audit_log as a')
      .leftJoin('person as p', 'p.id', 'a.actor_person_id')
      .select(['a.seq', 'a.at', 'p.display_name', 'p.person_code', 'a.actor_lms_user_id', 'a.actor_role', 'a.action', 'a.entity', 'a.entity_id', 'a.old_value', 'a.new_value', 'a.source', 'a.request_id', 'a.hash'])
      .where('a.school_id', '=', schoolId)
      .where('a.seq', '>', after)
      .orderBy('a.seq')
      .limit(PAGE);
    // Dates are Vietnam calendar days: [from 00:00 +07, to+1 00:00 +07).
    if (f.from) q = q.where('a.at', '>=', new Date(`${f.from}T00:00:00+07:00`));
    if (f.to) q = q.where('a.at', '<', new Date(new Date(`${f.to}T00:00:00+07:00`).getTime() + 86400_000));
    const rows = await q.execute();
    for (const r of rows) {
      await w.row([Number(r.seq), vnTime(new Date(r.at)), r.display_name ?? '', r.person_code ?? r.actor_lms_user_id ?? '', r.actor_role ?? '', r.action, r.entity, r.entity_id ?? '', json(r.old_value), json(r.new_value), r.source, r.request_id ?? '', r.hash]);
    }
    n += rows.length;
    onProgress?.(n);
    if (rows.length < PAGE) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  return n;
}
