import type { Browser } from 'puppeteer-core';
import { startHarness, type Harness } from '../support/harness';
import { launchBrowser } from '../support/browser';
import { seedGradebook, launchAs, T_HOA, T_MINH, T_TUAN, STUDENTS, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { seedResults, openGrids, fill, EXTRA_6A, type ResultsFixture } from '../support/results-factory';

/**
 * The homeroom teacher's pages in real Chromium (session as `_s` in the URL, as inside an LMS iframe that drops
 * cookies): roll-call by keyboard (K, arrow, P) saved to the database; the results page opens an explanation
 * on click. Screenshots go to /tmp/sodiem-*.png for review.
 */
let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let tuan: Client;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  let hoa: Client;
  let minh: Client;
  [tuan, hoa, minh] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, T_HOA.id), launchAs(h, T_MINH.id)]);
  await openGrids(hoa, [f.math6A, ...EXTRA_6A.map((n) => r.cs6A.get(n)!)]);
  await openGrids(minh, [f.lit6A, f.music6A]);
  for (const [i, s] of STUDENTS.entries()) {
    for (const [name, csId] of r.cs6A) await fill(h, csId, f.enrolment.get(s.id)!, name === 'Âm nhạc' ? 'D' : name === 'Toán' && i === 2 ? 30 : 60 + 6 * i);
  }
  const changes = STUDENTS.flatMap((s, i) => (['HK1', 'HK2'] as const).map((term) => ({ enrolmentId: f.enrolment.get(s.id)!, term, level: i === 3 ? 'Đạt' : 'Tốt', comment: '', version: 0 })));
  expect((await tuan.post(`/conduct/class/${f.class6A}`, { changes })).status).toBe(200);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const at = (path: string) => `${h.toolUrl}${path}${path.includes('?') ? '&' : '?'}_s=${encodeURIComponent(tuan.token)}`;

it('roll-call by keyboard: K on the first open cell, arrow right, P — both saved', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 700 });
  await page.goto(at(`/attendance/class/${f.class6A}?month=2024-09`));
  // The first open cell is the first student's 5 Sep (Thursday, first day of HK I); 'k' saves and moves down.
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('p');
  await page.waitForFunction("document.getElementById('att-status').textContent.startsWith('Đã lưu')");
  await new Promise((res) => setTimeout(res, 300));
  const rows = await h.db.db.selectFrom('attendance').select(['enrolment_id', 'mark']).select((eb) => eb.fn('to_char', [eb.ref('day'), eb.val('YYYY-MM-DD')]).as('d')).orderBy('day').execute();
  // Students are listed in Vietnamese order: Nguyễn Thị An (STUDENTS[2]) first.
  expect(rows.map((x) => [Number(x.enrolment_id), x.d, x.mark])).toEqual([
    [f.enrolment.get(STUDENTS[2]!.id)!, '2024-09-05', 'K'],
    [f.enrolment.get(STUDENTS[2]!.id)!, '2024-09-06', 'P'],
  ]);
  await page.reload();
  await page.screenshot({ path: '/tmp/sodiem-attendance.png' });
  await page.close();
}, 30_000);

it('results: a click on a learning level shows why', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 600 });
  await page.goto(at(`/results/class/${f.class6A}?period=CN`));
  const summaries = await page.$$('table.res tbody tr:first-child details summary');
  expect(summaries.length).toBeGreaterThan(10);
  // Column order: 8 subjects, then learning (strict), learning (final) → the 10th details of the row is the final level.
  await summaries[9]!.click();
  const why = await page.$eval('table.res tbody tr:first-child details[open] .why', (el) => el.textContent ?? '');
  expect(why).toMatch(/Điều 9/);
  await page.screenshot({ path: '/tmp/sodiem-results.png' });
  await page.goto(at(`/conduct/class/${f.class6A}?term=HK2`));
  await page.screenshot({ path: '/tmp/sodiem-conduct.png' });
  await page.goto(at(`/year-end/class/${f.class6A}`));
  await page.screenshot({ path: '/tmp/sodiem-year-end.png' });
  await page.close();
}, 30_000);

it('disability override entered in the form with the session in the URL (LMS iframe without cookies): pending for the principal', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  await page.goto(at(`/results/class/${f.class6A}/exemptions`));
  // TT22 6A has no GDTC / GDQP-AN: nothing to exempt, said plainly.
  expect(await page.content()).toContain('Lớp không có môn nào được miễn theo TT22');
  const form = 'form[action*="/overrides"]';
  const d = STUDENTS[3]!;
  await page.select(`${form} select[name="enrolmentId"]`, String(f.enrolment.get(d.id)!));
  await page.select(`${form} select[name="learning"]`, 'Đạt');
  await page.select(`${form} select[name="outcome"]`, 'promoted');
  await page.type(`${form} textarea[name="reason"]`, 'Học theo kế hoạch giáo dục cá nhân, tiến bộ rõ');
  await page.type(`${form} input[name="dossierRef"]`, 'KHGDCN-2024-02');
  await Promise.all([page.waitForNavigation(), page.click(`${form} button[type="submit"]`)]);
  expect(page.url()).toContain(`/results/class/${f.class6A}/exemptions`);
  expect(await page.content()).toContain('Chờ hiệu trưởng duyệt (chưa tính)');
  const row = await h.db.db.selectFrom('disability_override').select(['enrolment_id', 'learning', 'outcome', 'approved_at']).executeTakeFirstOrThrow();
  expect([Number(row.enrolment_id), row.learning, row.outcome, row.approved_at]).toEqual([f.enrolment.get(d.id)!, 'Đạt', 'promoted', null]);
  await page.screenshot({ path: '/tmp/sodiem-exemptions.png', fullPage: true });
  await page.close();
}, 30_000);
