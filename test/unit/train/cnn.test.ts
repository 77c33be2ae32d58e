// A small CNN (Conv, BatchNormalization, Relu, MaxPool, AveragePool, Flatten, Gemm) trained end to end on real images.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSmallCnn } from '../../../src/core/distill/students';
import { trainModel } from '../../../src/core/train/loop';
import { digits } from './sklearn';

test('a small CNN learns the digits images; BatchNormalization statistics stay frozen', async () => {
  const forward = buildSmallCnn({ inputName: 'input', rowShape: [1, 8, 8], outputName: 'logits', classes: 10 }, 4);
  const result = await trainModel(forward, digits([1, 8, 8]), {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 }, epochs: 4, batchSize: 32, seed: 9, lr: 0.01,
  });
  const last = result.history.at(-1)!;
  assert.ok(last.valAccuracy! >= 0.9, `validation accuracy ${last.valAccuracy}`);
  assert.ok(!result.weights.has('bn.mean') && !result.weights.has('bn.var'), 'running statistics are not trained');
  assert.ok(result.weights.has('c1.w') && result.weights.has('bn.scale'));
});
