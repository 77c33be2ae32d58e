import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../../src/core/onnx/model';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { trainModel, type Table } from '../../../src/core/train/loop';
import { LatheError } from '../../../src/core/workspace/errors';
import { digits, iris } from './sklearn';

test('an MLP learns the digits data set with AdamW (fixed seed, reproducible), and the exported model agrees', async () => {
  const table = digits();
  const forward = buildMlp({ inputSize: 64, hidden: [64], outputSize: 10, seed: 1 });
  const steps: number[] = [];
  const options = {
    loss: { kind: 'cross-entropy' as const }, optimizer: { kind: 'adamw' as const, weightDecay: 1e-4 },
    epochs: 12, batchSize: 32, seed: 42, lr: 0.005, validationFraction: 0.2,
  };
  const result = await trainModel(forward, table, { ...options, onStep: (m) => steps.push(m.loss) });
  const last = result.history[result.history.length - 1];
  assert.ok(last.valAccuracy! >= 0.95, `validation accuracy ${last.valAccuracy}`);
  assert.ok(result.history[0].loss > 2 * last.loss, 'the training loss fell');
  assert.equal(steps.length, 12 * Math.ceil(Math.round(1797 * 0.8) / 32));

  const again = await trainModel(forward, table, options);
  assert.deepEqual(again.history, result.history, 'the same seed gives the same run');

  // the exported inference model, run on its own, classifies the whole set as well as training reported
  const session = await ort.InferenceSession.create(encodeModel(result.model));
  const out = await session.run({ input: new ort.Tensor('float32', table.input.data as Float32Array, [1797, 64]) });
  const logits = out.logits.data as Float32Array;
  const labels = table.labels.data as BigInt64Array;
  let correct = 0;
  for (let i = 0; i < 1797; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    if (BigInt(row.indexOf(Math.max(...row))) === labels[i]) correct++;
  }
  assert.ok(correct / 1797 >= 0.95, `exported model accuracy ${correct / 1797}`);
  assert.deepEqual(result.model.graph!.node!.map((n) => n.opType), forward.graph!.node!.map((n) => n.opType), 'the export is the clean forward graph');
  await session.release();
});

test('iris with SGD momentum and a step-decay learning-rate schedule', async () => {
  const seen = new Set<number>();
  const result = await trainModel(buildMlp({ inputSize: 4, hidden: [16], outputSize: 3, seed: 5 }), iris(), {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd', momentum: 0.9 }, clipNorm: 5,
    epochs: 60, batchSize: 16, seed: 3, validationFraction: 0.2,
    lr: (_step, epoch) => (epoch < 40 ? 0.05 : 0.01),
    onStep: (m) => seen.add(m.lr),
  });
  assert.deepEqual([...seen], [0.05, 0.01]);
  assert.ok(result.history[result.history.length - 1].valAccuracy! >= 0.9, JSON.stringify(result.history.at(-1)));
});

test('early stopping keeps the best epoch\'s weights', async () => {
  // few rows and a large model overfit quickly, so the validation loss turns up
  const full = iris();
  const rows = 40;
  const table: Table = {
    input: { data: (full.input.data as Float32Array).filter((_, i) => Math.floor(i / 4) % 4 === 0).slice(0, rows * 4), shape: [4] },
    labels: { data: (full.labels.data as BigInt64Array).filter((_, i) => i % 4 === 0).slice(0, rows), shape: [] },
  };
  const result = await trainModel(buildMlp({ inputSize: 4, hidden: [64, 64], outputSize: 3, seed: 2 }), table, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 }, epochs: 300, batchSize: 8, seed: 1,
    validationFraction: 0.5, lr: 0.03, earlyStopping: { patience: 5 },
  });
  assert.ok(result.stoppedEarly, `stopped after ${result.history.length} epochs`);
  assert.equal(result.history.length, result.bestEpoch + 6);
  const bestLoss = Math.min(...result.history.map((h) => h.valLoss!));
  assert.equal(result.history[result.bestEpoch].valLoss, bestLoss);
});

test('a missing column and a table of the wrong length are clear errors', async () => {
  const forward = buildMlp({ inputSize: 4, hidden: [], outputSize: 3, seed: 1 });
  const base = { loss: { kind: 'cross-entropy' as const }, optimizer: { kind: 'sgd' as const }, epochs: 1, batchSize: 4, seed: 1, lr: 0.1 };
  const input = { data: new Float32Array(40), shape: [4] };
  await assert.rejects(trainModel(forward, { input }, base), (e: unknown) => e instanceof LatheError && e.code === 'missing-column' && /'labels'/.test(e.message));
  const labels = { data: new BigInt64Array(9), shape: [] };
  await assert.rejects(trainModel(forward, { input, labels }, base), (e: unknown) => e instanceof LatheError && e.code === 'bad-table');
  const outOfRange = { data: BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i % 4)), shape: [] };
  await assert.rejects(trainModel(forward, { input, labels: outOfRange }, base), (e: unknown) =>
    e instanceof LatheError && e.code === 'bad-table' && /label 3 in row 4/.test(e.message));
});

test('a learning rate that blows up stops with a clear error', async () => {
  const { input } = iris();
  const x = input.data as Float32Array;
  // regression of petal width from the four measurements, with a step size far beyond stable
  const targets = { data: Float32Array.from({ length: 150 }, (_, i) => x[i * 4 + 3]), shape: [1] };
  await assert.rejects(
    trainModel(buildMlp({ inputSize: 4, hidden: [8], outputSize: 1, seed: 1 }), { input, targets }, {
      loss: { kind: 'mse' }, optimizer: { kind: 'sgd' }, epochs: 50, batchSize: 150, seed: 1, validationFraction: 0, lr: 5,
    }),
    (e: unknown) => e instanceof LatheError && e.code === 'diverged' && /lower the learning rate/.test(e.hint ?? ''),
  );
});

test('training stops at the next step once its signal is aborted', async () => {
  const controller = new AbortController();
  let steps = 0;
  await assert.rejects(
    trainModel(buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 1 }), iris(), {
      loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, epochs: 50, batchSize: 10, seed: 1, lr: 0.1, signal: controller.signal,
      onStep: () => {
        if (++steps === 3) controller.abort();
      },
    }),
    (e: unknown) => e instanceof LatheError && e.code === 'cancelled',
  );
  assert.equal(steps, 3);
});

test('early stopping without a validation split is refused', async () => {
  await assert.rejects(
    trainModel(buildMlp({ inputSize: 4, hidden: [], outputSize: 3, seed: 1 }), iris(), {
      loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' }, epochs: 5, batchSize: 10, seed: 1, lr: 0.1, validationFraction: 0, earlyStopping: { patience: 2 },
    }),
    (e: unknown) => e instanceof LatheError && e.code === 'bad-options',
  );
});
