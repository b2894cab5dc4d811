import { startHarness, seedFixtureCourse, type Harness } from '../support/harness';
import { seedSchoolYear, launchAs } from '../support/school-factory';
import { launchBrowser } from '../support/browser';
import { syncRoster } from '../../src/roster/roster-sync';
import { ltijsNrpsReader } from '../../src/roster/nrps-client';

const run = process.env.SODIEM_SCREENSHOTS ? describe : describe.skip;
run('screenshots (manual: SODIEM_SCREENSHOTS=1)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    seedFixtureCourse(h.platform);
    await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'principal', person_code: 'HT001', lms_user_id: null }).execute();
  });
  afterAll(async () => h?.close());
  it('takes them', async () => {
    const seed = await seedSchoolYear(h.db.db, h.schoolId, { classes: [{ name: '6A', grade: 6 }, { name: '6B', grade: 6 }], subjects: [{ code: 'TOAN', name: 'Toán' }, { code: 'VAN', name: 'Ngữ văn' }] });
    await h.db.db.insertInto('update_point').values({ term_id: seed.termIds.HK1, label: 'Giữa học kỳ I', deadline: new Date('2024-11-15T10:00:00Z') }).execute();
    const t = await launchAs(h, '3');
    const browser = await launchBrowser();
    const shot = async (token: string, path: string, file: string) => {
      const page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 900 });
      await page.goto(`${h.toolUrl}${path}${path.includes('?') ? '&' : '?'}_s=${token}`);
      await page.screenshot({ path: `/tmp/${file}.png`, fullPage: true });
      await page.close();
    };
    await shot(t.token, '/course/setup', 'setup');
    const st = await launchAs(h, '5');
    await shot(st.token, '/course/setup', 'setup-student');
    await t.post('/course/setup', { school_year_id: String(seed.yearId), class_id: String(seed.classIds['6A']), subject_id: String(seed.subjectIds.TOAN) });
    const link = await h.db.db.selectFrom('course_link').select('id').executeTakeFirstOrThrow();
    await syncRoster(h.db.db, ltijsNrpsReader(h.server.lti.provider), Number(link.id));
    h.platform.enrol('2', '6', 'student', { suspended: true });
    await syncRoster(h.db.db, ltijsNrpsReader(h.server.lti.provider), Number(link.id));
    await shot(t.token, '/roster', 'roster');
    const p = await launchAs(h, '10');
    await shot(p.token, `/school/years/${seed.yearId}`, 'year');
    await shot(p.token, '/school/permissions', 'permissions');
    await shot(p.token, '/school/years', 'years');
    await browser.close();
  });
});
