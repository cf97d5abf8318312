import { test, expect } from '@playwright/test';
import { JINSHAN, kiosk, loggedIn, registerUnit, snap, waitLive } from './helpers';

// The second server of playwright.config.ts: the demo with ETAs routed on
// the district file's roads (`--roads district`).
const ROADS = `http://127.0.0.1:${Number(process.env.E2E_ROADS_PORT || Number(process.env.E2E_PORT || 3917) + 1)}`;

// the server serves at once and routes once its roads are prepared
test.beforeAll(async ({ playwright }) => {
  const anon = await playwright.request.newContext({ baseURL: ROADS });
  await expect.poll(async () => (await (await anon.get('/healthz')).json()).roads, { timeout: 30_000 }).toBe('ready');
  await anon.dispose();
});

test('the wall screen draws the reach along the streets and each zone class\'s share', async ({ browser }, info) => {
  const ctx = await kiosk(browser, { baseURL: ROADS, viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  await page.goto('/screen?rings=1');
  await waitLive(page);
  // the raster arrives from the server function street_reach: rows of cells,
  // no circles (a circle is drawn with arcs)
  const band2 = page.locator('.layer-reach path.reach-2');
  await expect(band2).toHaveAttribute('d', /^M\d/, { timeout: 15_000 });
  expect(await band2.getAttribute('d')).not.toMatch(/a/);
  await expect(page.locator('.legend .lg-class')).toHaveCount(3);
  await expect(page.locator('.legend .lg-class[data-class="core"]')).toContainText(/核心区 ≤ 1 分钟\s*\d+%/);
  await expect(page.locator('.legend .lg-note')).toContainText('沿道路计算');
  // a car standing on 世纪大道 at the square: its own spot is reached within
  // the first band (the raster is asked for again every 5 s); the map's
  // corner, far from every road, is in none
  const admin = await loggedIn(browser, 'admin', undefined, { baseURL: ROADS });
  const car = await registerUnit(admin.request, JINSHAN, 'car');
  await admin.close();
  await expect.poll(async () => page.evaluate((id) => {
    const g = document.querySelector(`.map [data-unit-id="${id}"]`);
    if (!g) return 'no marker yet';
    const m = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(g.getAttribute('transform')!)!;
    const p = new DOMPoint(Number(m[1]), Number(m[2]));
    const band = (b: number) => (document.querySelector(`.layer-reach .reach-${b}`) as SVGPathElement).isPointInFill(p);
    const corner = (document.querySelector('.layer-reach .reach-2') as SVGPathElement).isPointInFill(new DOMPoint(1, 1));
    return JSON.stringify({ b0: band(0), b2: band(2), corner });
  }, car.id), { timeout: 15_000 }).toBe(JSON.stringify({ b0: true, b2: true, corner: false }));
  await snap(page, info, 'screen-street-reach');
  await ctx.close();
});

test('the dispatcher sees that the ETAs are by road', async ({ browser }, info) => {
  const ctx = await loggedIn(browser, 'admin', undefined, { baseURL: ROADS, viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  await page.goto('/dispatch');
  await waitLive(page);
  // 金山广场 by its initials sets the location; units are recommended at once
  await page.keyboard.press('/');
  await page.keyboard.type('jsgc');
  await expect(page.locator('.place-hit').first()).toContainText('金山广场');
  await page.keyboard.press('Enter');
  const first = page.locator('.candidate-row').first();
  await expect(first).toBeVisible({ timeout: 5_000 });
  await expect(first.locator('.eta-basis')).toHaveText('路');
  await expect(first.locator('.eta')).toHaveAttribute('title', '预计到达（沿道路计算）');
  await snap(page, info, 'dispatch-eta-by-road');
  await ctx.close();
});

test('street reach is refused to a caller who is not logged in', async ({ playwright }) => {
  const anon = await playwright.request.newContext({ baseURL: ROADS });
  const r = await anon.post('/sf/street_reach', { form: {} });
  expect([401, 403]).toContain(r.status());
  await anon.dispose();
});
