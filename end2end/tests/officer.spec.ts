import { test, expect, Page } from '@playwright/test';
import { cspViolations, kiosk, loggedIn, officerFor, recordRequests, registerUnit, snap, waitLive } from './helpers';

// must-patrol point PP01 (金山广场东门) in the demo district
const PP01 = { lat: 25.2481, lon: 110.2096 };
const PHONE = { width: 390, height: 844 };
const CJK = /[\u4e00-\u9fff]/;

/** Every URL a page asked for stays on the server's own origin. */
function expectSameOrigin(urls: string[], base: string) {
  const host = new URL(base).host;
  const foreign = urls.filter((u) => new URL(u).host !== host);
  expect(foreign, 'requests that left the server').toEqual([]);
  expect(urls.length).toBeGreaterThan(0);
}

test('the whole loop: map click on /dispatch, assign, wall screen and officer phone follow to resolved', async ({ browser, request, baseURL }, info) => {
  test.setTimeout(60_000);
  const unit = await registerUnit(request, PP01, 'foot');

  // three people on three screens: the wall screen (a kiosk token), the
  // dispatcher (the demo's), the officer of the unit (an account made for it)
  const screen = await (await kiosk(browser, { viewport: { width: 1920, height: 1080 } })).newPage();
  const screenCsp = await cspViolations(screen);
  await screen.goto('/screen');
  await waitLive(screen);
  const marker = screen.locator(`.map [data-unit-id="${unit.id}"]`);
  await expect(marker).toHaveAttribute('data-status', 'available');

  // the dispatcher clicks the map on the patrol point where the unit stands
  const dispatch = await (await loggedIn(browser, 'dispatcher', undefined, { viewport: { width: 1920, height: 1080 } })).newPage();
  const dispatchUrls = recordRequests(dispatch);
  const dispatchCsp = await cspViolations(dispatch);
  await dispatch.goto('/dispatch');
  await waitLive(dispatch);
  const box = await dispatch.locator('.map [data-point="PP01"]').boundingBox();
  expect(box).not.toBeNull();
  await dispatch.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
  await expect(dispatch.locator('input[name="form[lat]"]')).toHaveValue(/^25\.24[78]/);
  // recommended before the incident exists
  await expect(dispatch.locator('.candidate-row').first()).toHaveAttribute('data-unit-id', String(unit.id), { timeout: 3_000 });
  await expect(dispatch.locator('.preview-note')).toBeVisible();
  await dispatch.selectOption('select[name="form[category]"]', 'fight');
  await dispatch.getByRole('button', { name: '登记警情' }).click();
  const detail = dispatch.locator('.incident-detail');
  await expect(detail).toBeVisible();
  const incidentId = await detail.getAttribute('data-incident-id');
  const row = dispatch.locator(`.candidate-row[data-unit-id="${unit.id}"]`);
  await row.locator('button.assign').click();
  await expect(dispatch.locator('.incident-detail .assigned-units')).toContainText(unit.callsign);
  await expect(marker).toHaveAttribute('data-status', 'dispatched', { timeout: 2_000 });
  await snap(dispatch, info, 'loop-dispatch-assigned');

  // the officer's phone shows the assignment and moves it along
  const phone = await (await officerFor(browser, request, unit.callsign, { viewport: PHONE })).newPage();
  const phoneUrls = recordRequests(phone);
  const phoneCsp = await cspViolations(phone);
  await phone.goto(`/unit/${unit.callsign}`);
  await waitLive(phone);
  await expect(phone.locator('.assignment')).toHaveAttribute('data-incident-id', String(incidentId));
  await expect(phone.locator('.assignment .cat')).toHaveText('打架斗殴');
  await expect(phone.locator('.assignment .where')).toContainText('m');
  await snap(phone, info, 'loop-phone-dispatched');
  for (const [to, status] of [['en_route', 'en_route'], ['on_scene', 'on_scene']]) {
    await phone.locator(`button[data-to="${to}"]`).click();
    await expect(phone.locator('.officer-status')).toHaveAttribute('data-status', status);
    await expect(marker).toHaveAttribute('data-status', status, { timeout: 2_000 });
  }
  await snap(phone, info, 'loop-phone-on-scene');
  await phone.locator('button[data-to="resolved"]').click();
  await expect(phone.locator('.assignment.none')).toBeVisible();
  await expect(phone.locator('.officer-status')).toHaveAttribute('data-status', 'available');
  // the wall screen follows: unit free again, incident gone from the open list
  await expect(marker).toHaveAttribute('data-status', 'available', { timeout: 2_000 });
  await expect(screen.locator(`.map [data-incident-id="${incidentId}"]`)).toHaveCount(0, { timeout: 2_000 });
  await snap(phone, info, 'loop-phone-resolved');
  await snap(screen, info, 'loop-screen-after');

  expectSameOrigin(dispatchUrls, baseURL!);
  expectSameOrigin(phoneUrls, baseURL!);
  // the pages ran (hydrated, live) under a CSP without inline script, and it refused nothing
  expect([...screenCsp, ...dispatchCsp, ...phoneCsp], 'Content-Security-Policy violations').toEqual([]);
  // the status log names the people, not the pages
  const log = (await (await request.get(`/api/v1/incidents/${incidentId}`)).json()).timeline as { actor: string; to: string }[];
  expect(log.find((e) => e.to === 'dispatched')?.actor).toBe('dispatcher');
  expect(log.find((e) => e.to === 'resolved')?.actor).toMatch(/^officer-/);
});

test('the phone shares its position through the ingest path and says when it is offline', async ({ browser, request }, info) => {
  const unit = await registerUnit(request, PP01, 'foot');
  const here = { latitude: 25.2533, longitude: 110.2149 };
  const context = await officerFor(browser, request, unit.callsign, { viewport: PHONE, geolocation: here, permissions: ['geolocation'] });
  const phone = await context.newPage();
  await phone.goto(`/unit/${unit.callsign}`);
  await waitLive(phone);
  await phone.locator('button.share').click();
  await expect(phone.locator('.sharing')).toHaveAttribute('data-sharing', 'on', { timeout: 5_000 });
  // the server has the phone's position, as from a tracker
  await expect
    .poll(async () => {
      const units = await (await request.get('/api/v1/units')).json();
      const u = units.find((x: { id: number }) => x.id === unit.id);
      return [Number(u.lat.toFixed(4)), Number(u.lon.toFixed(4))];
    }, { timeout: 5_000 })
    .toEqual([here.latitude, here.longitude]);
  await snap(phone, info, 'phone-sharing');

  const banner = phone.locator('.offline-banner');
  await expect(banner).toBeHidden();
  await context.setOffline(true);
  await expect(banner).toBeVisible();
  await snap(phone, info, 'phone-offline');
  await context.setOffline(false);
  await expect(banner).toBeHidden();
  await context.close();
});

test('English on the phone and the console: every label switches', async ({ browser, request }) => {
  const unit = await registerUnit(request, PP01, 'foot');
  const phone = await (await officerFor(browser, request, unit.callsign, { viewport: PHONE })).newPage();
  await phone.goto(`/unit/${unit.callsign}?lang=en`);
  await waitLive(phone);
  await expect(phone.locator('html')).toHaveAttribute('lang', 'en');
  await expectNoChineseLabels(phone, 'button, .officer-status .label, .officer-status .value, .assignment p, .sharing-state');
  await expect(phone.locator('.officer-foot a')).toHaveText('中文');

  const dispatch = await (await loggedIn(browser, 'dispatcher', undefined, { viewport: { width: 1920, height: 1080 } })).newPage();
  await dispatch.goto('/dispatch?lang=en');
  await waitLive(dispatch);
  await expectNoChineseLabels(dispatch, 'button, label, h2, .shortcuts, .hint, select option, .link-badge');
});

async function expectNoChineseLabels(page: Page, selector: string) {
  const texts = await page.locator(selector).allInnerTexts();
  expect(texts.length).toBeGreaterThan(3);
  const chinese = texts.filter((t) => CJK.test(t));
  expect(chinese, `labels left in Chinese on ${page.url()}`).toEqual([]);
}

test.describe('without JavaScript', () => {
  test('the phone page works with plain forms, each carrying its form token', async ({ browser, request }, info) => {
    const unit = await registerUnit(request, PP01, 'foot');
    const page = await (await officerFor(browser, request, unit.callsign, { viewport: PHONE, javaScriptEnabled: false })).newPage();
    const r = await request.post('/api/v1/incidents', {
      data: { channel: 'phone', category: 'medical', lat: PP01.lat, lon: PP01.lon, address: '金山广场东门', description: '老人晕倒' },
    });
    const incident = await r.json();
    const a = await request.post(`/api/v1/incidents/${incident.id}/assign`, { data: { unit_id: unit.id } });
    expect(a.status()).toBe(200);
    await page.goto(`/unit/${unit.callsign}`);
    await expect(page.locator('.assignment')).toHaveAttribute('data-incident-id', String(incident.id));
    // every status form carries the session's form token (without it the server refuses a plain form)
    const tokens = await page.locator('form.big-form input[name="csrf"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((t) => t.length === 43)).toBe(true);
    await expect(page.locator('.assignment .desc')).toHaveText('老人晕倒');
    await snap(page, info, 'phone-no-js');
    await page.locator('button[data-to="en_route"]').click();
    await expect(page.locator('.officer-status')).toHaveAttribute('data-status', 'en_route');
    await page.locator('button[data-to="on_scene"]').click();
    await page.locator('button[data-to="resolved"]').click();
    await expect(page.locator('.assignment.none')).toBeVisible();
    const after = await (await request.get(`/api/v1/incidents/${incident.id}`)).json();
    expect(after.status).toBe('resolved');
  });
});
