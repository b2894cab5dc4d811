import { Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { requirePermission } from '../../auth/permissions';
import type { ChromiumPool } from '../../print/chromium-pool';
import { printBadRequest, printNotFound } from '../../print/errors';
import { listArchive } from '../../print/print-repository';
import { loadArchivedPdf, printBook, signOffMonthly } from '../../print/print-service';
import { requireRole, requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { guardLets } from './results';

const PrintForm = z.object({
  kind: z.enum(['class_book', 'teacher_sheet']),
  period: z.string().trim().regex(/^(\d{4}-(0[1-9]|1[0-2])|HK1|HK2|CN)$/),
  class_subject_id: z.string().regex(/^\d+$/).optional().or(z.literal('')).transform((v) => (v ? Number(v) : null)),
});

const idParam = (v: string | undefined): number => {
  if (!v || !/^\d{1,15}$/.test(v)) throw printNotFound('trang');
  return Number(v);
};

/** RFC 6266: an ASCII fallback name and the UTF-8 one (identical here: the stem is already ASCII). */
export function contentDisposition(stem: string): string {
  const ascii = stem.replace(/[^A-Za-z0-9._-]/g, '-');
  return `attachment; filename="${ascii}.pdf"; filename*=UTF-8''${encodeURIComponent(`${stem}.pdf`)}`;
}

/**
 * Official prints (issue 10): list a class's archive, print a period, download an archived PDF,
 * and the principal's monthly sign-off. Printing and downloading follow the school's rule
 * 'print.books' (default: board and school admin); signing off is the principal's own act.
 */
export function printRoutes(db: Kysely<DB>, pool: ChromiumPool): Router {
  const r = Router();

  r.get('/print', requireSession, async (_req, res, next) => {
    try {
      const s = res.locals.session!;
      await requirePermission(db, s, 'print.books');
      const classes = await db
        .selectFrom('class')
        .innerJoin('school_year', 'school_year.id', 'class.school_year_id')
        .select(['class.id', 'class.name', 'class.grade', 'school_year.name as year'])
        .where('class.school_id', '=', s.schoolId)
        .orderBy('school_year.name', 'desc')
        .orderBy('class.grade')
        .orderBy('class.name')
        .execute();
      res.render('print/ui-index', { title: 'In sổ', me: await loadMe(db, s), nav: navFor(s.roles, '/print'), classes });
    } catch (e) {
      next(e);
    }
  });

  r.get('/print/classes/:classId', requireSession, async (req, res, next) => {
    try {
      const s = res.locals.session!;
      await requirePermission(db, s, 'print.books');
      const classId = idParam(req.params.classId);
      const klass = await db.selectFrom('class').select(['id', 'name']).where('id', '=', classId).where('school_id', '=', s.schoolId).executeTakeFirst();
      if (!klass) throw printNotFound('lớp');
      const subjects = await db
        .selectFrom('class_subject as cs')
        .innerJoin('subject as sj', 'sj.id', 'cs.subject_id')
        .select(['cs.id', 'sj.name'])
        .where('cs.class_id', '=', classId)
        .orderBy('sj.name')
        .execute();
      const archive = await listArchive(db, s.schoolId, classId);
      res.render('print/ui-class', {
        title: `In sổ lớp ${klass.name}`,
        me: await loadMe(db, s),
        nav: navFor(s.roles, '/print'),
        klass,
        subjects,
        archive,
        subjectName: new Map(subjects.map((x) => [Number(x.id), x.name])),
        // Forms only when their submit would pass: printing is this page's own 'print.books' (checked above) unless
        // the inspector guard refuses writes; signing is the principal's (requireRole below), same guard.
        canPrint: guardLets(s, 'POST', `/print/classes/${classId}`),
        canSign: s.roles.includes('principal') && guardLets(s, 'POST', '/print/archive/1/signoff'),
        done: typeof req.query.done === 'string' ? req.query.done : null,
      });
    } catch (e) {
      next(e);
    }
  });

  r.post('/print/classes/:classId', requireSession, async (req, res, next) => {
    try {
      const s = res.locals.session!;
      await requirePermission(db, s, 'print.books');
      const classId = idParam(req.params.classId);
      const parsed = PrintForm.safeParse(req.body);
      if (!parsed.success) throw printBadRequest('Yêu cầu in không hợp lệ (loại sổ, kỳ in).', 'Invalid print request.', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
      const me = await loadMe(db, s);
      const out = await printBook(db, pool, {
        schoolId: s.schoolId,
        kind: parsed.data.kind,
        classId,
        classSubjectId: parsed.data.class_subject_id,
        period: parsed.data.period,
        actor: { personId: s.personId, role: s.roles[0] ?? 'unknown', lmsUserId: me.lmsUserId },
      });
      if (req.accepts(['html', 'json']) === 'json') return res.json(out);
      res.redirect(303, res.locals.u(`/print/classes/${classId}?done=${out.archiveId}`));
    } catch (e) {
      next(e);
    }
  });

  r.get('/print/archive/:id/pdf', requireSession, async (req, res, next) => {
    try {
      const s = res.locals.session!;
      await requirePermission(db, s, 'print.books');
      const a = await loadArchivedPdf(db, s.schoolId, idParam(req.params.id));
      res.setHeader('Content-Type', 'application/pdf');
      res.setHeader('Content-Disposition', contentDisposition(a.fileStem));
      res.setHeader('Cache-Control', 'private, no-store');
      // The archived bytes are what was hashed: the client can verify them against this.
      res.setHeader('X-Content-SHA256', a.sha256);
      res.end(a.pdf);
    } catch (e) {
      next(e);
    }
  });

  r.post('/print/archive/:id/signoff', requireRole('principal'), async (req, res, next) => {
    try {
      const s = res.locals.session!;
      const me = await loadMe(db, s);
      const id = idParam(req.params.id);
      const out = await signOffMonthly(db, s.schoolId, id, { personId: s.personId, role: 'principal', lmsUserId: me.lmsUserId });
      if (req.accepts(['html', 'json']) === 'json') return res.json(out);
      const a = await db.selectFrom('print_archive').select('class_id').where('id', '=', id).executeTakeFirstOrThrow();
      res.redirect(303, res.locals.u(`/print/classes/${a.class_id}`));
    } catch (e) {
      next(e);
    }
  });

  return r;
}
