import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The wall-screen benchmark (scripts/screen-bench.sh): not part of the normal
// suite. A fresh database, no simulator; the benchmark makes its own load.
const port = Number(process.env.E2E_PORT || 3918);
const serverBin = process.env.E2E_SERVER_BIN || '../target/debug/command-room';
const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'command-room-bench-'));

export default defineConfig({
  testDir: './bench',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  outputDir: 'bench-results',
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `${serverBin} --bind 127.0.0.1:${port} --database sqlite://${dbDir}/bench.db ` +
      `--district ../config/district-lingui.toml --site-root ../target/site --no-simulate`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
