import type { Browser, Frame } from 'puppeteer-core';
import { startHarness, type Harness } from '../support/harness';
import { launchBrowser, waitForFrame } from '../support/browser';
import { seedGradebook, launchAs, T_HOA, STUDENTS, type GradebookFixture } from '../support/gradebook-factory';

/**
 * A teacher in headless Chromium, inside the LMS iframe (cross-site, partitioned cookie), types a
 * row of scores with the keyboard and sees the average follow; a concurrent edit from another
 * session is shown as a conflict with both values, and typing again saves.
 */
let h: Harness;
let f: GradebookFixture;
let browser: Browser;
beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const text = (frame: Frame, sel: string) => frame.$eval(sel, (e) => (e.textContent ?? '').trim());

it('keyboard entry, live average, conflict shown with both values', async () => {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  try {
    await page.goto(h.platform.launchPageUrl(T_HOA.id, '3'), { waitUntil: 'load' });
    // The launch lands on the home page (or the course set-up page at a course's first launch).
    let frame = await waitForFrame(page, (fr) => fr !== page.mainFrame() && fr.url().startsWith(h.toolUrl) && !fr.url().includes('/lti/'));
    await frame.waitForSelector('header.top .who');
    await frame.goto(new URL(`/grid/${f.math6A}?term=HK1`, h.toolUrl).toString(), { waitUntil: 'load' });
    frame = await waitForFrame(page, (fr) => fr !== page.mainFrame() && fr.url().includes(`/grid/${f.math6A}`));
    await frame.waitForSelector('table#grid td.cell');

    const student = STUDENTS[1]!; // Lê Thị Bình (4th in Vietnamese order)
    const e = f.enrolment.get(student.id)!;
    const row = `tr[data-enr="${e}"]`;
    // Click the first cell of the row, then type like a teacher: value + Tab across the row.
    await frame.click(`${row} td.cell`);
    for (const v of ['8', '7', '9', '6', '7,5']) {
      await page.keyboard.type(v);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type('8');
    await page.keyboard.press('Enter');
    // TT22: (8+7+9+6 + 2×7,5 + 3×8)/(4+5) = 69/9 = 7,666… → 7,7
    await frame.waitForFunction((sel) => ((globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(sel)?.textContent ?? '').trim() === '7,7', { timeout: 10000 }, `${row} td[data-avg="term"]`);
    expect(await text(frame, `${row} td[data-avg="term"]`)).toBe('7,7');
    const title = await frame.$eval(`${row} td[data-avg="term"]`, (el) => el.getAttribute('title'));
    expect(title).toMatch(/69\/9/);
    // Enter moved the focus one row down, same column.
    const activeEnr = await frame.$eval('td.active', (el) => el.getAttribute('data-enr'));
    expect(Number(activeEnr)).not.toBe(e);
    await page.screenshot({ path: '/tmp/grid-e2e.png' });

    // An invalid entry is refused in place with the reason.
    await frame.click(`${row} td.cell:nth-of-type(3)`); // ĐĐGtx 1 (after # and name)
    await page.keyboard.type('8,55');
    await page.keyboard.press('Enter');
    await frame.waitForSelector(`${row} td.cell.invalid`);
    expect(await text(frame, '#grid-status')).toMatch(/một chữ số thập phân/);

    // Someone else (the same teacher on another device) changes the final score meanwhile.
    const finalCol = await frame.$eval(`${row} td.cell:nth-of-type(8)`, (el) => Number(el.getAttribute('data-col')));
    const other = await launchAs(h, T_HOA.id);
    const res = await other.post(`/grid/${f.math6A}/scores`, { changes: [{ columnId: finalCol, enrolmentId: e, value: '5', version: 1 }] });
    expect(res.status).toBe(200);
    // The teacher, unaware, types 9 into the same cell.
    const finalSel = `${row} td.cell[data-col="${finalCol}"]`;
    await frame.click(finalSel);
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    await frame.waitForSelector(`${finalSel}.conflict`);
    expect(await text(frame, finalSel)).toBe('5');
    const status = await text(frame, '#grid-status');
    expect(status).toMatch(/Xung đột/);
    expect(status).toContain('"5"');
    expect(status).toContain('"9"');
    expect(await frame.$eval(finalSel, (el) => el.getAttribute('title'))).toMatch(/hiện tại: 5 — giá trị của bạn: 9/);
    await page.screenshot({ path: '/tmp/grid-e2e-conflict.png' });
    // Typing again (now on the current version) saves: (30 + 2×7,5 + 3×9)/9 = 72/9 = 8,0
    await frame.click(finalSel);
    await page.keyboard.type('9');
    await page.keyboard.press('Enter');
    await frame.waitForFunction((sel) => ((globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector(sel)?.textContent ?? '').trim() === '8,0', { timeout: 10000 }, `${row} td[data-avg="term"]`);
    const stored = await h.db.db.selectFrom('score').select(['tenths', 'version']).where('column_id', '=', finalCol).where('enrolment_id', '=', e).executeTakeFirstOrThrow();
    expect(stored).toEqual({ tenths: 90, version: 3 });
  } finally {
    await context.close();
  }
});
