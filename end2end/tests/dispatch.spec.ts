import { test, expect } from '@playwright/test';
import { registerUnit, snap, waitLive } from './helpers';

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
