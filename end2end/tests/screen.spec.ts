import { test, expect } from '@playwright/test';
import { JINSHAN, createIncident, registerUnit, snap, waitLive, recordRequests, watch, seenAt } from './helpers';

test('the wall screen shows the demo district and its units, live', async ({ page }, info) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/screen');
  await waitLive(page);
  expect(await page.locator('.map [data-unit-id]').count()).toBeGreaterThanOrEqual(45);
  for (const station of ['金水路警务站', '榕山警务站', '人民路警务站', '时代枫林警务站']) {
    await expect(page.locator('.station-label', { hasText: station })).toBeVisible();
  }
  await expect(page.locator('[data-figure="available"] .tile-value')).toHaveText(/^\d+\/\d+$/);
  await snap(page, info, 'wall-screen-1920');
});

test('an incident created through the API appears on an open screen within 2 s', async ({ page, request }, info) => {
  await page.goto('/screen');
  await waitLive(page);
  await watch(page, '.map [data-incident-id]');
  const t0 = Date.now();
  const incident = await createIncident(request, { category: 'fight', ...JINSHAN });
  await expect(page.locator(`.map [data-incident-id="${incident.id}"]`)).toBeVisible({ timeout: 2_000 });
  await expect(page.locator(`.incident-list [data-incident-id="${incident.id}"]`)).toContainText('打架斗殴', { timeout: 2_000 });
  // from before the API call to the marker in the DOM
  const latency = (await seenAt(page, incident.id)) - t0;
  console.log(`latency: API create -> marker on the open screen: ${latency.toFixed(0)} ms`);
  expect(latency).toBeLessThan(1_000);
  await snap(page, info, 'incident-on-screen');
});

test('assigning on /dispatch changes the unit colour on the wall screen', async ({ browser, request }, info) => {
  const at = { lat: 25.2605, lon: 110.2245 };
  const unit = await registerUnit(request, at);
  const incident = await createIncident(request, { category: 'medical', ...at });

  const screen = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await screen.goto('/screen');
  await waitLive(screen);
  const marker = screen.locator(`.map [data-unit-id="${unit.id}"]`);
  await expect(marker).toHaveAttribute('data-status', 'available');
  const green = await marker.locator('.shape').evaluate((el) => getComputedStyle(el).fill);

  const dispatch = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await dispatch.goto(`/dispatch?incident=${incident.id}`);
  await waitLive(dispatch);
  const row = dispatch.locator(`.candidate-row[data-unit-id="${unit.id}"]`);
  await expect(row).toBeVisible();
  await expect(dispatch.locator('.candidate-row').first()).toHaveAttribute('data-unit-id', String(unit.id));
  await snap(dispatch, info, 'dispatch-before-assign');
  await watch(screen, '.map [data-unit-id]', 'data-status', 'dispatched');
  // the moment the dispatcher's click lands, on the page's own clock
  await dispatch.evaluate(() => document.addEventListener('click', () => ((window as unknown as { __clickAt: number }).__clickAt = Date.now()), { capture: true, once: true }));
  await row.locator('button.assign').click();

  await expect(marker).toHaveAttribute('data-status', 'dispatched', { timeout: 2_000 });
  const clickedAt = await dispatch.evaluate(() => (window as unknown as { __clickAt: number }).__clickAt);
  const latency = (await seenAt(screen, unit.id)) - clickedAt;
  console.log(`latency: assign click on /dispatch -> unit recoloured on /screen: ${latency} ms`);
  expect(latency).toBeLessThan(1_000);
  const yellow = await marker.locator('.shape').evaluate((el) => getComputedStyle(el).fill);
  expect(yellow).not.toBe(green);
  expect(yellow).toBe('rgb(250, 204, 21)');
  await expect(dispatch.locator('.recommendations .ok')).toBeVisible();
  await expect(dispatch.locator('.incident-detail .assigned-units')).toContainText(unit.callsign);
  await snap(screen, info, 'screen-after-assign');
  await snap(dispatch, info, 'dispatch-after-assign');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the screen still shows the server-rendered map and figures', async ({ page }, info) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto('/screen');
    await expect(page.locator('svg.map')).toBeVisible();
    expect(await page.locator('.map [data-unit-id]').count()).toBeGreaterThanOrEqual(45);
    await expect(page.locator('.station-label', { hasText: '金水路警务站' })).toBeVisible();
    await expect(page.locator('[data-figure="open"] .tile-value')).toHaveText(/^\d+$/);
    await snap(page, info, 'screen-no-js');
  });
});

test('no request leaves the server origin', async ({ page, baseURL }) => {
  const urls = recordRequests(page);
  for (const path of ['/', '/screen', '/dispatch']) {
    await page.goto(path);
    if (path !== '/') await waitLive(page);
  }
  const origin = new URL(baseURL!);
  const outside = urls.filter((u) => {
    const url = new URL(u);
    return url.host !== origin.host && url.protocol !== 'data:';
  });
  expect(urls.length).toBeGreaterThan(5);
  expect(outside).toEqual([]);
});
