import { test, expect, Page } from '@playwright/test';
import { loggedIn, recordRequests, snap, NOBODY } from './helpers';

const PHONE = { width: 390, height: 844 };

/** Reloads until `check` passes (the page is server-rendered; the publisher works in the background). */
async function reloadUntil(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 10_000 });
}

test('a chief schedules a calendar draft, residents read it on a phone, then it is updated and cancelled', async ({ browser }, info) => {
  test.setTimeout(60_000);
  // the demo's chief (金水路警务站) at a desk
  const chiefCtx = await loggedIn(browser, 'chief', undefined, { viewport: { width: 1280, height: 900 } });
  const desk = await chiefCtx.newPage();
  await desk.goto('/notices');
  await expect(desk.locator('.notices-desk')).toBeVisible();
  // the month's calendar drafts are there, proposed, not public
  const drafts = desk.locator('tr[data-status="draft"]');
  await expect(drafts.first()).toBeVisible();
  const row = drafts.first();
  const id = await row.getAttribute('data-notice');
  const title = (await row.locator('td').nth(2).innerText()).split(' (')[0].trim();
  expect(title.length).toBeGreaterThan(2);
  await snap(desk, info, 'notices-desk');

  // scheduled for a minute ago: the publisher sends it at once
  const now = new Date(Date.now() - 60_000 + 8 * 3600_000).toISOString().slice(0, 16);
  await row.locator('input[name="publish_at"]').fill(now);
  await row.locator('button[data-action="schedule"]').click();
  await expect(desk.locator('.notices-done')).toBeVisible();
  await reloadUntil(desk, async () => {
    await expect(desk.locator(`tr[data-notice="${id}"]`)).toHaveAttribute('data-status', 'published', { timeout: 500 });
  });

  // a resident's phone, no account: the notice for their station, nothing of the desk, nothing from elsewhere
  const resident = await browser.newContext({ viewport: PHONE, storageState: NOBODY });
  const phone = await resident.newPage();
  const urls = recordRequests(phone);
  await phone.goto('/notices');
  await phone.selectOption('select[name="station"]', 'JSL');
  await phone.locator('.notices-choose button[type="submit"]').click();
  await expect(phone).toHaveURL(/station=JSL/);
  const card = phone.locator(`li[data-notice="${id}"]`);
  await expect(card).toContainText(title);
  await expect(phone.locator('.notices-desk')).toHaveCount(0);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'no sideways scrolling on a phone').toBeLessThanOrEqual(0);
  const base = new URL(phone.url()).origin;
  expect(urls.filter((u) => !u.startsWith(base) && !u.startsWith('data:')), 'nothing from outside').toEqual([]);
  await snap(phone, info, 'notices-phone');
  // another station's residents do not see it
  await phone.goto('/notices?station=RS');
  await expect(phone.locator(`li[data-notice="${id}"]`)).toHaveCount(0);

  // or by the phone's position (a place inside 金水路's area)
  const located = await browser.newContext({ viewport: PHONE, storageState: NOBODY, geolocation: { latitude: 25.2533, longitude: 110.2149 }, permissions: ['geolocation'] });
  const here = await located.newPage();
  await here.goto('/notices');
  await here.locator('button.notices-here').click();
  await expect(here).toHaveURL(/lat=25\.2533/);
  await expect(here.locator(`li[data-notice="${id}"]`)).toContainText(title);
  await located.close();

  // its CAP document and the feed
  const cap = await resident.request.get(`/cap/feed.atom`);
  expect(cap.status()).toBe(200);
  const feed = await cap.text();
  expect(feed).toContain(title);

  // an update through the desk's form: the phone shows the new text
  const published = desk.locator(`tr[data-notice="${id}"]`);
  await published.locator('summary').click();
  await published.locator('textarea[name="body_zh"]').fill('更新：今晚加派巡逻，请注意用电安全。');
  await published.locator('button[data-action="edit"]').click();
  await expect(desk.locator('.notices-done')).toBeVisible();
  await phone.goto('/notices?station=JSL');
  await expect(phone.locator(`li[data-notice="${id}"]`)).toContainText('今晚加派巡逻');
  await expect(phone.locator(`li[data-notice="${id}"]`)).toContainText('updated');

  // cancelled: gone from the phone
  await desk.locator(`tr[data-notice="${id}"] button[data-action="cancel"]`).click();
  await expect(desk.locator(`tr[data-notice="${id}"]`)).toHaveAttribute('data-status', 'cancelled');
  await phone.goto('/notices?station=JSL');
  await expect(phone.locator(`li[data-notice="${id}"]`)).toHaveCount(0);
  await chiefCtx.close();
  await resident.close();
});

test('the residents\' notices page works without JavaScript and asks for no login', async ({ browser }, info) => {
  const ctx = await browser.newContext({ viewport: PHONE, storageState: NOBODY, javaScriptEnabled: false });
  const page = await ctx.newPage();
  const r = await page.goto('/notices?station=JSL');
  expect(r?.status()).toBe(200);
  await expect(page.locator('h1')).toContainText('安全提示');
  await expect(page.locator('select[name="station"]')).toHaveValue('JSL');
  // a station that does not exist is named, not a crash
  await page.goto('/notices?station=NOPE');
  await expect(page.locator('.notices-error')).toContainText('NOPE');
  await snap(page, info, 'notices-no-js');
  await ctx.close();
});

test('the review shows the notices published and the monthly tasks beside patrol compliance', async ({ page }, info) => {
  // today, local (+08:00): the review's default period ends yesterday
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  await page.goto(`/review?from=${today}&to=${today}`);
  const section = page.locator('section.community');
  await expect(section).toBeVisible({ timeout: 15_000 });
  // the notice the first test published this month for 金水路 (JSL)
  await expect(section.locator('table[data-table="notices"] tr[data-notices$="-JSL"]')).toBeVisible();
  await expect(section.locator('table[data-table="tasks"] tr[data-tasks$="-JS-F1"]')).toBeVisible();
  await section.scrollIntoViewIfNeeded();
  await snap(page, info, 'review-community');
});
