import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-log';
import type { DB, PrintKind } from '../db/schema';
import { AppError } from '../shared/errors';
import type { ChromiumPool } from './chromium-pool';
import { buildClassBook, parsePeriod, type Period } from './class-book-view-model';
import type { PrintDocument } from './document';
import { printBadRequest, printNotFound } from './errors';
import { loadBookData } from './print-repository';
import { renderPdf } from './render-pdf';
import { buildTeacherSheet } from './teacher-sheet-view-model';

/**
 * Print use cases: build the view model, decide the version, render through the pool, archive the
 * PDF with its hashes — audited in the same transaction. Identical data (same view-model hash as the
 * latest version of the same kind + scope + period) return the existing entry without rendering.
 */
export interface PrintActor {
  readonly personId: number;
  readonly role: string;
  readonly lmsUserId?: string | null;
}

export interface PrintRequest {
  readonly schoolId: number;
  readonly kind: Extract<PrintKind, 'class_book' | 'teacher_sheet'>;
  readonly classId: number;
  readonly classSubjectId?: number | null;
  readonly period: string;
  readonly actor: PrintActor;
}

export interface PrintOutcome {
  readonly archiveId: number;
  readonly version: number;
  readonly sha256: string;
  readonly dataHash: string;
  readonly pageCount: number;
  /** True when the data had not changed and the existing archive entry was returned. */
  readonly reused: boolean;
}

/** Canonical JSON (sorted keys): the data hash must not depend on property order. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const sha256Hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
/** The "data version" of a print: the hash of everything the template receives. */
export const dataHashOf = (doc: PrintDocument): string => sha256Hex(canonicalJson(doc));

function mustPeriod(code: string): Period {
  const p = parsePeriod(code);
  if (!p) throw printBadRequest(`Kỳ in "${code}" không hợp lệ (tháng YYYY-MM, HK1, HK2 hoặc CN).`, `Invalid print period "${code}".`, { period: code });
  return p;
}

export async function buildDocument(db: Kysely<DB>, req: Pick<PrintRequest, 'schoolId' | 'kind' | 'classId' | 'classSubjectId' | 'period'>): Promise<PrintDocument> {
  const period = mustPeriod(req.period);
  const data = await loadBookData(db, req.schoolId, req.classId);
  if (req.kind === 'teacher_sheet') {
    if (!req.classSubjectId) throw printBadRequest('Chọn môn học để in bản đối chiếu.', 'A class subject is required for a teacher sheet.');
    return buildTeacherSheet(data, req.classSubjectId, period);
  }
  return buildClassBook(data, period);
}

const isUniqueViolation = (e: unknown): boolean => (e as { code?: string })?.code === '23505';

export async function printBook(db: Kysely<DB>, pool: ChromiumPool, req: PrintRequest): Promise<PrintOutcome> {
  const classSubjectId = req.kind === 'teacher_sheet' ? (req.classSubjectId ?? null) : null;
  const doc = await buildDocument(db, { ...req, classSubjectId });
  const dataHash = dataHashOf(doc);
  // Two prints of the same scope at once race on the unique version index: the loser retries.
  for (let attempt = 0; ; attempt++) {
    let q = db
      .selectFrom('print_archive')
      .select(['id', 'version', 'sha256', 'data_hash', 'page_count'])
      .where('school_id', '=', req.schoolId)
      .where('kind', '=', req.kind)
      .where('class_id', '=', req.classId)
      .where('period', '=', req.period);
    q = classSubjectId === null ? q.where('class_subject_id', 'is', null) : q.where('class_subject_id', '=', classSubjectId);
    const latest = await q.orderBy('version', 'desc').limit(1).executeTakeFirst();
    if (latest && latest.data_hash === dataHash) {
      return { archiveId: Number(latest.id), version: latest.version, sha256: latest.sha256, dataHash, pageCount: latest.page_count, reused: true };
    }
    const version = (latest?.version ?? 0) + 1;
    const printedAt = new Date();
    const rendered = await renderPdf(pool, doc, { version, dataHash, printedAt });
    const sha256 = sha256Hex(rendered.pdf);
    try {
      const id = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('print_archive')
          .values({
            school_id: req.schoolId,
            kind: req.kind,
            class_id: req.classId,
            class_subject_id: classSubjectId,
            period: req.period,
            version,
            sha256,
            data_hash: dataHash,
            paper: doc.paper,
            page_count: rendered.pageCount,
            byte_size: rendered.pdf.length,
            pdf: rendered.pdf,
            printed_by: req.actor.personId,
            printed_at: printedAt,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await appendAudit(trx, {
          schoolId: req.schoolId,
          actor: { personId: req.actor.personId, lmsUserId: req.actor.lmsUserId ?? null, role: req.actor.role },
          action: 'print.archive',
          entity: 'print_archive',
          entityId: row.id,
          // Hashes and scope only: the PDF and its personal data stay out of the log.
          newValue: { kind: req.kind, classId: req.classId, classSubjectId, period: req.period, version, sha256, dataHash, pageCount: rendered.pageCount },
          source: 'admin',
        });
        return Number(row.id);
      });
      return { archiveId: id, version, sha256, dataHash, pageCount: rendered.pageCount, reused: false };
    } catch (e) {
      if (isUniqueViolation(e) && attempt < 3) continue;
      throw e;
    }
  }
}

export async function loadArchivedPdf(db: Kysely<DB>, schoolId: number, archiveId: number): Promise<{ pdf: Buffer; fileStem: string; sha256: string }> {
  const row = await db
    .selectFrom('print_archive as a')
    .innerJoin('class as c', 'c.id', 'a.class_id')
    .leftJoin('class_subject as cs', 'cs.id', 'a.class_subject_id')
    .leftJoin('subject as s', 's.id', 'cs.subject_id')
    .select(['a.pdf', 'a.sha256', 'a.kind', 'a.period', 'a.version', 'c.name as class_name', 's.code as subject_code'])
    .where('a.id', '=', archiveId)
    .where('a.school_id', '=', schoolId)
    .executeTakeFirst();
  if (!row) throw printNotFound('bản in');
  const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').replace(/[^A-Za-z0-9]+/g, '-');
  const stem = [row.kind === 'class_book' ? 'So' : 'Doi-chieu', `Lop-${ascii(row.class_name)}`, row.subject_code ? ascii(row.subject_code) : null, row.period, `v${row.version}`].filter(Boolean).join('-');
  return { pdf: row.pdf, fileStem: stem, sha256: row.sha256 };
}

/**
 * The principal's monthly sign-off: a recorded event attached to one archived monthly print. Signing
 * twice is idempotent (the first record stands).
 */
export async function signOffMonthly(db: Kysely<DB>, schoolId: number, archiveId: number, actor: PrintActor): Promise<{ signoffId: number; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const a = await trx.selectFrom('print_archive').select(['id', 'kind', 'period']).where('id', '=', archiveId).where('school_id', '=', schoolId).forUpdate().executeTakeFirst();
    if (!a) throw printNotFound('bản in');
    if (a.kind !== 'class_book' || !/^\d{4}-\d{2}$/.test(a.period)) {
      throw new AppError('PRINT_SIGNOFF_NOT_ALLOWED', 'conflict', 'Chỉ ký duyệt được bản in sổ hằng tháng.', 'Only monthly class-book prints take a sign-off.', { archiveId });
    }
    const existing = await trx.selectFrom('print_signoff').select('id').where('archive_id', '=', archiveId).where('person_id', '=', actor.personId).executeTakeFirst();
    if (existing) return { signoffId: Number(existing.id), created: false };
    const row = await trx.insertInto('print_signoff').values({ archive_id: archiveId, person_id: actor.personId, role: actor.role }).returning(['id', 'signed_at']).executeTakeFirstOrThrow();
    await appendAudit(trx, {
      schoolId,
      actor: { personId: actor.personId, lmsUserId: actor.lmsUserId ?? null, role: actor.role },
      action: 'print.signoff',
      entity: 'print_signoff',
      entityId: row.id,
      newValue: { archiveId, period: a.period, role: actor.role },
      source: 'admin',
    });
    return { signoffId: Number(row.id), created: true };
  });
}
