// The sweep panel in a real VS Code (code-server + Chromium) on a fixture sweep of 24 trials (6 pruned): opened from
// the palette's quick pick of sweeps and from a run's context menu, every chart drawn with a line or point per
// trial, the objective switched from the toolbar, legible in dark and light themes, restored after a reload.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { initStore } from '../../src/core/workspace/root';
import { writeRun, writeSweep } from '../unit/charts/fixtures';
import { e2eSuite, waitUntil, type VsCode } from './harness';
import { drawnState, panelFrame as findPanelFrame, reloadWindow, useColorTheme, type DrawnState } from './panels';

const TRIALS = 24;
const PRUNED = 6;
const PARAMS = 4; // dropout, layers, lr, optimizer

async function fixtureWorkspace(scratch: string): Promise<string> {
  const root = path.join(scratch, 'sweep');
  await fs.mkdir(root, { recursive: true });
  const layout = await initStore(root);
  await writeSweep(layout, 'lr-search', TRIALS);
  // the newest run, so it is at the top of the Runs tree
  await writeRun(layout, 'other-1', { tags: ['sweep:other'], params: { lr: 0.1 }, createdAt: '2027-01-01T00:00:00.000Z', metricLines: ['{"step":0,"loss":1}'] });
  return root;
}

interface SweepPanelState extends DrawnState {
  summary: string;
  title: string;
  objective: string;
}

const panelFrame = (vs: VsCode) => findPanelFrame(vs, 'the sweep panel webview', 'canvas[data-chart="parallel"]');

async function panelState(frame: Frame): Promise<SweepPanelState> {
  const texts = await frame.evaluate(() => ({
    summary: document.querySelector('.summary')?.textContent ?? '',
    title: document.querySelector('h1')?.textContent ?? '',
    objective: (document.querySelector('select[title="Objective metric"]') as HTMLSelectElement | null)?.value ?? '',
  }));
  return { ...(await drawnState(frame)), ...texts };
}

e2eSuite('sweep panel', { workspace: fixtureWorkspace }, (test) => {
  let frame: Frame;

  test('"Show Sweep" from the palette lists the sweeps and draws every chart of the picked one', async (vs) => {
    await vs.runCommand('Lathe: Show Sweep');
    await vs.quickInput.waitOpen();
    // the quick pick opens before its items arrive
    await waitUntil('both sweeps listed', async () => {
      const items = await vs.quickInput.items();
      if (items.join() !== 'lr-search,other') throw new Error(`listed: ${JSON.stringify(items)}`);
      return true;
    });
    await vs.quickInput.pick('lr-search');
    await vs.waitForEditorTab(/Sweep lr-search/);
    frame = await panelFrame(vs);
    const charts = 4 + PARAMS; // parallel, history, intermediate, importance, one scatter per parameter
    const state = await waitUntil('every sweep chart drawn', async () => {
      const s = await panelState(frame);
      return s.canvases === charts && s.drawn === charts ? s : undefined;
    });
    assert.deepEqual(
      {
        parallelLines: state.dataset.parallelLines,
        parallelAxes: state.dataset.parallelAxes,
        historyPoints: state.dataset.historyPoints,
        intermediateSeries: state.dataset.intermediateSeries,
        prunedMarked: state.dataset.prunedMarked,
        importanceBars: state.dataset.importanceBars,
        scatterCharts: state.dataset.scatterCharts,
        scatterPoints: state.dataset.scatterPoints,
      },
      {
        parallelLines: String(TRIALS),
        parallelAxes: String(PARAMS + 1),
        historyPoints: String(TRIALS - PRUNED),
        intermediateSeries: String(TRIALS),
        prunedMarked: String(PRUNED),
        importanceBars: String(PARAMS),
        scatterCharts: String(PARAMS),
        scatterPoints: String(PARAMS * TRIALS),
      },
    );
    assert.match(state.summary, new RegExp(`^${TRIALS} trials, ${PRUNED} pruned\\. Best: #\\d+ run-lr-search-\\d+, loss = `));
    assert.equal(state.objective, 'loss');
    const note = await frame.evaluate(() => Array.from(document.querySelectorAll('.note')).map((n) => n.textContent).join('\n'));
    assert.match(note, /fANOVA main effects/);
    assert.match(state.bodyClass, /vscode-dark/);
    await vs.screenshot('sweep-panel-dark');
    await frame.evaluate(() => document.querySelector('canvas[data-chart="importance"]')!.scrollIntoView());
    await vs.screenshot('sweep-panel-dark-importance-scatter');
    await frame.evaluate(() => window.scrollTo(0, 0));
  });

  test('choosing another objective metric redraws with its goal', async () => {
    await frame.selectOption('select[title="Objective metric"]', 'acc');
    const state = await waitUntil('the panel on acc', async () => {
      const s = await panelState(frame);
      return s.summary.includes('acc = ') ? s : undefined;
    });
    assert.equal(await frame.evaluate(() => (document.querySelector('select[title="Goal"]') as HTMLSelectElement).value), 'maximize');
    assert.equal(state.dataset.parallelLines, String(TRIALS));
  });

  test('"Show Sweep" on a run of a sweep opens that sweep', async (vs) => {
    await vs.openViewContainer('Lathe');
    await vs.contextMenu('Runs', 'run-other-1', 'Show Sweep');
    await vs.waitForEditorTab(/Sweep other/);
    const state = await waitUntil('the other sweep drawn', async () => {
      const s = await panelState(frame);
      return s.title === 'Sweep other' && s.drawn > 0 ? s : undefined;
    });
    assert.equal(state.dataset.parallelLines, '1');
    const note = await frame.evaluate(() => Array.from(document.querySelectorAll('.note')).map((n) => n.textContent).join('\n'));
    assert.match(note, /No importances: needs at least 4 unpruned trials/);
  });

  test('in a light theme the panel redraws with the light palette', async (vs) => {
    await vs.runCommand('Lathe: Show Sweep');
    await vs.quickInput.pick('lr-search');
    await waitUntil('back on lr-search', async () => (await panelState(frame)).title === 'Sweep lr-search');
    await useColorTheme(vs);
    const light = await waitUntil('the webview in the light theme, drawn', async () => {
      const s = await panelState(frame);
      return /vscode-light/.test(s.bodyClass) && s.drawn === s.canvases && s.canvases > 0 ? s : undefined;
    });
    assert.equal(light.dataset.parallelLines, String(TRIALS));
    await vs.screenshot('sweep-panel-light');
  });

  test('the panel is restored on its sweep after a window reload', async (vs) => {
    await reloadWindow(vs);
    await vs.waitForEditorTab(/Sweep lr-search/);
    const restored = await waitUntil('the restored sweep panel drawn', async () => {
      const s = await panelState(await panelFrame(vs));
      return s.canvases > 0 && s.drawn === s.canvases ? s : undefined;
    }, 60_000);
    assert.equal(restored.dataset.parallelLines, String(TRIALS));
  });
});
