import { Router, type Request, type Response, type NextFunction } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema';
import { AppError } from '../../shared/errors';
import { requirePermission, loadPermissions, allowed, type Action } from '../../auth/permissions';
import { requireSession } from '../session-middleware';
import { loadMe } from '../me';
import { navFor } from '../view-helpers';
import { validationError } from './admin-platforms';
import { REGIMES } from '../../rules';
import {
  addClass,
  addSubject,
  addUpdatePoint,
  createYear,
  listYears,
  loadYearPage,
  moveDeadline,
  openDeadlines,
  saveAssignment,
  setHomeroom,
  setRegimeOverrides,
  updateYear,
  type Actor,
} from '../../school/school-service';
import { fromLocalInput, viewFormat } from '../../school/format';

const isoDate = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/);
const id = z.coerce.number().int().positive();
const optionalId = z.union([z.literal(''), id]).optional().transform((v) => (v === '' || v === undefined ? null : v));
const localDateTime = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const d = fromLocalInput(v);
    if (!d) {
      ctx.addIssue({ code: 'custom', message: 'datetime' });
      return z.NEVER;
    }
    return d;
  });

const YearDates = z.object({ start_date: isoDate, end_date: isoDate, hk1_start: isoDate, hk1_end: isoDate, hk2_start: isoDate, hk2_end: isoDate });
const NewYear = YearDates.extend({ name: z.string().trim().min(1).max(20) });
const NewPoint = z.object({ term_id: id, label: z.string().trim().min(1).max(120), deadline: localDateTime });
const MovePoint = z.object({ deadline: localDateTime });
const NewClass = z.object({ name: z.string().trim().min(1).max(20), grade: z.coerce.number().int(), homeroom_person_id: optionalId });
const Homeroom = z.object({ homeroom_person_id: optionalId });
const NewSubject = z.object({ code: z.string().trim().min(1).max(40), name: z.string().trim().min(1).max(120) });
const Assignment = z.object({
  class_id: id,
  subject_id: id,
  teacher_person_id: optionalId,
  assessment: z.enum(['', 'scored', 'comment']).optional().transform((v) => (v ? v : null)),
  periods: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      const n = Number(v.replace(',', '.'));
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: 'custom', message: 'periods' });
        return z.NEVER;
      }
      return n;
    }),
});
const Params = z.object({ id });

const FIELDS_VI: Record<string, string> = {
  name: 'tên', start_date: 'ngày bắt đầu năm học', end_date: 'ngày kết thúc năm học', hk1_start: 'ngày bắt đầu học kỳ I', hk1_end: 'ngày kết thúc học kỳ I',
  hk2_start: 'ngày bắt đầu học kỳ II', hk2_end: 'ngày kết thúc học kỳ II', label: 'tên thời điểm', deadline: 'hạn cập nhật', grade: 'khối', term_id: 'học kỳ',
  code: 'mã môn', class_id: 'lớp', subject_id: 'môn', periods: 'số tiết', homeroom_person_id: 'giáo viên chủ nhiệm', teacher_person_id: 'giáo viên',
};
function invalid(issues: z.core.$ZodIssue[]): AppError {
  const fields = [...new Set(issues.map((i) => String(i.path[0] ?? '')))];
  const e = validationError(issues);
  return new AppError('SCHOOL_INPUT_INVALID', 'bad_request', `Dữ liệu chưa hợp lệ: ${fields.map((f) => FIELDS_VI[f] ?? f).join(', ')}.`, e.en, { fields });
}
function parse<T extends z.ZodType>(schema: T, v: unknown): z.output<T> {
  const r = schema.safeParse(v);
  if (!r.success) throw invalid(r.error.issues);
  return r.data;
}

type Handler = (req: Request, res: Response, actor: Actor) => Promise<void>;

/** validate → authorise (the school's rules, server-side) → use case → render/redirect. */
export function schoolRoutes(db: Kysely<DB>): Router {
  const r = Router();
  const guarded = (action: Action, h: Handler) => [
    requireSession,
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const s = res.locals.session!;
        await requirePermission(db, s, action);
        const me = await loadMe(db, s);
        await h(req, res, { schoolId: s.schoolId, personId: s.personId, lmsUserId: me.lmsUserId, role: s.roles[0] ?? 'staff' });
      } catch (e) {
        next(e);
      }
    },
  ];
  const page = async (res: Response, view: string, title: string, navPath: string, data: Record<string, unknown>) => {
    const s = res.locals.session!;
    const perms = await loadPermissions(db, s.schoolId);
    res.render(view, { title, me: await loadMe(db, s), nav: navFor(s.roles, navPath), fmt: viewFormat, canMoveDeadlines: allowed(perms, s.roles, 'deadline.move'), ...data });
  };
  const back = (res: Response, path: string) => res.redirect(303, res.locals.u(path));

  r.get('/school/years', ...guarded('school.configure', async (_req, res, a) => page(res, 'school/years', 'Năm học', '/school/years', { years: await listYears(db, a.schoolId) })));
  r.post('/school/years', ...guarded('school.configure', async (req, res, a) => {
    const f = parse(NewYear, req.body);
    const yearId = await createYear(db, a, { name: f.name, startDate: f.start_date, endDate: f.end_date, hk1Start: f.hk1_start, hk1End: f.hk1_end, hk2Start: f.hk2_start, hk2End: f.hk2_end });
    back(res, `/school/years/${yearId}`);
  }));
  r.get('/school/years/:id', ...guarded('school.configure', async (req, res, a) => {
    const { id: yearId } = parse(Params, req.params);
    const data = await loadYearPage(db, a.schoolId, yearId);
    if (!data) throw new AppError('SCHOOL_NOT_FOUND', 'not_found', 'Không tìm thấy năm học.', 'School year not found.');
    await page(res, 'school/year', `Năm học ${data.year.name}`, '/school/years', { ...data, regimeChoices: REGIMES });
  }));
  r.post('/school/years/:id', ...guarded('school.configure', async (req, res, a) => {
    const { id: yearId } = parse(Params, req.params);
    const f = parse(YearDates, req.body);
    await updateYear(db, a, yearId, { startDate: f.start_date, endDate: f.end_date, hk1Start: f.hk1_start, hk1End: f.hk1_end, hk2Start: f.hk2_start, hk2End: f.hk2_end });
    back(res, `/school/years/${yearId}`);
  }));
  r.post('/school/years/:id/update-points', ...guarded('school.configure', async (req, res, a) => {
    const { id: yearId } = parse(Params, req.params);
    const f = parse(NewPoint, req.body);
    await addUpdatePoint(db, a, f.term_id, { label: f.label, deadline: f.deadline });
    back(res, `/school/years/${yearId}#moc`);
  }));
  r.post('/school/years/:id/regimes', ...guarded('school.configure', async (req, res, a) => {
    const { id: yearId } = parse(Params, req.params);
    const overrides: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) {
      const m = /^grade_(\d+)$/.exec(k);
      if (m && typeof v === 'string') overrides[m[1]!] = v;
    }
    await setRegimeOverrides(db, a, yearId, overrides);
    back(res, `/school/years/${yearId}#che-do`);
  }));
  r.post('/school/years/:id/classes', ...guarded('school.configure', async (req, res, a) => {
    const { id: yearId } = parse(Params, req.params);
    const f = parse(NewClass, req.body);
    await addClass(db, a, yearId, { name: f.name, grade: f.grade, homeroomPersonId: f.homeroom_person_id });
    back(res, `/school/years/${yearId}#lop`);
  }));
  r.post('/school/classes/:id/homeroom', ...guarded('school.configure', async (req, res, a) => {
    const { id: classId } = parse(Params, req.params);
    const f = parse(Homeroom, req.body);
    await setHomeroom(db, a, classId, f.homeroom_person_id);
    const cls = await db.selectFrom('class').select('school_year_id').where('id', '=', classId).executeTakeFirstOrThrow();
    back(res, `/school/years/${cls.school_year_id}#lop`);
  }));
  r.post('/school/years/:id/assignments', ...guarded('school.configure', async (req, res, a) => {
    const { id: yearId } = parse(Params, req.params);
    const f = parse(Assignment, req.body);
    const cls = await db.selectFrom('class').select('school_year_id').where('id', '=', f.class_id).executeTakeFirst();
    if (!cls || Number(cls.school_year_id) !== yearId) throw new AppError('SCHOOL_UNKNOWN_CLASS', 'bad_request', 'Lớp đã chọn không thuộc năm học này.', 'The class is not in this school year.');
    await saveAssignment(db, a, { classId: f.class_id, subjectId: f.subject_id, teacherPersonId: f.teacher_person_id, assessment: f.assessment, periods: f.periods });
    back(res, `/school/years/${yearId}#phan-cong`);
  }));
  r.get('/school/subjects', ...guarded('school.configure', async (_req, res, a) => {
    const subjects = await db.selectFrom('subject').select(['id', 'code', 'name']).where('school_id', '=', a.schoolId).orderBy('name').execute();
    await page(res, 'school/subjects', 'Danh mục môn học', '/school/subjects', { subjects });
  }));
  r.post('/school/subjects', ...guarded('school.configure', async (req, res, a) => {
    const f = parse(NewSubject, req.body);
    await addSubject(db, a, f);
    back(res, '/school/subjects');
  }));
  r.get('/school/deadlines', ...guarded('deadline.move', async (_req, res, a) => page(res, 'school/deadlines', 'Thời điểm cập nhật điểm', '/school/deadlines', { points: await openDeadlines(db, a.schoolId) })));
  r.post('/school/update-points/:id/deadline', ...guarded('deadline.move', async (req, res, a) => {
    const { id: pointId } = parse(Params, req.params);
    const f = parse(MovePoint, req.body);
    await moveDeadline(db, a, pointId, f.deadline);
    back(res, '/school/deadlines');
  }));
  return r;
}
