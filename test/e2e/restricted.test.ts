// The demo workspace opened untrusted (Restricted Mode): Lathe shows the store but offers no way to start processes.
import assert from 'node:assert/strict';
import { demoWorkspace, e2eSuite, waitUntil } from './harness';

e2eSuite('restricted mode', { workspace: demoWorkspace, restrictedMode: true }, (test) => {
  test('the trees still show the store', async (vs) => {
    await waitUntil('the Restricted Mode indicator', async () => (await vs.statusBarItems()).some((t) => /Restricted Mode/.test(t)));
    await vs.openViewContainer('Lathe');
    await vs.waitForTreeItem('Datasets', 'iris');
    await vs.waitForTreeItem('Models', 'iris-mlp');
    await vs.waitForTreeItem('Runs', 'Completed');
    await vs.screenshot('restricted-trees');
  });

  test('"Run Command as Experiment" is neither in the palette nor enabled in the Runs view', async (vs) => {
    await vs.page.keyboard.press('F1');
    await vs.quickInput.type('>Lathe: Re');
    await waitUntil('Lathe commands listed', async () => (await vs.quickInput.items()).includes('Lathe: Refresh'));
    await vs.quickInput.type('>Lathe: Run Command as Experiment');
    // the palette filters as it is typed: give it the same chance to list the command as the one above
    // the fuzzy filter still lists the run commands that only read the store: proof the list is the filtered one
    const items = await waitUntil('the palette filtered', async () => {
      const now = await vs.quickInput.items();
      return !now.includes('Lathe: Refresh') && now.includes('Lathe: Open Run Logs') && now;
    });
    assert.ok(!items.includes('Lathe: Run Command as Experiment'), JSON.stringify(items));
    await vs.screenshot('restricted-palette');
    await vs.closeQuickInput();

    const runsPane = await vs.viewPane('Runs');
    await runsPane.hover();
    const action = runsPane.locator('.pane-header .action-item', { has: vs.page.locator('[aria-label^="Run Command as Experiment"]') });
    await action.waitFor({ timeout: 10_000 });
    assert.match((await action.getAttribute('class')) ?? '', /\bdisabled\b/);
  });
});
