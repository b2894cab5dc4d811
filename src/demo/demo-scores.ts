import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Session } from '../auth/session';
import { appendAudit } from '../audit/audit-log';
import { ensureDefaultColumns } from '../gradebook/columns';
import { loadClassSubjectsOfClass, loadTerms } from '../gradebook/grid-repository';

/**
 * Demo marks so every view has something to show: semester I complete (and locked by its update
 * points, so corrections can be tried), semester II begun and still open. Deterministic.
 */
export async function seedDemoScores(db: Kysely<DB>, schoolId: number): Promise<void> {
  const classes = await db.selectFrom('class').select(['id', 'school_year_id']).where('school_id', '=', schoolId).execute();
  let cells = 0;
  for (const c of classes) {
    const terms = await loadTerms(db, Number(c.school_year_id));
    const contexts = (await loadClassSubjectsOfClass(db, Number(c.id))).filter((cs) => cs.teacherPersonId !== null);
    const enrolments = await db.selectFrom('enrolment').select('id').where('class_id', '=', c.id).orderBy('id').execute();
    for (const ctx of contexts) {
      const teacher: Session = {
        tokenHash: 'demo',
        schoolId,
        personId: ctx.teacherPersonId!,
        courseLinkId: null,
        roles: ['subject_teacher'],
        ltiRoles: [],
        csrfToken: 'demo',
        expiresAt: new Date(0),
      };
      for (const term of terms) {
        await ensureDefaultColumns(db, teacher, ctx, term);
        const columns = await db.selectFrom('assessment_column').select(['id', 'kind', 'position', 'value_type']).where('class_subject_id', '=', ctx.id).where('term_id', '=', term.id).execute();
        // Semester II has only its first two regular marks so far.
        const open = term.code === 'HK1' ? columns : columns.filter((col) => col.kind === 'regular' && col.position <= 2);
        const rows = open.flatMap((col) =>
          enrolments.map((e, i) => {
            const seed = (Number(e.id) * 37 + Number(col.id) * 11 + i * 7) % 100;
            if (col.value_type === 'rating') return { column_id: col.id, enrolment_id: e.id, tenths: null, rating: seed < 92 ? ('D' as const) : ('CD' as const), updated_by: ctx.teacherPersonId, source: 'demo' };
            // A spread around 7: mostly 5–9.5, a few weak and a few excellent marks, on the half point.
            const tenths = Math.min(100, Math.max(20, 45 + (seed % 11) * 5 + ((seed * 3) % 7 === 0 ? -20 : 0)));
            return { column_id: col.id, enrolment_id: e.id, tenths, rating: null, updated_by: ctx.teacherPersonId, source: 'demo' };
          }),
        );
        if (rows.length) await db.insertInto('score').values(rows).execute();
        cells += rows.length;
      }
    }
  }
  // Semester I is closed: its update points have passed (corrections from here on); semester II is open.
  for (const yearId of new Set(classes.map((c) => Number(c.school_year_id)))) {
    const hk1 = (await loadTerms(db, yearId)).find((t) => t.code === 'HK1');
    if (!hk1) continue;
    await db
      .insertInto('update_point')
      .values([
        { term_id: hk1.id, label: 'Giữa học kỳ I', deadline: new Date('2024-11-15T17:00:00+07:00'), kinds: ['regular', 'midterm'] },
        { term_id: hk1.id, label: 'Cuối học kỳ I', deadline: new Date('2025-01-10T17:00:00+07:00'), kinds: [] },
      ])
      .execute();
  }
  await db.transaction().execute((trx) => appendAudit(trx, { schoolId, action: 'demo.scores', entity: 'school', entityId: schoolId, newValue: { cells }, source: 'system' }));
}
