import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { listRuns, OWNER_DIED, readMetrics, readRun, type RunRecord } from '../../../src/core/runs';
import { processAlive } from '../../../src/core/runs/processTree';
import { finished, readText, runCli, spawnCli, tempWorkspace, waitFor } from './helpers';

const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop() as string) as { ok: boolean; result: any; error?: { code: string; message: string } };

/** A node script for `lathe run`: records its pid (and a grandchild's) in the workspace, then waits forever. */
function longRunning(root: string): string[] {
  const grandchild = `require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`;
  const script = `require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}, ${JSON.stringify(path.join(root, 'grandchild.pid'))}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
  return [process.execPath, '-e', script];
}

async function runningRun(root: string): Promise<{ run: RunRecord; grandchild: number }> {
  const layout = (await import('../../../src/core/workspace/layout')).layoutFor(root);
  const grandchild = Number(await waitFor('the grandchild pid', async () => (await readText(path.join(root, 'grandchild.pid'))) || undefined));
  const run = await waitFor('the running record', async () => (await listRuns(layout)).find((r) => r.status === 'running'));
  return { run, grandchild };
}

test('lathe run: params parsed, exit code passed through, --json prints the final record, --json after -- is the command\'s', async () => {
  const layout = await tempWorkspace();
  const script = 'echo "$LATHE_PARAMS $*"; exit 4';
  const r = await runCli(['run', '--json', '--name', 'n1', '--param', 'lr=0.5', '--param', 'opt=adam', '--param', 'amp=true', '--tag', 't1', '--', 'sh', '-c', script, 'sh', '--json'], layout.root);
  assert.equal(r.code, 4);
  const out = json(r.stdout);
  assert.equal(out.ok, true);
  assert.equal(out.result.status, 'failed');
  assert.equal(out.result.exitCode, 4);
  assert.deepEqual(out.result.params, { lr: 0.5, opt: 'adam', amp: true });
  assert.deepEqual(out.result.tags, ['t1']);
  assert.match(r.stderr, /^\{"lr":0\.5,"opt":"adam","amp":true\} --json$/m, 'with --json the command output goes to stderr');

  const plain = await runCli(['run', '--', process.execPath, '-e', 'console.log("hello")'], layout.root);
  assert.equal(plain.code, 0);
  assert.match(plain.stdout, /^hello\n/);
  assert.match(plain.stderr, /lathe: run \S+ \(\d{8}-\d{6}-[0-9a-f]{6}\) started/);

  const missing = await runCli(['run', '--', 'lathe-no-such-program'], layout.root);
  assert.equal(missing.code, 127);
  assert.match(missing.stdout, /failed: command not found: lathe-no-such-program/);

  const usage = await runCli(['run', '--json', '--param', 'oops'], layout.root);
  assert.equal(usage.code, 2);
  assert.equal(json(usage.stdout).error?.code, 'usage');
});

test('two concurrent lathe run processes each get their own complete, uncorrupted metric series', async () => {
  const layout = await tempWorkspace();
  const steps = 300;
  // half the lines appended to metrics.jsonl by the script, half printed behind the stdout prefix
  const script = `const fs = require('fs'), f = require('path').join(process.env.LATHE_RUN_DIR, 'metrics.jsonl');
    for (let step = 0; step < ${steps}; step++) {
      const line = JSON.stringify(Object.fromEntries([['step', step], ['value', step * 2], ['who', Number(process.env.LATHE_PARAM_WHO)], ...Array.from({ length: 30 }, (_, i) => ['m' + i, step + i / 100])]));
      if (step % 2) fs.appendFileSync(f, line + '\\n'); else console.log('::lathe-metric::' + line);
    }`;
  const results = await Promise.all(
    ['one', 'two'].map((name, who) => runCli(['run', '--json', '--name', name, '--param', `who=${who}`, '--', process.execPath, '-e', script], layout.root)),
  );
  assert.deepEqual(results.map((r) => r.code), [0, 0]);
  const runs = await listRuns(layout);
  assert.deepEqual(runs.map((r) => r.name).sort(), ['one', 'two']);
  for (const run of runs) {
    assert.equal(run.status, 'completed');
    assert.equal(run.warnings, undefined, `no skipped or invalid lines in ${run.name}`);
    const m = await readMetrics(layout, run.id);
    assert.equal(m.skippedLines, 0);
    assert.deepEqual(m.series.value.map((p) => p.step).sort((a, b) => a - b), Array.from({ length: steps }, (_, i) => i));
    assert.ok(m.series.value.every((p) => p.value === p.step * 2));
    assert.ok(m.series.who.every((p) => p.value === run.params.who), `only ${run.name}'s own lines`);
    assert.equal(m.series.m29.length, steps);
  }
});

test('a run whose lathe process is killed with SIGKILL lists as failed with the reason; runs cancel stops what it left', async () => {
  const layout = await tempWorkspace();
  const child = spawnCli(['run', '--name', 'orphaned', '--', ...longRunning(layout.root)], layout.root);
  const ended = finished(child);
  const { run, grandchild } = await runningRun(layout.root);
  child.kill('SIGKILL');
  assert.equal((await ended).signal, 'SIGKILL');

  const listed = json((await runCli(['runs', 'list', '--json'], layout.root)).stdout).result as RunRecord[];
  assert.equal(listed[0].status, 'failed');
  assert.match(listed[0].error ?? '', new RegExp(`^${OWNER_DIED}`));
  const failedOnly = json((await runCli(['runs', 'list', '--json', '--status', 'failed'], layout.root)).stdout).result as RunRecord[];
  assert.equal(failedOnly.length, 1);

  assert.ok(run.pid && processAlive(run.pid), 'the command outlived its owner');
  const cancel = await runCli(['runs', 'cancel', '--json', 'orphaned'], layout.root);
  assert.equal(cancel.code, 0, cancel.stdout + cancel.stderr);
  assert.equal(processAlive(run.pid as number), false);
  assert.equal(processAlive(grandchild), false);
  assert.equal((await readRun(layout, run.id)).status, 'failed');
});

test('SIGINT to lathe run stops the whole process tree, records cancelled and exits 130', async () => {
  const layout = await tempWorkspace();
  const child = spawnCli(['run', '--', ...longRunning(layout.root)], layout.root);
  const ended = finished(child);
  const { run, grandchild } = await runningRun(layout.root);
  child.kill('SIGINT');
  const r = await ended;
  assert.equal(r.code, 130, r.stderr);
  assert.equal((await readRun(layout, run.id)).status, 'cancelled');
  assert.equal(processAlive(grandchild), false);
});

test('lathe runs cancel from another process cancels a run owned by a live lathe run', async () => {
  const layout = await tempWorkspace();
  const child = spawnCli(['run', '--name', 'victim', '--', ...longRunning(layout.root)], layout.root);
  const ended = finished(child);
  const { grandchild } = await runningRun(layout.root);
  const cancel = await runCli(['runs', 'cancel', '--json', 'victim'], layout.root);
  assert.equal(cancel.code, 0, cancel.stdout + cancel.stderr);
  assert.equal(json(cancel.stdout).result.status, 'cancelled');
  assert.equal((await ended).code, 130);
  assert.equal(processAlive(grandchild), false);
  const again = await runCli(['runs', 'cancel', '--json', 'victim'], layout.root);
  assert.equal(again.code, 1);
  assert.equal(json(again.stdout).error?.code, 'not-running');
});

test('runs show, compare, logs and delete work on the CLI, with clear errors', async () => {
  const layout = await tempWorkspace();
  const script = (v: number) => `console.log('::lathe-metric::{"step":0,"acc":${v}}'); console.log('out'); console.error('err')`;
  await Promise.all([
    runCli(['run', '--name', 'a', '--param', 'lr=0.1', '--', process.execPath, '-e', script(0.5)], layout.root),
    runCli(['run', '--name', 'b', '--param', 'lr=0.2', '--', process.execPath, '-e', script(0.9)], layout.root),
  ]);
  const [shown, table, logs, missing] = await Promise.all([
    runCli(['runs', 'show', 'a'], layout.root),
    runCli(['runs', 'compare', 'a', 'b'], layout.root),
    runCli(['runs', 'logs', '--json', 'b'], layout.root),
    runCli(['runs', 'show', 'zzz'], layout.root),
  ]);
  assert.equal(shown.code, 0);
  assert.match(shown.stdout, /status\s+completed, exit code 0/);
  assert.match(shown.stdout, /lr = 0\.1/);
  assert.match(shown.stdout, /acc\s+last 0\.5000/);

  assert.match(table.stdout, /\* lr\s+0\.1\s+0\.2/);
  assert.match(table.stdout, /acc \(max\)\s+0\.5000 best 0\.5000\s+0\.9000 best 0\.9000 </);

  assert.deepEqual(json(logs.stdout).result.stdout, '::lathe-metric::{"step":0,"acc":0.9}\nout\n');
  assert.equal(json(logs.stdout).result.stderr, 'err\n');

  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "lathe: no run 'zzz' in " + layout.runs + ' (see `lathe runs list` for run ids and names)\n');

  assert.equal((await runCli(['runs', 'delete', 'a'], layout.root)).code, 0);
  assert.deepEqual((await listRuns(layout)).map((r) => r.name), ['b']);
});

test('lathe run keeps running and recording when its own stdout is closed early (lathe run ... | head -1)', async () => {
  const layout = await tempWorkspace();
  const script = `let i = 0; const t = setInterval(() => { console.log('line ' + i); if (++i === 20) clearInterval(t); }, 10);`;
  const child = spawnCli(['run', '--name', 'piped', '--', process.execPath, '-e', script], layout.root);
  child.stdout?.once('data', () => child.stdout?.destroy());
  const r = await finished(child);
  assert.equal(r.code, 0, r.stderr);
  const run = await readRun(layout, 'piped');
  assert.equal(run.status, 'completed');
  assert.match(await readText(path.join(layout.runs, run.id, 'stdout.log')), /line 19\n$/);
});
