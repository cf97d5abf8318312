import { test, expect } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { DEMO_PASSWORD, KIOSK_TOKEN, NOBODY, snap } from './helpers';

// This test runs its own server (not the shared one) so it can restart it.
const bin = process.env.E2E_SERVER_BIN || '../target/debug/command-room';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function start(port: number, db: string): Promise<ChildProcess> {
  const child = spawn(bin, ['--config', '../config/demo.toml', '--bind', `127.0.0.1:${port}`, '--database', `sqlite://${db}`,
    '--district', '../config/district-lingui.toml', '--site-root', '../target/site', '--no-simulate'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('listening on')) resolve(child); });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

test.use({ storageState: NOBODY });

test('the wall screen comes back live after a server restart, without a reload', async ({ page, request }, info) => {
  const port = await freePort();
  const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'command-room-restart-')), 'restart.db');
  const base = `http://127.0.0.1:${port}`;
  let server = await start(port, db);
  try {
    await page.setViewportSize({ width: 1920, height: 1080 });
    // a wall screen: its token once, a cookie from then on (kept across the restart: sessions are in the database)
    await page.goto(`${base}/screen?token=${KIOSK_TOKEN}`);
    await expect(page).toHaveURL(`${base}/screen`);
    await expect(page.locator('[data-link="live"]')).toBeVisible({ timeout: 15_000 });
    // a mark that a reload would wipe
    await page.evaluate(() => { (window as unknown as { __notReloaded: boolean }).__notReloaded = true; });

    // the server dies; the screen says so, and keeps what it showed
    server.kill('SIGKILL');
    await expect(page.locator('[data-link="reconnecting"]')).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('.link-badge')).toContainText('正在重连');
    expect(await page.locator('.map [data-unit-id]').count()).toBeGreaterThanOrEqual(45);
    await snap(page, info, 'screen-while-server-down');

    // back up on the same port and database, with something new to show
    server = await start(port, db);
    const back = Date.now();
    const login = await request.post(`${base}/api/v1/session`, { data: { name: 'dispatcher', password: DEMO_PASSWORD } });
    expect(login.status()).toBe(200);
    const r = await request.post(`${base}/api/v1/incidents`, {
      data: { channel: 'phone', category: 'fight', lat: 25.248, lon: 110.208, address: 'after the restart' },
    });
    expect(r.status()).toBe(201);
    const incident = await r.json();

    await expect(page.locator('[data-link="live"]')).toBeVisible({ timeout: 5_000 });
    // the screen draws markers on its canvas; the SVG marker (not displayed
    // in the browser) carries the incident's state, and the canvas stamps
    // the last sequence number it drew
    await expect(page.locator(`.map [data-incident-id="${incident.id}"]`)).toBeAttached({ timeout: 5_000 - (Date.now() - back) });
    await expect(page.locator('canvas.live-layer')).toHaveAttribute('data-drawn', /\d+/);
    console.log(`restart: screen live again and current ${Date.now() - back} ms after the server was back`);
    expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    await snap(page, info, 'screen-after-restart');
  } finally {
    server.kill('SIGKILL');
  }
});
