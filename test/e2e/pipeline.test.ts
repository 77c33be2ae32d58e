// The pipeline language in a real VS Code (code-server + Chromium): the language server's diagnostics in the
// Problems panel, a quick fix from the light bulb, completion of stage names, hover and go to definition, the
// grammar's highlighting of `${{ }}`, the code lenses that run a stage and show the DAG, and the language
// configuration (line comments), and the code lens that runs a sweep. One session; the tests run in order and build
// on each other's edits, on three files: `broken.lathe.yaml` (errors), `lathe.yaml` (a valid pipeline of real
// `node -e` stages) and `sweep.lathe.yaml` (a grid sweep over a real `node` script).
import assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { initStore } from '../../src/core/workspace/root';
import { e2eSuite, UI_TIMEOUT_MS, waitUntil, type VsCode } from './harness';
import { drawnState, panelFrame } from './panels';

const BROKEN = `version: 1
stages:
  prepare:
    cmd: python3 prepare.py
  train:
    cmd: python3 train.py
    neds: [prepare]
  evaluate:
    cmd: python3 evaluate.py
    needs: [trian]
  a:
    cmd: python3 a.py
    needs: [b]
  b:
    cmd: python3 b.py
    needs: [a]
`;

/** A stage command: a real process writing `text` to `file` (a plain YAML scalar: it must not start with a quote). */
const write = (file: string, text: string) => `${process.execPath} -e "require('fs').writeFileSync('${file}', '${text}')"`;

const PIPELINE = `version: 1
params: { factor: 3 }
stages:
  prepare:
    cmd: ${write('prepared.txt', 'rows')}
    outs: [prepared.txt]
  train:
    cmd: ${write('model.txt', 'factor ${{ params.factor }}')}
    deps: [prepared.txt]
    outs: [model.txt]
  report:
    cmd: ${write('report.txt', 'done')}
    needs: []
    outs: [report.txt]
`;

/** A trial: reads its param from the environment as a run gets it and reports score = lr² as a metric line. */
const FIT = `const lr = Number(process.env.LATHE_PARAM_LR);
if (JSON.parse(process.env.LATHE_PARAMS).lr !== lr) throw new Error('LATHE_PARAMS and LATHE_PARAM_LR disagree');
console.log('::lathe-metric::' + JSON.stringify({ step: 1, score: lr * lr }));
`;

// a grid of 3 run one at a time: deterministic order, trials lr-grid-1..3
const SWEEP_PIPELINE = `version: 1
params: { lr: 0 }
stages:
  fit:
    cmd: ${process.execPath} fit.js
    params: [lr]
sweeps:
  lr-grid:
    stage: fit
    method: grid
    metric: { name: score, goal: maximize }
    parameters:
      lr: { values: [1, 2, 3] }
    parallel: 1
`;

async function pipelineWorkspace(scratch: string): Promise<string> {
  const root = path.join(scratch, 'pipeline');
  await fs.mkdir(root, { recursive: true });
  await initStore(root);
  await fs.writeFile(path.join(root, 'broken.lathe.yaml'), BROKEN);
  await fs.writeFile(path.join(root, 'lathe.yaml'), PIPELINE);
  await fs.writeFile(path.join(root, 'sweep.lathe.yaml'), SWEEP_PIPELINE);
  await fs.writeFile(path.join(root, 'fit.js'), FIT);
  return root;
}

/** Opens a workspace file through Quick Open (F1 without the `>` prefix searches files). */
async function openFile(vs: VsCode, name: string): Promise<void> {
  await vs.closeQuickInput();
  await vs.page.keyboard.press('F1');
  await vs.quickInput.pick(name, name);
  await vs.quickInput.waitClosed();
  await waitUntil(`the editor of ${name} focused`, async () => {
    const active = vs.page.locator('.editor-group-container.active .tab.active');
    return ((await active.getAttribute('aria-label')) ?? '').startsWith(name) && (await editor(vs).locator('textarea').evaluate((e) => e === document.activeElement));
  });
}

function editor(vs: VsCode) {
  return vs.page.locator('.editor-group-container.active .monaco-editor').first();
}

/** Moves the cursor to a 1-based line and column (Quick Open's `:line:column`). */
async function goTo(vs: VsCode, line: number, column: number): Promise<void> {
  await vs.page.keyboard.press('F1');
  await vs.quickInput.type(`:${line}:${column}`);
  await vs.quickInput.input.press('Enter');
  await vs.quickInput.waitClosed();
}

interface Marker {
  message: string;
  code: string;
  /** `Ln 7, Col 5` as the panel shows it. */
  at: string;
}

/** The diagnostics the Problems panel lists (file rows left out). */
async function markers(vs: VsCode): Promise<Marker[]> {
  await vs.problems();
  return vs.page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) =>
    rows
      .filter((row) => row.querySelector('.marker-message') !== null)
      .map((row) => ({
        message: (row.querySelector('.marker-message')?.textContent ?? '').trim(),
        code: (row.querySelector('.marker-code')?.textContent ?? '').trim(),
        at: (row.querySelector('.marker-line')?.textContent ?? '').replace(/[[\]]/g, '').trim(),
      })),
  );
}

async function waitForMarkers(vs: VsCode, count: number): Promise<Marker[]> {
  return waitUntil(`${count} diagnostics in the Problems panel`, async () => {
    const all = await markers(vs);
    if (all.length !== count) throw new Error(`problems: ${JSON.stringify(all)}`);
    return all;
  });
}

/** The text of the active editor's rendered lines, top to bottom (Monaco renders spaces as no-break spaces). */
async function editorLines(vs: VsCode): Promise<string[]> {
  const lines = await editor(vs).locator('.view-line').evaluateAll((els) =>
    els.map((e) => ({ top: e.getBoundingClientRect().top, text: (e.textContent ?? '').replace(/\u00a0/g, ' ') })),
  );
  return lines.sort((a, b) => a.top - b.top).map((l) => l.text);
}

/** The code lens links with this title, top to bottom (the editor scrolled to its top first). */
async function lenses(vs: VsCode, title: string) {
  await goTo(vs, 1, 1);
  const links = editor(vs).locator('.codelens-decoration a', { hasText: new RegExp(`^${title}$`) });
  await links.first().waitFor({ timeout: UI_TIMEOUT_MS });
  const tops = await links.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
  return tops.map((top, i) => ({ top, link: links.nth(i) })).sort((a, b) => a.top - b.top).map((l) => l.link);
}

e2eSuite('pipeline language', { workspace: pipelineWorkspace }, (test) => {
  test('a broken pipeline shows its diagnostics at their lines in the Problems panel', async (vs) => {
    await openFile(vs, 'broken.lathe.yaml');
    assert.deepEqual(await waitForMarkers(vs, 4), [
      { message: "unknown key 'neds' in 'train'; did you mean 'needs'?", code: 'unknown-key', at: 'Ln 7, Col 5' },
      { message: "stage 'evaluate' needs unknown stage 'trian'", code: 'unknown-stage', at: 'Ln 10, Col 13' },
      { message: 'dependency cycle: a → b → a', code: 'cycle', at: 'Ln 13, Col 13' },
      { message: 'dependency cycle: b → a → b', code: 'cycle', at: 'Ln 16, Col 13' },
    ]);
    // the squiggles sit in the editor too, one per diagnostic
    // (the editor paints its decorations a frame after the Problems panel lists them)
    await waitUntil('4 squiggles in the editor', async () => (await editor(vs).locator('.squiggly-error').count()) === 4);
    await vs.screenshot('pipeline-problems');
  });

  test("the light bulb's quick fix corrects the typo and its diagnostic goes away", async (vs) => {
    await editor(vs).click();
    await goTo(vs, 7, 6);
    await vs.page.keyboard.press('Control+.');
    const fixes = vs.page.locator('.action-widget .monaco-list-row.action');
    await fixes.first().waitFor({ timeout: UI_TIMEOUT_MS });
    const expectedFixes = ["Change to 'needs'", "Ignore 'unknown-key' on this line"];
    await waitUntil('both quick fixes listed', async () => {
      const listed = await fixes.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      if (JSON.stringify(listed) !== JSON.stringify(expectedFixes)) throw new Error(`listed: ${JSON.stringify(listed)}`);
      return true;
    });
    await vs.screenshot('pipeline-quick-fix');
    // the action widget takes its choice from the keyboard (a pointer block covers it right after it opens)
    assert.equal(await vs.page.locator('.action-widget .monaco-list-row.action.focused').getAttribute('aria-label'), "Change to 'needs'", 'the preferred fix is focused');
    await vs.page.keyboard.press('Enter');
    await waitUntil('line 7 corrected', async () => (await editorLines(vs))[6] === '    needs: [prepare]');
    const left = await waitForMarkers(vs, 3);
    assert.deepEqual(left.map((m) => m.code), ['unknown-stage', 'cycle', 'cycle']);
    await vs.runCommand('File: Save');
    await waitUntil('the fix saved', async () => readFileSync(path.join(vs.workspace, 'broken.lathe.yaml'), 'utf8').split('\n')[6] === '    needs: [prepare]');
  });

  test('completion inside `needs: [ ]` offers the other stages', async (vs) => {
    await openFile(vs, 'lathe.yaml');
    await goTo(vs, 13, 13);
    await vs.page.keyboard.press('Control+Space');
    const rows = vs.page.locator('.suggest-widget .monaco-list-row');
    const labels = await waitUntil('stage names suggested', async () => {
      const all = await rows.evaluateAll((els) => els.map((e) => (e.querySelector('.label-name')?.textContent ?? '').trim()));
      return all.length ? all : undefined;
    });
    assert.deepEqual([...labels].sort(), ['prepare', 'train'], 'a stage cannot need itself');
    await vs.screenshot('pipeline-completion');
    await rows.filter({ has: vs.page.locator('.label-name', { hasText: /^train$/ }) }).click();
    await waitUntil('the stage name inserted', async () => (await editorLines(vs))[12] === '    needs: [train]');
  });

  test("hover shows an expression's value and F12 jumps from a need to its stage", async (vs) => {
    const factor = editor(vs).locator('.view-line', { hasText: 'model.txt' }).first().locator('span > span', { hasText: /^factor$/ });
    await factor.hover();
    const hover = vs.page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').first();
    await hover.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.match(await hover.innerText(), /^params\.factor = 3\b/);
    await vs.screenshot('pipeline-hover');
    await vs.page.keyboard.press('Escape');
    await goTo(vs, 13, 14);
    await vs.page.keyboard.press('F12');
    await waitUntil('the cursor on the stage train', async () => (await vs.statusBarItems()).includes('Ln 7, Col 3') || undefined);
  });

  test('`${{ }}` expressions are highlighted apart from the string around them', async (vs) => {
    const line = editor(vs).locator('.view-line', { hasText: 'model.txt' }).first();
    const tokens = await line.locator('span > span').evaluateAll((els) => els.map((e) => ({ text: (e.textContent ?? '').trim(), cls: e.className })));
    const context = tokens.find((t) => t.text === 'params');
    const string = tokens.find((t) => t.text.includes('writeFileSync'));
    assert.ok(context && string, JSON.stringify(tokens));
    assert.notEqual(context.cls, string.cls, JSON.stringify(tokens));
  });

  test('the "Run stage" lens runs the stage and what it needs as tracked runs', async (vs) => {
    const [, train] = await lenses(vs, 'Run stage');
    await train.click();
    await vs.waitForNotification('Lathe: pipeline finished: 2 ran');
    assert.equal(readFileSync(path.join(vs.workspace, 'prepared.txt'), 'utf8'), 'rows');
    assert.equal(readFileSync(path.join(vs.workspace, 'model.txt'), 'utf8'), 'factor 3');
    assert.ok(!existsSync(path.join(vs.workspace, 'report.txt')), 'report is not needed by train');
    // the run saved the edit made by completion
    assert.match(readFileSync(path.join(vs.workspace, 'lathe.yaml'), 'utf8'), /needs: \[train\]/);
    await vs.openViewContainer('Lathe');
    await waitUntil('both stages completed in the Runs tree', async () => {
      const items = await vs.treeItems('Runs');
      const groups = items.filter((i) => i.level === 1).map((i) => `${i.label} ${i.description}`);
      const names = items.filter((i) => i.level === 2).map((i) => i.label).sort();
      if (groups.join() !== 'Completed 2' || names.join() !== 'prepare,train') throw new Error(JSON.stringify(items));
      return true;
    });
    await vs.screenshot('pipeline-run-stage');
  });

  test('the "Show DAG" lens opens a picture of the DAG', async (vs) => {
    const [showDag] = await lenses(vs, 'Show DAG');
    await showDag.click();
    await vs.waitForEditorTab(/pipeline-dag\.svg/);
    const svg = readFileSync(path.join(vs.workspace, '.lathe/tmp/pipeline-dag.svg'), 'utf8');
    for (const stage of ['prepare', 'train', 'report']) assert.match(svg, new RegExp(`>${stage}<`));
    await waitUntil('the picture rendered in the image preview', async () => {
      for (const frame of vs.page.frames()) {
        const width = await frame.evaluate(() => (document.querySelector('img') as HTMLImageElement | null)?.naturalWidth ?? 0).catch(() => 0);
        if (width > 0) return true;
      }
      return undefined;
    });
    await vs.screenshot('pipeline-dag');
  });

  test('Toggle Line Comment comments a line with # (the language configuration is loaded)', async (vs) => {
    await openFile(vs, 'broken.lathe.yaml');
    await goTo(vs, 4, 5);
    await vs.page.keyboard.press('Control+/');
    await waitUntil('line 4 commented out', async () => (await editorLines(vs))[3] === '    # cmd: python3 prepare.py');
  });

  test('the "Run sweep" lens runs every trial of the grid as a run and the sweep panel draws them', async (vs) => {
    await openFile(vs, 'sweep.lathe.yaml');
    const [runSweep] = await lenses(vs, 'Run sweep');
    await runSweep.click();
    await vs.waitForNotification('Lathe: sweep lr-grid finished: 3 trial(s) run, 3 in all. Best: trial 3, score = 9 with {"lr":3}.');
    await vs.openViewContainer('Lathe');
    await waitUntil('the three trials completed in the Runs tree', async () => {
      const items = await vs.treeItems('Runs');
      const groups = items.filter((i) => i.level === 1).map((i) => `${i.label} ${i.description}`);
      const trials = items.filter((i) => i.level === 2 && i.label.startsWith('lr-grid-')).map((i) => i.label).sort();
      // the two runs of the "Run stage" test, and the trials
      if (groups.join() !== 'Completed 5' || trials.join() !== 'lr-grid-1,lr-grid-2,lr-grid-3') throw new Error(JSON.stringify(items));
      return true;
    });
    // the panel opened by name when the first trial started and followed the others
    await vs.waitForEditorTab(/Sweep lr-grid/);
    const frame = await panelFrame(vs, 'the sweep panel webview', 'canvas[data-chart="parallel"]');
    const state = await waitUntil('the sweep panel drawn with the three trials', async () => {
      const drawn = await drawnState(frame);
      const summary = await frame.evaluate(() => document.querySelector('.summary')?.textContent ?? '');
      return drawn.dataset.parallelLines === '3' && drawn.drawn === drawn.canvases ? { ...drawn, summary } : undefined;
    });
    assert.equal(state.summary, '3 trials, 0 pruned. Best: #3 lr-grid-3, score = 9.');
    assert.deepEqual(
      { canvases: state.canvases, history: state.dataset.historyPoints, intermediate: state.dataset.intermediateSeries, scatter: state.dataset.scatterPoints },
      { canvases: 5, history: '3', intermediate: '3', scatter: '3' },
    );
    await vs.screenshot('pipeline-run-sweep');
  });
});
