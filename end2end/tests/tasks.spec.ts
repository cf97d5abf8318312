import { test, expect } from '@playwright/test';
import { loggedIn, officerFor, recordRequests, snap } from './helpers';

const PHONE = { width: 390, height: 844 };
// inside 金水路警务站's area
const HERE = { latitude: 25.2533, longitude: 110.2149 };

test('a community officer reports a task with a photo and the phone\'s position; the chief accepts it', async ({ browser, request }, info) => {
  test.setTimeout(60_000);
  // JS-F1 is JSL's community officer (police, on foot): the month's list is theirs
  const ctx = await officerFor(browser, request, 'JS-F1', { viewport: PHONE, geolocation: HERE, permissions: ['geolocation'] });
  const page = await ctx.newPage();
  const urls = recordRequests(page);
  await page.goto('/tasks');
  const card = page.locator('li[data-status="open"]').first();
  await expect(card).toBeVisible();
  const id = await card.getAttribute('data-task');
  await card.locator('textarea[name="text"]').fill('已走访，门卫值守正常。e2e');
  const locate = card.locator('button.task-locate');
  await expect(locate).toBeVisible();
  await locate.click();
  await expect(locate).toHaveAttribute('data-located', 'yes');
  await expect(card.locator('input[name="lat"]')).toHaveValue(/^25\.2533/);
  await expect(card.locator('input[name="lon"]')).toHaveValue(/^110\.2149/);
  const jpeg = await page.screenshot({ type: 'jpeg', quality: 70, clip: { x: 0, y: 0, width: 160, height: 120 } });
  await card.locator('input[name="photo"]').setInputFiles({ name: 'IMG_3001.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'no sideways scrolling on a phone').toBeLessThanOrEqual(0);
  await snap(page, info, 'tasks-phone');
  await card.locator('button[data-action="report"]').click();
  await expect(page.locator('.notices-done')).toBeVisible();
  await expect(page.locator(`li[data-task="${id}"]`)).toHaveAttribute('data-status', 'submitted');
  const base = new URL(page.url()).origin;
  expect(urls.filter((u) => !u.startsWith(base) && !u.startsWith('data:')), 'nothing from outside').toEqual([]);

  // the chief's desk: the report with its photo, accepted
  const chiefCtx = await loggedIn(browser, 'chief', undefined, { viewport: { width: 1280, height: 900 } });
  const desk = await chiefCtx.newPage();
  await desk.goto('/tasks');
  const submitted = desk.locator(`li[data-task="${id}"]`);
  await expect(submitted).toHaveAttribute('data-status', 'submitted');
  await expect(submitted).toContainText('门卫值守正常');
  const img = submitted.locator('img.task-photo');
  await expect(img).toBeVisible();
  expect(await img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);
  await expect(desk.locator('table[data-table="progress"] tr[data-unit="JS-F1"]')).toBeVisible();
  await snap(desk, info, 'tasks-desk');
  await submitted.locator('button[data-action="accept"]').click();
  await expect(desk.locator(`li[data-task="${id}"]`)).toHaveAttribute('data-status', 'accepted');
  await ctx.close();
  await chiefCtx.close();
});
