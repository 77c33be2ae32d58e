// A small CNN (Conv, BatchNormalization, Relu, MaxPool, AveragePool, Flatten, Gemm) trained end to end on real images.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { seededRandom } from '../../../src/core/onnx/random';
import { trainModel } from '../../../src/core/train/loop';

function digitImages(): { x: Float32Array; y: BigInt64Array } {
  const rows = gunzipSync(readFileSync('/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz')).toString().trim().split('\n').map((l) => l.split(',').map(Number));
  const x = new Float32Array(rows.length * 64);
  rows.forEach((r, i) => x.set(r.slice(0, 64).map((v) => v / 16), i * 64));
  return { x, y: BigInt64Array.from(rows.map((r) => BigInt(r[64]))) };
}

/** input [batch,1,8,8] -> Conv 3x3 (8) -> BatchNorm -> Relu -> MaxPool 2 -> Conv 3x3 (16) -> Relu -> AveragePool 2 -> Flatten -> Gemm 10. */
function smallCnn(seed: number) {
  const random = seededRandom(seed);
  const uniform = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) / Math.sqrt(fanIn));
  return new GraphBuilder('cnn')
    .input('input', 'float32', ['batch', 1, 8, 8])
    .initializer('c1.w', uniform(8 * 9, 9), [8, 1, 3, 3]).initializer('c1.b', new Float32Array(8), [8])
    .initializer('bn.scale', new Float32Array(8).fill(1), [8]).initializer('bn.bias', new Float32Array(8), [8])
    .initializer('bn.mean', new Float32Array(8).fill(0.1), [8]).initializer('bn.var', new Float32Array(8).fill(0.5), [8])
    .initializer('c2.w', uniform(16 * 8 * 9, 72), [16, 8, 3, 3]).initializer('c2.b', new Float32Array(16), [16])
    .initializer('fc.w', uniform(10 * 16 * 4, 64), [10, 64]).initializer('fc.b', new Float32Array(10), [10])
    .node('Conv', ['input', 'c1.w', 'c1.b'], ['c1'], { pads: [1, 1, 1, 1] })
    .node('BatchNormalization', ['c1', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], ['bn'])
    .node('Relu', ['bn'], ['r1'])
    .node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] })
    .node('Conv', ['p1', 'c2.w', 'c2.b'], ['c2'], { pads: [1, 1, 1, 1] })
    .node('Relu', ['c2'], ['r2'])
    .node('AveragePool', ['r2'], ['p2'], { kernel_shape: [2, 2], strides: [2, 2] })
    .node('Flatten', ['p2'], ['flat'])
    .node('Gemm', ['flat', 'fc.w', 'fc.b'], ['logits'], { transB: 1 })
    .output('logits', 'float32', ['batch', 10])
    .build();
}

test('a small CNN learns the digits images; BatchNormalization statistics stay frozen', async () => {
  const { x, y } = digitImages();
  const forward = smallCnn(4);
  const result = await trainModel(forward, { input: { data: x, shape: [1, 8, 8] }, labels: { data: y, shape: [] } }, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 }, epochs: 4, batchSize: 32, seed: 9, lr: 0.01,
  });
  const last = result.history.at(-1)!;
  assert.ok(last.valAccuracy! >= 0.9, `validation accuracy ${last.valAccuracy}`);
  assert.ok(!result.weights.has('bn.mean') && !result.weights.has('bn.var'), 'running statistics are not trained');
  assert.ok(result.weights.has('c1.w') && result.weights.has('bn.scale'));
});
