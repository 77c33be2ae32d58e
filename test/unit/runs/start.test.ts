import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { latheEvents } from '../../../src/core/events';
import { OWNER_DIED, readMetrics, readRun, startRun } from '../../../src/core/runs';
import { processAlive } from '../../../src/core/runs/processTree';
import { runPaths } from '../../../src/core/runs/record';
import { LatheError } from '../../../src/core/workspace/errors';
import { nodeScript, readText, tempWorkspace, waitFor } from './helpers';

test('a completed run records params, metrics from the file and from stdout, logs, times and exit code', async () => {
  const layout = await tempWorkspace();
  const events: string[] = [];
  const off = latheEvents.on((e) => e.type === 'run-changed' && events.push(e.status));
  const script = `
    const fs = require('fs'), path = require('path');
    const p = JSON.parse(process.env.LATHE_PARAMS);
    console.log('lr is', p.lr, process.env.LATHE_PARAM_LR, process.env.LATHE_PARAM_OPT);
    console.error('a warning on stderr');
    for (let step = 0; step < 3; step++) fs.appendFileSync(path.join(process.env.LATHE_RUN_DIR, 'metrics.jsonl'), JSON.stringify({ step, loss: 1 / (step + 1) }) + '\\n');
    console.log('::lathe-metric::{"step": 2, "acc": 0.75}');`;
  const lines: string[] = [];
  const handle = await startRun(layout, { command: nodeScript(script), name: 'first', params: { lr: 0.01, opt: 'adam' }, tags: ['baseline'] }, { log: (l) => lines.push(l) });
  assert.equal(handle.record.status, 'running');
  const final = await handle.done;
  off();
  assert.equal(final.status, 'completed');
  assert.equal(final.exitCode, 0);
  assert.equal(final.name, 'first');
  assert.deepEqual(final.tags, ['baseline']);
  assert.deepEqual(final.params, { lr: 0.01, opt: 'adam' });
  assert.deepEqual(final.summary, { loss: 1 / 3, acc: 0.75 });
  assert.ok(final.durationMs !== undefined && final.durationMs >= 0);
  assert.deepEqual(await readRun(layout, handle.id), JSON.parse(JSON.stringify(final)), 'run.json holds the final record');
  assert.deepEqual(events, ['running', 'completed']);
  const metrics = await readMetrics(layout, 'first');
  assert.deepEqual(metrics.series.loss.map((p) => [p.step, p.value]), [[0, 1], [1, 0.5], [2, 1 / 3]]);
  assert.deepEqual(metrics.series.acc.map((p) => [p.step, p.value]), [[2, 0.75]]);
  const files = runPaths(layout, handle.id);
  assert.equal(await readText(files.stdout), 'lr is 0.01 0.01 adam\n::lathe-metric::{"step": 2, "acc": 0.75}\n');
  assert.equal(await readText(files.stderr), 'a warning on stderr\n');
  assert.deepEqual(lines.sort(), ['a warning on stderr', 'lr is 0.01 0.01 adam'], 'metric lines are not log lines');
});

test('a failing command is failed with its exit code; a missing program is failed with a clear error', async () => {
  const layout = await tempWorkspace();
  const failed = await (await startRun(layout, { command: nodeScript('process.exit(3)') })).done;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.exitCode, 3);
  assert.equal(failed.error, 'the command exited with code 3');
  const missing = await startRun(layout, { command: ['lathe-no-such-program', '--x'] });
  assert.equal(missing.record.status, 'failed');
  assert.match(missing.record.error ?? '', /command not found: lathe-no-such-program/);
  assert.equal((await readRun(layout, missing.id)).status, 'failed');
  await assert.rejects(startRun(layout, { command: [] }), (e: unknown) => e instanceof LatheError && e.code === 'usage');
  await assert.rejects(startRun(layout, { command: ['true'], cwd: 'nowhere' }), /working directory not found/);
});

test('a NaN metric is left out of the series and recorded as a warning in run.json and stderr.log', async () => {
  const layout = await tempWorkspace();
  const script = `console.log('::lathe-metric::{"step": 0, "loss": 0.5}'); console.log('::lathe-metric::{"step": 1, "loss": NaN}'); console.log('::lathe-metric::not json');`;
  const final = await (await startRun(layout, { command: nodeScript(script) })).done;
  assert.equal(final.status, 'completed');
  assert.deepEqual(final.summary, { loss: 0.5 });
  const warnings = final.warnings ?? [];
  assert.ok(warnings.some((w) => /metric "loss" had 1 value that is not a finite number \(first: NaN at step 1\)/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /1 ::lathe-metric:: line\(s\) were not a JSON object/.test(w)), warnings.join('\n'));
  assert.match(await readText(runPaths(layout, final.id).stderr), /lathe: warning: metric "loss"/);
});

test('cancel() stops the whole process tree (a grandchild that ignores SIGTERM too) and records cancelled', async () => {
  const layout = await tempWorkspace();
  const grandchild = `process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`;
  const pidFile = path.join(layout.root, 'grandchild.pid');
  const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}, ${JSON.stringify(pidFile)}], { stdio: 'inherit' }); setInterval(() => {}, 1000);`;
  const handle = await startRun(layout, { command: nodeScript(script) }, { killGraceMs: 300 });
  const grandchildPid = Number(await waitFor('the grandchild', async () => (await readText(pidFile)) || undefined));
  assert.ok(processAlive(grandchildPid));
  await handle.cancel();
  const final = await handle.done;
  assert.equal(final.status, 'cancelled');
  assert.equal(final.signal, 'SIGTERM');
  assert.equal(processAlive(grandchildPid), false, 'the grandchild was killed after the grace time');
  assert.equal((await readRun(layout, handle.id)).status, 'cancelled');
});

test('an AbortSignal cancels the run', async () => {
  const layout = await tempWorkspace();
  const controller = new AbortController();
  const handle = await startRun(layout, { command: nodeScript('setInterval(() => {}, 1000)') }, { signal: controller.signal });
  controller.abort();
  assert.equal((await handle.done).status, 'cancelled');
});

test('a running record whose owner process died is reported failed with the reason', async () => {
  const layout = await tempWorkspace();
  const final = await (await startRun(layout, { command: nodeScript('') })).done;
  const file = runPaths(layout, final.id).record;
  // a record as a killed owner leaves it: still running, owner pid gone
  const deadPid = Number(execFileSync(process.execPath, ['-e', 'console.log(process.pid)']).toString());
  await fs.writeFile(file, JSON.stringify({ ...final, status: 'running', ownerPid: deadPid, endedAt: undefined }));
  const seen = await readRun(layout, final.id);
  assert.equal(seen.status, 'failed');
  assert.match(seen.error ?? '', new RegExp(`^${OWNER_DIED} \\(pid ${deadPid}\\)`));
  assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).status, 'running', 'readers do not rewrite the record');
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t.invalid' },
  })
    .toString()
    .trim();
}

test('the git commit, dirty flag and a patch of uncommitted changes are recorded', async () => {
  const layout = await tempWorkspace();
  const root = layout.root;
  git(root, 'init', '-q', '-b', 'main');
  await fs.writeFile(path.join(root, 'train.py'), 'lr = 0.1\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'first');
  const commit = git(root, 'rev-parse', 'HEAD');

  const clean = await (await startRun(layout, { command: nodeScript('') })).done;
  assert.deepEqual(clean.git, { commit, branch: 'main', dirty: false });

  await fs.writeFile(path.join(root, 'train.py'), 'lr = 0.2\n');
  await fs.writeFile(path.join(root, 'notes.txt'), 'new file\n');
  const dirty = await (await startRun(layout, { command: nodeScript('') })).done;
  assert.deepEqual(dirty.git, { commit, branch: 'main', dirty: true, patchFile: 'git.patch' });
  const patch = await readText(runPaths(layout, dirty.id).patch);
  assert.match(patch, /^-lr = 0\.1$/m);
  assert.match(patch, /^\+lr = 0\.2$/m);
  assert.match(patch, /untracked files \(not included\):\n#   notes\.txt/);

  const outside = await tempWorkspace();
  assert.equal((await (await startRun(outside, { command: nodeScript('') })).done).git, null);
});
