import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { trainModel } from '../../../src/core/train/loop';
import type { OptimizerSpec } from '../../../src/core/train/optimizers';
import { initialWeights, TrainingSession, type FloatArray, type StepResult } from '../../../src/core/train/session';
import { buildStepModel } from '../../../src/core/train/step';
import { stepValue, unrollSteps } from '../../../src/core/train/unroll';
import { digits } from './sklearn';

const forward = buildMlp({ inputSize: 12, hidden: [16], outputSize: 4, seed: 3 });

/** Batch `i`: 8 rows of deterministic inputs and labels, different for every i. */
function batch(i: number): Record<string, ort.Tensor> {
  return {
    input: new ort.Tensor('float32', Float32Array.from({ length: 8 * 12 }, (_, j) => Math.sin(i * 97 + j * 0.37)), [8, 12]),
    labels: new ort.Tensor('int64', BigInt64Array.from({ length: 8 }, (_, j) => BigInt((i + j) % 4)), [8]),
  };
}

function assertClose(actual: Map<string, FloatArray>, expected: Map<string, FloatArray>, what: string): void {
  for (const [name, e] of expected) {
    const a = actual.get(name)!;
    let worst = 0;
    for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i] - e[i]) / (1e-3 + Math.abs(e[i])));
    assert.ok(worst < 1e-5, `${what}: ${name} differs by ${worst} (relative)`);
  }
}

for (const optimizer of [{ kind: 'sgd' }, { kind: 'sgd', momentum: 0.9 }, { kind: 'adamw', weightDecay: 0.01 }] as OptimizerSpec[]) {
  test(`${JSON.stringify(optimizer)}: 4 steps in one run update the weights as 4 runs of one step (a learning rate per step)`, async () => {
    const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer, clipNorm: optimizer.kind === 'adamw' ? 1 : undefined });
    const lrs = [0.1, 0.05, 0.02, 0.01];
    const one = await TrainingSession.create(step, initialWeights(forward, step), { stepsPerRun: 1 });
    const four = await TrainingSession.create(step, initialWeights(forward, step), { stepsPerRun: 4 });
    assert.equal(four.stepsPerRun, 4);
    const expected: StepResult[] = [];
    // twice: the second group starts from carried weights and optimizer state (and AdamW's step count 5..8)
    for (let round = 0; round < 2; round++) {
      const batches = [0, 1, 2, 3].map((i) => batch(round * 4 + i));
      for (const [i, b] of batches.entries()) expected.push(await one.run(b, lrs[i]));
      const got = await four.runSteps(batches, lrs);
      assert.equal(got.length, 4);
      got.forEach((r, i) => assert.ok(Math.abs(r.loss - expected[round * 4 + i].loss) < 1e-5, `loss of step ${round * 4 + i}: ${r.loss} vs ${expected[round * 4 + i].loss}`));
      assertClose(four.weights(), one.weights(), `after ${round * 4 + 4} steps`);
    }
    // fewer batches than a run holds are trained one by one, with the same result
    const rest = [batch(8), batch(9)];
    for (const b of rest) await one.run(b, 0.01);
    assert.equal((await four.runSteps(rest, [0.01, 0.01])).length, 2);
    assertClose(four.weights(), one.weights(), 'after a partial group');
    await one.release();
    await four.release();
  });
}

test('the unrolled model names per-step inputs and outputs by step; parameters cross once', () => {
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 } });
  const graph = unrollSteps(step, 3)!.graph!;
  const inputs = graph.input!.map((i) => i.name);
  const outputs = graph.output!.map((o) => o.name);
  for (const p of step.trainable) {
    assert.equal(inputs.filter((n) => n === p.name).length, 1);
    assert.equal(outputs.filter((n) => n === step.carried.get(p.name)).length, 1);
  }
  for (const i of [0, 1, 2]) {
    for (const name of ['input', 'labels', 'lr', 'step']) assert.ok(inputs.includes(stepValue(name, i)), `${stepValue(name, i)} in ${inputs.join(' ')}`);
    assert.ok(outputs.includes(stepValue('loss', i)));
  }
  assert.equal(graph.node!.length, 3 * step.model.graph!.node!.length);
});

test('a step graph with a subgraph (If/Loop body) is not unrolled, and trains one step per run', async () => {
  const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd' } });
  const body = onnx.GraphProto.create({ name: 'body' });
  step.model.graph!.node!.push(onnx.NodeProto.create({ opType: 'If', attribute: [onnx.AttributeProto.create({ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body })] }));
  assert.equal(unrollSteps(step, 4), undefined);
});

test('trainModel trains the same with 1, 5 and 8 steps per run (45 batches an epoch, the last of 29 rows: in a run of 5, alone after runs of 8)', async () => {
  const options = {
    loss: { kind: 'cross-entropy' as const }, optimizer: { kind: 'sgd' as const, momentum: 0.9 },
    epochs: 2, batchSize: 32, seed: 7, lr: (step: number) => 0.05 / (1 + step / 50), validationFraction: 0.2,
  };
  const model = buildMlp({ inputSize: 64, hidden: [32], outputSize: 10, seed: 4 });
  const losses = (into: number[]) => ({ onStep: (m: { loss: number }) => into.push(m.loss) });
  const a: number[] = [];
  const one = await trainModel(model, digits(), { ...options, ...losses(a), stepsPerRun: 1 });
  assert.equal(a.length, 2 * 45);
  for (const k of [5, 8]) {
    const b: number[] = [];
    const grouped = await trainModel(model, digits(), { ...options, ...losses(b), stepsPerRun: k });
    assert.equal(b.length, a.length);
    b.forEach((loss, i) => assert.ok(Math.abs(loss - a[i]) < 1e-4, `${k} steps per run, step ${i}: ${loss} vs ${a[i]}`));
    assertClose(grouped.weights, one.weights, `${k} steps per run, after two epochs`);
  }
});

test('large models train one step per run: frozen weights (a LoRA base) or carried tensors past the limits', async () => {
  const stepsPerRun = async (model: onnx.ModelProto, trainable?: string[], momentum = 0.9) => {
    const step = buildStepModel(model, { loss: { kind: 'cross-entropy' }, optimizer: { kind: 'sgd', momentum }, trainable });
    const session = await TrainingSession.create(step, initialWeights(model, step), { stepsPerRun: 8 });
    await session.release();
    return session.stepsPerRun;
  };
  const big = buildMlp({ inputSize: 2048, hidden: [1100], outputSize: 4, seed: 1 });
  assert.equal(await stepsPerRun(big, big.graph!.initializer!.map((t) => t.name!).filter((n) => n.startsWith('fc1'))), 1, '9 MB of frozen fc0 weights');
  assert.equal(await stepsPerRun(big), 1, '9 MB of weights and 9 MB of momentum to update');
  assert.equal(await stepsPerRun(big, undefined, 0), 8, '9 MB of weights to update, no optimizer state');
  assert.equal(await stepsPerRun(forward), 8, 'a small model');
});
