import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestSoFar, buildSweep, listSweeps, readSweep, scaleToUnit, sweepAxes, sweepCsv, sweepOf, sweepsIn } from '../../../src/core/charts';
import type { RunRecord } from '../../../src/core/runs';
import type { SweepTrial } from '../../../src/shared/messages';
import { runCli, tempWorkspace } from '../runs/helpers';
import { writeRun, writeSweep } from './fixtures';

test('the sweep tag convention: sweep:<name> names the sweep, other tags and a bare "sweep:" do not', () => {
  assert.equal(sweepOf({ tags: ['baseline', 'sweep:lr-search', 'pruned'] }), 'lr-search');
  assert.equal(sweepOf({ tags: ['sweep:'] }), undefined);
  assert.equal(sweepOf({ tags: [] }), undefined);
  assert.deepEqual(sweepsIn([{ tags: ['sweep:b'] }, { tags: ['sweep:a'] }, { tags: ['sweep:b', 'pruned'] }, { tags: ['x'] }]), [
    { name: 'a', trials: 1 },
    { name: 'b', trials: 2 },
  ]);
});

test('axes: numbers spanning two decades are log-scaled, mixed or text values are sorted categories', () => {
  const runs = [{ lr: 0.0001, opt: 'sgd', n: 2, mixed: 1 }, { lr: 0.1, opt: 'adam', n: 10, mixed: 'x' }, { lr: 0.01, opt: 'adam' }].map((params) => ({ params }) as unknown as RunRecord);
  const axes = sweepAxes(runs);
  assert.deepEqual(axes.map((a) => [a.name, a.kind, a.log, a.min, a.max, a.categories]), [
    ['lr', 'numeric', true, 0.0001, 0.1, []],
    ['mixed', 'categorical', false, 0, 1, ['1', 'x']],
    ['n', 'numeric', false, 2, 10, []],
    ['opt', 'categorical', false, 0, 1, ['adam', 'sgd']],
  ]);
  assert.ok(Math.abs(scaleToUnit(axes[0], 0.01) - 2 / 3) < 1e-9, 'log axis: 1e-2 is two thirds of the way from 1e-4 to 1e-1');
  assert.equal(scaleToUnit(axes[2], 6), 0.5);
  assert.equal(scaleToUnit({ ...axes[2], max: 2 }, 2), 0.5, 'a constant axis puts everything in the middle');
});

test('best-so-far: each unpruned trial with an objective, in trial order, with the running best for the goal', () => {
  const trial = (number: number, objective: number | null, pruned = false) => ({ number, objective, pruned }) as SweepTrial;
  const trials = [trial(3, 0.5), trial(1, 0.9), trial(2, null), trial(4, 0.7), trial(5, 0.2), trial(6, 0.1, true)];
  assert.deepEqual(bestSoFar(trials, 'minimize'), [
    { number: 1, value: 0.9, best: 0.9 },
    { number: 3, value: 0.5, best: 0.5 },
    { number: 4, value: 0.7, best: 0.5 },
    { number: 5, value: 0.2, best: 0.2 },
  ]);
  assert.deepEqual(bestSoFar(trials, 'maximize').map((h) => h.best), [0.9, 0.9, 0.9, 0.9]);
});

test('readSweep: trials in creation order with params, objective, intermediate values, pruned flags and importance', async () => {
  const layout = await tempWorkspace();
  const records = await writeSweep(layout, 'lr-search', 60);
  await writeRun(layout, 'other', { tags: ['sweep:other'], metricLines: ['{"step":0,"loss":1}'] });
  await writeRun(layout, 'untagged', { metricLines: ['{"step":0,"loss":1}'] });
  assert.deepEqual(await listSweeps(layout), [{ name: 'lr-search', trials: 60 }, { name: 'other', trials: 1 }]);

  const sweep = await readSweep(layout, 'lr-search');
  assert.deepEqual(sweep.objective, { metric: 'loss', goal: 'minimize', reduce: 'last' });
  assert.deepEqual(sweep.metrics, ['acc', 'loss']);
  assert.deepEqual(sweep.axes.map((a) => [a.name, a.kind, a.log]), [['dropout', 'numeric', false], ['layers', 'numeric', false], ['lr', 'numeric', true], ['optimizer', 'categorical', false]]);
  assert.deepEqual(sweep.trials.map((t) => t.runId), records.map((r) => r.id));
  assert.deepEqual(sweep.trials.map((t) => t.number), records.map((_, i) => i + 1));
  assert.equal(sweep.trials.filter((t) => t.pruned).length, 15);
  const pruned = sweep.trials.find((t) => t.pruned)!;
  assert.equal(pruned.status, 'cancelled');
  assert.equal(pruned.intermediate.length, 5, 'a pruned trial stopped after 5 steps');
  const first = sweep.trials[0];
  assert.equal(first.intermediate.length, 20);
  assert.equal(first.objective, first.intermediate[19], 'objective: the last value');
  assert.equal(first.values[2], records[0].params.lr);
  assert.equal(sweep.axes[3].categories[first.values[3]!], records[0].params.optimizer);

  assert.equal(sweep.history.length, 45, 'pruned trials are not in the history');
  const best = Math.min(...sweep.trials.filter((t) => !t.pruned).map((t) => t.objective!));
  assert.equal(sweep.history[44].best, best);
  assert.equal(sweep.trials.find((t) => t.runId === sweep.bestRunId)!.objective, best);
  // lr drives the loss, layers a little; dropout does nothing (60 trials: fewer leave room for chance effects)
  assert.equal(sweep.importance.params[0].name, 'lr');
  assert.ok(sweep.importance.params[0].importance > 0.8, JSON.stringify(sweep.importance.params));
  assert.ok(sweep.importance.params.find((p) => p.name === 'dropout')!.importance < 0.05);
  assert.match(sweep.importance.method, /fANOVA/);
  assert.deepEqual(sweep.warnings, []);

  const best2 = await readSweep(layout, 'lr-search', { metric: 'loss', reduce: 'best' });
  assert.equal(best2.trials[0].objective, Math.min(...best2.trials[0].intermediate));
  const acc = await readSweep(layout, 'lr-search', { metric: 'acc' });
  assert.equal(acc.objective.goal, 'maximize', 'the goal follows the metric');
  const missing = await readSweep(layout, 'lr-search', { metric: 'f1' });
  assert.equal(missing.objective.metric, 'loss');
  assert.match(missing.warnings[0], /no trial reports f1/);

  const csv = sweepCsv(sweep).split('\r\n');
  assert.equal(csv[0], 'trial,run,status,pruned,dropout,layers,lr,optimizer,loss (last)');
  assert.match(csv[4], /^4,lr-search-003,cancelled,yes,/);
  assert.match(csv[1], /,(adam|sgd),[\d.]+$/);
});

test('a small sweep: no importance with fewer than 4 scored trials, a trial without the metric is reported', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'a', { params: { lr: 0.1 }, tags: ['sweep:s'], metricLines: ['{"step":0,"loss":1}'] });
  await writeRun(layout, 'b', { params: { lr: 0.2 }, tags: ['sweep:s'] });
  const sweep = await readSweep(layout, 's');
  assert.equal(sweep.importance.params.length, 0);
  assert.match(sweep.importance.reason!, /at least 4 unpruned trials.*has 1/);
  assert.deepEqual(sweep.warnings, ['1 trial has not reported loss']);
  assert.equal(sweep.history.length, 1);
});

test('an unknown sweep is a not-found error that lists the sweeps there are', async () => {
  const layout = await tempWorkspace();
  await writeRun(layout, 'a', { tags: ['sweep:known'] });
  await assert.rejects(readSweep(layout, 'nope'), (e: Error & { code?: string; hint?: string }) => e.code === 'not-found' && /sweep:nope/.test(e.message) && /known/.test(e.hint ?? ''));
  const empty = buildSweep('empty', []);
  assert.deepEqual([empty.trials, empty.history, empty.bestRunId], [[], [], null]);
});

test('runs started with `lathe run --tag sweep:<name> --param ...` form a sweep, their reported metrics its intermediate values', async () => {
  const layout = await tempWorkspace();
  for (const [lr, pruned] of [[0.1, false], [0.01, true]] as const) {
    // the script reports three steps of a loss that depends on lr, through the stdout metric prefix
    const script = `for (let s = 0; s < 3; s++) console.log('::lathe-metric::' + JSON.stringify({ step: s, loss: ${lr} * 10 + 1 / (s + 1) }))`;
    const result = await runCli(['run', '--tag', 'sweep:cli', ...(pruned ? ['--tag', 'pruned'] : []), '--param', `lr=${lr}`, '--', process.execPath, '-e', script], layout.root);
    assert.equal(result.code, 0, result.stderr);
  }
  const sweep = await readSweep(layout, 'cli');
  assert.deepEqual(sweep.trials.map((t) => [t.values[0], t.pruned, t.steps, t.objective]), [
    [0.1, false, [0, 1, 2], 0.1 * 10 + 1 / 3],
    [0.01, true, [0, 1, 2], 0.01 * 10 + 1 / 3],
  ]);
});
