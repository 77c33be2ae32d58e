// The sweep engine with real trial processes: a node script that reports `score` from its param x.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { latheEvents } from '../../../src/core/events';
import { listRuns, readMetrics } from '../../../src/core/runs';
import { runSweep } from '../../../src/core/sweep';
import { processAlive } from '../../../src/core/runs/processTree';
import { NODE, pipelineWorkspace, read } from '../pipeline/runner/fixture';
import { runCli } from '../runs/helpers';

// Logs start/end to a shared file (appends of one short line are atomic), reports score = x at each step, and stops
// early when Lathe leaves the prune request file.
const TRIAL = `
const fs = require('fs'), path = require('path');
const x = Number(process.argv[2]), steps = Number(process.argv[3] || 5);
fs.appendFileSync('events.log', 'start ' + process.env.LATHE_RUN_ID + '\\n');
let step = 0;
const tick = () => {
  step++;
  console.log('::lathe-metric::' + JSON.stringify({ step, score: x }));
  if (step >= steps || fs.existsSync(path.join(process.env.LATHE_RUN_DIR, 'prune'))) {
    fs.appendFileSync('events.log', 'end ' + process.env.LATHE_RUN_ID + '\\n');
    return;
  }
  setTimeout(tick, 60);
};
tick();
`;

function pipeline(sweep: string, steps = 3): string {
  return `version: 1
params: { x: 0 }
stages:
  train:
    cmd: ${NODE} trial.js \${{ params.x }} ${steps}
sweeps:
  s:
    stage: train
${sweep}`;
}

const workspace = (sweep: string, steps?: number) => pipelineWorkspace(pipeline(sweep, steps), { 'trial.js': TRIAL });

/** The most trials that ran at once, from the order of their start and end lines. */
async function maxOverlap(root: string): Promise<number> {
  let running = 0;
  let most = 0;
  for (const line of (await fs.readFile(path.join(root, 'events.log'), 'utf8')).split('\n').filter(Boolean)) {
    running += line.startsWith('start ') ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

test('grid trials run as tagged runs with their params, at most `parallel` at once; the best is reported; a rerun resumes', async () => {
  const layout = await workspace(`    method: grid
    metric: { name: score, goal: maximize }
    parameters:
      x: { values: [3, 1, 4, 1.5, 9, 2] }
    parallel: 2
`);
  const lines: string[] = [];
  const first = await runSweep(layout, { sweep: 's', trials: 4 }, { log: (l) => lines.push(l) });
  assert.equal(first.ran, 4);
  assert.deepEqual(first.trials.map((t) => [t.number, t.params.x, t.status, t.value]), [[1, 3, 'completed', 3], [2, 1, 'completed', 1], [3, 4, 'completed', 4], [4, 1.5, 'completed', 1.5]]);
  assert.equal(first.best?.params.x, 4);
  assert.equal(await maxOverlap(layout.root), 2);
  const runs = await listRuns(layout);
  assert.equal(runs.length, 4);
  for (const r of runs) {
    assert.deepEqual(r.tags, ['sweep:s', 'stage:train']);
    assert.equal((await readMetrics(layout, r.id)).series.score.length, 3);
  }
  assert.deepEqual(runs.map((r) => r.params.x).sort(), [1, 1.5, 3, 4]);
  assert.ok(lines.some((l) => /^\[trial 3\] completed: score=4 \[run /.test(l)), lines.join('\n'));

  // the rest of the grid: the earlier trials count and are not repeated
  const second = await runSweep(layout, { sweep: 's', parallel: 1 });
  assert.equal(second.ran, 2);
  assert.deepEqual(second.trials.map((t) => [t.params.x, t.resumed]), [[3, true], [1, true], [4, true], [1.5, true], [9, false], [2, false]]);
  assert.equal(second.best?.params.x, 9);
  assert.equal(second.exhausted, false);
  const third = await runSweep(layout, { sweep: 's', trials: 8 });
  assert.equal(third.ran, 0);
  assert.equal(third.exhausted, true);
});

test('median early termination prunes a trial worse than the completed ones: tagged pruned, stopped before its last step', async () => {
  const layout = await workspace(`    method: grid
    metric: { name: score, goal: maximize }
    parameters:
      x: { values: [5, 6, 1] }
    early_terminate: { type: median, min_iter: 2 }
`, 12);
  const result = await runSweep(layout, { sweep: 's' }, { pruneGraceMs: 5000 });
  assert.deepEqual(result.trials.map((t) => [t.params.x, t.status, t.pruned]), [[5, 'completed', false], [6, 'completed', false], [1, 'completed', true]]);
  const pruned = (await listRuns(layout)).find((r) => r.params.x === 1)!;
  assert.deepEqual(pruned.tags, ['sweep:s', 'stage:train', 'pruned']);
  const steps = (await readMetrics(layout, pruned.id)).series.score.length;
  assert.ok(steps >= 2 && steps < 12, `stopped at step ${steps}`);
  assert.equal(result.best?.params.x, 6);
});

test('a pruned trial that ignores the request is cancelled after the grace time', async () => {
  const layout = await workspace(`    method: grid
    metric: { name: score, goal: minimize }
    parameters:
      x: { values: [1, 2, 9] }
    early_terminate: { type: median, min_iter: 1 }
`, 12);
  await fs.writeFile(path.join(layout.root, 'trial.js'), TRIAL.replace("fs.existsSync(path.join(process.env.LATHE_RUN_DIR, 'prune'))", 'false'));
  const result = await runSweep(layout, { sweep: 's' }, { pruneGraceMs: 0, killGraceMs: 500 });
  assert.deepEqual(result.trials.map((t) => [t.params.x, t.status, t.pruned]), [[1, 'completed', false], [2, 'completed', false], [9, 'cancelled', true]]);
});

test('cancelling stops the running trials, records them cancelled and starts no more', async () => {
  const layout = await workspace(`    method: random
    metric: { name: score, goal: maximize }
    parameters:
      x: { distribution: uniform, min: 0, max: 1 }
    trials: 6
    parallel: 2
    seed: 3
`, 100000);
  const controller = new AbortController();
  let started = 0;
  const off = latheEvents.on((e) => {
    if (e.type === 'run-changed' && e.status === 'running' && ++started === 2) controller.abort();
  });
  try {
    const result = await runSweep(layout, { sweep: 's' }, { signal: controller.signal, killGraceMs: 500 });
    assert.equal(result.cancelled, true);
    assert.equal(result.ran, 2);
    const runs = await listRuns(layout);
    assert.deepEqual(runs.map((r) => r.status), ['cancelled', 'cancelled']);
    for (const r of runs) assert.equal(processAlive(r.pid!), false);
    for (const r of runs) assert.ok((r.params.x as number) >= 0 && (r.params.x as number) <= 1);
  } finally {
    off();
  }
});

test('bad requests are clear errors: unknown sweep, no trial count, a bad count', async () => {
  const layout = await workspace(`    method: random
    metric: { name: score, goal: maximize }
    parameters:
      x: { distribution: uniform, min: 0, max: 1 }
`);
  await assert.rejects(runSweep(layout, { sweep: 'z' }), (e: any) => e.code === 'not-found' && /no sweep 'z' in .*lathe\.yaml/.test(e.message) && /'s'/.test(e.hint));
  await assert.rejects(runSweep(layout, { sweep: 's' }), (e: any) => e.code === 'usage' && /does not say how many trials/.test(e.message) && /--trials N/.test(e.hint));
  await assert.rejects(runSweep(layout, { sweep: 's', trials: 0 }), /whole number ≥ 1, got 0/);
  assert.equal(await read(layout, 'lathe.yaml').then((t) => t.includes('sweeps:')), true, 'nothing lost');
  assert.deepEqual(await listRuns(layout), []);
});

test('lathe sweep run and list through the real CLI', async () => {
  const layout = await workspace(`    method: grid
    metric: { name: score, goal: minimize }
    parameters:
      x: { values: [2, 1] }
`);
  const text = await runCli(['sweep', 'run', 's'], layout.root);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^#1 +completed +score=2 .*\{"x":2\}/m);
  assert.match(text.stdout, /^best: trial 2 \(s-2\) score=1 \{"x":1\}$/m);
  const json = JSON.parse((await runCli(['sweep', 'run', 's', '--trials', '2', '--json'], layout.root)).stdout);
  assert.equal(json.ok, true);
  assert.equal(json.result.ran, 0);
  assert.deepEqual(JSON.parse((await runCli(['sweep', 'list', '--json'], layout.root)).stdout).result, [{ name: 's', trials: 2 }]);
  const bad = await runCli(['sweep', 'run', 'nope', '--json'], layout.root);
  assert.equal(bad.code, 1);
  assert.equal(JSON.parse(bad.stdout).error.code, 'not-found');
  const usage = await runCli(['sweep', 'run', 's', '--parallel', '1.5'], layout.root);
  assert.notEqual(usage.code, 0);
  assert.match(usage.stderr, /--parallel must be a whole number/);
});
