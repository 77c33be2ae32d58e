// The demo workspace in a real VS Code (code-server + Chromium), trusted: the three trees, palette and context-menu
// commands, and a run started from the palette. One session for the whole file; tests build on each other's state
// only where noted.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SKLEARN_DATA } from '../../scripts/demo-workspace.mjs';
import { demoWorkspace, e2eSuite, waitUntil } from './harness';

// Waits for a file the test creates: the run stays "running" exactly as long as the test needs, no timing involved.
const WAIT_SCRIPT = `import os, time
while not os.path.exists("release.flag"):
    time.sleep(0.1)
print("released")
`;

e2eSuite('demo workspace', { workspace: demoWorkspace }, (test) => {
  test('the Lathe view shows the demo datasets, models and runs', async (vs) => {
    await vs.openViewContainer('Lathe');

    const datasets = await vs.waitForTreeItem('Datasets', 'wine');
    assert.deepEqual(datasets.filter((i) => i.level === 1).map((i) => i.label), ['iris', 'wine']);
    const irisVersions = await vs.treeChildren('Datasets', 'iris');
    assert.deepEqual(irisVersions.map((i) => i.label), ['v2', 'v1']);
    const [v2, v1] = irisVersions.map((i) => i.description);
    assert.match(v2, /^3\.8 KB · 150 rows × 5 cols/);
    assert.match(v1, /^2\.5 KB · 100 rows × 5 cols/);

    const models = await vs.waitForTreeItem('Models', 'ocr-direction-cls');
    assert.match(models.find((i) => i.label === 'ocr-direction-cls')!.description, /production→v1/);
    const mlpVersions = await vs.treeChildren('Models', 'iris-mlp');
    assert.deepEqual(mlpVersions.map((i) => i.label), ['v2', 'v1']);
    assert.doesNotMatch(mlpVersions[0].description, /production/);
    assert.match(mlpVersions[1].description, /^\[production\]/);

    const runs = await vs.waitForTreeItem('Runs', 'Failed');
    const groups = runs.filter((i) => i.level === 1).map((i) => [i.label, i.description]);
    assert.deepEqual(groups, [['Completed', '2'], ['Failed', '1']]);
    const names = runs.filter((i) => i.level === 2).map((i) => i.label).sort();
    assert.deepEqual(names, ['iris-lr-0.05', 'iris-lr-0.5', 'iris-missing-data']);
    assert.match(runs.find((i) => i.label === 'iris-lr-0.5')!.description, /acc=/);
    await vs.screenshot('demo-trees');
  });

  test('"Lathe: Track Dataset" from the palette tracks a new CSV', async (vs) => {
    const csv = readFileSync(path.join(SKLEARN_DATA, 'breast_cancer.csv'), 'utf8').split('\n');
    writeFileSync(path.join(vs.workspace, 'data/breast_cancer.csv'), ['f' + Array.from({ length: 30 }, (_, i) => i).join(',f') + ',diagnosis', ...csv.slice(1)].join('\n'));
    await vs.runCommand('Lathe: Track Dataset');
    await vs.quickInput.pick('data/breast_cancer.csv', 'breast_cancer');
    await waitUntil('the dataset name box', async () => (await vs.quickInput.title()) === 'Dataset name');
    assert.equal(await vs.quickInput.input.inputValue(), 'breast_cancer');
    await vs.quickInput.submit('breast-cancer');
    await waitUntil('the message box', async () => (await vs.quickInput.title()).startsWith('Version message'));
    await vs.quickInput.submit('Wisconsin diagnostic data');
    await vs.waitForNotification('tracked breast-cancer@v1');
    const [v1] = await vs.treeChildren('Datasets', 'breast-cancer');
    assert.equal(v1.label, 'v1');
    assert.match(v1.description, /569 rows × 31 cols/);
    await vs.screenshot('track-dataset');
  });

  test('"Set Model Alias" from the context menu shows the alias in the tree', async (vs) => {
    await vs.expandTreeItem('Models', 'iris-mlp');
    await vs.contextMenu('Models', 'v2', 'Set Model Alias');
    await vs.quickInput.pick('staging');
    await waitUntil('v2 shown as staging', async () => {
      const items = await vs.treeItems('Models');
      const v2 = items.find((i) => i.label === 'v2');
      if (!v2?.description.startsWith('[staging]')) throw new Error(`v2: ${JSON.stringify(v2)}`);
      return true;
    });
    const model = (await vs.treeItems('Models')).find((i) => i.label === 'iris-mlp');
    assert.match(model!.description, /staging→v2/);
    await vs.screenshot('set-alias');
  });

  test('"Diff with Previous Version" on a dataset version opens a report', async (vs) => {
    await vs.expandTreeItem('Datasets', 'iris');
    await vs.contextMenu('Datasets', 'v2', 'Diff with Previous Version');
    await vs.waitForEditorTab(/Diff iris@v1 → iris@v2/);
    // the Markdown preview renders the report: 100 rows in v1, 150 in v2
    const report = await vs.webviewText(/iris@v1 → iris@v2/);
    assert.match(report, /100 → 150/);
    await vs.screenshot('dataset-diff');
  });

  test('a run started from the palette shows as running, then completed', async (vs) => {
    writeFileSync(path.join(vs.workspace, 'wait_for_release.py'), WAIT_SCRIPT);
    await vs.runCommand('Lathe: Run Command as Experiment');
    await vs.quickInput.submit('python3 wait_for_release.py');
    await waitUntil('the parameters box', async () => (await vs.quickInput.title()).startsWith('Parameters'));
    await vs.quickInput.submit('lr=0.3');
    await vs.waitForTreeItem('Runs', 'Running');
    // a group the user collapses stays collapsed while the tree refreshes with the run's progress
    const failed = await vs.treeRow('Runs', 'Failed');
    await failed.locator('.monaco-tl-twistie').click();
    await waitUntil('"Failed" collapsed', async () => (await failed.getAttribute('aria-expanded')) === 'false');
    await waitUntil('the status bar showing the run', async () => {
      const items = await vs.statusBarItems();
      if (!items.includes('Lathe: 1 running')) throw new Error(`status bar: ${JSON.stringify(items)}`);
      return true;
    });
    await vs.screenshot('run-running');
    writeFileSync(path.join(vs.workspace, 'release.flag'), '');
    await waitUntil('the run completed', async () => {
      const groups = (await vs.treeItems('Runs')).filter((i) => i.level === 1).map((i) => `${i.label} ${i.description}`);
      if (groups.join() !== 'Completed 3,Failed 1') throw new Error(`groups: ${JSON.stringify(groups)}`);
      return true;
    });
    const runs = await vs.treeItems('Runs');
    assert.deepEqual(runs.filter((i) => i.level === 1).map((i) => [i.label, i.expanded]), [['Completed', true], ['Failed', false]]);
    assert.equal(runs.filter((i) => i.level === 2).length, 3, 'the completed runs shown, the failed one folded away');
    assert.ok(!(await vs.statusBarItems()).some((t) => /Lathe: \d+ running/.test(t)), 'status bar item hidden');
    await vs.screenshot('run-completed');
  });
});
