/**
 * Pure: the teacher's reconciliation sheet for one class subject — the layout of the teacher's own
 * book (TT22 "Sổ theo dõi và đánh giá học sinh" of the subject teacher, book-forms.md §2; TT58 the
 * personal mark book), so the teacher can check the printed class book against it line by line and
 * sign. One page block per semester of the period.
 */
import type { BookData } from './book-data';
import type { PrintDocument, PrintPage } from './document';
import { bookFormOf, makeCtx, periodEnd, periodLabel, subjectPages, type Period } from './class-book-view-model';
import { asciiSlug } from './names';
import { printBadRequest, printNotFound } from './errors';

export const TEACHER_SHEET_TITLE = {
  TT22: 'BẢN ĐỐI CHIẾU – SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH (GIÁO VIÊN MÔN HỌC)',
  TT58: 'BẢN ĐỐI CHIẾU – SỔ GHI ĐIỂM CÁ NHÂN CỦA GIÁO VIÊN',
} as const;

export function buildTeacherSheet(data: BookData, classSubjectId: number, period: Period): PrintDocument {
  if (period.type === 'month') throw printBadRequest('Bản đối chiếu của giáo viên in theo học kỳ hoặc cả năm, không theo tháng.', 'Teacher sheets are printed per semester or year, not per month.');
  const subj = data.subjects.find((s) => s.classSubjectId === classSubjectId);
  if (!subj) throw printNotFound('môn học của lớp');
  const ctx = makeCtx(data, periodEnd(data, period));
  const terms = period.type === 'CN' ? (['HK1', 'HK2'] as const) : ([period.type] as const);
  const pages: PrintPage[] = terms.flatMap((t) => subjectPages(ctx, subj, t, { teacherSheet: true }));
  const form = bookFormOf(data.regime);
  return {
    identity: {
      bookTitle: TEACHER_SHEET_TITLE[form],
      schoolName: data.school.name,
      className: data.klass.name,
      schoolYear: data.year.name,
      periodLabel: periodLabel(period),
      scope: `Môn ${subj.subjectName}${subj.teacherName ? ` – GV ${subj.teacherName}` : ''}`,
    },
    paper: data.school.paper,
    pages,
    fileStem: `Doi-chieu-Lop-${asciiSlug(data.klass.name)}-${asciiSlug(subj.subjectCode)}-${asciiSlug(data.year.name)}-${period.code}`,
  };
}
