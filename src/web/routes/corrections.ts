/**
 * The correction workflow's pages: list, one request (state, impact preview, history, witnesses,
 * evidence, the actions open to you), the transitions, witnessing, evidence and the minutes (biên
 * bản) as HTML and PDF. validate (zod) → authorise (inside the use case: role AND assignment) →
 * use case → render / JSON.
 */
import path from 'node:path';
import express, { Router, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import ejs from 'ejs';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { AppError } from '../../shared/errors';
import type { ChromiumPool } from '../../print/chromium-pool';
import { PRINT_VIEWS_DIR, countPdfPages } from '../../print/render-pdf';
import { sha256Hex } from '../../print/print-service';
import { appendAudit } from '../../audit/audit-log';
import { allowed, loadPermissions } from '../../auth/permissions';
import { isInspector } from '../../auth/roles';
import { addEvidence, previewCorrection, loadExpiryDays, setExpiryDays, listAll, listForHome, loadEvidence, transition, viewCorrection, witness, EVIDENCE_MAX_BYTES, type CorrectionRecord } from '../../corrections/correction-service';
import { TRANSITIONS, STATE_LABEL_VI, type CorrectionAction } from '../../corrections/state-machine';

const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const actionSchema = z.enum(['confirm', 'approve', 'reject', 'apply', 'withdraw']);
const previewSchema = z.object({ classSubjectId: id, columnId: id, enrolmentId: id, value: z.string().max(40) });
const settingsSchema = z.object({ expiryDays: z.union([z.literal(''), z.coerce.number().int().min(1).max(365)]).default('') });
const commentSchema = z.object({ comment: z.string().max(1000).default('') });

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw new AppError('CORRECTION_BAD_REQUEST', 'bad_request', 'Dữ liệu gửi lên không hợp lệ.', 'Invalid request data.', { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}
const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json' || req.is('application/json') === 'application/json';
const h = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};

const VI_DATE = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
export const fmtVi = (d: Date | null | undefined): string => (d ? VI_DATE.format(d) : '');
const ACTION_LABEL: Record<string, string> = Object.fromEntries(TRANSITIONS.map((t) => [t.action, t.labelVi]));
const ROLE_VI: Record<string, string> = { principal: 'Hiệu trưởng', vice_principal: 'Phó hiệu trưởng', school_admin: 'Quản trị hệ thống', requester: 'Người đề nghị', homeroom_teacher: 'GVCN', subject_teacher: 'GV bộ môn', system: 'Hệ thống' };

export function minutesModel(rec: CorrectionRecord, schoolName: string) {
  return { rec, schoolName, fmtVi, ROLE_VI, ACTION_LABEL: { ...ACTION_LABEL, request: 'Gửi đề nghị' } };
}

async function schoolNameOf(db: Kysely<DB>, schoolId: number): Promise<string> {
  return (await db.selectFrom('school').select('name').where('id', '=', schoolId).executeTakeFirstOrThrow()).name;
}

export function correctionRoutes(db: Kysely<DB>, pool: ChromiumPool | null): Router {
  const r = Router();

  r.get('/corrections', requireSession, h(async (_req, res) => {
    const s = res.locals.session!;
    const [home, all] = await Promise.all([listForHome(db, s), listAll(db, s)]);
    if (wantsJson(_req)) {
      res.json({ ...home, all });
      return;
    }
    const canConfigure = allowed(await loadPermissions(db, s.schoolId), s.roles, 'school.configure');
    res.render('corrections/index', { title: 'Đề nghị sửa điểm', me: await loadMe(db, s), nav: navFor(s.roles, '/corrections'), ...home, all, fmtVi, canConfigure, expiryDays: await loadExpiryDays(db, s.schoolId), inspector: isInspector(s.roles) });
  }));

  // The school's rule: open requests nobody acts on expire after N days (empty: never).
  r.post('/corrections/settings', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const r0 = settingsSchema.safeParse(req.body ?? {});
    if (!r0.success) throw new AppError('CORRECTION_BAD_SETTING', 'bad_request', 'Số ngày hết hạn phải là số nguyên từ 1 đến 365 (để trống: không bao giờ hết hạn).', 'Expiry must be 1–365 days or empty.');
    const days = r0.data.expiryDays === '' ? null : r0.data.expiryDays;
    await setExpiryDays(db, s, days);
    if (wantsJson(req)) res.json({ expiryDays: days });
    else res.redirect(303, res.locals.u('/corrections'));
  }));

  // The grid's correction dialog asks what would change before the request is sent.
  r.post('/corrections/preview', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const body = parse(previewSchema, req.body);
    res.json(await previewCorrection(db, s, body.classSubjectId, body));
  }));

  r.get('/corrections/:id(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const v = await viewCorrection(db, s, parse(id, req.params.id));
    if (wantsJson(req)) {
      res.json({ id: v.rec.id, state: v.rec.state, stateVi: v.rec.stateVi, oldText: v.rec.oldText, newText: v.rec.newText, stale: v.staleness.stale, currentText: v.staleness.currentText, actions: v.actions, canWitness: v.canWitness, impact: v.impact, links: v.rec.links, history: v.rec.history, witnesses: v.rec.witnesses, evidence: v.rec.evidence });
      return;
    }
    res.render('corrections/show', { title: `Đề nghị sửa điểm số ${v.rec.id}`, me: await loadMe(db, s), nav: navFor(s.roles, '/corrections'), ...v, fmtVi, ACTION_LABEL, STATE_LABEL_VI, ROLE_VI });
  }));

  r.post('/corrections/:id(\\d+)/:action(confirm|approve|reject|apply|withdraw)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const cid = parse(id, req.params.id);
    const action = parse(actionSchema, req.params.action) as CorrectionAction;
    const body = parse(commentSchema, req.body ?? {});
    const rec = await transition(db, s, cid, action, body.comment);
    if (wantsJson(req)) res.json({ id: rec.id, state: rec.state, stateVi: rec.stateVi, links: rec.links });
    else res.redirect(303, res.locals.u(`/corrections/${cid}`));
  }));

  r.post('/corrections/:id(\\d+)/witness', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const cid = parse(id, req.params.id);
    await witness(db, s, cid);
    if (wantsJson(req)) res.json({ ok: true });
    else res.redirect(303, res.locals.u(`/corrections/${cid}`));
  }));

  // Evidence: the image itself as the body (image/jpeg, image/png, image/webp or application/pdf).
  r.post(
    '/corrections/:id(\\d+)/evidence',
    requireSession,
    express.raw({ type: ['image/*', 'application/pdf', 'application/octet-stream'], limit: EVIDENCE_MAX_BYTES + 1024 }),
    h(async (req, res) => {
      const s = res.locals.session!;
      const cid = parse(id, req.params.id);
      if (!Buffer.isBuffer(req.body) || !req.body.length) throw new AppError('CORRECTION_BAD_EVIDENCE', 'bad_request', 'Chưa có tệp minh chứng.', 'No evidence file.');
      const out = await addEvidence(db, s, cid, req.body);
      res.status(201).json(out);
    }),
  );

  r.get('/corrections/:id(\\d+)/evidence/:eid(\\d+)', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const e = await loadEvidence(db, s, parse(id, req.params.id), parse(id, req.params.eid));
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self'");
    res.type(e.mime).setHeader('ETag', `"${e.sha256}"`);
    res.send(e.content);
  }));

  // The minutes (biên bản) of an applied correction: HTML view and PDF through the print pipeline.
  r.get('/corrections/:id(\\d+)/minutes', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const v = await viewCorrection(db, s, parse(id, req.params.id));
    if (v.rec.state !== 'applied') throw minutesNotReady();
    const html = await ejs.renderFile(path.join(PRINT_VIEWS_DIR, 'correction-minutes.ejs'), minutesModel(v.rec, await schoolNameOf(db, s.schoolId)));
    res.type('html').send(html);
  }));

  r.get('/corrections/:id(\\d+)/minutes.pdf', requireSession, h(async (req, res) => {
    const s = res.locals.session!;
    const v = await viewCorrection(db, s, parse(id, req.params.id));
    if (v.rec.state !== 'applied') throw minutesNotReady();
    const prior = (v.rec.links as { minutesArchiveId?: number }).minutesArchiveId;
    if (prior) {
      // Archived once: everyone (an inspector too) gets the very bytes that were hashed and archived.
      const a = await db.selectFrom('print_archive').select(['pdf', 'sha256']).where('id', '=', prior).where('school_id', '=', s.schoolId).executeTakeFirst();
      if (a) {
        res.type('application/pdf').setHeader('Content-Disposition', `inline; filename="bien-ban-sua-diem-${v.rec.id}.pdf"`);
        res.setHeader('X-Content-SHA256', a.sha256);
        res.send(a.pdf);
        return;
      }
    }
    if (!pool) throw new AppError('PRINT_UNAVAILABLE', 'unavailable', 'Máy in PDF chưa sẵn sàng.', 'PDF printing unavailable.');
    const model = minutesModel(v.rec, await schoolNameOf(db, s.schoolId));
    const html = await ejs.renderFile(path.join(PRINT_VIEWS_DIR, 'correction-minutes.ejs'), model);
    const dataHash = sha256Hex(html);
    const pdf = await pool.run(async (page) => {
      await page.setJavaScriptEnabled(false);
      await page.setContent(html, { waitUntil: 'load' });
      return Buffer.from(await page.pdf({ format: 'A4', printBackground: true, tagged: false, timeout: 0 }));
    });
    // Archived once per correction (the data of an applied correction no longer changes) — by the
    // school's own staff: an inspector's read never writes, so they get the PDF without archiving it.
    const period = new Date(v.rec.appliedBy!.at.getTime() + 7 * 3_600_000).toISOString().slice(0, 7);
    if (!isInspector(s.roles)) {
      await db.transaction().execute(async (trx) => {
        const last = await trx.selectFrom('print_archive').select(sql<number>`coalesce(max(version), 0)`.as('v')).where('school_id', '=', s.schoolId).where('kind', '=', 'correction_minutes').where('class_id', '=', v.rec.ctx.classId).where('class_subject_id', '=', v.rec.ctx.id).where('period', '=', period).executeTakeFirstOrThrow();
        const a = await trx
          .insertInto('print_archive')
          .values({ school_id: s.schoolId, kind: 'correction_minutes', class_id: v.rec.ctx.classId, class_subject_id: v.rec.ctx.id, period, version: Number(last.v) + 1, sha256: sha256Hex(pdf), data_hash: dataHash, page_count: Math.max(1, countPdfPages(pdf)), byte_size: pdf.length, pdf, printed_by: s.personId })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx.updateTable('correction_request').set({ links: sql`links || ${JSON.stringify({ minutesArchiveId: Number(a.id) })}::jsonb` } as never).where('id', '=', v.rec.id).execute();
        await appendAudit(trx, { schoolId: s.schoolId, actor: { personId: s.personId }, action: 'print.correction_minutes', entity: 'print_archive', entityId: Number(a.id), newValue: { correctionId: v.rec.id, sha256: sha256Hex(pdf) }, source: 'correction' });
      });
    }
    res.type('application/pdf').setHeader('Content-Disposition', `inline; filename="bien-ban-sua-diem-${v.rec.id}.pdf"`);
    res.send(pdf);
  }));

  return r;
}

const minutesNotReady = () => new AppError('CORRECTION_NOT_APPLIED', 'conflict', 'Biên bản chỉ có sau khi điểm đã được cập nhật.', 'Minutes exist only once the correction is applied.');
