import { test, expect } from '@playwright/test';
import { loggedIn, registerUnit, snap, waitLive } from './helpers';

test('a dispatcher takes a call and sees the nearest unit', async ({ page, request }, info) => {
  const at = { lat: 25.2195, lon: 110.2225 };
  const unit = await registerUnit(request, at, 'ebike');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/dispatch');
  await waitLive(page);
  await page.selectOption('select[name="form[category]"]', 'theft');
  await page.fill('input[name="form[lat]"]', String(at.lat));
  await page.fill('input[name="form[lon]"]', String(at.lon));
  await page.fill('input[name="form[address]"]', '客运站出站口');
  await page.fill('textarea[name="form[description]"]', '<script>alert(1)</script> 电瓶被盗');
  await page.getByRole('button', { name: '登记警情' }).click();
  await expect(page.locator('.intake .ok')).toContainText('已登记警情');
  // the new incident is selected and its best unit is the one standing there
  await expect(page.locator('.candidate-row').first()).toHaveAttribute('data-unit-id', String(unit.id), { timeout: 3_000 });
  await expect(page.locator('.incident-detail .desc')).toHaveText('<script>alert(1)</script> 电瓶被盗');
  await snap(page, info, 'dispatch-new-call');
});

test('a bad coordinate is refused with a clear message', async ({ page }) => {
  await page.goto('/dispatch');
  await waitLive(page);
  await page.fill('input[name="form[lat]"]', '95');
  await page.fill('input[name="form[lon]"]', '110.2');
  await page.getByRole('button', { name: '登记警情' }).click();
  await expect(page.locator('.intake .error')).toContainText('lat must be a finite number between -90 and 90');
});

test('keyboard only: find a place by pinyin initials, take the call, send the first unit', async ({ browser, request }, info) => {
  // a unit of the test's own at 金山广场 (initials jsgc)
  const unit = await registerUnit(request, { lat: 25.248, lon: 110.208 }, 'foot');
  // the demo's dispatcher: the timeline names them
  const page = await (await loggedIn(browser, 'dispatcher')).newPage();
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto('/dispatch');
  await waitLive(page);
  // the time of the first keystroke and of the first recommendation, on the page's clock
  await page.evaluate(() => {
    const w = window as unknown as { __firstKey?: number; __firstRec?: number };
    document.addEventListener('keydown', () => (w.__firstKey ??= performance.now()), { capture: true });
    new MutationObserver(() => {
      if (w.__firstRec === undefined && document.querySelector('.recommendations .candidate-row')) w.__firstRec = performance.now();
    }).observe(document.body, { subtree: true, childList: true });
  });
  await page.keyboard.press('/');
  await expect(page.locator('#place-q')).toBeFocused();
  await page.keyboard.type('jsgc');
  await expect(page.locator('.place-hit').first()).toContainText('金山广场');
  await page.keyboard.press('Enter');
  await expect(page.locator('input[name="form[lat]"]')).toHaveValue('25.248000');
  await expect(page.locator('input[name="form[address]"]')).toHaveValue('金山广场');
  await expect(page.locator('.candidate-row').first()).toHaveAttribute('data-unit-id', String(unit.id));
  const ms = await page.evaluate(() => {
    const w = window as unknown as { __firstKey: number; __firstRec: number };
    return w.__firstRec - w.__firstKey;
  });
  console.log(`latency: first keystroke -> recommended unit on screen: ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(1_000);

  // N: the intake form; Tab to the category, change it, Tab on, Enter submits
  await page.keyboard.press('Escape');
  await page.keyboard.press('n');
  await expect(page.locator('#intake-channel')).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('select[name="form[category]"]')).toHaveValue('fight');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(page.locator('.intake .ok')).toBeVisible();
  const id = await page.locator('.incident-detail').getAttribute('data-incident-id');
  await expect(page.locator('.candidate-row').first().locator('button.assign')).toBeVisible();
  // creating leaves the form: 1 sends the first recommended unit
  await page.keyboard.press('1');
  await expect(page.locator('.incident-detail .assigned-units')).toContainText(unit.callsign);
  const incident = await (await request.get(`/api/v1/incidents/${id}`)).json();
  expect(incident.units).toEqual([unit.id]);
  // the timeline shows the dispatch, by whom
  await expect(page.locator('.timeline')).toContainText(unit.callsign);
  await expect(page.locator('.timeline')).toContainText('dispatcher');
  await snap(page, info, 'dispatch-keyboard-assigned');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('place search, intake and assignment work as plain forms', async ({ page, request }, info) => {
    const unit = await registerUnit(request, { lat: 25.248, lon: 110.208 }, 'foot');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto('/dispatch');
    await page.fill('#place-q', 'jsgc');
    await page.press('#place-q', 'Enter');
    await expect(page).toHaveURL(/place=jsgc/);
    await page.locator('.place-hit a').first().click();
    await expect(page.locator('input[name="form[lat]"]')).toHaveValue('25.248000');
    await expect(page.locator('.candidate-row').first()).toHaveAttribute('data-unit-id', String(unit.id));
    await page.selectOption('select[name="form[category]"]', 'theft');
    await page.getByRole('button', { name: '登记警情' }).click();
    // back on the console; the newest incident is on the list: open it by its link
    const all = await (await request.get('/api/v1/incidents')).json();
    const list = (Array.isArray(all) ? all : all.incidents) as { id: number; category: string }[];
    const id = String(Math.max(...list.filter((i) => i.category === 'theft').map((i) => i.id)));
    await page.locator(`.incident-list [data-incident-id="${id}"] a`).click();
    await expect(page.locator('.incident-detail')).toHaveAttribute('data-incident-id', id);
    await page.locator(`.candidate-row[data-unit-id="${unit.id}"] button.assign`).click();
    await expect(page.locator('.incident-detail .assigned-units')).toContainText(unit.callsign);
    const incident = await (await request.get(`/api/v1/incidents/${id}`)).json();
    expect(incident.units).toEqual([unit.id]);
    await snap(page, info, 'dispatch-no-js-assigned');
  });
});
