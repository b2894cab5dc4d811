/**
 * Export of one class subject's score sheet: the grid as the teacher sees it (students in
 * Vietnamese order, the term's columns, the term average; the year average in HK2), one sheet per
 * term in XLSX, the chosen term in CSV. Who may: whoever may read the grid (teacher, homeroom,
 * board) — and, besides the subject's own teacher, only roles the school allows 'export.data'.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { allowed, loadPermissions } from '../auth/permissions';
import { loadClassSubject } from '../gradebook/grid-repository';
import { loadGridView, type GridView } from '../gradebook/grid-view-model';
import { sameSchool } from '../gradebook/access';
import { exportErrors } from './errors';
import type { TableWriter } from './table-writer';

const termVi = (code: string) => (code === 'HK1' ? 'Học kỳ I' : 'Học kỳ II');

export async function loadClassSheet(db: Kysely<DB>, session: Session, csId: number, terms: 'all' | 'HK1' | 'HK2'): Promise<GridView[]> {
  const ctx = await loadClassSubject(db, csId);
  sameSchool(session, ctx);
  const first = await loadGridView(db, session, ctx, terms === 'all' ? 'HK1' : terms);
  if (ctx.teacherPersonId !== session.personId && !allowed(await loadPermissions(db, session.schoolId), session.roles, 'export.data')) throw exportErrors.forbidden();
  if (terms !== 'all') return [first];
  const rest = await Promise.all(first.terms.filter((t) => t.id !== first.term.id).map((t) => loadGridView(db, session, ctx, t.code)));
  return [first, ...rest];
}

export async function writeClassSheet(views: readonly GridView[], w: TableWriter): Promise<void> {
  for (const v of views) {
    const year = v.term.code === 'HK2';
    const header = ['STT', 'Mã học sinh', 'Họ và tên', ...v.columns.map((c) => `${c.label}${c.coefficient > 1 ? ` (hệ số ${c.coefficient})` : ''}`), `ĐTB ${termVi(v.term.code)}`, ...(year ? ['ĐTB cả năm'] : []), 'Ghi chú'];
    w.sheet(`${v.ctx.className} ${v.term.code}`, header, {
      widths: [6, 14, 26, ...v.columns.map(() => 11), 12, ...(year ? [12] : []), 30],
      preamble: [[`${v.ctx.subjectName} — Lớp ${v.ctx.className} — ${termVi(v.term.code)} — Năm học ${v.ctx.schoolYearName} (${v.ctx.regime === 'TT22' ? 'Thông tư 22/2021' : 'Thông tư 58/2011'})`]],
    });
    let i = 0;
    for (const r of v.rows) {
      const t = r.averages.terms[v.term.code]?.text ?? '';
      const note = r.left ? `Đã rời lớp${r.leftOn ? ` ${r.leftOn.split('-').reverse().join('/')}` : ''}` : r.warningVi ?? '';
      await w.row([++i, r.code ?? '', r.name, ...v.columns.map((c) => r.cells[c.id]?.text ?? ''), t ?? '', ...(year ? [r.averages.year.text ?? ''] : []), note]);
    }
  }
}
