import type { Browser } from 'puppeteer-core';
import { startHarness, type Harness } from '../support/harness';
import { launchBrowser } from '../support/browser';
import { seedGradebook, launchAs, T_MINH, P_LAN, type GradebookFixture, type Client } from '../support/gradebook-factory';
import { seedResults, type ResultsFixture } from '../support/results-factory';

/**
 * The principal rejects a pending exemption from the pending page in real Chromium, by keyboard only, with the
 * session in the URL (LMS iframe without cookies); the homeroom teacher then sees the comment. Screenshots in
 * /tmp/sodiem-reject-*.png for review.
 */
let h: Harness;
let f: GradebookFixture;
let r: ResultsFixture;
let minh: Client;
let lan: Client;
let browser: Browser;

beforeAll(async () => {
  h = await startHarness();
  f = await seedGradebook(h);
  r = await seedResults(h, f);
  [minh, lan] = await Promise.all([launchAs(h, T_MINH.id), launchAs(h, P_LAN.id)]);
  const res = await minh.post(`/results/class/${r.class8A}/exemptions`, { enrolmentId: r.enrolment8A.get('S1')!, classSubjectId: r.cs8A.get('Thể dục')!, scope: 'HK1', dossierRef: 'Đơn số 5', validFrom: '2024-09-05', validTo: '2025-01-15' });
  expect(res.status).toBe(200);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const at = (c: Client, path: string) => `${h.toolUrl}${path}${path.includes('?') ? '&' : '?'}_s=${encodeURIComponent(c.token)}`;

it('keyboard: open "Từ chối…", type the reason, submit; the record is rejected and the recorder reads why', async () => {
  const page = await browser.newPage();
  await page.setViewport({ width: 1300, height: 700 });
  await page.goto(at(lan, '/results'));
  // The results home leads to the list, with the count.
  expect(await page.$eval('a.pending-link', (a) => a.textContent)).toBe('Hồ sơ chờ duyệt (1)');
  await Promise.all([page.waitForNavigation(), page.focus('a.pending-link').then(() => page.keyboard.press('Enter'))]);
  expect(page.url()).toContain('/results/pending');
  await page.focus('details.reject summary');
  await page.keyboard.press('Enter');
  await page.waitForSelector('details.reject[open] textarea[name="comment"]', { visible: true });
  await page.focus('details.reject textarea[name="comment"]');
  await page.keyboard.type('Đơn chưa có xác nhận của bệnh viện');
  await page.screenshot({ path: '/tmp/sodiem-reject-pending.png', fullPage: true });
  await page.keyboard.press('Tab');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  // Back on the pending list, which no longer holds it.
  expect(page.url()).toContain('/results/pending');
  expect(await page.content()).toContain('Không có hồ sơ nào chờ duyệt.');
  const row = await h.db.db.selectFrom('exemption').select(['reject_comment', 'rejected_by', 'approved_at']).executeTakeFirstOrThrow();
  expect([row.reject_comment, Number(row.rejected_by), row.approved_at]).toEqual(['Đơn chưa có xác nhận của bệnh viện', f.person.get(P_LAN.id), null]);
  await page.goto(at(minh, '/results'));
  expect(await page.content()).toContain('Đơn chưa có xác nhận của bệnh viện');
  await page.screenshot({ path: '/tmp/sodiem-reject-recorder.png', fullPage: true });
  await page.goto(at(minh, `/results/class/${r.class8A}/exemptions`));
  expect(await page.content()).toContain('Bị từ chối (không tính)');
  await page.screenshot({ path: '/tmp/sodiem-reject-class.png', fullPage: true });
  await page.close();
}, 60_000);
