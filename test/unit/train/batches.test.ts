import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { BatchPrefetch, gather, type Table } from '../../../src/core/train/batches';
import { trainModel } from '../../../src/core/train/loop';
import { digits } from './sklearn';

const table: Table = {
  input: { data: Float32Array.from({ length: 50 * 6 }, (_, i) => Math.sin(i)), shape: [2, 3] },
  weights: { data: Float64Array.from({ length: 50 }, (_, i) => i / 7), shape: [] },
  labels: { data: BigInt64Array.from({ length: 50 }, (_, i) => BigInt(i % 4)), shape: [] },
};
const names = ['input', 'weights', 'labels'];

test('the prefetch worker gathers the same tensors as gather(), batches of any size, in request order', async () => {
  const prefetch = BatchPrefetch.start(table, names);
  try {
    const groups = [[[3, 1, 4], [1, 5], [9]], [[49, 0, 26, 5, 35]]];
    const pending = groups.map((g) => prefetch.request(g));
    for (const [g, feeds] of (await Promise.all(pending)).entries()) {
      assert.equal(feeds.length, groups[g].length);
      feeds.forEach((batch, b) => {
        const expected = gather(table, names, groups[g][b]);
        for (const name of names) {
          assert.deepEqual(batch[name].dims, expected[name].dims, `${name} dims`);
          assert.equal(batch[name].type, expected[name].type);
          assert.deepEqual(Array.from(batch[name].data as Float32Array), Array.from(expected[name].data as Float32Array), `${name} of batch ${b}`);
        }
      });
    }
  } finally {
    await prefetch.close();
  }
  await assert.rejects(prefetch.request([[0]]), /closed/);
});

test('training with the prefetch worker is the same as without it', async () => {
  const options = {
    loss: { kind: 'cross-entropy' as const }, optimizer: { kind: 'sgd' as const, momentum: 0.9 },
    epochs: 2, batchSize: 64, seed: 3, lr: 0.05, validationFraction: 0.2, threads: 1,
  };
  const model = buildMlp({ inputSize: 64, hidden: [16], outputSize: 10, seed: 2 });
  const withWorker = await trainModel(model, digits(), { ...options, prefetch: true });
  const without = await trainModel(model, digits(), { ...options, prefetch: false });
  assert.deepEqual(withWorker.history, without.history);
  assert.deepEqual(withWorker.weights, without.weights);
});
