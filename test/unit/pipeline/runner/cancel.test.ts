// Cancelling a pipeline kills every running stage's whole process tree and records what did not finish.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readRun } from '../../../../src/core/runs';
import { processAlive } from '../../../../src/core/runs/processTree';
import { waitFor } from '../../runs/helpers';
import { NODE, pipelineWorkspace, readLockFile, run, statuses } from './fixture';

/** Starts a grandchild that would live forever, writes both pids, and waits forever itself. */
const TREE_JS = `const { spawn } = require('child_process');
const fs = require('fs');
const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
fs.writeFileSync(process.argv[2] + '.pids', JSON.stringify({ child: process.pid, grandchild: grandchild.pid }));
setInterval(() => {}, 1000);
`;

test('an AbortSignal kills the running stages\' process trees (grandchildren too) and records the stages as cancelled', { timeout: 30_000 }, async () => {
  const layout = await pipelineWorkspace(
    `version: 1
stages:
  quick:
    cmd: ${NODE} -e "require('fs').writeFileSync('quick.txt', 'x')"
    outs: [quick.txt]
  slow:
    cmd: ${NODE} tree.js slow
    deps: [quick.txt]
    outs: [slow.txt]
  never:
    cmd: ${NODE} -e "require('fs').writeFileSync('never.txt', 'x')"
    deps: [slow.txt]
`,
    { 'tree.js': TREE_JS },
  );
  const controller = new AbortController();
  const running = run(layout, {}, { signal: controller.signal, killGraceMs: 1000 });
  const pids = await waitFor('the slow stage to start its tree', async () => {
    const text = await fs.readFile(path.join(layout.root, 'slow.pids'), 'utf8').catch(() => '');
    return text ? (JSON.parse(text) as { child: number; grandchild: number }) : undefined;
  });
  assert.ok(processAlive(pids.grandchild));
  controller.abort();
  const result = await running;
  assert.deepEqual(statuses(result), { quick: 'ran', slow: 'cancelled', never: 'cancelled' });
  assert.equal(result.cancelled, true);
  assert.equal(result.ok, false);
  await waitFor('the stage tree to be gone', () => !processAlive(pids.child) && !processAlive(pids.grandchild), 5000);
  const slow = result.stages.find((s) => s.stage === 'slow')!;
  assert.equal((await readRun(layout, slow.runId!)).status, 'cancelled');
  assert.deepEqual(Object.keys((await readLockFile(layout)).stages), ['quick'], 'what finished before the cancel stays recorded');
  await assert.rejects(fs.stat(path.join(layout.root, 'never.txt')), { code: 'ENOENT' });
});

test('a signal aborted before the run starts runs nothing', async () => {
  const layout = await pipelineWorkspace(`version: 1
stages:
  a:
    cmd: ${NODE} -e "require('fs').writeFileSync('a.txt', 'x')"
`);
  const controller = new AbortController();
  controller.abort();
  const result = await run(layout, {}, { signal: controller.signal });
  assert.deepEqual(statuses(result), { a: 'cancelled' });
  assert.deepEqual(await fs.readdir(layout.runs), []);
});
