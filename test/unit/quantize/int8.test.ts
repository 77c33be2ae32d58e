import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { quantizeWeight, type WeightType } from '../../../src/core/quantize/int8';

// Expected values from the JavaScript quantizer int8.ts had before int8.wat, kept as literals.

const q = (data: number[], rows: number, cols: number, perChannel: boolean, type: WeightType) => {
  const w = quantizeWeight(Float32Array.from(data), rows, cols, perChannel, type);
  return { values: [...w.values], scales: [...w.scales], zeroPoints: [...w.zeroPoints] };
};

test('int8 and uint8 round exact .5 ties to even, clamp, and quantize NaN and -0 to the zero point or 0', () => {
  // [7, 2]: absmax 127 gives int8 scale 1, so x / scale are the ties themselves
  const ties = [127, -127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, NaN, 3.4999998, -0, 126.5, -126.5, 0];
  const int8 = { values: [127, -127, 0, 2, 2, 0, -2, -2, 0, 3, 0, 126, -126, 0], scales: [1], zeroPoints: [0] };
  assert.deepEqual(q(ties, 7, 2, false, 'int8'), int8);
  assert.deepEqual(q(ties, 7, 2, true, 'int8'), { ...int8, scales: [1, 1], zeroPoints: [0, 0] });
  assert.deepEqual(q(ties, 7, 2, false, 'uint8'), {
    values: [255, 0, 129, 130, 131, 127, 126, 125, 0, 132, 128, 255, 1, 128],
    scales: [0.9960784316062927],
    zeroPoints: [128],
  });
  assert.deepEqual(q(ties, 7, 2, true, 'uint8'), {
    values: [255, 0, 128, 130, 130, 127, 125, 125, 0, 132, 127, 255, 0, 128],
    scales: [0.9941176176071167, 0.9941176176071167],
    zeroPoints: [127, 128],
  });
  // [0, 255] gives uint8 scale 1 and zero point 0
  assert.deepEqual(q([0, 255, 0.5, 1.5, 2.5, 253.5, 254.5, 127.5, 128.5, NaN], 10, 1, false, 'uint8'), {
    values: [0, 255, 0, 2, 2, 254, 254, 128, 128, 0],
    scales: [1],
    zeroPoints: [0],
  });
});

test('int8 and uint8 of infinite weights: infinite scales, everything 0 but where a finite range remains', () => {
  const inf = [Infinity, 1, -2, 0.5];
  assert.deepEqual(q(inf, 2, 2, false, 'int8'), { values: [0, 0, 0, 0], scales: [Infinity], zeroPoints: [0] });
  assert.deepEqual(q(inf, 2, 2, true, 'uint8'), { values: [0, 255, 0, 127], scales: [Infinity, 0.003921568859368563], zeroPoints: [0, 0] });
  const both = [-Infinity, 1, -2, 0.5, Infinity];
  assert.deepEqual(q(both, 1, 5, false, 'uint8'), { values: [0, 0, 0, 0, 0], scales: [Infinity], zeroPoints: [0] });
  assert.deepEqual(q(both, 5, 1, false, 'int8'), { values: [0, 0, 0, 0, 0], scales: [Infinity], zeroPoints: [0] });
});

test('int8 and uint8 of zero, subnormal, single-value and empty weights', () => {
  assert.deepEqual(q([0, -0, 0, 0, -0], 5, 1, false, 'uint8'), { values: [0, 0, 0, 0, 0], scales: [1], zeroPoints: [0] });
  assert.deepEqual(q([1e-40, -1e-40, 0], 1, 3, true, 'int8'), { values: [0, 0, 0], scales: [1, 1, 1], zeroPoints: [0, 0, 0] });
  assert.deepEqual(q([-0.3], 1, 1, false, 'uint8'), { values: [0], scales: [0.0011764706578105688], zeroPoints: [255] });
  assert.deepEqual(q([-0.3], 1, 1, true, 'int8'), { values: [-127], scales: [0.0023622047156095505], zeroPoints: [0] });
  assert.deepEqual(q([], 0, 3, true, 'int8'), { values: [], scales: [1, 1, 1], zeroPoints: [0, 0, 0] });
  assert.deepEqual(q([], 0, 3, false, 'uint8'), { values: [], scales: [1], zeroPoints: [0] });
});

test('int8 and uint8 of random weights of many shapes (columns not a multiple of 4, several kernel calls) are those of the JavaScript quantizer', () => {
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const hash = createHash('sha256');
  const shapes = [[1, 1], [3, 5], [7, 3], [9, 4], [33, 17], [5000, 3], [3, 5000], [257, 129], [1, 4097], [300, 301], [1000, 70], [70001, 1], [1, 70001], [2, 65537]];
  for (const [rows, cols] of shapes) {
    // a few outliers widen some columns' ranges
    const data = Float32Array.from({ length: rows * cols }, () => (random() - 0.4) * 3 * (random() < 0.01 ? 100 : 1));
    for (const perChannel of [false, true]) {
      for (const type of ['int8', 'uint8'] as const) {
        const w = quantizeWeight(data, rows, cols, perChannel, type);
        hash.update(new Uint8Array(w.values.buffer)).update(new Uint8Array(Float32Array.from(w.scales).buffer)).update(new Uint8Array(w.zeroPoints.buffer));
      }
    }
  }
  assert.equal(hash.digest('hex'), '49896c2c721319b5c306a8da00b686b33d9a52829c5f249c99ac97cb88a220e9');
});
