// A small CNN (Conv, BatchNormalization, Relu, MaxPool, AveragePool, Flatten, Gemm) trained end to end on real images.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildSmallCnn } from '../../../src/core/distill/students';
import { trainModel } from '../../../src/core/train/loop';

function digitImages(): { x: Float32Array; y: BigInt64Array } {
  const rows = gunzipSync(readFileSync('/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz')).toString().trim().split('\n').map((l) => l.split(',').map(Number));
  const x = new Float32Array(rows.length * 64);
  rows.forEach((r, i) => x.set(r.slice(0, 64).map((v) => v / 16), i * 64));
  return { x, y: BigInt64Array.from(rows.map((r) => BigInt(r[64]))) };
}

test('a small CNN learns the digits images; BatchNormalization statistics stay frozen', async () => {
  const { x, y } = digitImages();
  const forward = buildSmallCnn({ inputName: 'input', rowShape: [1, 8, 8], outputName: 'logits', classes: 10 }, 4);
  const result = await trainModel(forward, { input: { data: x, shape: [1, 8, 8] }, labels: { data: y, shape: [] } }, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 }, epochs: 4, batchSize: 32, seed: 9, lr: 0.01,
  });
  const last = result.history.at(-1)!;
  assert.ok(last.valAccuracy! >= 0.9, `validation accuracy ${last.valAccuracy}`);
  assert.ok(!result.weights.has('bn.mean') && !result.weights.has('bn.var'), 'running statistics are not trained');
  assert.ok(result.weights.has('c1.w') && result.weights.has('bn.scale'));
});
