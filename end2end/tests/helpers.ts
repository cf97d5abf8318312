import { APIRequestContext, Page, expect, TestInfo } from '@playwright/test';

export const JINSHAN = { lat: 25.248, lon: 110.208 };

/** Creates an incident through the REST API and returns it. */
export async function createIncident(request: APIRequestContext, body: Record<string, unknown>) {
  const r = await request.post('/api/v1/incidents', {
    data: { channel: 'phone', category: 'dispute', address: 'e2e', description: 'e2e', ...body },
  });
  expect(r.status(), await r.text()).toBe(201);
  return r.json();
}

let counter = 0;
/** Registers an available unit standing at a point, so a test owns it. */
export async function registerUnit(request: APIRequestContext, at: { lat: number; lon: number }, kind = 'foot') {
  counter += 1;
  const callsign = `E2E-${Date.now() % 100000}-${counter}`;
  const r = await request.post('/api/v1/units', {
    data: { callsign, kind, force: 'police', station: 'JSL', status: 'available', ...at },
  });
  expect(r.status(), await r.text()).toBe(201);
  return r.json();
}

/** Waits until the page says it is live (hydrated and streaming). */
export async function waitLive(page: Page) {
  await expect(page.locator('[data-link="live"]')).toBeVisible({ timeout: 15_000 });
}

export async function snap(page: Page, info: TestInfo, name: string) {
  const file = info.outputPath(`${name}.png`);
  await page.screenshot({ path: file });
  await info.attach(name, { path: file, contentType: 'image/png' });
}

/** Every request a page makes, including websockets. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('websocket', (ws) => urls.push(ws.url()));
  return urls;
}
