import type { Browser } from 'puppeteer-core';
import { startHarness, type Harness } from '../support/harness';
import { launchBrowser } from '../support/browser';
import { seedGradebook, launchAs, T_TUAN, P_LAN, type GradebookFixture, type Client } from '../support/gradebook-factory';

/**
 * The roll-call month in real Chromium, session as `_s` in the URL (an LMS iframe that drops cookies):
 * days not yet taken are highlighted; the ✓ button under a day ("Đã điểm danh, không vắng") works from the
 * keyboard and comes back to the month; typing a mark takes that day at once. September 2024 has 22 school
 * days (HK I starts Thursday 5 Sep; Monday–Saturday).
 */
let h: Harness;
let f: GradebookFixture;
let tuan: Client;
let lan: Client;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  [tuan, lan] = await Promise.all([launchAs(h, T_TUAN.id), launchAs(h, P_LAN.id)]);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const at = (path: string, c: Client = tuan) => `${h.toolUrl}${path}${path.includes('?') ? '&' : '?'}_s=${encodeURIComponent(c.token)}`;
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

it('the principal sets Saturday afternoon as an extra session and adds a day off on the calendar page', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 1400 });
  await page.goto(at('/attendance/calendar', lan));
  await page.select('select[name="p6_chieu"]', 'extra');
  await Promise.all([page.waitForNavigation(), page.click('form[action*="/plan"] button[type="submit"]')]);
  expect(await page.$eval('select[name="p6_chieu"]', (el) => (el as unknown as { value: string }).value)).toBe('extra');
  // A date input's typing order depends on the browser's locale: set its value as the picker would.
  await page.$eval('#h-from', (el) => { (el as unknown as { value: string }).value = '2024-11-20'; });
  await page.type('#h-label', 'Ngày Nhà giáo Việt Nam');
  await Promise.all([page.waitForNavigation(), page.click('form[action*="/holidays"] button[type="submit"]')]);
  const holidays = await h.db.db.selectFrom('school_holiday').select(['label', (eb) => eb.fn('to_char', [eb.ref('day'), eb.val('YYYY-MM-DD')]).as('d')]).execute();
  expect(holidays).toEqual([{ label: 'Ngày Nhà giáo Việt Nam', d: '2024-11-20' }]);
  const plan = await h.db.db.selectFrom('school_calendar').select('plan').where('school_year_id', '=', f.schoolYearId).executeTakeFirstOrThrow();
  expect(plan.plan).toEqual({ 1: { sang: 'main' }, 2: { sang: 'main' }, 3: { sang: 'main' }, 4: { sang: 'main' }, 5: { sang: 'main' }, 6: { sang: 'main', chieu: 'extra' } });
  await page.screenshot({ path: '/tmp/sodiem-calendar.png', fullPage: true });
  await page.close();
}, 30_000);
