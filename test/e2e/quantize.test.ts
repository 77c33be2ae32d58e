// Quantizing from the Models tree of the demo workspace in a real VS Code (code-server + Chromium): the context
// menu, the method and dataset quick picks, progress, the new version in the tree and its evaluation report.
import assert from 'node:assert/strict';
import { demoWorkspace, e2eSuite, waitUntil } from './harness';

e2eSuite('quantize', { workspace: demoWorkspace }, (test) => {
  test('"Quantize Model" on a model version registers the quantized version under the model and shows its evaluation', async (vs) => {
    await vs.openViewContainer('Lathe');
    await vs.waitForTreeItem('Models', 'iris-mlp');
    assert.deepEqual((await vs.treeChildren('Models', 'iris-mlp')).map((i) => i.label), ['v2', 'v1']);
    await vs.contextMenu('Models', 'v2', 'Quantize Model');

    await waitUntil('the method pick', async () => (await vs.quickInput.title()) === 'Quantize iris-mlp@v2');
    assert.equal((await vs.quickInput.items())[0], 'auto');
    await vs.quickInput.pick('dynamic-int8', 'dynamic');
    await waitUntil('the dataset pick', async () => (await vs.quickInput.title()).startsWith('Quantize Model: real inputs'));
    const datasets = await vs.quickInput.items();
    assert.ok(datasets.includes('No dataset: random inputs'), JSON.stringify(datasets));
    // the demo's iris rows are the four features iris-mlp takes, with the species as the label
    await vs.quickInput.pick('iris@v2', 'iris');

    const report = await vs.webviewText(/iris-mlp@v3/);
    assert.match(report, /Parent: iris-mlp@v2 via dynamic-int8/);
    assert.match(report, /size_ratio/);
    assert.match(report, /top1_agreement/);
    assert.match(report, /accuracy_original/);
    assert.match(report, /dynamic-int8 of iris-mlp@v2, evaluated on 64 real input\(s\)/);
    assert.match(report, /MatMulInteger/);

    const versions = await waitUntil('v3 under iris-mlp', async () => {
      const children = await vs.treeChildren('Models', 'iris-mlp');
      return children.length === 3 ? children : undefined;
    });
    assert.deepEqual(versions.map((i) => i.label), ['v3', 'v2', 'v1']);
    await vs.screenshot('quantize-model');
  });
});
