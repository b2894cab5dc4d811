import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createSession } from '../src/auth/session';
import { benchConfig, benchDatabase, percentile, spawnServer, type BenchResult, runStandalone } from './support';

/**
 * (a) The grid page of a 45-student class with 12 columns per term (both terms filled): latency of
 *     GET /grid/:id as the teacher, measured at the client over loopback (≈ handler time), 200 requests.
 * (b) Saving one cell: 200 simulated teachers, each on their own class subject, saving cells with the
 *     right versions (so every save writes + audits), driven by autocannon against the running app.
 *     Reported twice: at a realistic pace (each teacher saves about once a second) and flat out.
 */
export async function benchGrid(): Promise<BenchResult> {
  const bdb = await benchDatabase();
  const db = bdb.database.db;
  const config = await benchConfig();
  // The app runs in its own process: autocannon must not share the server's event loop.
  const server = await spawnServer(config, bdb.url);
  const url = config.publicUrl;
  try {
    const school = await db.insertInto('school').values({ code: 'BG', name: 'Bench grid', level: 'THCS', settings: '{}' }).returning('id').executeTakeFirstOrThrow();
    const schoolId = Number(school.id);
    const platform = await db.insertInto('lti_platform').values({ school_id: schoolId, issuer: 'https://lms.bench', client_id: 'c', platform_kid: 'bench-kid', registered_via: 'manual' }).returning('id').executeTakeFirstOrThrow();
    const dep = await db.insertInto('lti_deployment').values({ platform_id: platform.id, school_id: schoolId, deployment_id: '1' }).returning('id').executeTakeFirstOrThrow();
    const year = await db.insertInto('school_year').values({ school_id: schoolId, name: '2024-2025', start_date: '2024-09-05', end_date: '2025-05-31', regime_overrides: '{}' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('term').values([
      { school_year_id: year.id, code: 'HK1', start_date: '2024-09-05', end_date: '2025-01-15' },
      { school_year_id: year.id, code: 'HK2', start_date: '2025-01-16', end_date: '2025-05-31' },
    ]).execute();
    const person = async (i: string, family: string, given: string) =>
      Number((await db.insertInto('person').values({ school_id: schoolId, deployment_id: dep.id, lms_user_id: i, family_name: family, given_name: given, display_name: `${family} ${given}` }).returning('id').executeTakeFirstOrThrow()).id);
    const klass = await db.insertInto('class').values({ school_id: schoolId, school_year_id: year.id, name: '6A', grade: 6 }).returning('id').executeTakeFirstOrThrow();
    const GIVEN = ['An', 'Bình', 'Cường', 'Dung', 'Đức', 'Giang', 'Hà', 'Hùng', 'Khoa', 'Lan', 'Minh', 'Nam', 'Oanh', 'Phúc', 'Quân'];
    const enrolments: number[] = [];
    for (let i = 0; i < 45; i++) {
      const p = await person(`s${i}`, ['Nguyễn', 'Trần', 'Lê'][i % 3]!, `${['Văn', 'Thị', 'Minh'][i % 3]} ${GIVEN[i % GIVEN.length]}`);
      enrolments.push(Number((await db.insertInto('enrolment').values({ class_id: klass.id, person_id: p, joined_on: '2024-09-05' }).returning('id').executeTakeFirstOrThrow()).id));
    }
    const TEACHERS = 200;
    const teachers: Array<{ cookie: string; csrf: string; csId: number }> = [];
    for (let t = 0; t < TEACHERS; t++) {
      const pid = await person(`t${t}`, 'Giáo', `Viên ${t}`);
      const subj = await db.insertInto('subject').values({ school_id: schoolId, code: `S${t}`, name: `Môn ${t}` }).returning('id').executeTakeFirstOrThrow();
      const cs = await db.insertInto('class_subject').values({ class_id: klass.id, subject_id: subj.id, teacher_person_id: pid, assessment: 'scored', periods_per_year: 140 }).returning('id').executeTakeFirstOrThrow();
      const { token, session } = await createSession(db, { schoolId, personId: pid, courseLinkId: null, roles: ['subject_teacher'], ltiRoles: [], ttlMinutes: 120 });
      teachers.push({ cookie: `sd_session=${token}`, csrf: session.csrfToken, csId: Number(cs.id) });
    }
    const t0 = teachers[0]!;
    const get = (path: string, accept = 'text/html') => fetch(`${url}${path}`, { headers: { cookie: t0.cookie, accept } });
    const post = (tch: { cookie: string; csrf: string }, path: string, body: unknown) =>
      fetch(`${url}${path}`, { method: 'POST', headers: { cookie: tch.cookie, 'x-csrf-token': tch.csrf, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });

    // (a) 12 columns per term: the default 6 (4 ĐĐGtx, GK, CK) + 6 added regular columns; every cell filled.
    for (const term of ['HK1', 'HK2']) {
      await (await get(`/grid/${t0.csId}?term=${term}`)).arrayBuffer();
      for (let i = 0; i < 6; i++) await (await post(t0, `/grid/${t0.csId}/columns`, { term, kind: 'regular' })).arrayBuffer();
    }
    const cols = await db.selectFrom('assessment_column').select('id').where('class_subject_id', '=', t0.csId).execute();
    if (cols.length !== 24) throw new Error(`expected 24 columns, got ${cols.length}`);
    await db.insertInto('score').values(cols.flatMap((c, ci) => enrolments.map((e, ei) => ({ column_id: c.id, enrolment_id: e, tenths: 40 + ((ci * 7 + ei * 3) % 61) })))).execute();
    for (let i = 0; i < 20; i++) await (await get(`/grid/${t0.csId}?term=HK1`)).arrayBuffer(); // warm-up
    const page: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 200; i++) {
      const s = process.hrtime.bigint();
      const res = await get(`/grid/${t0.csId}?term=HK1`);
      const body = await res.text();
      page.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (res.status !== 200) throw new Error(`grid page: ${res.status}`);
      bytes = body.length;
    }
    page.sort((a, b) => a - b);

    // (b) One first-open per teacher creates their columns; the cells to save: ĐĐGtx 1 × 45 students per teacher.
    const cells: Array<{ t: number; columnId: number; enrolmentId: number; version: number; n: number }> = [];
    for (let t = 0; t < TEACHERS; t++) {
      const tch = teachers[t]!;
      if (t > 0) await (await fetch(`${url}/grid/${tch.csId}?term=HK1`, { headers: { cookie: tch.cookie, accept: 'application/json' } })).arrayBuffer();
      const c = await db.selectFrom('assessment_column').select('id').where('class_subject_id', '=', tch.csId).where('kind', '=', 'regular').where('position', '=', 1).orderBy('term_id').executeTakeFirstOrThrow();
      for (const e of enrolments) cells.push({ t, columnId: Number(c.id), enrolmentId: e, version: t === 0 ? 1 : 0, n: 0 });
    }
    // Free cells, picked so that two requests never hold the same cell (no self-inflicted conflicts).
    const free = [...cells].sort(() => Math.random() - 0.5);
    const run = (opts: { duration: number; overallRate?: number }) =>
      new Promise<autocannon.Result & { conflicts: number }>((resolve, reject) => {
        let conflicts = 0;
        const inst = autocannon(
          {
            url,
            connections: TEACHERS,
            duration: opts.duration,
            ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
            requests: [
              {
                method: 'POST',
                setupRequest: (req: any, context: any) => {
                  const cell = free.shift()!;
                  context.cell = cell;
                  const tch = teachers[cell.t]!;
                  cell.n++;
                  const value = String(5 + (cell.n % 5)) + ',5';
                  return {
                    ...req,
                    path: `/grid/${tch.csId}/scores`,
                    headers: { cookie: tch.cookie, 'x-csrf-token': tch.csrf, 'content-type': 'application/json', accept: 'application/json' },
                    body: JSON.stringify({ changes: [{ columnId: cell.columnId, enrolmentId: cell.enrolmentId, value, version: cell.version }] }),
                  };
                },
                onResponse: (status: number, body: string, context: any) => {
                  const cell = context.cell as (typeof cells)[number];
                  if (status === 200) cell.version = (JSON.parse(body) as { saved: Array<{ version: number }> }).saved[0]!.version;
                  else if (status === 409) conflicts++;
                  free.push(cell);
                },
              },
            ],
          } as autocannon.Options,
          (err, result) => (err ? reject(err) : resolve({ ...result, conflicts })),
        );
        void inst;
      });
    /**
     * Smooth arrivals (autocannon's overallRate releases each second's requests in one burst, which
     * measures its own queue): one save every 1000/rate ms, each from a free cell of its teacher.
     */
    const smooth = async (rate: number, seconds: number) => {
      const lat: number[] = [];
      let ok = 0;
      let bad = 0;
      let conflicts = 0;
      const inflight: Promise<void>[] = [];
      const start = performance.now();
      for (let i = 0; i < rate * seconds; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const cell = free.shift();
        if (!cell) continue;
        const tch = teachers[cell.t]!;
        cell.n++;
        const t0 = performance.now();
        inflight.push(
          post(tch, `/grid/${tch.csId}/scores`, { changes: [{ columnId: cell.columnId, enrolmentId: cell.enrolmentId, value: `${5 + (cell.n % 5)},5`, version: cell.version }] })
            .then(async (res) => {
              const body = await res.text();
              lat.push(performance.now() - t0);
              if (res.status === 200) {
                ok++;
                cell.version = (JSON.parse(body) as { saved: Array<{ version: number }> }).saved[0]!.version;
              } else {
                bad++;
                if (res.status === 409) conflicts++;
              }
              free.push(cell);
            }),
        );
      }
      await Promise.all(inflight);
      lat.sort((a, b) => a - b);
      return `${rate} saves/s offered for ${seconds} s: p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms, max ${lat[lat.length - 1]!.toFixed(1)} ms; ${ok} saved, ${bad} refused (${conflicts} conflicts)`;
    };
    await smooth(100, 5); // warm-up (JIT, pool, caches)
    // A teacher typing scores saves a cell every few seconds: 200 teachers ≈ 67 saves/s.
    const typing = await smooth(Math.round(TEACHERS / 3), 10);
    const paced = await smooth(TEACHERS, 10);
    const flat = await run({ duration: 10 });
    const audits = Number((await db.selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n);
    const line = (name: string, r: Awaited<ReturnType<typeof run>>) =>
      `${name}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms; ${r['2xx']} saved, ${r.non2xx} non-2xx (${r.conflicts} conflicts), ${r.errors} errors`;
    return {
      name: 'Score grid (app in its own process, embedded PostgreSQL, pool of 10; load from the bench process)',
      lines: [
        `(a) grid page, 45 students × 12 columns/term, both terms filled (${(bytes / 1024).toFixed(0)} KiB HTML): 200 requests, median ${percentile(page, 50).toFixed(1)} ms, p95 ${percentile(page, 95).toFixed(1)} ms, p99 ${percentile(page, 99).toFixed(1)} ms (target < 50 ms)`,
        `(b) save one cell (validate → authorise → lock → version → write + audit → recompute averages), 200 teachers / connections:`,
        `    typing pace, each of 200 teachers one save every 3 s, smooth arrivals: ${typing}`,
        `    each of 200 teachers one save a second, smooth arrivals: ${paced}`,
        `    ${line('flat out (every teacher saves again as soon as answered)', flat)}`,
        `    target p99 < 50 ms; ${audits} audit rows written in total (every save is audited in its transaction, one hash chain per school)`,
      ],
    };
  } finally {
    await server.stop();
    await bdb.close();
  }
}

if (require.main === module) runStandalone(benchGrid);
