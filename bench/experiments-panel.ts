// The experiments panel with 100 runs x 10,000 steps (two metrics each): time and memory of building the snapshot in
// core, and time to first paint of the real webview bundle in headless Chromium, where a stub acquireVsCodeApi
// answers `initialized` with the snapshot core builds at that moment (the extension host's part, measured inside).
// Goal: first paint under 1 s. LATHE_BENCH_SCALE=0.1 shrinks the runs' length for a smoke run.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { ExperimentsData, FIRST_PAINT_BUDGET_MS } from '../src/core/charts';
import type { StoreLayout } from '../src/core/workspace/layout';
import { initStore } from '../src/core/workspace/root';
import { panelHtml } from '../src/extension/panels/html';
import { DEFAULT_SERIES_OPTIONS } from '../src/shared/messages';
import { metricLines, writeRun } from '../test/unit/charts/fixtures';

const SCALE = Number(process.env.LATHE_BENCH_SCALE ?? '1');
const RUNS = 100;
const STEPS = Math.max(10, Math.round(10_000 * SCALE));
const ORIGIN = 'https://lathe-bench.invalid';
const projectRoot = path.resolve(__dirname, '..');
const MB = 1024 * 1024;

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function coreSnapshot(data: ExperimentsData) {
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const snapshot = await data.snapshot();
  const ms = performance.now() - t0;
  const json = JSON.stringify(snapshot);
  return { snapshot, json, ms, heapDeltaMB: (process.memoryUsage().heapUsed - heapBefore) / MB };
}

async function firstPaint(layout: StoreLayout, ids: string[]) {
  const browser = await chromium.launch({ executablePath: process.env.LATHE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const nonce = 'benchNonce0123456789';
    const html = panelHtml({ title: 'Experiments', cspSource: ORIGIN, nonce, scriptUri: `${ORIGIN}/experiments.js`, styleUri: `${ORIGIN}/experiments.css` });
    // the stub stands in for VS Code and the panel: on `initialized` it asks core (in this process) for the snapshot
    // a fresh panel sends (what can be read within the first-paint budget), then for the update with the other runs
    const stub = `<script nonce="${nonce}">
      const paint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()))));
      window.acquireVsCodeApi = () => ({
        async postMessage(m) {
          if (m.type !== 'initialized') return;
          window.__initializedAt = performance.now();
          window.postMessage(JSON.parse(await window.__latheSnapshot(m.maxPoints)), '*');
          window.__firstPaintAt = await paint();
          const rest = await window.__latheRest();
          if (rest) window.postMessage(JSON.parse(rest), '*');
          window.__completePaintAt = await paint();
        },
        getState() { return undefined; },
        setState() {},
      });
    </script>`;
    let panelData: ExperimentsData | undefined;
    let maxPoints = 0;
    let firstRuns = 0;
    await page.exposeFunction('__latheSnapshot', async (width: number) => {
      maxPoints = width;
      panelData = new ExperimentsData(layout, ids, { ...DEFAULT_SERIES_OPTIONS, maxPoints: width });
      const snapshot = await panelData.snapshot(FIRST_PAINT_BUDGET_MS);
      firstRuns = snapshot.runs.length;
      return JSON.stringify(snapshot);
    });
    await page.exposeFunction('__latheRest', async () => {
      const update = await panelData!.update();
      return update ? JSON.stringify(update) : null;
    });
    await page.route(`${ORIGIN}/**`, async (route) => {
      const name = new URL(route.request().url()).pathname.slice(1);
      if (name === 'panel.html') return route.fulfill({ contentType: 'text/html', body: html.replace('<body>', `<body class="vscode-dark">${stub}`) });
      const body = await fs.readFile(path.join(projectRoot, 'dist', 'webviews', path.basename(name)));
      return route.fulfill({ contentType: name.endsWith('.css') ? 'text/css' : 'text/javascript', body });
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${ORIGIN}/panel.html`);
    await page.waitForFunction(() => (window as unknown as { __completePaintAt?: number }).__completePaintAt !== undefined, undefined, { timeout: 120_000 });
    if (errors.length) throw new Error(`webview errors: ${errors.join('; ')}`);
    const measured = await page.evaluate(() => {
      const w = window as unknown as { __initializedAt: number; __firstPaintAt: number; __completePaintAt: number };
      const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith('experiments.js')) as PerformanceResourceTiming | undefined;
      return {
        firstPaintMs: w.__firstPaintAt,
        completePaintMs: w.__completePaintAt,
        initializedMs: w.__initializedAt,
        scriptLoadedMs: script?.responseEnd ?? null,
        series: Number(document.body.dataset.series),
        plottedPoints: Number(document.body.dataset.points),
        charts: document.querySelectorAll('canvas').length,
        webviewHeapMB: memory ? memory.usedJSHeapSize / (1024 * 1024) : null,
      };
    });
    return { ...measured, runsInFirstPaint: firstRuns, maxPointsPerSeries: maxPoints };
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('build failed');
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lathe-bench-'));
  try {
    const layout = await initStore(root);
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = `bench-${String(i).padStart(3, '0')}`;
      ids.push(id);
      await writeRun(layout, id, { params: { lr: (i + 1) / 1000, layers: 2 + (i % 3) }, metricLines: metricLines(STEPS, 0, i + 1) });
    }
    // warm up on other runs' data: a panel opens in an extension host whose code is already compiled
    await new ExperimentsData(layout, ids.slice(0, 5), { ...DEFAULT_SERIES_OPTIONS }).snapshot();
    const data = new ExperimentsData(layout, ids, { ...DEFAULT_SERIES_OPTIONS, maxPoints: 1000 });
    const cold = await coreSnapshot(data);
    const rssMB = process.memoryUsage().rss / MB;
    data.options.smoothing = 0.6;
    const optionChange = await coreSnapshot(data);
    const paint = await firstPaint(layout, ids);
    const result = {
      bench: 'experiments-panel',
      scale: SCALE,
      // other processes on the machine inflate every time here: the load average says how busy it was
      machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: os.loadavg()[0] },
      workload: { runs: RUNS, stepsPerRun: STEPS, metricsPerRun: 2 },
      core: {
        coldSnapshotMs: cold.ms,
        heapDeltaMB: cold.heapDeltaMB,
        rssMB,
        snapshotBytes: cold.json.length,
        series: cold.snapshot.series.length,
        optionChangeSnapshotMs: optionChange.ms,
      },
      webview: paint,
      goalMs: 1000,
      note:
        'webview times are from the page navigation start: firstPaintMs = the first snapshot (runs read within the budget) drawn; completePaintMs = all runs drawn. coldSnapshotMs: every run read and parsed once; optionChangeSnapshotMs: the same with metrics already read (smoothing/axis changes). scriptLoadedMs includes serving the bundle through playwright routing.',
    };
    process.stderr.write(
      `cold snapshot ${cold.ms.toFixed(0)} ms, option change ${optionChange.ms.toFixed(0)} ms; first paint ${paint.firstPaintMs.toFixed(0)} ms (${paint.runsInFirstPaint} runs), all runs ${paint.completePaintMs.toFixed(0)} ms\n`,
    );
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
