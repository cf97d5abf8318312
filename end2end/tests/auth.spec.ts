import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, KIOSK_TOKEN, NOBODY, cspViolations, loggedIn, recordRequests, snap, waitLive } from './helpers';

// Logging in as each role, logging out, a locked account, the login and
// a status form without JavaScript, the admin page, a page one's role may
// not open: as people use them, in a browser that starts logged out.
test.use({ storageState: NOBODY });

/** Every URL a page asked for stays on the server's own origin. */
function sameOrigin(urls: string[], base: string) {
  const host = new URL(base).host;
  expect(urls.filter((u) => new URL(u).host !== host), 'requests that left the server').toEqual([]);
}

const ROLES: [string, RegExp, string][] = [
  ['admin', /\/admin$/, '管理员'],
  ['chief', /\/review$/, '所长'],
  ['dispatcher', /\/dispatch$/, '调度员'],
  ['steward', /\/desk$/, '群管家'],
  // the demo's officer is bound to the first station's first car
  ['officer', /\/unit\/JS-C1$/, '巡逻民警'],
];

for (const [name, home, role] of ROLES) {
  test(`the ${name} logs in and lands on their own page`, async ({ page, baseURL }, info) => {
    await page.setViewportSize(name === 'officer' ? { width: 390, height: 844 } : { width: 1600, height: 1000 });
    const csp = await cspViolations(page);
    const urls = recordRequests(page);
    await page.goto('/login');
    await page.fill('input[name="name"]', name);
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await page.click('button.login-button');
    await expect(page).toHaveURL(home);
    await expect(page.locator('.session-bar .session-name')).toHaveText(name);
    await expect(page.locator('.session-bar .session-role')).toHaveText(role);
    if (name !== 'admin' && name !== 'chief') await waitLive(page);
    await snap(page, info, `home-${name}`);
    expect(csp, 'Content-Security-Policy violations').toEqual([]);
    sameOrigin(urls, baseURL!);
  });
}

test('a page asks for a login first and comes back to it; logging out ends the session', async ({ page }, info) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/dispatch?lang=en');
  await expect(page).toHaveURL(/\/login\?next=%2Fdispatch%3Flang%3Den$/);
  await snap(page, info, 'login-page');
  await page.fill('input[name="name"]', 'dispatcher');
  await page.fill('input[name="password"]', DEMO_PASSWORD);
  await page.click('button.login-button');
  await expect(page).toHaveURL(/\/dispatch\?lang=en$/);
  await waitLive(page);
  await page.click('button.logout-button');
  await expect(page).toHaveURL(/\/login\?out=1$/);
  await expect(page.locator('.login-note')).toContainText('已退出登录');
  // the old session opens nothing any more
  await page.goto('/dispatch');
  await expect(page).toHaveURL(/\/login\?next=/);
  const r = await page.request.get('/api/v1/units');
  expect(r.status()).toBe(401);
});

test('five wrong passwords lock the account, and the page says so', async ({ browser, page }, info) => {
  const admin = await loggedIn(browser, 'admin');
  const name = `locked-${Date.now() % 100000}`;
  const made = await admin.request.post('/sf/admin_add_user', {
    form: { 'form[name]': name, 'form[role]': 'dispatcher', 'form[station]': '', 'form[unit]': '', 'form[password]': DEMO_PASSWORD },
  });
  expect(made.status(), await made.text()).toBe(200);
  await page.setViewportSize({ width: 1200, height: 800 });
  for (let i = 1; i <= 4; i++) {
    await page.goto('/login');
    await page.fill('input[name="name"]', name);
    await page.fill('input[name="password"]', 'not the password');
    await page.click('button.login-button');
    await expect(page.locator('.login-error')).toHaveText('用户名或密码错误。');
  }
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="password"]', 'not the password');
  await page.click('button.login-button');
  await expect(page.locator('.login-locked')).toContainText('账号已锁定');
  // the right password does not open it
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="password"]', DEMO_PASSWORD);
  await page.click('button.login-button');
  await expect(page.locator('.login-locked')).toContainText('需管理员解锁');
  await expect(page).toHaveURL(/error=locked/);
  await snap(page, info, 'login-locked');
  // the admin page shows it locked, with the unlock button
  const adminPage = await admin.newPage();
  await adminPage.setViewportSize({ width: 1600, height: 1000 });
  await adminPage.goto('/admin');
  const row = adminPage.locator(`tr[data-user="${name}"]`);
  await expect(row.locator('.user-state')).toContainText('已锁定');
  await row.locator('button[data-action="unlock"]').click();
  await expect(adminPage.locator('.admin-result')).toContainText('unlocked');
  await expect(row.locator('.user-state')).not.toContainText('已锁定');
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="password"]', DEMO_PASSWORD);
  await page.click('button.login-button');
  await expect(page).toHaveURL(/\/dispatch$/);
});

test('without JavaScript: the login form and a dispatch form work, each with its form token', async ({ browser, baseURL }, info) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, storageState: NOBODY, viewport: { width: 1600, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto('/login?next=%2Fdispatch');
  const token = await page.locator('form.login-form input[name="csrf"]').getAttribute('value');
  expect(token?.length).toBe(43);
  await page.fill('input[name="name"]', 'dispatcher');
  await page.fill('input[name="password"]', DEMO_PASSWORD);
  await page.click('button.login-button');
  await expect(page).toHaveURL(`${baseURL}/dispatch`);
  // the intake form carries the session's token (another than the login's)
  const formToken = await page.locator('form.intake-form input[name="csrf"]').getAttribute('value');
  expect(formToken?.length).toBe(43);
  expect(formToken).not.toBe(token);
  await page.selectOption('select[name="form[category]"]', 'noise');
  await page.fill('input[name="form[lat]"]', '25.2480');
  await page.fill('input[name="form[lon]"]', '110.2080');
  await page.fill('input[name="form[address]"]', 'e2e 无脚本 登记');
  await page.click('form.intake-form button[type="submit"]');
  await expect(page).toHaveURL(/\/dispatch/);
  await expect(page.locator('.incident-list')).toContainText('e2e 无脚本 登记');
  await snap(page, info, 'dispatch-nojs-after-create');
  await ctx.close();
});

test('a role opens only its own pages: the refusal is a page that says why', async ({ browser }, info) => {
  const dispatcher = await loggedIn(browser, 'dispatcher');
  const page = await dispatcher.newPage();
  await page.setViewportSize({ width: 1200, height: 800 });
  const r = await page.goto('/admin');
  expect(r?.status()).toBe(403);
  await expect(page.locator('.refused-panel h1')).toContainText('无权访问');
  await expect(page.locator('.refused-panel')).toContainText('a dispatcher may not administer');
  await snap(page, info, 'refused-admin');
  const steward = await (await loggedIn(browser, 'steward')).newPage();
  expect((await steward.goto('/screen'))?.status()).toBe(403);
  expect((await steward.goto('/review'))?.status()).toBe(403);
});

test('the wall screen opens with its token and shows no one logged in', async ({ browser }, info) => {
  const ctx = await browser.newContext({ storageState: NOBODY, viewport: { width: 1920, height: 1080 } });
  const page = await ctx.newPage();
  const csp = await cspViolations(page);
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await page.goto(`/screen?token=${KIOSK_TOKEN}`);
  await expect(page).toHaveURL(/\/screen$/);
  await waitLive(page);
  await expect(page.locator('.session-bar')).toHaveCount(0);
  expect(csp).toEqual([]);
  await snap(page, info, 'kiosk-screen');
  // the screen's stream leaves out the chat groups' messages: a message
  // posted now is a gap in its numbers the page expects, not a reason to
  // reconnect (one websocket, still live, a heartbeat later)
  const admin = await loggedIn(browser, 'admin');
  const posted = await admin.request.post('/api/v1/chat/messages', {
    data: { group_id: 'jsl-shops-01', group_name: '群', message_id: `kiosk-${Date.now()}`, sender_name: '张',
      text: '门口有人吵架', sent_at: new Date().toISOString() },
  });
  expect(posted.status()).toBe(201);
  const made = await admin.request.post('/api/v1/incidents', { data: { channel: 'phone', category: 'noise', lat: 25.248, lon: 110.208 } });
  const incident = await made.json();
  await expect(page.locator(`.map [data-incident-id="${incident.id}"]`)).toBeAttached({ timeout: 5_000 });
  await expect(page.locator('[data-link="live"]')).toBeVisible();
  expect(sockets, 'one stream, never reopened').toHaveLength(1);
  // a wall screen is read-only: it cannot take a call
  const r = await page.request.post('/api/v1/incidents', { data: { channel: 'phone', category: 'noise', lat: 25.248, lon: 110.208 } });
  expect(r.status()).toBe(403);
  await ctx.close();
});

test('the admin page makes a token, shows it once, and lists the audit log', async ({ browser }, info) => {
  const admin = await loggedIn(browser, 'admin', undefined, { viewport: { width: 1600, height: 1100 } });
  const page = await admin.newPage();
  const csp = await cspViolations(page);
  await page.goto('/admin');
  await expect(page.locator('tr[data-user="dispatcher"]')).toBeVisible();
  await expect(page.locator('tr[data-token="demo-wall-screen"]')).toBeVisible();
  const name = `tracker-${Date.now() % 100000}`;
  const form = page.locator('form.new-token-form');
  await form.locator('input[name="form[name]"]').fill(name);
  await form.locator('select[name="form[role]"]').selectOption('tracker');
  await form.locator('input[name="form[units]"]').fill('JS-C2');
  await form.locator('button[type="submit"]').click();
  const shown = page.locator('.new-token .token-value');
  await expect(shown).toHaveText(/^crt_.{43}$/);
  const token = await shown.textContent();
  await expect(page.locator(`tr[data-token="${name}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-token="${name}"]`)).not.toContainText(token!.slice(8));
  // the token works for its unit
  const units = await (await admin.request.get('/api/v1/units')).json();
  const c2 = units.find((u: { callsign: string }) => u.callsign === 'JS-C2');
  const r = await admin.request.post('/api/v1/positions', {
    headers: { authorization: `Bearer ${token}` },
    data: [{ unit_id: c2.id, lat: 25.25, lon: 110.21, at: new Date().toISOString() }],
  });
  expect((await r.json()).accepted).toBe(1);
  // the audit log: the token's making, filtered
  await page.goto(`/admin?action=token_created#audit`);
  await expect(page.locator('.audit-table tbody tr').first()).toContainText(name);
  await snap(page, info, 'admin-page');
  expect(csp).toEqual([]);
});
