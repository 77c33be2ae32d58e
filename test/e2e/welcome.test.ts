// A folder without a Lathe store: the views explain what to do, and their buttons work.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { e2eSuite, waitUntil } from './harness';

function emptyProject(scratch: string): string {
  const dir = path.join(scratch, 'project');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'labels.csv'), 'id,label\n1,cat\n2,dog\n3,cat\n');
  return dir;
}

e2eSuite('empty workspace', { workspace: emptyProject }, (test) => {
  test('each view shows its welcome content, and "Track Dataset" there tracks a file', async (vs) => {
    await vs.openViewContainer('Lathe');
    const welcome = async (view: string) => ((await (await vs.viewPane(view)).locator('.welcome-view-content').textContent()) ?? '').trim();
    assert.match(await welcome('Datasets'), /No datasets are tracked/);
    assert.match(await welcome('Models'), /No model versions are registered/);
    assert.match(await welcome('Runs'), /No runs yet/);
    await vs.screenshot('welcome');

    await (await vs.viewPane('Datasets')).locator('.welcome-view-content .monaco-button', { hasText: 'Track Dataset' }).click();
    await vs.quickInput.pick('labels.csv', 'labels');
    await waitUntil('the dataset name box', async () => (await vs.quickInput.title()) === 'Dataset name');
    await vs.quickInput.submit('labels');
    await waitUntil('the message box', async () => (await vs.quickInput.title()).startsWith('Version message'));
    await vs.quickInput.submit('');
    await vs.waitForNotification('tracked labels@v1');
    const [v1] = await vs.treeChildren('Datasets', 'labels');
    assert.equal(v1.label, 'v1');
    assert.match(v1.description, /3 rows × 2 cols/);
    await vs.screenshot('welcome-tracked');
  });
});
