import { test, expect, APIRequestContext } from '@playwright/test';
import { JINSHAN, recordRequests, registerUnit, snap, NOBODY } from './helpers';

const PHONE = { width: 390, height: 844 };
// a street corner inside the demo district (金水路警务站)
const HERE = { latitude: 25.2533, longitude: 110.2149 };
const CODE_URL = /\/report\/[2-9A-Z]{4}-[2-9A-Z]{4}(\?lang=en)?$/;

/** The incident a resident's report became, found by its description. */
async function incidentByDescription(request: APIRequestContext, description: string) {
  const r = await request.get('/api/v1/incidents');
  expect(r.status()).toBe(200);
  const list = (await r.json()) as { id: number; description: string }[];
  const found = list.find((i) => i.description === description);
  expect(found, `an incident with description ${description}`).toBeTruthy();
  const d = await request.get(`/api/v1/incidents/${found!.id}`);
  return d.json();
}

async function move(request: APIRequestContext, path: string, body: Record<string, unknown>) {
  const r = await request.post(path, { data: body });
  expect(r.status(), await r.text()).toBe(200);
}

test('a resident reports from a phone with its position and a photo, then follows the stage as the incident moves', async ({ browser, request, baseURL }, info) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ viewport: PHONE, geolocation: HERE, permissions: ['geolocation'], storageState: NOBODY });
  const page = await context.newPage();
  const urls = recordRequests(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/report');
  // the position button is there once the page's script has arrived
  const locate = page.locator('button.locate');
  await expect(locate).toBeVisible({ timeout: 15_000 });
  await snap(page, info, 'report-form-empty');

  // a real JPEG (a small picture of the page itself) as the photo
  const jpeg = await page.screenshot({ type: 'jpeg', quality: 70, clip: { x: 0, y: 0, width: 160, height: 120 } });
  const description = `e2e 电动车电瓶被偷 ${Date.now()}`;
  await page.selectOption('select[name="category"]', 'theft');
  await page.fill('textarea[name="description"]', description);
  await locate.click();
  await expect(page.locator('input[name="lat"]')).toHaveValue(/^25\.2533/);
  await expect(page.locator('input[name="lon"]')).toHaveValue(/^110\.2149/);
  await expect(page.locator('.locating')).toHaveAttribute('data-locating', 'found');
  await expect(page.locator('.report-pin')).toHaveCount(1);
  await page.setInputFiles('input[name="photo"]', { name: 'IMG_2041.jpg', mimeType: 'image/jpeg', buffer: jpeg });
  await page.fill('input[name="contact"]', '13800001234');
  await page.fill('input[name="address"]', '金水路 18 号');
  // everything fits the phone's width
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'no sideways scrolling on a phone').toBeLessThanOrEqual(0);
  await snap(page, info, 'report-form-filled');

  await page.locator('button.send').click();
  await page.waitForURL(CODE_URL);
  const code = new URL(page.url()).pathname.split('/').pop()!;
  const track = page.locator('[data-page="report-track"]');
  await expect(track).toHaveAttribute('data-stage', 'received');
  await expect(page.locator('.code strong')).toHaveText(code);
  await expect(page.locator('.stage')).toHaveText('已受理');
  await snap(page, info, 'report-track-received');

  // the report is an incident with the phone's position and the photo
  const incident = await incidentByDescription(request, description);
  expect(incident.channel).toBe('web');
  expect(incident.lat).toBeCloseTo(HERE.latitude, 4);
  expect(incident.lon).toBeCloseTo(HERE.longitude, 4);
  expect(incident.photos).toHaveLength(1);
  expect(incident.photos[0].content_type).toBe('image/jpeg');
  // written again from its pixels (no EXIF, nothing appended): not the same bytes, the same picture
  expect(incident.photos[0].bytes).toBeGreaterThan(0);

  // the dispatcher sees the photo in the incident detail
  const desk = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await desk.goto(`/dispatch?incident=${incident.id}`);
  const img = desk.locator('.report-photos img');
  await expect(img).toBeVisible();
  await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(160);
  await snap(desk, info, 'report-dispatch-photo');
  await desk.close();

  // the stage follows the incident without reloading (the page asks every few seconds);
  // the unit stands off the square so that, available again, it does not tie
  // with the units other tests place there and expect to be recommended first
  const unit = await registerUnit(request, { lat: JINSHAN.lat + 0.003, lon: JINSHAN.lon }, 'foot');
  await move(request, `/api/v1/incidents/${incident.id}/assign`, { unit_id: unit.id });
  await expect(track).toHaveAttribute('data-stage', 'on_the_way', { timeout: 15_000 });
  await expect(page.locator('.stage')).toHaveText('民警正在赶来');
  await move(request, `/api/v1/units/${unit.id}/status`, { status: 'en_route' });
  await move(request, `/api/v1/units/${unit.id}/status`, { status: 'on_scene' });
  await expect(track).toHaveAttribute('data-stage', 'on_the_way');
  await snap(page, info, 'report-track-on-the-way');
  await move(request, `/api/v1/incidents/${incident.id}/status`, { status: 'resolved' });
  await expect(track).toHaveAttribute('data-stage', 'handled', { timeout: 15_000 });
  await expect(page.locator('.step.done')).toHaveCount(2);
  await expect(page.locator('.checked')).toContainText('已更新');
  await snap(page, info, 'report-track-handled');

  // nothing of the police side reached the resident's page
  const text = await page.locator('body').innerText();
  for (const secret of [unit.callsign, '13800001234', description, '金水路 18 号']) {
    expect(text).not.toContain(secret);
  }
  expect(errors, 'no script errors on the resident pages').toEqual([]);
  expect(urls.filter((u) => u.includes('/ws')), 'the public page never opens the live stream').toEqual([]);
  expect(urls.filter((u) => u.includes('/dispatch/photo')), 'nor loads the photo').toEqual([]);
  const host = new URL(baseURL!).host;
  expect(urls.filter((u) => new URL(u).host !== host), 'requests that left the server').toEqual([]);
  await context.close();
});

test('tapping the map sets the location, and the page reads in English', async ({ browser }, info) => {
  const page = await browser.newPage({ viewport: PHONE, storageState: NOBODY });
  await page.goto('/report?lang=en');
  await expect(page.locator('button.locate')).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('h1')).toHaveText('Report a problem');
  const map = page.locator('.report-map svg.map');
  const box = await map.boundingBox();
  expect(box).not.toBeNull();
  await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  await expect(page.locator('input[name="lat"]')).toHaveValue(/^25\.\d{6}$/);
  await expect(page.locator('input[name="lon"]')).toHaveValue(/^110\.\d{6}$/);
  await expect(page.locator('.report-pin')).toHaveCount(1);
  await expect(page.locator('button.send')).toHaveText('Send the report');
  await expect(page.locator('label', { hasText: 'What happened' })).toBeVisible();
  await snap(page, info, 'report-form-english-map-pick');
});

test('a refused report comes back hydrated, in English, with what was typed', async ({ browser }, info) => {
  const page = await browser.newPage({ viewport: PHONE, storageState: NOBODY });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // the refused post's own 400 is logged by the browser; that one is expected
    if (m.type() === 'error' && !m.text().includes('status of 400')) errors.push(m.text());
  });
  await page.goto('/report?lang=en');
  await expect(page.locator('button.locate')).toBeVisible({ timeout: 15_000 });
  const typed = 'shouting </textarea><b>&amp; "quotes"';
  await page.selectOption('select[name="category"]', 'dispute');
  await page.fill('textarea[name="description"]', typed);
  await page.fill('input[name="lat"]', '95');
  await page.fill('input[name="lon"]', '110.2');
  await page.locator('button.send').click();
  await expect(page.locator('.report-error')).toContainText('latitude must be between -90 and 90, got 95');
  // the answer's page hydrates: the position button is back, and nothing failed
  await expect(page.locator('button.locate')).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('textarea[name="description"]')).toHaveValue(typed);
  await expect(page.locator('select[name="category"]')).toHaveValue('dispute');
  await expect(page.locator('input[name="lat"]')).toHaveValue('95');
  expect(await page.locator('b').count(), 'no element from the typed text').toBe(0);
  await snap(page, info, 'report-refused-hydrated');
  expect(errors, 'no script errors').toEqual([]);
});

test('resident text is shown as text on every screen, and no script in it runs', async ({ browser, request }, info) => {
  test.setTimeout(90_000);
  const description = `<script>alert(1)</script> e2e-xss ${Date.now()}`;
  const address = '"><img src=x onerror=alert(1)> e2e';
  const r = await request.post('/api/v1/reports', {
    data: { category: 'fight', description, address, lat: JINSHAN.lat + 0.001, lon: JINSHAN.lon, contact: '<b>x</b>' },
  });
  expect(r.status(), await r.text()).toBe(201);
  const { tracking_code: code } = await r.json();
  const incident = await incidentByDescription(request, description);
  const unit = await registerUnit(request, JINSHAN, 'foot');
  await move(request, `/api/v1/incidents/${incident.id}/assign`, { unit_id: unit.id });

  // the review counts whole local days (UTC+8) ending yesterday unless told
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const fired: string[] = [];
  // (page, viewport, whether it shows the resident's text: the review's list
  // shows neither the address nor the description, the tracking page nothing)
  const pages: [string, { width: number; height: number }, boolean][] = [
    ['/screen', { width: 1920, height: 1080 }, true],
    ['/dispatch', { width: 1920, height: 1080 }, true],
    [`/dispatch?incident=${incident.id}`, { width: 1920, height: 1080 }, true],
    [`/review/incidents?from=${today}&to=${today}`, { width: 1400, height: 1000 }, false],
    [`/review/incident/${incident.id}`, { width: 1400, height: 1000 }, true],
    [`/unit/${unit.callsign}`, PHONE, true],
    [`/report/${code}`, PHONE, false],
  ];
  const asText = /<script>alert\(1\)<\/script> e2e-xss|"><img src=x onerror=alert\(1\)> e2e/;
  for (const [path, viewport, shown] of pages) {
    const page = await browser.newPage({ viewport });
    page.on('dialog', async (d) => {
      fired.push(`${path}: ${d.message()}`);
      await d.dismiss();
    });
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    if (shown) {
      // the description or the address is there, as text
      await expect(page.getByText(asText).first()).toBeVisible();
    }
    // no element came from the resident's text
    expect(await page.locator('img[src="x"]').count(), `${path}: an <img> from the address`).toBe(0);
    expect(await page.locator('b', { hasText: 'x' }).count(), `${path}`).toBe(0);
    await snap(page, info, `xss${path.replace(/[^a-z0-9]+/gi, '-')}`);
    await page.close();
  }
  expect(fired, 'no alert fired on any screen').toEqual([]);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false, viewport: PHONE, storageState: NOBODY });

  test('the form posts, a refusal keeps what was typed, and a known place stands in for the position', async ({ page }, info) => {
    await page.goto('/report');
    await expect(page.locator('button.locate')).toHaveCount(0);
    const description = `e2e 无脚本 ${Date.now()}`;
    await page.selectOption('select[name="category"]', 'noise');
    await page.fill('textarea[name="description"]', description);
    await page.fill('input[name="contact"]', '13600000000');
    // no location yet: refused, everything kept
    await page.locator('button.send').click();
    await expect(page.locator('.report-error')).toContainText('请提供位置');
    await expect(page.locator('.report-error')).toHaveAttribute('data-field', 'location');
    await expect(page.locator('textarea[name="description"]')).toHaveValue(description);
    await expect(page.locator('input[name="contact"]')).toHaveValue('13600000000');
    await expect(page.locator('select[name="category"]')).toHaveValue('noise');
    await snap(page, info, 'report-nojs-refused');

    await page.selectOption('select[name="place"]', '金山广场');
    await page.locator('button.send').click();
    await page.waitForURL(CODE_URL);
    await expect(page.locator('[data-page="report-track"]')).toHaveAttribute('data-stage', 'received');
    await snap(page, info, 'report-nojs-track');
  });
});

