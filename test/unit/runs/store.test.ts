import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { test } from 'node:test';
import { execFileSync, spawn } from 'node:child_process';
import { cancelRun, compareRuns, deleteRun, listRuns, OWNER_DIED, readRun, runLogPaths, startRun } from '../../../src/core/runs';
import { processAlive } from '../../../src/core/runs/processTree';
import { runPaths } from '../../../src/core/runs/record';
import { pathExists } from '../../../src/core/workspace/atomic';
import { LatheError } from '../../../src/core/workspace/errors';
import { nodeScript, tempWorkspace, waitFor } from './helpers';

const metricScript = (lines: object[]) => nodeScript(lines.map((l) => `console.log('::lathe-metric::' + ${JSON.stringify(JSON.stringify(l))});`).join(''));
const isCode = (code: string) => (e: unknown) => e instanceof LatheError && e.code === code;

test('listRuns: newest first, skips a folder without run.json, reports a corrupt run.json and keeps the others', async () => {
  const layout = await tempWorkspace();
  assert.deepEqual(await listRuns(layout), []);
  const a = await (await startRun(layout, { command: nodeScript(''), name: 'a' })).done;
  await (await startRun(layout, { command: nodeScript(''), name: 'b' })).done;
  await fs.mkdir(runPaths(layout, '20000101-000000-aaaaaa').dir);
  const corrupt = runPaths(layout, '20000101-000000-bbbbbb');
  await fs.mkdir(corrupt.dir);
  await fs.writeFile(corrupt.record, '{"schema": 1, "id": ');
  const problems: LatheError[] = [];
  const runs = await listRuns(layout, { onCorrupt: (e) => problems.push(e) });
  assert.deepEqual(runs.map((r) => r.name), ['b', 'a']);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].file, corrupt.record);
  assert.equal(problems[0].code, 'corrupt-record');
  await assert.rejects(readRun(layout, '20000101-000000-bbbbbb'), (e: unknown) => isCode('corrupt-record')(e) && (e as LatheError).file === corrupt.record);
  assert.equal((await readRun(layout, a.id)).name, 'a');
});

test('readRun finds a run by id, unique prefix or name, and says when a reference is ambiguous or unknown', async () => {
  const layout = await tempWorkspace();
  const a = await (await startRun(layout, { command: nodeScript(''), name: 'alpha' })).done;
  const b = await (await startRun(layout, { command: nodeScript(''), name: 'beta' })).done;
  assert.equal((await readRun(layout, a.id)).id, a.id);
  assert.equal((await readRun(layout, a.id.slice(0, -2))).id, a.id);
  assert.equal((await readRun(layout, 'beta')).id, b.id);
  await assert.rejects(readRun(layout, a.id.slice(0, 4)), (e: unknown) => isCode('ambiguous')(e) && /matches 2 runs/.test((e as Error).message));
  await assert.rejects(readRun(layout, 'gamma'), isCode('not-found'));
  await assert.rejects(readRun(layout, '../../etc'), isCode('not-found'));
  assert.throws(() => runLogPaths(layout, '../x'), isCode('usage'));
  assert.equal(runLogPaths(layout, a.id).stdout, runPaths(layout, a.id).stdout);
});

test('compareRuns flags differing params and gives last/best/min/max per metric with the best run', async () => {
  const layout = await tempWorkspace();
  const a = await (
    await startRun(layout, { command: metricScript([{ step: 0, loss: 0.9, acc: 0.5 }, { step: 1, loss: 0.4, acc: 0.7 }, { step: 2, loss: 0.6, acc: 0.6 }]), params: { lr: 0.1, epochs: 3 } })
  ).done;
  const b = await (await startRun(layout, { command: metricScript([{ step: 0, loss: 0.5, acc: 0.8 }]), params: { lr: 0.01, epochs: 3, opt: 'sgd' } })).done;
  const c = await compareRuns(layout, [a.id, b.id]);
  assert.deepEqual(c.runs.map((r) => r.id), [a.id, b.id]);
  assert.deepEqual(c.params, [
    { name: 'epochs', values: [3, 3], differs: false },
    { name: 'lr', values: [0.1, 0.01], differs: true },
    { name: 'opt', values: [undefined, 'sgd'], differs: true },
  ]);
  const [acc, loss] = c.metrics;
  assert.deepEqual(loss, {
    name: 'loss',
    goal: 'minimize',
    values: [{ last: 0.6, min: 0.4, max: 0.9, steps: 3, best: 0.4 }, { last: 0.5, min: 0.5, max: 0.5, steps: 1, best: 0.5 }],
    bestRun: 0,
  });
  assert.equal(acc.goal, 'maximize');
  assert.equal(acc.bestRun, 1);
  await assert.rejects(compareRuns(layout, [a.id]), isCode('usage'));
});

test('deleteRun refuses a running run, and with force cancels it first', async () => {
  const layout = await tempWorkspace();
  const handle = await startRun(layout, { command: nodeScript('setInterval(() => {}, 1000)') });
  await assert.rejects(deleteRun(layout, handle.id), isCode('run-running'));
  assert.ok(await pathExists(handle.dir));
  const deleted = await deleteRun(layout, handle.id, { force: true });
  assert.equal(deleted.status, 'cancelled');
  assert.equal((await handle.done).status, 'cancelled');
  assert.equal(await pathExists(handle.dir), false, 'the final record does not bring the folder back');
  const done = await (await startRun(layout, { command: nodeScript('') })).done;
  await deleteRun(layout, done.id);
  assert.deepEqual(await listRuns(layout), []);
});

test('cancelRun of a run whose owner died never signals a process group that is no longer the run\'s (pid reused)', async () => {
  const layout = await tempWorkspace();
  const final = await (await startRun(layout, { command: nodeScript('') })).done;
  const stranger = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
  try {
    const deadOwner = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)']).toString());
    // what a crashed owner leaves behind, with the command's pid (and group id) since taken by another program
    await fs.writeFile(runPaths(layout, final.id).record, JSON.stringify({ ...final, status: 'running', ownerPid: deadOwner, pid: stranger.pid }));
    const after = await cancelRun(layout, final.id, { killGraceMs: 100 });
    assert.equal(after.status, 'failed');
    assert.match(after.error ?? '', new RegExp(OWNER_DIED));
    assert.ok(processAlive(stranger.pid as number), 'the unrelated process group was left alone');
    await assert.rejects(cancelRun(layout, final.id.slice(0, -1) + 'z'), (e: unknown) => e instanceof LatheError && e.code === 'not-found');
  } finally {
    process.kill(-(stranger.pid as number), 'SIGKILL');
  }
  await waitFor('the stranger to exit', () => !processAlive(stranger.pid as number));
});
