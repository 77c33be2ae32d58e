import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHue, runHues } from '../../../src/core/charts/colors';
import { smoothEma } from '../../../src/core/charts/smoothing';

test('smoothEma matches a hand-computed debiased EMA', () => {
  // weight 0.5: averages 0.5, 1.25, 2.125 divided by 1-0.5, 1-0.25, 1-0.125
  const out = smoothEma([1, 2, 3], 0.5);
  const expected = [1, 1.25 / 0.75, 2.125 / 0.875];
  out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `${v} vs ${expected[i]}`));
});

test('smoothEma: a constant stays constant (debiasing), weight 0 is the identity, non-finite values pass through', () => {
  assert.ok(smoothEma([4, 4, 4, 4], 0.9).every((v) => Math.abs(v - 4) < 1e-12));
  assert.deepEqual(smoothEma([3, 1, 2], 0), [3, 1, 2]);
  const out = smoothEma([1, NaN, 3], 0.5);
  assert.ok(Number.isNaN(out[1]));
  // the NaN is skipped: the third value is smoothed as if it followed the first directly
  assert.equal(out[2], smoothEma([1, 3], 0.5)[1]);
});

test('runHue is stable per run id, in [0, 360), and spreads different ids', () => {
  assert.equal(runHue('20260101-abc'), runHue('20260101-abc'));
  const hues = Array.from({ length: 60 }, (_, i) => runHue(`run-${i}`));
  assert.ok(hues.every((h) => Number.isInteger(h) && h >= 0 && h < 360));
  assert.ok(new Set(hues.map((h) => Math.floor(h / 30))).size >= 10, 'hues cluster in few twelfths of the circle');
});

test('runHues keeps run colours apart when shown together, independent of order', () => {
  const ids = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const hues = runHues(ids);
  const values = [...hues.values()];
  const distance = (a: number, b: number) => Math.min(Math.abs(a - b), 360 - Math.abs(a - b));
  for (let i = 0; i < values.length; i++) for (let j = i + 1; j < values.length; j++) assert.ok(distance(values[i], values[j]) >= 22, `${values[i]} vs ${values[j]}`);
  assert.deepEqual(runHues([...ids].reverse()), hues);
  assert.equal(runHues(['solo']).get('solo'), runHue('solo'));
  assert.equal(runHues(Array.from({ length: 100 }, (_, i) => `r${i}`)).size, 100);
});
