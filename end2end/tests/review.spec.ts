import { test, expect } from '@playwright/test';
import { createIncident, registerUnit, JINSHAN } from './helpers';
import * as fs from 'node:fs';

// The station chiefs' review works without JavaScript (server HTML and SVG),
// every number leads to the incidents behind it, and the monthly report
// prints on A4.
test.use({ javaScriptEnabled: false });

test('the review counts today\'s incidents, drills down, and prints on A4', async ({ page, request }, info) => {
  // three incidents today: one reached, one only dispatched, one untouched
  const unit = await registerUnit(request, JINSHAN, 'ebike');
  const reached = await createIncident(request, { priority: 1, category: 'fight', ...JINSHAN });
  let r = await request.post(`/api/v1/incidents/${reached.id}/assign`, { data: { unit_id: unit.id } });
  expect(r.status(), await r.text()).toBe(200);
  for (const status of ['en_route', 'on_scene']) {
    r = await request.post(`/api/v1/incidents/${reached.id}/status`, { data: { status } });
    expect(r.status(), await r.text()).toBe(200);
  }
  await createIncident(request, { priority: 2, ...JINSHAN });
  await createIncident(request, { priority: 3, ...JINSHAN });

  // the API's figure for the last 30 days including today (the page's
  // default ends yesterday, so the test names the dates)
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const from = new Date(Date.now() + 8 * 3600_000 - 29 * 86400_000).toISOString().slice(0, 10);
  const api = await (await request.get(`/api/v1/review?from=${from}&to=${today}&by=category`)).json();
  expect(api.total.count).toBeGreaterThanOrEqual(3);

  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(`/review?from=${from}&to=${today}&by=category`);
  const count = page.locator('[data-figure="count"]');
  await expect(count).toHaveText(String(api.total.count));
  await expect(page.locator('svg.chart').first()).toBeVisible();
  await expect(page.locator('svg.hotspots rect.cell').first()).toBeAttached();
  // categories by their Chinese names (fight: 打架斗殴)
  await expect(page.locator('table.breakdown')).toContainText('打架斗殴');
  await page.screenshot({ path: info.outputPath('review.png'), fullPage: true });

  // the count leads to exactly that many incidents
  await count.click();
  await expect(page.locator('[data-total]')).toHaveAttribute('data-total', String(api.total.count));
  await expect(page.locator('table.incidents tbody tr').first()).toBeVisible();
  // and an incident leads to its timeline from the status log
  await page.locator(`a[href^="/review/incident/${reached.id}"]`).click();
  await expect(page.locator('table.timeline')).toContainText('on_scene');

  // the monthly report on A4 paper: the print stylesheet hides the form
  await page.goto(`/review?from=${from}&to=${today}&by=category`);
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('form.review-filters')).toBeHidden();
  await page.screenshot({ path: info.outputPath('review-print.png'), fullPage: true });
  const pdf = info.outputPath('review.pdf');
  await page.pdf({ path: pdf, format: 'A4' });
  const pages = (fs.readFileSync(pdf).toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  expect(pages).toBeGreaterThanOrEqual(1);
  expect(pages).toBeLessThanOrEqual(4);
});
