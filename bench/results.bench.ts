import { createSession } from '../src/auth/session';
import { benchConfig, benchDatabase, percentile, spawnServer, type BenchResult, runStandalone } from './support';

/**
 * (a) The class results page (cả năm, TT22) of a 45-student class with 14 subjects (13 scored, 1 comment),
 *     both terms filled, conduct and some absences: server time (Server-Timing) and client latency over loopback.
 * (b) One score change to the results: a teacher saves one cell through the grid's write path, then the
 *     homeroom teacher's results page is fetched; reported is save + fresh results page. Each request reloads
 *     the inputs; only the student whose inputs changed goes through the rules engine again (per-student memo).
 */
export async function benchResults(): Promise<BenchResult> {
  const bdb = await benchDatabase();
  const db = bdb.database.db;
  const config = await benchConfig();
  const server = await spawnServer(config, bdb.url);
  const url = config.publicUrl;
  try {
    const school = await db.insertInto('school').values({ code: 'BR', name: 'Bench results', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
    const schoolId = Number(school.id);
    const platform = await db.insertInto('lti_platform').values({ school_id: schoolId, issuer: 'https://lms.bench', client_id: 'c', platform_kid: 'bench-kid-r', registered_via: 'manual' }).returning('id').executeTakeFirstOrThrow();
    const dep = await db.insertInto('lti_deployment').values({ platform_id: platform.id, school_id: schoolId, deployment_id: '1' }).returning('id').executeTakeFirstOrThrow();
    const year = await db.insertInto('school_year').values({ school_id: schoolId, name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', regime_overrides: '{}' }).returning('id').executeTakeFirstOrThrow();
    const terms = await db.insertInto('term').values([
      { school_year_id: year.id, code: 'HK1', start_date: '2024-09-05', end_date: '2025-01-15' },
      { school_year_id: year.id, code: 'HK2', start_date: '2025-01-16', end_date: '2025-05-31' },
    ]).returning('id').execute();
    const person = async (i: string, family: string, given: string) =>
      Number((await db.insertInto('person').values({ school_id: schoolId, deployment_id: dep.id, lms_user_id: i, family_name: family, given_name: given, display_name: `${family} ${given}` }).returning('id').executeTakeFirstOrThrow()).id);
    const homeroom = await person('gvcn', 'Giáo', 'Chủ Nhiệm');
    const teacher = await person('gv', 'Giáo', 'Viên');
    const klass = await db.insertInto('class').values({ school_id: schoolId, school_year_id: year.id, name: '6A', grade: 6, homeroom_person_id: homeroom }).returning('id').executeTakeFirstOrThrow();
    const GIVEN = ['An', 'Bình', 'Cường', 'Dung', 'Đức', 'Giang', 'Hà', 'Hùng', 'Khoa', 'Lan', 'Minh', 'Nam', 'Oanh', 'Phúc', 'Quân'];
    const enrolments: number[] = [];
    for (let i = 0; i < 45; i++) {
      const p = await person(`s${i}`, ['Nguyễn', 'Trần', 'Lê'][i % 3]!, `${['Văn', 'Thị', 'Minh'][i % 3]} ${GIVEN[i % GIVEN.length]}`);
      enrolments.push(Number((await db.insertInto('enrolment').values({ class_id: klass.id, person_id: p, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow()).id));
    }
    const NAMES = ['Toán', 'Ngữ văn', 'Tiếng Anh', 'KHTN', 'Lịch sử và Địa lí', 'GDCD', 'Công nghệ', 'Tin học', 'GDTC', 'Nghệ thuật', 'HĐTN', 'GDĐP', 'Tiếng Pháp', 'Âm nhạc'];
    const scoreCols: number[] = [];
    let firstCs = 0;
    for (const [i, name] of NAMES.entries()) {
      const comment = name === 'Âm nhạc';
      const subj = await db.insertInto('subject').values({ school_id: schoolId, code: `S${i}`, name }).returning('id').executeTakeFirstOrThrow();
      const cs = await db.insertInto('class_subject').values({ class_id: klass.id, subject_id: subj.id, teacher_person_id: teacher, assessment: comment ? 'comment' : 'scored', periods_per_year: 105 }).returning('id').executeTakeFirstOrThrow();
      if (i === 0) firstCs = Number(cs.id);
      for (const t of terms) {
        const defs = [...[1, 2, 3, 4].map((p) => ({ kind: 'regular' as const, position: p, coefficient: 1, label: `ĐĐGtx ${p}` })), { kind: 'midterm' as const, position: 1, coefficient: 2, label: 'ĐĐGgk' }, { kind: 'final' as const, position: 1, coefficient: 3, label: 'ĐĐGck' }];
        const cols = await db.insertInto('assessment_column').values(defs.map((d) => ({ class_subject_id: cs.id, term_id: t.id, ...d, coefficient: comment ? 1 : d.coefficient, value_type: comment ? 'rating' as const : 'score' as const, form: null }))).returning('id').execute();
        await db.insertInto('score').values(cols.flatMap((c, ci) => enrolments.map((e, ei) => (comment ? { column_id: c.id, enrolment_id: e, tenths: null, rating: 'D' as const } : { column_id: c.id, enrolment_id: e, tenths: 50 + ((ci * 7 + ei * 3 + i) % 51) })))).execute();
        if (!comment) scoreCols.push(...cols.map((c) => Number(c.id)));
      }
    }
    await db.insertInto('conduct').values(enrolments.flatMap((e) => (['HK1', 'HK2'] as const).map((term) => ({ enrolment_id: e, term, regime: 'TT22' as const, level: 'Tốt' })))).execute();
    await db.insertInto('attendance').values(enrolments.flatMap((e, i) => [9, 10, 11].slice(0, i % 4).map((d) => ({ enrolment_id: e, day: `2024-09-${d}`, session: 'sang' as const, mark: 'P' as const })))).execute();

    const hr = await createSession(db, { schoolId, personId: homeroom, courseLinkId: null, roles: ['homeroom_teacher'], ltiRoles: [], ttlMinutes: 60 });
    const tc = await createSession(db, { schoolId, personId: teacher, courseLinkId: null, roles: ['subject_teacher'], ltiRoles: [], ttlMinutes: 60 });
    const page = async () => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${url}/results/class/${klass.id}?period=CN`, { headers: { cookie: `sd_session=${hr.token}`, accept: 'text/html' } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`results ${res.status}`);
      const server = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
      return { client: Number(process.hrtime.bigint() - t0) / 1e6, server, bytes: body.length, body };
    };
    for (let i = 0; i < 20; i++) await page(); // warm-up (template compile, JIT)
    const client: number[] = [];
    const srv: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 100; i++) {
      const p = await page();
      client.push(p.client);
      srv.push(p.server);
      bytes = p.bytes;
    }
    client.sort((a, b) => a - b);
    srv.sort((a, b) => a - b);

    // (b) one cell changed through the grid's own write path, then the results page.
    const firstCol = await db.selectFrom('assessment_column').select('id').where('class_subject_id', '=', firstCs).where('kind', '=', 'final').orderBy('id').executeTakeFirstOrThrow();
    const change: number[] = [];
    for (let i = 0; i < 30; i++) {
      const v = await db.selectFrom('score').select('version').where('column_id', '=', firstCol.id).where('enrolment_id', '=', enrolments[0]!).executeTakeFirstOrThrow();
      const t0 = process.hrtime.bigint();
      const save = await fetch(`${url}/grid/${firstCs}/scores`, { method: 'POST', headers: { cookie: `sd_session=${tc.token}`, 'x-csrf-token': tc.session.csrfToken, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ changes: [{ columnId: Number(firstCol.id), enrolmentId: enrolments[0], value: String(5 + (i % 5)), version: v.version }] }) });
      await save.arrayBuffer();
      if (save.status !== 200) throw new Error(`save ${save.status}`);
      await page();
      change.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    change.sort((a, b) => a - b);
    return {
      name: 'Class results (app in its own process, embedded PostgreSQL)',
      lines: [
        `(a) results page, cả năm TT22, 45 students × 14 subjects (13 scored × 12 columns, 1 comment), conduct + absences (${(bytes / 1024).toFixed(0)} KiB HTML), 100 requests:`,
        `    server time (Server-Timing: load + rules engine for every student) median ${percentile(srv, 50).toFixed(1)} ms, p95 ${percentile(srv, 95).toFixed(1)} ms; client latency median ${percentile(client, 50).toFixed(1)} ms, p95 ${percentile(client, 95).toFixed(1)} ms (target < 100 ms)`,
        `(b) one score saved through the grid, then the results page reflecting it: median ${percentile(change, 50).toFixed(1)} ms, p95 ${percentile(change, 95).toFixed(1)} ms over 30 changes`,
        `    (each request reloads the class's stored inputs; only students whose inputs changed are recomputed by the rules engine — per-student memo keyed by those inputs)`,
      ],
    };
  } finally {
    await server.stop();
    await bdb.close();
  }
}

if (require.main === module) runStandalone(benchResults);
