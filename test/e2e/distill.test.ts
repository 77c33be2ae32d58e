// Distilling from the palette in a real VS Code (code-server + Chromium) on the demo workspace: the teacher,
// dataset and student quick picks, the progress notification, live curves drawn in the experiments panel on the
// training run, and the student registered in the Models tree.
import assert from 'node:assert/strict';
import { demoWorkspace, e2eSuite, waitUntil } from './harness';
import { drawnState, panelFrame } from './panels';

e2eSuite('distill', { workspace: demoWorkspace }, (test) => {
  test('"Lathe: Distill Model" from the palette trains a student as a run with live curves and registers it under the Models tree', async (vs) => {
    await vs.openViewContainer('Lathe');
    await vs.waitForTreeItem('Models', 'iris-mlp');
    await vs.runCommand('Lathe: Distill Model');
    await waitUntil('the teacher pick', async () => (await vs.quickInput.placeholder()) === 'Teacher model version to distil');
    await vs.quickInput.pick('iris-mlp@v2', 'iris-mlp@v2');
    await waitUntil('the dataset pick', async () => (await vs.quickInput.title()) === 'Distill iris-mlp@v2: training rows');
    await vs.quickInput.pick('iris@v2', 'iris');
    await waitUntil('the student pick', async () => (await vs.quickInput.title()) === 'Distill iris-mlp@v2: student');
    assert.ok((await vs.quickInput.items()).includes('Small CNN'));
    await vs.quickInput.pick('MLP 16', 'MLP 16');

    await vs.waitForNotification(/distilling iris-mlp@v2 into MLP 16/);
    await vs.waitForEditorTab(/Experiments/);
    const frame = await panelFrame(vs, 'the experiments panel webview', '.charts');
    const drawn = await waitUntil('the loss and accuracy curves drawn', async () => {
      const s = await drawnState(frame);
      return s.drawn >= 2 ? s : undefined;
    });
    assert.ok(drawn.canvases >= 4, `one chart per metric (loss, accuracy, val_loss, val_accuracy...): ${drawn.canvases}`);
    await vs.screenshot('distill-curves');

    const done = await vs.waitForNotification(/registered iris-mlp-student@v1/);
    assert.match(done, /teacher \d+\.\d%, student alone \d+\.\d%/);
    await vs.waitForTreeItem('Models', 'iris-mlp-student');
    assert.deepEqual((await vs.treeChildren('Models', 'iris-mlp-student')).map((i) => i.label), ['v1']);
    await vs.screenshot('distill-model');
  });
});
