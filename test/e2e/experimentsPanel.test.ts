// The experiments panel in a real VS Code (code-server + Chromium): opened from a multi-selection in the Runs tree
// on fixture runs, its canvases drawn with one line per run and metric, live points appended while a run runs,
// legible after a switch to a light and to a high-contrast theme, a CSP that blocks a script without the page's
// nonce, and the panel restored after a window reload.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { runPaths } from '../../src/core/runs/record';
import { layoutFor } from '../../src/core/workspace/layout';
import { initStore } from '../../src/core/workspace/root';
import { metricLines, writeRun } from '../unit/charts/fixtures';
import { e2eSuite, waitUntil, type VsCode } from './harness';
import { drawnState, panelFrame as findPanelFrame, reloadWindow, useColorTheme, type DrawnState } from './panels';

const RUNS = ['alpha', 'beta', 'gamma'];

async function fixtureWorkspace(scratch: string): Promise<string> {
  const root = path.join(scratch, 'charts');
  await fs.mkdir(root, { recursive: true });
  const layout = await initStore(root);
  // gamma stays "running" for the whole suite: its owner pid is this test process
  for (const [i, id] of RUNS.entries()) {
    await writeRun(layout, id, { params: { lr: [0.1, 0.01, 0.01][i], layers: 2 }, status: id === 'gamma' ? 'running' : 'completed', metricLines: metricLines(200, 0, i + 1) });
  }
  return root;
}

interface PanelState extends DrawnState {
  series: number;
  points: number;
  swatch: string;
}

const panelFrame = (vs: VsCode) => findPanelFrame(vs, 'the experiments panel webview', '.charts');

async function panelState(frame: Frame): Promise<PanelState> {
  const drawn = await drawnState(frame);
  const swatch = await frame.evaluate(() => (document.querySelector('.swatch') as HTMLElement | null)?.style.background ?? '');
  return { ...drawn, series: Number(drawn.dataset.series ?? 0), points: Number(drawn.dataset.points ?? 0), swatch };
}

// the browser reports colours as rgb(): HSL lightness is the mean of the largest and smallest channel
function lightness(rgb: string): number {
  const channels = (rgb.match(/\d+/g) ?? []).slice(0, 3).map(Number);
  return (Math.max(...channels) + Math.min(...channels)) / 2 / 255;
}

e2eSuite('experiments panel', { workspace: fixtureWorkspace }, (test) => {
  let frame: Frame;

  test('"Compare in Chart" on three selected runs draws one line per run and metric', async (vs) => {
    await vs.openViewContainer('Lathe');
    await vs.waitForTreeItem('Runs', 'run-gamma');
    // Control+click selects without opening the run's details (a plain click opens them)
    for (const run of RUNS) await (await vs.treeRow('Runs', `run-${run}`)).click({ modifiers: ['Control'] });
    await vs.contextMenu('Runs', 'run-gamma', 'Compare in Chart');
    await vs.waitForEditorTab(/Experiments \(3 runs\)/);
    frame = await panelFrame(vs);
    const state = await waitUntil('both charts drawn', async () => {
      const s = await panelState(frame);
      return s.series === 6 && s.drawn === 2 ? s : undefined;
    });
    assert.equal(state.canvases, 2, 'one chart per metric (acc, loss)');
    assert.equal(state.points, 6 * 200, 'short series are sent whole');
    const table = await frame.evaluate(() => Array.from(document.querySelectorAll('thead th')).map((th) => [th.textContent, th.className]));
    assert.deepEqual(table.map(([label]) => label), ['Run', 'Status', 'layers', 'lr', 'acc', 'loss']);
    assert.equal(table.find(([label]) => label === 'lr')![1], 'differs');
    assert.equal(table.find(([label]) => label === 'layers')![1], '');
    assert.match(state.bodyClass, /vscode-dark/);
    await vs.screenshot('experiments-panel-dark');
  });

  test('points appended by a running run arrive without reloading the panel', async (vs) => {
    const before = await panelState(frame);
    await frame.evaluate(() => ((window as unknown as { __sameLoad: boolean }).__sameLoad = true));
    await fs.appendFile(runPaths(layoutFor(vs.workspace), 'gamma').metrics, metricLines(25, 200, 9).map((l) => `${l}\n`).join(''));
    await waitUntil('the appended points plotted', async () => (await panelState(frame)).points === before.points + 2 * 25);
    assert.equal(await frame.evaluate(() => (window as unknown as { __sameLoad?: boolean }).__sameLoad), true, 'the page was not reloaded');
  });

  test('hovering a chart highlights the nearest run and shows its value; leaving it clears both', async (vs) => {
    const canvas = frame.locator('canvas').first();
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: box.width * 0.6, y: box.height * 0.4 } });
    const tip = frame.locator('.chart-tip').first();
    const text = await waitUntil('the tooltip shown', async () => ((await tip.isVisible()) ? tip.textContent() : undefined));
    const hovered = text!.match(/^(run-(?:alpha|beta|gamma)): -?\d[\d.e+-]* \(step \d+\)$/)?.[1];
    assert.ok(hovered, `tooltip text ${text}`);
    const highlighted = await frame.locator('.legend-item.highlighted').evaluateAll((els) => els.map((e) => `run-${(e as HTMLElement).dataset.runId}`));
    assert.deepEqual(highlighted, [hovered], 'the legend highlights the hovered run');
    await vs.screenshot('experiments-panel-hover');
    await frame.locator('.table-section').hover();
    await waitUntil('the tooltip and highlight gone', async () => !(await tip.isVisible()) && (await frame.locator('.legend-item.highlighted').count()) === 0);
  });

  test('dragging a box zooms the chart in; "Reset zoom" shows every step again', async () => {
    const canvas = frame.locator('canvas').first();
    const range = async () => ((await canvas.getAttribute('data-x-range')) ?? '').split(' ').map(Number);
    const [min, max] = await waitUntil('the drawn x range', async () => ((await range()).length === 2 ? range() : undefined));
    const box = (await canvas.boundingBox())!;
    // a drag across the middle half of the plot (chartjs-plugin-zoom's drag-to-zoom)
    await canvas.hover({ position: { x: box.width * 0.35, y: box.height * 0.3 } });
    await frame.page().mouse.down();
    await canvas.hover({ position: { x: box.width * 0.65, y: box.height * 0.6 } });
    await frame.page().mouse.up();
    const [zoomedMin, zoomedMax] = await waitUntil('the chart zoomed in', async () => {
      const [a, b] = await range();
      return a > min && b < max ? [a, b] : undefined;
    });
    assert.ok(zoomedMax - zoomedMin < (max - min) / 2, `zoomed to ${zoomedMin}..${zoomedMax} of ${min}..${max}`);
    await frame.getByRole('button', { name: 'Reset zoom' }).click();
    await waitUntil('the full range again', async () => (await range()).join() === [min, max].join());
  });

  test('switching to a light theme restyles the charts with darker run colours', async (vs) => {
    const dark = await panelState(frame);
    await useColorTheme(vs);
    const light = await waitUntil('the webview in the light theme', async () => {
      const s = await panelState(frame);
      return /vscode-light/.test(s.bodyClass) ? s : undefined;
    });
    assert.ok(lightness(dark.swatch) > 0.5, `dark theme swatch ${dark.swatch}`);
    assert.ok(lightness(light.swatch) < 0.5, `light theme swatch ${light.swatch}`);
    await vs.screenshot('experiments-panel-light');
  });

  test('in a high-contrast theme the lines are brighter still, on black', async (vs) => {
    await useColorTheme(vs, 'Dark High Contrast');
    const hc = await waitUntil('the webview in the high-contrast theme, drawn', async () => {
      const s = await panelState(frame);
      return /vscode-high-contrast/.test(s.bodyClass) && s.drawn === 2 ? s : undefined;
    });
    assert.ok(lightness(hc.swatch) > 0.6, `high-contrast swatch ${hc.swatch}`);
    await vs.screenshot('experiments-panel-high-contrast');
  });

  test('the CSP blocks a script without the nonce (and runs one with it)', async () => {
    const result = await frame.evaluate(async () => {
      const w = window as unknown as { __withoutNonce?: boolean; __withNonce?: boolean };
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const bad = document.createElement('script');
      bad.textContent = 'window.__withoutNonce = true';
      document.body.append(bad);
      const good = document.createElement('script');
      good.nonce = (document.querySelector('script[nonce]') as HTMLScriptElement).nonce;
      good.textContent = 'window.__withNonce = true';
      document.body.append(good);
      await new Promise((r) => setTimeout(r, 100));
      return { withoutNonce: w.__withoutNonce === true, withNonce: w.__withNonce === true, violations };
    });
    assert.equal(result.withoutNonce, false, 'a script without the nonce ran');
    assert.equal(result.withNonce, true, 'the control script with the nonce did not run');
    assert.ok(result.violations.some((d) => d.startsWith('script-src')), JSON.stringify(result.violations));
  });

  test('the panel is restored with its runs after a window reload', async (vs) => {
    await reloadWindow(vs);
    await vs.waitForEditorTab(/Experiments \(3 runs\)/);
    const restored = await waitUntil('the restored panel drawn', async () => {
      const frame = await panelFrame(vs);
      const s = await panelState(frame);
      return s.series === 6 && s.drawn === 2 ? s : undefined;
    }, 60_000);
    assert.equal(restored.canvases, 2);
  });
});
