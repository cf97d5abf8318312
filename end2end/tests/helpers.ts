import { APIRequestContext, Browser, BrowserContext, BrowserContextOptions, Page, expect, TestInfo } from '@playwright/test';

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

/** The demo's published password and wall-screen token (config/demo.toml). */
export const DEMO_PASSWORD = 'jinshui-night-2026';
export const KIOSK_TOKEN = 'crt_demo-wall-screen-lingui-2026-not-a-secret-0';

/** Nobody's cookies: a browser that has not logged in. */
export const NOBODY = { cookies: [], origins: [] };

/** A browser context logged in as `name` (an account that exists). */
export async function loggedIn(browser: Browser, name: string, password = DEMO_PASSWORD, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ ...options, storageState: NOBODY });
  const r = await ctx.request.post('/api/v1/session', { data: { name, password } });
  expect(r.status(), `${name} logs in: ${await r.text()}`).toBe(200);
  return ctx;
}

let accounts = 0;
/**
 * A new officer account bound to `callsign` (made by the administrator on
 * the admin page's server function), and a browser logged in as them.
 */
export async function officerFor(browser: Browser, request: APIRequestContext, callsign: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  accounts += 1;
  const name = `officer-${Date.now() % 100000}-${accounts}`;
  const r = await request.post('/sf/admin_add_user', {
    form: { 'form[name]': name, 'form[role]': 'officer', 'form[station]': '', 'form[unit]': callsign, 'form[password]': DEMO_PASSWORD },
  });
  expect(r.status(), await r.text()).toBe(200);
  return loggedIn(browser, name, DEMO_PASSWORD, options);
}

/** A wall screen's browser: the kiosk token exchanged for its cookie. */
export async function kiosk(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ ...options, storageState: NOBODY });
  const page = await ctx.newPage();
  await page.goto(`/screen?token=${KIOSK_TOKEN}`);
  await expect(page).toHaveURL(/\/screen$/);
  await page.close();
  return ctx;
}

/**
 * Collects the page's Content-Security-Policy violations (and console
 * messages about them): a page that needs a script the policy forbids
 * shows up here.
 */
export async function cspViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) seen.push(m.text()); });
  await page.exposeFunction('__cspViolation', (v: string) => seen.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation: (v: string) => void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return seen;
}
