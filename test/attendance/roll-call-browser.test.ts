import type { Browser } from 'puppeteer-core';
import { startHarness, type Harness } from '../support/harness';
import { launchBrowser } from '../support/browser';
import { seedGradebook, launchAs, T_TUAN, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * The roll-call month in real Chromium, session as `_s` in the URL (an LMS iframe that drops cookies):
 * days not yet taken are highlighted; the ✓ button under a day ("Đã điểm danh, không vắng") works from the
 * keyboard and comes back to the month; typing a mark takes that day at once. September 2024 has 22 school
 * days (HK I starts Thursday 5 Sep; Monday–Saturday).
 */
let h: Harness;
let f: GradebookFixture;
let tuan: Client;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  tuan = await launchAs(h, T_TUAN.id);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const at = (path: string) => `${h.toolUrl}${path}${path.includes('?') ? '&' : '?'}_s=${encodeURIComponent(tuan.token)}`;
const headClass = (day: string) => `document.querySelector('th[data-head="${day}"]').className`;

it('highlights days not taken; ✓ by keyboard takes a day; a typed mark takes its day', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 700 });
  await page.goto(at(`/attendance/class/${f.class6A}?month=2024-09`));
  expect(await page.evaluate(headClass('2024-09-05'))).toBe('missing');
  expect(await page.$eval('#att-completeness', (el) => el.textContent ?? '')).toContain('0/22');
  // Keyboard: focus the ✓ under 5 Sep and press Enter (a plain form: works without script, keeps `_s`).
  await page.focus('button.taken-btn[data-day="2024-09-05"]');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  expect(page.url()).toContain(`/attendance/class/${f.class6A}?month=2024-09`);
  expect(await page.evaluate(headClass('2024-09-05'))).toBe('done');
  expect(await page.$eval('#att-completeness', (el) => el.textContent ?? '')).toContain('1/22');
  expect(await page.$('button.taken-btn[data-day="2024-09-05"]')).toBeNull();
  // Typing K in the first student's 6 Sep cell saves it and marks the day taken on the page and in the database.
  await page.click('tbody tr:first-child td.mk[data-day="2024-09-06"]');
  await page.keyboard.press('k');
  await page.waitForFunction("document.getElementById('att-status').textContent.startsWith('Đã lưu')");
  expect(await page.evaluate(headClass('2024-09-06'))).toBe('done');
  expect(await page.$('button.taken-btn[data-day="2024-09-06"]')).toBeNull();
  const taken = await h.db.db.selectFrom('roll_call_taken').select((eb) => eb.fn('to_char', [eb.ref('day'), eb.val('YYYY-MM-DD')]).as('d')).where('class_id', '=', f.class6A).orderBy('day').execute();
  expect(taken.map((t) => t.d)).toEqual(['2024-09-05', '2024-09-06']);
  await page.screenshot({ path: '/tmp/sodiem-roll-call-taken.png' });
  await page.close();
}, 30_000);
