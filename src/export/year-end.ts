/**
 * The year-end package for the education office (issue 9.2): one file set per school year, CSV
 * (UTF-8 with BOM), plus manifest.json with the row count and SHA-256 of every file, streamed as
 * one .zip. Written class by class to a temporary directory (bounded memory: one class's data in
 * memory at a time), then zipped file by file from disk.
 * Every figure comes from the results module (the same computation as the school's screens): subject
 * averages, learning levels with the adjustment clause, conduct/training, counted absences, titles.
 * Year figures of a class whose year-end list is approved are the approved (frozen) ones; otherwise
 * they are computed from the current marks and the "Nguồn" column says so.
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
import { loadClassContext } from '../results/class-context';
import { loadClassData, studentResult, type ClassData, type Period } from '../results/results-service';
import type { DecisionPayload } from '../results/year-end-service';
import { sha256File } from '../backup/backup';
import { tableWriter, type CellOut, type TableWriter } from './table-writer';
import { writeZip } from './zip';
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
  readonly format: 'sodiem-year-end/2';
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
const PERIODS: readonly Period[] = ['HK1', 'HK2', 'CN'];
const PERIOD_VI: Record<Period, string> = { HK1: 'Học kỳ I', HK2: 'Học kỳ II', CN: 'Cả năm' };
const ROUND_VI: Record<string, string> = { main: 'Cuối năm', after_retest: 'Sau kiểm tra lại, rèn luyện hè' };
const STATE_VI: Record<string, string> = { proposed: 'Đã đề xuất, chưa duyệt', approved: 'Đã duyệt', reopened: 'Mở lại để sửa' };
const SOURCE_COMPUTED = 'Tính từ sổ điểm hiện tại (chưa có quyết định duyệt)';

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
  const learning = await open('hoc-luc.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Chế độ đánh giá', 'Kỳ', 'Điểm trung bình các môn', 'Học lực / Kết quả học tập', 'Mức trước điều chỉnh', 'Nguồn', 'Ghi chú']);
  const conduct = await open('ren-luyen-hanh-kiem.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Kỳ', 'Chế độ đánh giá', 'Mức', 'Nhận xét']);
  const absences = await open('vang-mat.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Số buổi nghỉ có phép', 'Số buổi nghỉ không phép', 'Tổng số buổi nghỉ', 'Số buổi nghỉ tính xét lên lớp']);
  const titles = await open('danh-hieu.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Kỳ', 'Danh hiệu', 'Nguồn', 'Ghi chú']);
  const decisions = await open('quyet-dinh.csv', ['Mã học sinh', 'Họ và tên', 'Lớp', 'Vòng xét', 'Trạng thái', 'Ngày duyệt', 'Học lực / Kết quả học tập', 'Hạnh kiểm / Rèn luyện', 'Số buổi nghỉ', 'Kết quả', 'Danh hiệu', 'Môn kiểm tra lại']);
  let studentCount = 0;
  // Reading a class (a dozen small queries) overlaps with writing the previous ones: a few classes are
  // loaded ahead, written strictly in order; memory holds at most AHEAD + 1 classes.
  const load = async (c: (typeof classes)[number]) => {
    // The results module's own context and data: the package shows exactly what the school's screens show.
    const ctx = await loadClassContext(db, Number(c.id));
    if (!ctx) return null;
    const ids = ctx.students.map((s) => s.enrolmentId);
    const [raw, people, abs, yd] = await Promise.all([
      loadClassData(db, ctx),
      ids.length
        ? db
            .selectFrom('enrolment as e')
            .innerJoin('person as p', 'p.id', 'e.person_id')
            .select(['e.id', 'p.gender', sql<string | null>`to_char(p.date_of_birth, 'YYYY-MM-DD')`.as('dob'), sql<string | null>`to_char(e.left_on, 'YYYY-MM-DD')`.as('left')])
            .where('e.id', 'in', ids)
            .execute()
        : Promise.resolve([]),
      ids.length
        ? db.selectFrom('attendance').select(['enrolment_id', sql<number>`count(*) filter (where mark = 'P')`.as('p'), sql<number>`count(*) filter (where mark = 'K')`.as('k')]).where('enrolment_id', 'in', ids).groupBy('enrolment_id').execute()
        : Promise.resolve([]),
      db.selectFrom('year_decision').select(['round', 'state', 'approved_at', 'payload']).where('class_id', '=', Number(c.id)).orderBy('round').execute(),
    ]);
    // studentResult asks for a subject's averages once per period; they are the same three figures each time.
    const cache = new Map<string, ReturnType<ClassData['averages']>>();
    const d: ClassData = {
      ...raw,
      averages: (cs, enrolmentId) => {
        const k = `${cs.id}|${enrolmentId}`;
        let v = cache.get(k);
        if (!v) cache.set(k, (v = raw.averages(cs, enrolmentId)));
        return v;
      },
    };
    return { c, ctx, d, people, abs, yd };
  };
  const AHEAD = 3;
  const queued: Array<ReturnType<typeof load>> = [];
  const enqueue = (i: number) => {
    if (i >= classes.length) return;
    const p = load(classes[i]!);
    p.catch(() => undefined); // awaited in order below; this only keeps an early failure from being "unhandled"
    queued.push(p);
  };
  for (let i = 0; i < AHEAD; i++) enqueue(i);
  for (let i = 0; i < classes.length; i++) {
    const loaded = await queued[i]!;
    enqueue(i + AHEAD);
    if (!loaded) continue;
    const { c, ctx, d, people, abs, yd } = loaded;
    const personOf = new Map(people.map((p) => [Number(p.id), p]));
    const absBy = new Map(abs.map((a) => [Number(a.enrolment_id), a]));
    const rounds = yd.map((x) => ({ round: x.round, state: x.state, approvedAt: x.approved_at, students: new Map(((typeof x.payload === 'string' ? JSON.parse(x.payload) : x.payload) as DecisionPayload).students.map((s) => [s.enrolmentId, s])) }));
    // The year figures an education office receives are the approved ones, frozen at approval (the later round wins).
    const approved = [...rounds].reverse().find((r) => r.state === 'approved') ?? null;
    const approvedVi = approved ? `Quyết định cuối năm đã duyệt (${ROUND_VI[approved.round]})` : '';
    studentCount += ctx.students.length;
    for (const st of ctx.students) {
      const p = personOf.get(st.enrolmentId);
      const code = st.personCode ?? '';
      const name = st.displayName;
      await add(students, [code, st.familyName, st.givenName, dmy(p?.dob ?? null), p?.gender === 'nam' ? 'Nam' : p?.gender === 'nu' ? 'Nữ' : '', c.name, c.grade, dmy(st.joinedOn), dmy(p?.left ?? null)]);
      const r = new Map(PERIODS.map((per) => [per, studentResult(d, st, per)] as const));
      const hk1 = r.get('HK1')!;
      const hk2 = r.get('HK2')!;
      const cn = r.get('CN')!;
      for (let i = 0; i < d.subjects.length; i++) {
        await add(results, [code, name, c.name, d.subjects[i]!.subjectName, hk1.subjects[i]?.text ?? '', hk2.subjects[i]?.text ?? '', cn.subjects[i]?.text ?? '']);
      }
      const frozen = approved?.students.get(st.enrolmentId) ?? null;
      for (const per of PERIODS) {
        const x = r.get(per)!;
        const useFrozen = per === 'CN' && frozen !== null;
        const text = useFrozen ? frozen.learning : x.learning.text;
        const strict = useFrozen ? frozen.learningStrict : x.learningStrict.text;
        const overall = useFrozen ? frozen.overall : x.overall?.text ?? null;
        await add(learning, [code, name, c.name, ctx.regime, PERIOD_VI[per], overall ?? '', text ?? '', strict && strict !== text ? strict : '', useFrozen ? approvedVi : SOURCE_COMPUTED, text ? (x.override && per === 'CN' ? x.learning.explanationVi : '') : x.learning.explanationVi]);
      }
      const entries = d.conduct.get(st.enrolmentId);
      for (const per of PERIODS) {
        const stored = per === 'CN' ? null : entries?.[per as 'HK1' | 'HK2'] ?? null;
        const level = per === 'CN' ? (frozen?.conduct ?? r.get('CN')!.conduct.text) : stored?.level ?? null;
        await add(conduct, [code, name, c.name, PERIOD_VI[per], ctx.regime, level ?? '', stored?.comment ?? (level ? '' : 'Chưa đánh giá')]);
      }
      const a = absBy.get(st.enrolmentId);
      const pp = Number(a?.p ?? 0);
      const kk = Number(a?.k ?? 0);
      await add(absences, [code, name, c.name, pp, kk, pp + kk, frozen?.absences ?? d.absences.get(st.enrolmentId) ?? 0]);
      // TT22 awards are year-only (Điều 15); TT58 titles exist per semester and for the year.
      for (const per of ctx.regime === 'TT22' ? (['CN'] as const) : PERIODS) {
        const x = r.get(per)!;
        const useFrozen = per === 'CN' && frozen !== null;
        const title = useFrozen ? frozen.title : x.title.text;
        const pendingWhy = !useFrozen && x.title.text === null && !x.learning.text ? x.title.explanationVi : '';
        await add(titles, [code, name, c.name, PERIOD_VI[per], title ?? (pendingWhy ? '' : 'Không'), useFrozen ? approvedVi : SOURCE_COMPUTED, pendingWhy]);
      }
      for (const rd of rounds) {
        const s = rd.students.get(st.enrolmentId);
        if (!s) continue;
        await add(decisions, [code, name, c.name, ROUND_VI[rd.round] ?? rd.round, STATE_VI[rd.state] ?? rd.state, rd.approvedAt ? dmy(new Date(rd.approvedAt).toISOString()) : '', s.learning ?? '', s.conduct ?? '', s.absences, s.outcomeVi, s.title ?? '', (s.retestEligible ?? []).join('; ')]);
      }
    }
  }
  await done('hoc-sinh.csv', 'Danh sách học sinh', students);
  await done('ket-qua-mon-hoc.csv', 'Kết quả các môn học (điểm trung bình/mức đánh giá)', results);
  await done('hoc-luc.csv', 'Học lực (TT58) / kết quả học tập (TT22) theo học kỳ và cả năm', learning);
  await done('ren-luyen-hanh-kiem.csv', 'Kết quả rèn luyện / hạnh kiểm', conduct);
  await done('vang-mat.csv', 'Số buổi nghỉ học (theo sổ điểm danh)', absences);
  await done('danh-hieu.csv', 'Danh hiệu học sinh (TT58: học kỳ và cả năm; TT22: cả năm)', titles);
  await done('quyet-dinh.csv', 'Quyết định cuối năm (lên lớp, ở lại, kiểm tra lại, rèn luyện hè) theo học sinh', decisions);

  const recipient = recipientOf(typeof school.settings === 'string' ? JSON.parse(school.settings) : school.settings);
  return {
    format: 'sodiem-year-end/2',
    school: { code: school.code, name: school.name, level: school.level },
    schoolYear: year.name,
    recipient,
    recipientNoteVi: recipient ? null : 'Trường chưa khai báo cơ quan nhận (cấp xã/phường hoặc Sở GD&ĐT) trong cài đặt "yearEndRecipient".',
    generatedAt: now.toISOString(),
    counts: { classes: classes.length, students: studentCount },
    files,
  };
}

/** Builds the package in a temporary directory and streams it as a .zip (manifest.json first). */
export async function streamYearEndPackage(db: Kysely<DB>, schoolId: number, schoolYearId: number, out: Writable, now = new Date()): Promise<YearEndManifest> {
  const dir = await fs.mkdtemp(path.join(tmpdir(), 'sodiem-yearend-'));
  try {
    const m = await buildYearEndPackage(db, schoolId, schoolYearId, dir, now);
    const folder = `nam-hoc-${m.schoolYear}`;
    await writeZip(out, [{ name: `${folder}/manifest.json`, data: Buffer.from(`${JSON.stringify(m, null, 2)}\n`) }, ...m.files.map((f) => ({ name: `${folder}/${f.name}`, path: path.join(dir, f.name) }))], now);
    return m;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
