import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsampleIndices, lttb } from '../../../src/core/charts/lttb';

/** LTTB written from the paper's description, as plainly as possible: explicit buckets, then brute force per bucket. */
function referenceLttb(xs: number[], ys: number[], threshold: number): number[] {
  const n = xs.length;
  const every = (n - 2) / (threshold - 2);
  const buckets: number[][] = [];
  for (let b = 0; b < threshold - 2; b++) {
    const members: number[] = [];
    for (let i = 1; i < n - 1; i++) if (Math.floor(b * every) + 1 <= i && i < Math.floor((b + 1) * every) + 1) members.push(i);
    buckets.push(members);
  }
  buckets.push([n - 1]);
  const kept = [0];
  for (let b = 0; b < threshold - 2; b++) {
    const next = buckets[b + 1];
    const ax = xs[kept[kept.length - 1]];
    const ay = ys[kept[kept.length - 1]];
    const cx = next.reduce((s, i) => s + xs[i], 0) / next.length;
    const cy = next.reduce((s, i) => s + ys[i], 0) / next.length;
    const area = (i: number) => Math.abs(ax * (ys[i] - cy) + xs[i] * (cy - ay) + cx * (ay - ys[i])) / 2;
    kept.push(buckets[b].reduce((best, i) => (area(i) > area(best) ? i : best)));
  }
  kept.push(n - 1);
  return kept;
}

function noisy(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, (_, i) => Math.sin(i / 17) + ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32));
}

test('lttb picks the same points as a brute-force reference', () => {
  for (const [n, threshold, seed] of [[1000, 50, 1], [997, 100, 2], [120, 7, 3], [10_000, 640, 4]]) {
    const xs = Array.from({ length: n }, (_, i) => i * 2);
    const ys = noisy(n, seed);
    assert.deepEqual(lttb(xs, ys, threshold), referenceLttb(xs, ys, threshold), `n=${n} threshold=${threshold}`);
  }
});

test('lttb returns exactly threshold ascending indices, keeps the first and last point', () => {
  const ys = noisy(5000, 9);
  const xs = ys.map((_, i) => i);
  const kept = lttb(xs, ys, 300);
  assert.equal(kept.length, 300);
  assert.equal(kept[0], 0);
  assert.equal(kept[kept.length - 1], 4999);
  assert.ok(kept.every((v, i) => i === 0 || v > kept[i - 1]));
});

test('lttb keeps isolated spikes and dips of a flat series', () => {
  const ys = new Array(10_000).fill(1);
  ys[1234] = 50;
  ys[7777] = -50;
  const kept = lttb(ys.map((_, i) => i), ys, 100);
  assert.ok(kept.includes(1234) && kept.includes(7777));
});

test('lttb leaves short series alone and handles degenerate thresholds', () => {
  assert.deepEqual(lttb([0, 1, 2], [5, 6, 7], 10), [0, 1, 2]);
  assert.deepEqual(lttb([0, 1, 2, 3], [5, 6, 7, 8], 2), [0, 3]);
  assert.deepEqual(lttb([], [], 10), []);
});

test('downsampleIndices never exceeds maxPoints and always keeps the global minimum and maximum', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const ys = noisy(3000, seed);
    const xs = ys.map((_, i) => i);
    const kept = downsampleIndices(xs, ys, 40);
    assert.ok(kept.length <= 40, `seed ${seed}: ${kept.length} points`);
    assert.ok(kept.includes(ys.indexOf(Math.min(...ys))), `seed ${seed}: minimum dropped`);
    assert.ok(kept.includes(ys.indexOf(Math.max(...ys))), `seed ${seed}: maximum dropped`);
    assert.ok(kept.every((v, i) => i === 0 || v > kept[i - 1]));
  }
  assert.deepEqual(downsampleIndices([0, 1], [1, 2], 40), [0, 1]);
});
