/**
 * The audit trail as the principal and an inspector read it: filtered by teacher, class, subject,
 * student and period; score changes resolved to class/subject/student; a delete-and-re-enter of
 * the same cell by the same person collapsed into ONE net change. Read-only over audit_log.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { AppError } from '../shared/errors';
import { isBoard } from '../auth/roles';
import { STATE_LABEL_VI, type CorrectionState } from './state-machine';

export interface TrailFilter {
  readonly teacherId?: number | undefined;
  readonly classId?: number | undefined;
  readonly subjectId?: number | undefined;
  readonly studentId?: number | undefined;
  /** Inclusive dates, YYYY-MM-DD, Vietnam time. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface TrailRow {
  readonly id: number;
  readonly seq: number;
  readonly at: Date;
  readonly actorId: number | null;
  readonly actorName: string | null;
  readonly actorRole: string | null;
  readonly action: string;
  readonly entity: string;
  readonly entityId: string | null;
  readonly source: string;
  readonly className: string | null;
  readonly subjectName: string | null;
  readonly columnLabel: string | null;
  readonly studentName: string | null;
  readonly oldText: string;
  readonly newText: string;
  /** Sequence numbers merged into this row (delete-and-re-enter). */
  readonly mergedSeqs: readonly number[];
  readonly noteVi: string;
}

export function canReadTrail(session: Session): boolean {
  return isBoard(session.roles) || session.roles.includes('school_admin');
}

export function assertCanReadTrail(session: Session): void {
  if (!canReadTrail(session)) throw new AppError('AUDIT_NOT_PERMITTED', 'forbidden', 'Chỉ Ban giám hiệu và người kiểm tra được xem nhật ký thay đổi.', 'Only the board and inspectors may read the audit trail.');
}

type J = { columnId?: number; enrolmentId?: number; tenths?: number | null; rating?: string | null; state?: string } | null;
const valText = (v: J): string => {
  if (!v) return '';
  if (v.tenths !== undefined && v.tenths !== null) return String(v.tenths / 10).replace('.', ',');
  if (v.rating) return v.rating === 'D' ? 'Đ' : 'CĐ';
  if (v.state) return STATE_LABEL_VI[v.state as CorrectionState] ?? v.state;
  if (v.tenths === null || v.rating === null) return '(trống)';
  return '';
};

export const MAX_TRAIL_ROWS = 20000;

export async function loadTrail(db: Kysely<DB>, session: Session, f: TrailFilter, limit = MAX_TRAIL_ROWS): Promise<TrailRow[]> {
  assertCanReadTrail(session);
  // Score records carry columnId/enrolmentId in their values: resolve the class, subject, student.
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('person as actor', 'actor.id', 'a.actor_person_id')
    // Workflow records name the correction request: its cell gives the class, subject and student.
    .leftJoin('correction_request as cr', (j) => j.on(sql<boolean>`a.entity = 'correction_request' AND cr.id::text = a.entity_id`))
    .leftJoin('assessment_column as ac', (j) => j.on(sql`ac.id`, '=', sql`coalesce((a.new_value->>'columnId')::bigint, (a.old_value->>'columnId')::bigint, cr.column_id)`))
    .leftJoin('class_subject as cs', 'cs.id', 'ac.class_subject_id')
    .leftJoin('class as c', 'c.id', 'cs.class_id')
    .leftJoin('subject as s', 's.id', 'cs.subject_id')
    .leftJoin('enrolment as e', (j) => j.on(sql`e.id`, '=', sql`coalesce((a.new_value->>'enrolmentId')::bigint, (a.old_value->>'enrolmentId')::bigint, cr.enrolment_id)`))
    .leftJoin('person as st', 'st.id', 'e.person_id')
    .select([
      'a.id', 'a.seq', 'a.at', 'a.actor_person_id', 'actor.display_name as actor_name', 'a.actor_role', 'a.action', 'a.entity', 'a.entity_id', 'a.source',
      'a.old_value', 'a.new_value', 'c.name as class_name', 's.name as subject_name', 'ac.label as column_label', 'st.display_name as student_name',
    ])
    .where('a.school_id', '=', session.schoolId);
  if (f.teacherId) q = q.where('a.actor_person_id', '=', f.teacherId);
  if (f.classId) q = q.where('c.id', '=', f.classId);
  if (f.subjectId) q = q.where('s.id', '=', f.subjectId);
  if (f.studentId) q = q.where('st.id', '=', f.studentId);
  if (f.from) q = q.where('a.at', '>=', sql<Date>`(${f.from}::date)::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'`);
  if (f.to) q = q.where('a.at', '<', sql<Date>`((${f.to}::date + 1))::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh'`);
  const rows = await q.orderBy('a.seq').limit(limit).execute();
  const out: TrailRow[] = rows.map((r) => ({
    id: Number(r.id),
    seq: Number(r.seq),
    at: new Date(r.at as unknown as string),
    actorId: r.actor_person_id === null ? null : Number(r.actor_person_id),
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    entity: r.entity,
    entityId: r.entity_id,
    source: r.source,
    className: r.class_name,
    subjectName: r.subject_name,
    columnLabel: r.column_label,
    studentName: r.student_name,
    oldText: valText(r.old_value as J),
    newText: valText(r.new_value as J),
    mergedSeqs: [Number(r.seq)],
    noteVi: '',
  }));
  return netChanges(out);
}

/** Re-entering within this window after clearing counts as one change. */
export const REENTRY_WINDOW_MS = 30 * 60_000;

/**
 * Pure: a `score.clear` followed (next change of the same cell) by a `score.update`/`score.create`
 * from the same person within the window is one net change old → new. If the re-entered value
 * equals the old one the pair nets to nothing visible but stays listed, marked as such.
 */
export function netChanges(rows: readonly TrailRow[]): TrailRow[] {
  const out: TrailRow[] = [];
  const openClear = new Map<string, number>(); // cell key → index in out
  const keyOf = (r: TrailRow) => (r.entity === 'score' && r.columnLabel !== null && r.studentName !== null ? `${r.entityId}` : null);
  for (const r of rows) {
    const k = keyOf(r);
    if (k && (r.action === 'score.update' || r.action === 'score.create')) {
      const i = openClear.get(k);
      const prev = i === undefined ? undefined : out[i];
      if (prev && prev.actorId === r.actorId && r.at.getTime() - prev.at.getTime() <= REENTRY_WINDOW_MS) {
        const same = prev.oldText === r.newText;
        out[i!] = { ...prev, action: 'score.net_change', newText: r.newText, mergedSeqs: [...prev.mergedSeqs, r.seq], noteVi: same ? 'Xoá rồi nhập lại cùng giá trị: không thay đổi' : 'Xoá rồi nhập lại: tính là một lần thay đổi' };
        openClear.delete(k);
        continue;
      }
    }
    if (k) openClear.delete(k);
    out.push(r);
    if (k && r.action === 'score.clear') openClear.set(k, out.length - 1);
  }
  return out;
}

export const ACTION_VI: Record<string, string> = {
  'score.create': 'Nhập điểm',
  'score.update': 'Sửa điểm',
  'score.clear': 'Xoá điểm',
  'score.net_change': 'Sửa điểm (xoá rồi nhập lại)',
  'score.correct': 'Sửa điểm theo đề nghị đã duyệt',
  'correction.request': 'Gửi đề nghị sửa điểm',
  'correction.confirm': 'GVCN xác nhận đề nghị',
  'correction.approve': 'Duyệt đề nghị',
  'correction.reject': 'Không duyệt đề nghị',
  'correction.apply': 'Cập nhật điểm theo đề nghị',
  'correction.withdraw': 'Rút đề nghị',
  'correction.expire': 'Đề nghị hết hạn',
  'correction.witness': 'Xác nhận chứng kiến',
  'correction.evidence': 'Đính kèm minh chứng',
  'update_point.move': 'Dời thời điểm cập nhật',
  'grid.columns.open': 'Tạo các cột điểm',
  'print.correction_minutes': 'In biên bản sửa điểm',
  'roster.sync': 'Đồng bộ danh sách lớp',
  'roster.join': 'Học sinh vào lớp',
  'roster.rejoin': 'Học sinh trở lại lớp',
  'platform.register': 'Kết nối LMS',
  'staff.designate': 'Chỉ định BGH / quản trị / thanh tra',
  'staff.revoke': 'Thu hồi chỉ định BGH / quản trị / thanh tra',
  'update_point.create': 'Thêm thời điểm cập nhật',
  'update_point.deadline_later': 'Lùi hạn cập nhật',
  'update_point.deadline_earlier': 'Đưa hạn cập nhật sớm hơn',
  'school_year.create': 'Mở năm học',
  'school_year.update': 'Sửa năm học / học kỳ',
  'class.create': 'Tạo lớp',
  'subject.create': 'Thêm môn học',
  'assignment.create': 'Phân công giảng dạy',
  'assignment.update': 'Sửa phân công giảng dạy',
  'permission.change': 'Đổi quy chế phân quyền',
  'person.create': 'Thêm người dùng (từ LMS)',
  'person.update': 'Cập nhật thông tin người dùng (từ LMS)',
  'course.link_class': 'Gắn khoá học LMS với lớp',
  'course.link_subject': 'Gắn khoá học LMS với môn',
  'deployment.add': 'Thêm triển khai LTI',
  'platform.status': 'Đổi trạng thái kết nối LMS',
  'registration_invite.create': 'Tạo lời mời đăng ký LTI',
  'attendance.mark': 'Điểm danh (vắng P/K)',
  'attendance.taken': 'Đã điểm danh buổi học',
  'calendar.plan': 'Sửa lịch học trong tuần',
  'calendar.class_plan': 'Sửa lịch học riêng của lớp',
  'calendar.holiday.add': 'Thêm ngày nghỉ',
  'calendar.holiday.remove': 'Bỏ ngày nghỉ',
  'conduct.enter': 'Nhập hạnh kiểm / kết quả rèn luyện',
  'exemption.record': 'Ghi nhận miễn học',
  'exemption.approve': 'Duyệt miễn học',
  'disability_override.record': 'Ghi nhận đánh giá riêng (học sinh khuyết tật)',
  'disability_override.approve': 'Duyệt đánh giá riêng (học sinh khuyết tật)',
  'exemption.reject': 'Từ chối hồ sơ miễn học',
  'disability_override.reject': 'Từ chối đánh giá riêng (học sinh khuyết tật)',
  'year_end.propose': 'GVCN đề nghị danh sách cuối năm',
  'year_end.approve': 'Hiệu trưởng duyệt danh sách cuối năm',
  'year_end.reopen': 'Mở lại danh sách đã duyệt',
  'year_end.retest': 'Nhập điểm kiểm tra lại',
  'year_end.summer': 'Nhập kết quả rèn luyện hè',
  'year_end.rollover': 'Chuyển năm học (lên lớp / ở lại)',
  'lms.column.publish': 'Đưa cột điểm lên LMS',
  'lms.republish': 'Gửi lại điểm khác LMS',
  'lms.averages.queue': 'Gửi điểm trung bình lên LMS',
  'print.archive': 'In sổ (lưu bản in)',
  'print.signoff': 'Hiệu trưởng ký duyệt bản in tháng',
  'dashboard.snapshot.sign': 'Ký xác nhận kiểm tra tháng',
  'correction.settings': 'Sửa cài đặt đề nghị sửa điểm',
  'demo.seed': 'Tạo dữ liệu mẫu',
  'demo.scores': 'Tạo điểm mẫu',
};

export async function trailFilterOptions(db: Kysely<DB>, schoolId: number, classId?: number) {
  // Students are offered once a class is chosen (a whole school's list would be unusable).
  const students = classId
    ? await db.selectFrom('enrolment as e').innerJoin('person as p', 'p.id', 'e.person_id').innerJoin('class as c', 'c.id', 'e.class_id').select(['p.id', 'p.display_name']).where('e.class_id', '=', classId).where('c.school_id', '=', schoolId).orderBy('p.display_name').execute()
    : [];
  const [teachers, classes, subjects] = await Promise.all([
    db.selectFrom('person as p').innerJoin('class_subject as cs', 'cs.teacher_person_id', 'p.id').select(['p.id', 'p.display_name']).distinct().where('p.school_id', '=', schoolId).orderBy('p.display_name').execute(),
    db.selectFrom('class').select(['id', 'name']).where('school_id', '=', schoolId).orderBy('name').execute(),
    db.selectFrom('subject').select(['id', 'name']).where('school_id', '=', schoolId).orderBy('name').execute(),
  ]);
  return { teachers: teachers.map((t) => ({ id: Number(t.id), name: t.display_name })), classes: classes.map((c) => ({ id: Number(c.id), name: c.name })), subjects: subjects.map((s) => ({ id: Number(s.id), name: s.name })), students: students.map((x) => ({ id: Number(x.id), name: x.display_name })) };
}
