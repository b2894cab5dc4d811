/**
 * The year-end package for the education office (issue 9.2): one file set per school year, CSV
 * (UTF-8 with BOM), plus manifest.json with the row count and SHA-256 of every file. Written class
 * by class to a temporary directory (bounded memory), then streamed as one .tar.
 * Tables still being built by other modules are present as header-only files, and the manifest
 * says so ("status": "not_available") — a receiving office must never mistake "none" for "zero".
 * The receiving level (commune/ward education office or provincial department) is the school's
 * setting `yearEndRecipient` ({ level: "commune" | "province", name }), never hard-coded.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema';
import { loadClassSubjectsOfClass, loadColumns, loadScores, loadTerms } from '../gradebook/grid-repository';
import { averagesFor, cellMaps } from '../gradebook/grid-view-model';
import { sha256File } from '../backup/backup';
import { tableWriter, type CellOut, type TableWriter } from './table-writer';
import { tarBuffer, tarEnd, tarFile } from './tar';
import { exportErrors } from './errors';

export type FileStatus = 'complete' | 'not_available';
export interface ManifestFile {
  readonly name: string;
  readonly titleVi: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly status: FileStatus;
  readonly noteVi?: string;
}
export interface YearEndManifest {
  readonly format: 'sodiem-year-end/1';
  readonly school: { code: string; name: string; level: string };
  readonly schoolYear: string;
  readonly recipient: { level: 'commune' | 'province'; levelVi: string; name: string } | null;
  readonly recipientNoteVi: string | null;
  readonly generatedAt: string;
  readonly counts: { classes: number; students: number };
  readonly files: ManifestFile[];
}

const LEVEL_VI = { commune: 'Cơ quan quản lý giáo dục cấp xã/phường', province: 'Sở Giáo dục và Đào tạo' } as const;
const dmy = (iso: string | null) => (iso ? iso.slice(0, 10).split('-').reverse().join('/') : '');
const collator = new Intl.Collator('vi', { numeric: true });

export function recipientOf(settings: unknown): YearEndManifest['recipient'] {
  const r = (settings as { yearEndRecipient?: { level?: unknown; name?: unknown } } | null)?.yearEndRecipient;
  if (!r || (r.level !== 'commune' && r.level !== 'province') || typeof r.name !== 'string' || !r.name.trim()) return null;
  return { level: r.level, levelVi: LEVEL_VI[r.level], name: r.name.trim() };
}

interface Sink {
  readonly w: TableWriter;
  rows: number;
}

export async function buildYearEndPackage(db: Kysely<DB>, schoolId: number, schoolYearId: number, dir: string, now = new Date()): Promise<YearEndManifest> {
  const school = await db.selectFrom('school').select(['code', 'name', 'level', 'settings']).where('id', '=', schoolId).executeTakeFirst();
  const year = await db.selectFrom('school_year').select(['id', 'name']).where('id', '=', schoolYearId).where('school_id', '=', schoolId).executeTakeFirst();
  if (!school || !year) throw exportErrors.notFound();
  const classes = (await db.selectFrom('class').select(['id', 'name', 'grade']).where('school_year_id', '=', schoolYearId).execute()).sort((a, b) => a.grade - b.grade || collator.compare(a.name, b.name));
  const files: ManifestFile[] = [];
  const open = async (name: string, header: string[]): Promise<Sink & { close(): Promise<void> }> => {
    const out = createWriteStream(path.join(dir, name));
    const w = tableWriter('csv', out);
    w.sheet(name, header);
    const sink = { w, rows: 0, close: () => w.end() };
    return sink;
  };
  const add = async (s: Sink, cells: readonly CellOut[]) => {
    s.rows++;
    await s.w.row(cells);
  };
  const done = async (name: string, titleVi: string, s: Sink & { close(): Promise<void> }, status: FileStatus = 'complete', noteVi?: string) => {
    await s.close();
    const p = path.join(dir, name);
    files.push({ name, titleVi, rows: s.rows, bytes: (await fs.stat(p)).size, sha256: await sha256File(p), status, ...(noteVi ? { noteVi } : {}) });
  };

  const students = await open('hoc-sinh.csv', ['Mã học sinh', 'Họ và tên đệm', 'Tên', 'Ngày sinh', 'Giới tính', 'Lớp', 'Khối', 'Ngày vào lớp', 'Ngày rời lớp']);
  const results = await open('ket-qua-mon-hoc.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Môn', 'Học kỳ I', 'Học kỳ II', 'Cả năm']);
  const absences = await open('vang-mat.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Số buổi nghỉ có phép', 'Số buổi nghỉ không phép', 'Tổng số buổi nghỉ']);
  const conduct = await open('ren-luyen-hanh-kiem.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Kỳ', 'Chế độ đánh giá', 'Mức', 'Nhận xét']);
  const terms = await loadTerms(db, schoolYearId);
  let studentCount = 0;
  for (const c of classes) {
    const classId = Number(c.id);
    const people = await db
      .selectFrom('enrolment as e')
      .innerJoin('person as p', 'p.id', 'e.person_id')
      .select(['e.id', 'p.person_code', 'p.family_name', 'p.given_name', 'p.display_name', 'p.gender', sql<string | null>`to_char(p.date_of_birth, 'YYYY-MM-DD')`.as('dob'), sql<string>`to_char(e.joined_on, 'YYYY-MM-DD')`.as('joined'), sql<string | null>`to_char(e.left_on, 'YYYY-MM-DD')`.as('left')])
      .where('e.class_id', '=', classId)
      .execute();
    people.sort((a, b) => collator.compare(a.given_name.split(' ').pop() ?? '', b.given_name.split(' ').pop() ?? '') || collator.compare(a.display_name, b.display_name));
    studentCount += people.length;
    const nameOf = (p: (typeof people)[number]) => p.display_name || `${p.family_name} ${p.given_name}`;
    for (const p of people) {
      await add(students, [p.person_code ?? '', p.family_name, p.given_name, dmy(p.dob), p.gender === 'nam' ? 'Nam' : p.gender === 'nu' ? 'Nữ' : '', c.name, c.grade, dmy(p.joined), dmy(p.left)]);
    }
    const css = await loadClassSubjectsOfClass(db, classId);
    const columns = await loadColumns(db, css.map((x) => x.id));
    const scores = cellMaps(await loadScores(db, columns.map((x) => x.id)));
    for (const p of people) {
      for (const cs of css) {
        const a = averagesFor(cs, terms, columns.filter((x) => x.classSubjectId === cs.id), Number(p.id), scores.get(Number(p.id)));
        await add(results, [p.person_code ?? '', nameOf(p), c.name, cs.subjectName, a.terms.HK1?.text ?? '', a.terms.HK2?.text ?? '', a.year.text ?? '']);
      }
    }
    const abs = people.length
      ? await db
          .selectFrom('attendance')
          .select(['enrolment_id', sql<number>`count(*) filter (where mark = 'P')`.as('p'), sql<number>`count(*) filter (where mark = 'K')`.as('k')])
          .where('enrolment_id', 'in', people.map((p) => p.id))
          .groupBy('enrolment_id')
          .execute()
      : [];
    const absBy = new Map(abs.map((a) => [Number(a.enrolment_id), a]));
    for (const p of people) {
      const a = absBy.get(Number(p.id));
      const pp = Number(a?.p ?? 0);
      const kk = Number(a?.k ?? 0);
      await add(absences, [p.person_code ?? '', nameOf(p), c.name, pp, kk, pp + kk]);
    }
    const cond = people.length ? await db.selectFrom('conduct').select(['enrolment_id', 'term', 'regime', 'level', 'comment']).where('enrolment_id', 'in', people.map((p) => p.id)).execute() : [];
    const condBy = new Map<number, typeof cond>();
    for (const x of cond) condBy.set(Number(x.enrolment_id), [...(condBy.get(Number(x.enrolment_id)) ?? []), x]);
    for (const p of people) {
      for (const x of (condBy.get(Number(p.id)) ?? []).sort((a, b) => a.term.localeCompare(b.term))) {
        await add(conduct, [p.person_code ?? '', nameOf(p), c.name, x.term === 'CN' ? 'Cả năm' : x.term === 'HK1' ? 'Học kỳ I' : 'Học kỳ II', x.regime, x.level, x.comment]);
      }
    }
  }
  await done('hoc-sinh.csv', 'Danh sách học sinh', students);
  await done('ket-qua-mon-hoc.csv', 'Kết quả các môn học (điểm trung bình/mức đánh giá)', results);
  await done('vang-mat.csv', 'Số buổi nghỉ học (theo sổ điểm danh)', absences);
  await done('ren-luyen-hanh-kiem.csv', 'Kết quả rèn luyện / hạnh kiểm', conduct);

  const decisions = await open('quyet-dinh.csv', ['Lớp', 'Vòng xét', 'Trạng thái', 'Ngày duyệt', 'Nội dung (JSON)']);
  const yd = await db.selectFrom('year_decision as d').innerJoin('class as c', 'c.id', 'd.class_id').select(['c.name', 'd.round', 'd.state', 'd.approved_at', 'd.payload']).where('d.school_year_id', '=', schoolYearId).orderBy('c.name').orderBy('d.round').execute();
  for (const d of yd) await add(decisions, [d.name, d.round === 'main' ? 'Cuối năm' : 'Sau kiểm tra lại', d.state, d.approved_at ? dmy(new Date(d.approved_at).toISOString()) : '', JSON.stringify(d.payload)]);
  await done('quyet-dinh.csv', 'Quyết định cuối năm (lên lớp, ở lại, kiểm tra lại, rèn luyện hè) theo lớp', decisions);

  const learning = await open('hoc-luc.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Học lực / Kết quả học tập cả năm']);
  await done('hoc-luc.csv', 'Học lực / kết quả học tập cả năm', learning, 'not_available', 'Chưa xuất được: kết quả học tập cả năm do mô-đun xét cuối năm tính, chưa có bảng lưu riêng. Xem quyet-dinh.csv (nội dung JSON của quyết định đã duyệt).');
  const titles = await open('danh-hieu.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Danh hiệu / Khen thưởng']);
  await done('danh-hieu.csv', 'Danh hiệu, khen thưởng', titles, 'not_available', 'Chưa xuất được: danh hiệu học sinh chưa được lưu trong Sổ Điểm.');

  const recipient = recipientOf(typeof school.settings === 'string' ? JSON.parse(school.settings) : school.settings);
  return {
    format: 'sodiem-year-end/1',
    school: { code: school.code, name: school.name, level: school.level },
    schoolYear: year.name,
    recipient,
    recipientNoteVi: recipient ? null : 'Trường chưa khai báo cơ quan nhận (cấp xã/phường hoặc Sở GD&ĐT) trong cài đặt "yearEndRecipient".',
    generatedAt: now.toISOString(),
    counts: { classes: classes.length, students: studentCount },
    files,
  };
}

/** Builds the package in a temporary directory and streams it as a .tar (manifest.json first). */
export async function streamYearEndPackage(db: Kysely<DB>, schoolId: number, schoolYearId: number, out: Writable, now = new Date()): Promise<YearEndManifest> {
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'sodiem-yearend-'));
  try {
    const m = await buildYearEndPackage(db, schoolId, schoolYearId, dir, now);
    const folder = `nam-hoc-${m.schoolYear}`;
    await tarBuffer(out, `${folder}/manifest.json`, Buffer.from(`${JSON.stringify(m, null, 2)}\n`), now);
    for (const f of m.files) await tarFile(out, `${folder}/${f.name}`, path.join(dir, f.name), f.bytes, now);
    await tarEnd(out);
    return m;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
