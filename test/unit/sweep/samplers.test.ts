import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GridSampler, gridValues, RandomSampler, TpeSampler, type Observation, type ParamSpace, type Sampler } from '../../../src/core/sweep';

const lr: ParamSpace = { name: 'lr', kind: 'log_uniform', min: 1e-4, max: 1e-1 };

test('grid enumerates the product of values, steps and int ranges, then skips what was tried and ends', () => {
  const space: ParamSpace[] = [
    { name: 'opt', kind: 'categorical', values: ['sgd', 'adam'] },
    { name: 'depth', kind: 'int_uniform', min: 1, max: 3 },
    { name: 'drop', kind: 'uniform', min: 0, max: 0.3, step: 0.1 },
  ];
  assert.deepEqual(gridValues(space[2]), [0, 0.1, 0.2, 0.3]);
  const grid = new GridSampler(space);
  assert.equal(grid.size, 2 * 3 * 4);
  const history: Observation[] = [];
  for (let n = 1; n <= grid.size; n++) history.push({ params: grid.sample(n, history)!, state: 'complete', value: 0 });
  const seen = new Set(history.map((o) => JSON.stringify(o.params)));
  assert.equal(seen.size, 24, 'every combination once');
  assert.deepEqual(history[0].params, { opt: 'sgd', depth: 1, drop: 0 });
  assert.equal(grid.sample(25, history), undefined);
  assert.throws(() => new GridSampler([{ name: 'x', kind: 'uniform', min: 0, max: 1 }]), /grid search needs a finite set: parameter 'x'/);
});

test('random is seeded, in bounds, log-uniform spread evenly in log space, ints whole, choices from the values', () => {
  const space: ParamSpace[] = [lr, { name: 'n', kind: 'int_uniform', min: 2, max: 5 }, { name: 'act', kind: 'categorical', values: ['relu', 'tanh'] }];
  const a = new RandomSampler(space, 7);
  const draws = Array.from({ length: 2000 }, (_, i) => a.sample(i, []));
  assert.deepEqual(draws.slice(0, 5), Array.from({ length: 5 }, (_, i) => new RandomSampler(space, 7).sample(i, [])), 'same seed, same draws');
  assert.notDeepEqual(draws[0], new RandomSampler(space, 8).sample(0, []), 'another seed, other draws');
  const lrs = draws.map((d) => d.lr as number);
  assert.ok(lrs.every((v) => v >= 1e-4 && v <= 1e-1));
  // one third of the draws per decade: a linear draw would put 90% in the top decade
  for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1]]) {
    const share = lrs.filter((v) => v >= lo && v < hi).length / lrs.length;
    assert.ok(Math.abs(share - 1 / 3) < 0.05, `decade ${lo}: ${share}`);
  }
  const ns = draws.map((d) => d.n as number);
  assert.deepEqual([...new Set(ns)].sort(), [2, 3, 4, 5]);
  for (const k of [2, 5]) assert.ok(ns.filter((v) => v === k).length > 400, 'the end points are as likely as the middle');
  assert.deepEqual([...new Set(draws.map((d) => d.act))].sort(), ['relu', 'tanh']);
});

/** The best value found in `budget` sequential trials of `f` (minimised). */
function optimise(sampler: Sampler, f: (p: Record<string, unknown>) => number, budget: number): number {
  const history: Observation[] = [];
  for (let n = 1; n <= budget; n++) {
    const params = sampler.sample(n, history)!;
    history.push({ params, state: 'complete', value: f(params) });
  }
  return Math.min(...history.map((o) => o.value!));
}

test('TPE concentrates on the optimum of known functions, clearly better than random with the same budget and seeds', () => {
  // 2-D: a quadratic bowl at (0.3, -0.2) on [-1, 1]²; 1-D: the log learning rate's distance from 1e-3
  const bowl: ParamSpace[] = [{ name: 'x', kind: 'uniform', min: -1, max: 1 }, { name: 'y', kind: 'uniform', min: -1, max: 1 }];
  const fBowl = (p: Record<string, unknown>) => ((p.x as number) - 0.3) ** 2 + ((p.y as number) + 0.2) ** 2;
  const fLr = (p: Record<string, unknown>) => Math.abs(Math.log10(p.lr as number) + 3);
  for (const [space, f] of [[bowl, fBowl], [[lr], fLr]] as const) {
    let tpeWins = 0;
    const tpe: number[] = [];
    const rnd: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      tpe.push(optimise(new TpeSampler([...space], 'minimize', seed), f, 60));
      rnd.push(optimise(new RandomSampler([...space], seed), f, 60));
      if (tpe[tpe.length - 1] < rnd[rnd.length - 1]) tpeWins++;
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(tpeWins >= 8, `TPE won ${tpeWins}/10`);
    assert.ok(mean(tpe) < mean(rnd) / 3, `mean best: TPE ${mean(tpe)}, random ${mean(rnd)}`);
  }
});

test('TPE maximises when asked, learns categorical and integer parameters, and keeps to the bounds', () => {
  const space: ParamSpace[] = [{ name: 'k', kind: 'int_uniform', min: 1, max: 20 }, { name: 'c', kind: 'categorical', values: ['a', 'b', 'c', 'd'] }];
  const f = (p: Record<string, unknown>) => -Math.abs((p.k as number) - 14) + (p.c === 'c' ? 5 : 0);
  const sampler = new TpeSampler(space, 'maximize', 3);
  const history: Observation[] = [];
  for (let n = 1; n <= 50; n++) {
    const params = sampler.sample(n, history);
    assert.ok(Number.isInteger(params.k) && (params.k as number) >= 1 && (params.k as number) <= 20);
    history.push({ params, state: 'complete', value: f(params) });
  }
  const late = history.slice(30);
  assert.ok(late.filter((o) => o.params.c === 'c').length >= 12, 'mostly the best choice after the start-up trials');
  assert.ok(late.filter((o) => Math.abs((o.params.k as number) - 14) <= 3).length >= 12, 'mostly near the best integer');
});
