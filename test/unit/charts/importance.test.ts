import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fanovaImportance } from '../../../src/core/charts/importance';
import { seededRandom } from '../../../src/core/onnx/random';

/** `n` points uniform in the unit cube of `d` dimensions and f at each (plus uniform noise of `noise` amplitude). */
function sample(n: number, d: number, f: (x: number[]) => number, noise: number, seed = 7): { X: number[][]; y: number[] } {
  const random = seededRandom(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: d }, () => random()));
  return { X, y: X.map((x) => f(x) + noise * (random() - 0.5)) };
}

test('additive f = 10·x1 + 1·x2 + 0·x3 + noise: x1 explains ~99% of the variance, x2 ~1%, x3 nothing', () => {
  const { X, y } = sample(200, 3, ([x1, x2]) => 10 * x1 + x2, 0.5);
  const { main, interactions } = fanovaImportance(X, y);
  const [i1, i2, i3] = main;
  assert.ok(i1 > i2 && i2 > i3, `order x1 > x2 > x3: ${main}`);
  // analytic shares of the noiseless function: 100/101 and 1/101
  assert.ok(Math.abs(i1 - 100 / 101) < 0.05, `x1 ${i1}`);
  assert.ok(i2 > 0.002 && i2 < 0.05, `x2 ${i2}`);
  assert.ok(i3 < 0.005, `x3 ${i3}`);
  assert.ok(interactions < 0.05, `interactions ${interactions}`);
});

test('interaction f = x1·x2: equal main effects of 3/7 each, 1/7 left to the interaction, x3 nothing', () => {
  // Var(x1·x2) = 1/9 - 1/16 = 7/144; each main effect Var(x/2) = 1/48 = 3/7 of it
  const { X, y } = sample(300, 3, ([x1, x2]) => x1 * x2, 0);
  const { main, interactions } = fanovaImportance(X, y);
  const [i1, i2, i3] = main;
  assert.ok(Math.abs(i1 - 3 / 7) < 0.08, `x1 ${i1}`);
  assert.ok(Math.abs(i2 - 3 / 7) < 0.08, `x2 ${i2}`);
  assert.ok(Math.abs(i1 - i2) < 0.08, `x1 and x2 alike: ${main}`);
  assert.ok(i3 < 0.01, `x3 ${i3}`);
  assert.ok(interactions > 0.05 && interactions < 0.3, `interactions ${interactions}`);
});

test('a pure interaction (x1 - ½)·(x2 - ½) has no main effects: the variance goes to interactions', () => {
  const { X, y } = sample(400, 2, ([x1, x2]) => (x1 - 0.5) * (x2 - 0.5), 0);
  const { main, interactions } = fanovaImportance(X, y);
  assert.ok(main.every((m) => m < 0.15), `main ${main}`);
  assert.ok(interactions > 0.7, `interactions ${interactions}`);
});

test('deterministic for a seed; a constant objective or a single trial explains nothing', () => {
  const { X, y } = sample(50, 2, ([x1]) => x1, 0.1);
  assert.deepEqual(fanovaImportance(X, y, { seed: 3 }), fanovaImportance(X, y, { seed: 3 }));
  assert.deepEqual(fanovaImportance(X, X.map(() => 1)), { main: [0, 0], interactions: 0 });
  assert.deepEqual(fanovaImportance([[0.5, 0.5]], [1]), { main: [0, 0], interactions: 0 });
});
