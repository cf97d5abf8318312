import { test, expect } from '@playwright/test';
import { loggedIn, snap } from './helpers';

// today in Lingui (UTC+8): the calls the other tests made
const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

test('the command room plans posts on /plan, clicking the map for a post of its own', async ({ browser }, info) => {
  const ctx = await loggedIn(browser, 'dispatcher', undefined, { viewport: { width: 1600, height: 1200 } });
  const page = await ctx.newPage();
  await page.goto(`/plan?run=1&from=${today}&to=${today}&hours=00-24&units=car%3D2&points=1`);
  await expect(page.locator('h1')).toContainText('警力部署规划');
  await expect(page.locator('.plan-summary')).toBeVisible();
  await expect(page.locator('.plan-posts tbody tr')).toHaveCount(2);
  await expect(page.locator('.plan-replay tr[data-figure="compliance"]')).toBeVisible();
  // a click on the map adds that position to the candidate posts
  const map = page.locator('.plan-map svg');
  await map.scrollIntoViewIfNeeded();
  const box = (await map.boundingBox())!;
  await map.click({ position: { x: box.width / 2, y: box.height / 2 } });
  await expect(page.locator('textarea[name="extra"]')).toHaveValue(/^\d+\.\d{6}, \d+\.\d{6}$/);
  await expect(page.locator('.plan-map .plan-picked')).toHaveCount(1);
  await page.getByRole('button', { name: '规划 Plan' }).click();
  await expect(page).toHaveURL(/extra=/);
  await expect(page.locator('textarea[name="extra"]')).toHaveValue(/^\d+\.\d{6}, \d+\.\d{6}$/);
  await expect(page.locator('.plan-posts tbody tr')).toHaveCount(2);
  await snap(page, info, 'plan');
  await ctx.close();
});

test('an officer may not plan', async ({ browser }) => {
  // the demo's officer account is bound to a unit; /plan is not theirs
  const ctx = await loggedIn(browser, 'officer');
  const page = await ctx.newPage();
  const r = await page.goto('/plan');
  expect(r!.status()).toBe(403);
  await ctx.close();
});
