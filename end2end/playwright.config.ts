import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// scripts/test.sh picks a free port and passes it in; workers inherit it.
const port = Number(process.env.E2E_PORT || 3917);
// a second server, the same demo with ETAs routed on the district's roads
const roadsPort = Number(process.env.E2E_ROADS_PORT || port + 1);
const serverBin = process.env.E2E_SERVER_BIN || '../target/debug/command-room';
const dbDir = process.env.E2E_DB_DIR || fs.mkdtempSync(path.join(os.tmpdir(), 'command-room-e2e-'));

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  // one server for the run; each test makes its own incidents and units
  workers: 1,
  retries: 0,
  outputDir: 'test-results',
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's chromium: never a downloaded browser
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [
    // logs the demo's administrator in once; every test starts as them
    // unless it opens a context as someone else (helpers.ts)
    { name: 'setup', testMatch: /auth\.setup\.ts/, use: { browserName: 'chromium' } },
    {
      name: 'chromium',
      dependencies: ['setup'],
      use: { browserName: 'chromium', storageState: '.auth/admin.json' },
    },
  ],
  webServer: [
    {
      // the demo's configuration: its accounts (one per role, the published
      // password) and its wall-screen token; the rest set by flags (the
      // straight-line model: these tests place units anywhere, off any road)
      command: `${serverBin} --config ../config/demo.toml --bind 127.0.0.1:${port} --database sqlite://${dbDir}/e2e.db ` +
        `--district ../config/district-lingui.toml --site-root ../target/site --no-simulate --roads straight-line`,
      url: `http://127.0.0.1:${port}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // the same, routing ETAs along the district file's roads (roads.spec.ts)
      command: `${serverBin} --config ../config/demo.toml --bind 127.0.0.1:${roadsPort} --database sqlite://${dbDir}/e2e-roads.db ` +
        `--district ../config/district-lingui.toml --site-root ../target/site --no-simulate --roads district`,
      url: `http://127.0.0.1:${roadsPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
