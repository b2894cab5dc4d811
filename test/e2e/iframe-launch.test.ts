import type { Browser } from 'puppeteer-core';
import { startHarness, seedFixtureCourse, linkFixtureCourse, type Harness } from '../support/harness';
import { launchBrowser, waitForFrame } from '../support/browser';

/**
 * The cookie behaviour is the point: the LMS page (127.0.0.1) embeds the tool (localhost), a
 * different site, in an iframe — as Moodle's view.php does (shared/fixtures/moodle-4.5/
 * browser-flows/flow-teacher-iframe-via-view.php.json). Third-party cookies are blocked there, so
 * the launch must not depend on them and our session cookie must be partitioned (CHIPS).
 */
let h: Harness;
let browser: Browser;
beforeAll(async () => {
  h = await startHarness();
  seedFixtureCourse(h.platform);
  await linkFixtureCourse(h);
  await h.db.db.insertInto('staff_designation').values({ school_id: h.schoolId, role: 'principal', person_code: 'HT001', lms_user_id: null }).execute();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

it.each([
  ['teacher', '3', 'Giáo viên bộ môn'],
  ['principal (category manager on the school list)', '10', 'Hiệu trưởng'],
  ['student', '5', 'Học sinh'],
])('%s launches inside the LMS iframe and stays signed in while navigating', async (_who, userId, label) => {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  try {
    await page.goto(h.platform.launchPageUrl(userId, '3'), { waitUntil: 'load' });
    const frame = await waitForFrame(page, (f) => f !== page.mainFrame() && /\/home(\?|$)/.test(f.url()));
    await frame.waitForSelector('header.top .who');
    expect(await frame.$eval('header.top .who', (e) => e.textContent)).toContain(label);
    // The partitioned cookie came back: the session token was dropped from the address.
    await frame.waitForFunction(() => !(globalThis as unknown as { location: { search: string } }).location.search.includes('_s='), { timeout: 5000 });
    const cookies = await page.cookies(h.toolUrl);
    const session = cookies.find((c) => c.name === 'sd_session');
    expect(session?.partitionKey).toBeTruthy();
    // Navigating inside the iframe keeps the session.
    await frame.click('a.brand');
    await frame.waitForSelector('h1');
    expect(await frame.$eval('h1', (e) => e.textContent)).toContain('Xin chào');
  } finally {
    await context.close();
  }
});
