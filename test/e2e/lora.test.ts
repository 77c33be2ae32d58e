// LoRA fine-tuning from the command palette of the demo workspace in a real VS Code (code-server + Chromium): the
// base, dataset, targets and rank quick picks, the training as a tracked run, and the adapter version in the
// Models tree, whose context menu offers merging it.
import assert from 'node:assert/strict';
import { demoWorkspace, e2eSuite, waitUntil } from './harness';

e2eSuite('lora', { workspace: demoWorkspace }, (test) => {
  test('"Fine-tune with LoRA" from the palette trains as a run and registers the adapter version under its own model', async (vs) => {
    await vs.openViewContainer('Lathe');
    await vs.waitForTreeItem('Models', 'iris-mlp');
    await vs.runCommand('Lathe: Fine-tune with LoRA');
    await waitUntil('the base pick', async () => (await vs.quickInput.placeholder()) === 'Base model version to fine-tune');
    await vs.quickInput.pick('iris-mlp@v2', 'iris-mlp@v2');
    await waitUntil('the dataset pick', async () => (await vs.quickInput.title()) === 'Fine-tune iris-mlp@v2 with LoRA: training data');
    // the demo's iris rows: four features and the species as the label
    await vs.quickInput.pick('iris@v2', 'iris');
    await waitUntil('the targets pick', async () => (await vs.quickInput.title()).endsWith('weights to adapt'));
    const presets = await vs.quickInput.items();
    assert.ok(presets.includes('all-linear') && presets.includes('attention-qv'), JSON.stringify(presets));
    await vs.quickInput.pick('all-linear', 'all-linear');
    await waitUntil('the rank pick', async () => (await vs.quickInput.title()).endsWith('rank'));
    await vs.quickInput.pick('4', '4');

    // the training runs the bundled CLI as a tracked run; its adapter becomes a version in the Models tree
    await waitUntil('the adapter model in the Models tree', async () => (await vs.treeItems('Models')).some((i) => i.label === 'iris-mlp-lora'), 90_000);
    const versions = await waitUntil('v1 under iris-mlp-lora', async () => {
      const children = await vs.treeChildren('Models', 'iris-mlp-lora');
      return children.length === 1 ? children : undefined;
    });
    assert.equal(versions[0].label, 'v1');
    assert.match(versions[0].description ?? '', /lora/);
    await waitUntil('the completed run in the Runs tree', async () => (await vs.treeChildren('Runs', 'Completed')).some((i) => i.label === 'lora iris-mlp@v2'));
    await vs.screenshot('lora-adapter');
  });
});
