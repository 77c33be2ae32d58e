// The model versions panel in a real VS Code (code-server + Chromium) on a fixture registry: a base model trained by
// a run on a dataset version, a quantized child, a distilled child and its LoRA child (real ONNX files). Opened from
// the palette's multi-pick and from the Models tree; bar charts drawn with a bar per version and recorded metric, the
// lineage graph drawn in SVG with its nodes and edges, legible in dark and light themes, restored after a reload.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { addDataset } from '../../src/core/data';
import { buildMlp, saveModel } from '../../src/core/onnx';
import { registerModel } from '../../src/core/registry';
import { initStore } from '../../src/core/workspace/root';
import { writeRun } from '../unit/charts/fixtures';
import { e2eSuite, waitUntil, type VsCode } from './harness';
import { drawnState, panelFrame as findPanelFrame, reloadWindow, useColorTheme, type DrawnState } from './panels';

async function fixtureWorkspace(scratch: string): Promise<string> {
  const root = path.join(scratch, 'models');
  await fs.mkdir(path.join(root, 'data'), { recursive: true });
  const layout = await initStore(root);
  await fs.copyFile(path.join(__dirname, '..', 'unit', 'data', 'fixtures', 'iris.csv'), path.join(root, 'data', 'iris.csv'));
  await addDataset(layout, path.join(root, 'data', 'iris.csv'), { name: 'iris' });
  await writeRun(layout, 'train-1', { params: { lr: 0.01 } });
  const mlp = async (file: string, seed: number, hidden: number[]) => {
    const target = path.join(root, file);
    await saveModel(buildMlp({ inputSize: 4, hidden, outputSize: 3, seed }), target);
    return target;
  };
  await registerModel(layout, await mlp('base.onnx', 1, [64, 64]), { name: 'clf', run: 'train-1', datasets: ['iris'], metrics: { accuracy: 0.95, latency_ms: 3.1 } });
  await registerModel(layout, await mlp('int8.onnx', 2, [64, 64]), { name: 'clf-int8', parent: 'clf@v1', technique: 'quantize', metrics: { accuracy: 0.94, latency_p50_ms: 1.2 } });
  await registerModel(layout, await mlp('small.onnx', 3, [16]), { name: 'clf-small', parent: 'clf@v1', technique: 'distill', metrics: { top1: 0.91, latency_ms: 0.8 } });
  await registerModel(layout, await mlp('lora.onnx', 4, [16]), { name: 'clf-small', parent: 'clf-small@v1', technique: 'lora', metrics: { top1: 0.92 } });
  return root;
}

interface ModelsPanelState extends DrawnState {
  svgNodes: number;
  svgEdges: number;
}

const panelFrame = (vs: VsCode) => findPanelFrame(vs, 'the model versions webview', 'section.graph');

async function panelState(frame: Frame): Promise<ModelsPanelState> {
  const graph = await frame.evaluate(() => ({ svgNodes: document.querySelectorAll('svg g.node').length, svgEdges: document.querySelectorAll('svg g.edge path').length }));
  return { ...(await drawnState(frame)), ...graph };
}

e2eSuite('model versions panel', { workspace: fixtureWorkspace }, (test) => {
  let frame: Frame;

  test('"Compare Model Versions" from the palette: bars per version and metric, lineage with runs and datasets', async (vs) => {
    await vs.runCommand('Lathe: Compare Model Versions');
    await vs.quickInput.waitOpen();
    // in a multi-pick, clicking a row ticks it; the filter keeps the ticks
    for (const [i, ref] of ['clf@v1', 'clf-int8@v1', 'clf-small@v1'].entries()) {
      await vs.quickInput.pick(ref, ref);
      await waitUntil(`${i + 1} selected`, async () => ((await vs.quickInput.widget.locator('.quick-input-count').textContent()) ?? '').includes(`${i + 1} Selected`));
    }
    await vs.quickInput.input.press('Enter');
    await vs.waitForEditorTab(/Model Versions \(3\)/);
    frame = await panelFrame(vs);
    const state = await waitUntil('four bar charts drawn and the graph', async () => {
      const s = await panelState(frame);
      return s.canvases === 4 && s.drawn === 4 && s.svgNodes > 0 ? s : undefined;
    });
    // size 3 + parameters 3 + latency 3 (latency_ms or latency_p50_ms) + accuracy 3 (accuracy or top1)
    assert.equal(state.dataset.bars, '12');
    // iris@v1 → train-1 → clf@v1 → {clf-int8@v1, clf-small@v1 → clf-small@v2}
    assert.deepEqual([state.svgNodes, state.svgEdges], [6, 5]);
    assert.deepEqual([state.dataset.graphNodes, state.dataset.graphEdges], ['6', '5']);
    const labels = await frame.evaluate(() => Array.from(document.querySelectorAll('svg g.node text.label')).map((t) => t.textContent).sort());
    assert.deepEqual(labels, ['clf-int8@v1', 'clf-small@v1', 'clf-small@v2', 'clf@v1', 'iris@v1', 'run-train-1']);
    const edgeLabels = await frame.evaluate(() => Array.from(document.querySelectorAll('svg g.edge text')).map((t) => t.textContent).sort());
    assert.deepEqual(edgeLabels, ['distill', 'lora', 'produced', 'quantize', 'trained on']);
    assert.equal(await frame.evaluate(() => document.querySelectorAll('svg g.node.selected').length), 3);
    assert.match(state.bodyClass, /vscode-dark/);
    await vs.screenshot('models-panel-dark');
  });

  test('from the Models tree, a model compares all its versions', async (vs) => {
    await vs.openViewContainer('Lathe');
    await vs.contextMenu('Models', 'clf-small', 'Compare Model Versions');
    await vs.waitForEditorTab(/Model Versions \(2\)/);
    const state = await waitUntil('the two versions drawn', async () => {
      const s = await panelState(frame);
      return s.dataset.bars === '7' && s.drawn === 4 ? s : undefined;
    });
    // v2 (lora) records no latency: 2 + 2 + 1 + 2 bars, and the gap is named
    assert.equal(state.dataset.bars, '7');
    const note = await frame.evaluate(() => document.querySelector('.warnings')?.textContent ?? '');
    assert.match(note, /no latency metric .* for clf-small@v2/);
  });

  test('in a light theme the charts and the graph redraw legibly', async (vs) => {
    await useColorTheme(vs);
    const light = await waitUntil('the webview in the light theme, drawn', async () => {
      const s = await panelState(frame);
      return /vscode-light/.test(s.bodyClass) && s.drawn === 4 ? s : undefined;
    });
    const labelColour = await frame.evaluate(() => getComputedStyle(document.querySelector('svg g.node text.label')!).fill);
    const channels = (labelColour.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    assert.ok(Math.max(...channels) < 128, `node labels are dark on a light background: ${labelColour}`);
    assert.ok(light.svgNodes > 0);
    await vs.screenshot('models-panel-light');
  });

  test('the panel is restored with its versions after a window reload', async (vs) => {
    await reloadWindow(vs);
    await vs.waitForEditorTab(/Model Versions \(2\)/);
    const restored = await waitUntil('the restored panel drawn', async () => {
      const s = await panelState(await panelFrame(vs));
      return s.drawn === 4 && s.svgNodes > 0 ? s : undefined;
    }, 60_000);
    assert.equal(restored.dataset.bars, '7');
  });
});
