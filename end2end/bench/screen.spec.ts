/**
 * Wall-screen benchmark (run by scripts/screen-bench.sh, not by the normal
 * suite). Registers BENCH_UNITS units (default 2,000) and BENCH_INCIDENTS open
 * incidents (default 300) through the REST API, moves every unit once a second
 * through POST /api/v1/positions, opens /screen and then, for BENCH_SECONDS
 * (default 10), pans and zooms with real input (wheel, drag, keys) while
 * counting requestAnimationFrame frames and long animation frames. Meanwhile
 * it measures, for every `positions` message, the time from its arrival at
 * the page's websocket to the canvas frame that draws it; and it reports
 * which scripts the long animation frames spent their time in.
 *
 * Prints one JSON line `BENCH {...}` and fails if the targets are missed:
 * ≥ 30 frames/s while panning and zooming, updates drawn within 100 ms (p95).
 */
import { test, expect } from '@playwright/test';

const UNITS = Number(process.env.BENCH_UNITS || 2000);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS || 300);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const WIDTH = Number(process.env.BENCH_WIDTH || 1920);
const HEIGHT = Number(process.env.BENCH_HEIGHT || 1080);
const KINDS = ['car', 'motorbike', 'ebike', 'foot', 'foot', 'ebike'];
const STATIONS = ['JSL', 'RS', 'RMR', 'SDFL'];
const SW = [25.208, 110.162];
const NE = [25.272, 110.238];

/** A small deterministic generator, so every run moves the same way. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function pool<T>(items: T[], n: number, f: (t: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await f(items[i++]);
  }));
}

function pct(xs: number[], p: number) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

test('wall screen: 2,000 moving units, 300 open incidents, pan and zoom', async ({ page, baseURL, browser }) => {
  const base = baseURL!;
  const rand = rng(20251123);
  const post = async (path: string, body: unknown) => {
    const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const stations: string[] = await fetch(base + '/api/v1/units').then((r) => r.json()).then((us: { station: string }[]) => [...new Set(us.map((u) => u.station))]);
  const codes = stations.length ? stations : STATIONS;

  // 1. the fleet and the incidents
  const t0 = Date.now();
  const units: { id: number; lat: number; lon: number; dlat: number; dlon: number }[] = [];
  await pool([...Array(UNITS).keys()], 8, async (i) => {
    const lat = SW[0] + rand() * (NE[0] - SW[0]);
    const lon = SW[1] + rand() * (NE[1] - SW[1]);
    const u = await post('/api/v1/units', {
      callsign: `B${String(i).padStart(4, '0')}`, kind: KINDS[i % KINDS.length], force: 'police',
      station: codes[i % codes.length], status: 'available', lat, lon,
    });
    units.push({ id: u.id, lat, lon, dlat: (rand() - 0.5) * 1e-4, dlon: (rand() - 0.5) * 1e-4 });
  });
  await pool([...Array(INCIDENTS).keys()], 8, async () => {
    await post('/api/v1/incidents', {
      channel: 'phone', category: 'dispute', address: 'bench', description: 'bench',
      lat: SW[0] + rand() * (NE[0] - SW[0]), lon: SW[1] + rand() * (NE[1] - SW[1]),
    });
  });
  console.log(`setup: ${UNITS} units and ${INCIDENTS} incidents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 2. every unit moves once a second (two batches, as trackers would send them)
  let moving = true;
  let rounds = 0;
  const mover = (async () => {
    while (moving) {
      const started = Date.now();
      const at = new Date().toISOString();
      for (const u of units) {
        u.lat += u.dlat; u.lon += u.dlon;
        if (u.lat < SW[0] || u.lat > NE[0]) u.dlat = -u.dlat;
        if (u.lon < SW[1] || u.lon > NE[1]) u.dlon = -u.dlon;
      }
      const half = Math.ceil(units.length / 2);
      for (const part of [units.slice(0, half), units.slice(half)]) {
        await post('/api/v1/positions', { positions: part.map((u) => ({ unit_id: u.id, lat: u.lat, lon: u.lon, at })) });
      }
      rounds++;
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();

  // 3. the page, instrumented: a positions message's arrival at the page's
  // websocket → the canvas frame that draws it (the live layer stamps
  // `data-drawn` with the last sequence number it drew)
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    const pending: { seq: number; t: number }[] = [];
    const frame: number[] = [];
    w.__bench = { frame, messages: 0 };
    const Native = window.WebSocket;
    class Watched extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e: MessageEvent) => {
          if (typeof e.data !== 'string') return;
          const head = e.data.slice(0, 200);
          if (!head.includes('"type":"positions"')) return;
          const m = /"seq":(\d+)/.exec(head);
          if (!m) return;
          (w.__bench as { messages: number }).messages++;
          const t = performance.now();
          pending.push({ seq: Number(m[1]), t });
        });
      }
    }
    window.WebSocket = Watched as unknown as typeof WebSocket;
    const start = () => {
      const canvas = document.querySelector('canvas.live-layer');
      if (!canvas) return setTimeout(start, 50);
      new MutationObserver(() => {
        const drawn = Number(canvas.getAttribute('data-drawn'));
        const now = performance.now();
        while (pending.length && pending[0].seq <= drawn) frame.push(now - pending.shift()!.t);
      }).observe(canvas, { attributes: true, attributeFilter: ['data-drawn'] });
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
  });
  await page.setViewportSize({ width: WIDTH, height: HEIGHT });
  await page.goto('/screen');
  await expect(page.locator('[data-link="live"]')).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => page.locator('.map [data-unit-id]').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(UNITS);
  await expect.poll(() => page.locator('.map [data-incident-id]').count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(INCIDENTS);
  // let a few position rounds arrive before measuring
  await expect.poll(() => page.evaluate(() => (window as unknown as { __bench: { messages: number } }).__bench.messages), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  const nodes = await page.evaluate(() => document.querySelectorAll('svg.map *').length);

  // 4. pan and zoom for SECONDS, counting frames
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const frames: number[] = [];
    const long: number[] = [];
    w.__frames = frames;
    w.__long = long;
    const scripts: Record<string, { n: number; ms: number; max: number }> = {};
    w.__scripts = scripts;
    w.__benchStart = performance.now();
    w.__domStart = (w.__bench as { frame: number[] }).frame.length;
    const tick = (ts: number) => { frames.push(ts); if (!w.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    try {
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) {
          long.push(e.duration);
          // where the long frames' script time went, by what invoked it
          for (const sc of ((e as unknown as { scripts?: { invoker: string; duration: number }[] }).scripts ?? [])) {
            const k = (scripts[sc.invoker] ??= { n: 0, ms: 0, max: 0 });
            k.n++; k.ms += sc.duration; k.max = Math.max(k.max, sc.duration);
          }
        }
      }).observe({ type: 'long-animation-frame', buffered: false });
    } catch {
      new PerformanceObserver((l) => { for (const e of l.getEntries()) long.push(e.duration); })
        .observe({ type: 'longtask', buffered: false });
    }
  });
  // BENCH_TRACE=1: a Chromium trace of the gesture phase, summarised by event
  const tracing = !!process.env.BENCH_TRACE;
  // BENCH_TRACE_CATEGORIES=a,b: other trace categories (e.g. viz,cc,gpu for the compositor's side)
  const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline',
    ...(process.env.BENCH_TRACE_CATEGORIES ?? '').split(',').filter((c) => c)];
  if (tracing) await browser.startTracing(page, { categories });
  // BENCH_PROFILE=1 (or =path.cpuprofile): a sampling CPU profile of the page's scripts (wasm
  // functions by name when the bundle keeps its name section), by self time
  const profiling = !!process.env.BENCH_PROFILE;
  const cdp = profiling ? await page.context().newCDPSession(page) : undefined;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const box = (await page.locator('svg.map').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const end = Date.now() + SECONDS * 1000;
  let gestures = 0;
  while (Date.now() < end) {
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -120);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(cx - i * 15, cy - i * 8);
    await page.mouse.up();
    for (const k of ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp']) await page.keyboard.press(k);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 120);
    gestures++;
  }
  const r = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    w.__stop = true;
    const frames = w.__frames as number[];
    const elapsed = performance.now() - (w.__benchStart as number);
    const gaps = frames.slice(1).map((t, i) => t - frames[i]);
    const b = w.__bench as { dom: number[]; frame: number[]; messages: number };
    return { frames: frames.length, elapsed, gaps, long: w.__long as number[], frame: b.frame.slice(w.__domStart as number), messages: b.messages, scripts: w.__scripts };
  });
  moving = false;
  await mover;
  if (cdp) {
    type Node = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] } };
    // BENCH_PROFILE=path.cpuprofile also keeps the profile (Chrome DevTools opens it)
    if ((process.env.BENCH_PROFILE ?? '').endsWith('.cpuprofile')) (await import('node:fs')).writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
    const self = new Map<number, number>();
    profile.samples.forEach((id, k) => self.set(id, (self.get(id) || 0) + (profile.timeDeltas[k] || 0) / 1000));
    const byName = new Map<string, number>();
    for (const n of profile.nodes) {
      const name = n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()})`;
      byName.set(name, (byName.get(name) || 0) + (self.get(n.id) || 0));
    }
    console.log('PROFILE (self ms by function)');
    for (const [name, ms] of [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${ms.toFixed(0).padStart(8)}  ${name.slice(0, 160)}`);
  }
  if (tracing) {
    const raw = (await browser.stopTracing()).toString();
    // BENCH_TRACE_FILE=path: keep the whole trace (chrome://tracing, Perfetto)
    if (process.env.BENCH_TRACE_FILE) (await import('node:fs')).writeFileSync(process.env.BENCH_TRACE_FILE, raw);
    const trace = JSON.parse(raw) as { traceEvents: { name: string; dur?: number; tid: number; pid: number }[] };
    const byName = new Map<string, number>();
    for (const e of trace.traceEvents) if (e.dur) byName.set(e.name, (byName.get(e.name) || 0) + e.dur / 1000);
    const top = [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    console.log('TRACE (total ms by event, nested events counted in their parents too)');
    for (const [name, ms] of top) console.log(`  ${ms.toFixed(0).padStart(8)}  ${name}`);
  }

  const fps = (r.frames / r.elapsed) * 1000;
  const result = {
    viewport: `${WIDTH}x${HEIGHT}`, units: UNITS, incidents: INCIDENTS, svg_nodes: nodes, seconds: +(r.elapsed / 1000).toFixed(1),
    gestures, position_rounds_sent: rounds,
    fps: +fps.toFixed(1),
    frame_ms_p50: +pct(r.gaps, 50).toFixed(1), frame_ms_p95: +pct(r.gaps, 95).toFixed(1), frame_ms_max: +Math.max(...r.gaps).toFixed(1),
    long_frames: r.long.length, long_frame_ms_max: r.long.length ? +Math.max(...r.long).toFixed(0) : 0,
    updates_measured: r.frame.length,
    update_to_frame_ms_p50: +pct(r.frame, 50).toFixed(1), update_to_frame_ms_p95: +pct(r.frame, 95).toFixed(1),
    update_to_frame_ms_max: +Math.max(...r.frame).toFixed(1),
  };
  console.log('BENCH ' + JSON.stringify(result));
  console.log('long-frame scripts by invoker: ' + JSON.stringify(r.scripts));
  expect(r.frame.length, 'position updates were measured while panning').toBeGreaterThanOrEqual(SECONDS - 2);
  if (!process.env.BENCH_NO_ASSERT) {
    expect(result.fps, 'frames per second while panning and zooming').toBeGreaterThanOrEqual(30);
    expect(result.update_to_frame_ms_p95, 'position update drawn (p95, ms)').toBeLessThanOrEqual(100);
  }
});
