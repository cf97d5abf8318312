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

/**
 * Starts recording, in the page, when (wall clock, ms) each element matching
 * `selector` first appears or first gets `attr` = `value`. The browser and
 * the test runner share this machine's clock, so the times compare with
 * `Date.now()` in the test.
 */
export async function watch(page: Page, selector: string, attr?: string, value?: string): Promise<void> {
  await page.evaluate(([selector, attr, value]) => {
    const w = window as unknown as { __seen: Record<string, number> };
    w.__seen = {};
    const scan = () => {
      for (const el of document.querySelectorAll(selector)) {
        const key = el.getAttribute('data-incident-id') || el.getAttribute('data-unit-id') || '';
        if (key in w.__seen) continue;
        if (!attr || el.getAttribute(attr) === value) w.__seen[key] = Date.now();
      }
    };
    scan();
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, [selector, attr ?? '', value ?? ''] as const);
}

/** When (wall clock, ms) `key` was seen by `watch`. */
export async function seenAt(page: Page, key: string | number): Promise<number> {
  return page.evaluate((k) => (window as unknown as { __seen: Record<string, number> }).__seen[k], String(key));
}
