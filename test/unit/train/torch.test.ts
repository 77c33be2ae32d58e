// Whole-graph gradients and optimizer updates against PyTorch autograd and torch.optim (Debian's python3-torch).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { seededRandom } from '../../../src/core/onnx/random';
import type { OptimizerSpec } from '../../../src/core/train/optimizers';
import { initialWeights, TrainingSession } from '../../../src/core/train/session';
import { buildStepModel } from '../../../src/core/train/step';

const PYTHON = '/usr/bin/python3';
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0;
const skip = torchMissing ? 'PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch)' : false;

interface TorchResult {
  loss: number;
  grads: Record<string, number[]>;
  after: Record<string, number[]>[];
}

const forward = buildMlp({ inputSize: 6, hidden: [16, 8], outputSize: 4, seed: 3 });
const random = seededRandom(11);
const batch = 10;
const x = Float32Array.from({ length: batch * 6 }, () => 2 * random() - 1);
const labels = Array.from({ length: batch }, (_, i) => (i * 7) % 4);
const feeds = () => ({ input: new ort.Tensor('float32', x, [batch, 6]), labels: new ort.Tensor('int64', BigInt64Array.from(labels.map(BigInt)), [batch]) });

const step = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, gradients: true });
const weights = initialWeights(forward, step);
const dims = Object.fromEntries(step.trainable.map((p) => [p.name, p.dims]));
const lr = 0.05;
const optimizers: [string, OptimizerSpec, number | null][] = [
  ['SGD with momentum and weight decay', { kind: 'sgd', momentum: 0.9, weightDecay: 0.01 }, null],
  // without weight decay, SGD updates are fused into the gradient's Gemm: checked separately
  ['SGD (fused into Gemm)', { kind: 'sgd' }, null],
  ['SGD with momentum (fused into Gemm)', { kind: 'sgd', momentum: 0.8 }, null],
  ['AdamW', { kind: 'adamw', beta1: 0.8, beta2: 0.99, weightDecay: 0.05 }, null],
  ['AdamW with gradient clipping', { kind: 'adamw' }, 0.05],
];

/** One Python process answers every request: importing torch dominates its run time. */
function torchReference(): TorchResult[] {
  const base = {
    weights: Object.fromEntries([...weights].map(([n, v]) => [n, Array.from(v)])),
    dims, layers: 3, x: Array.from(x), x_dims: [batch, 6], labels, optimizer: null, steps: 0, lr, clip_norm: null,
  };
  const requests = [base, ...optimizers.map(([, optimizer, clipNorm]) => ({ ...base, optimizer, steps: 3, clip_norm: clipNorm }))];
  const out = execFileSync(PYTHON, [path.join(__dirname, 'torch_reference.py')], { input: JSON.stringify(requests), maxBuffer: 1 << 26 });
  return JSON.parse(out.toString()) as TorchResult[];
}

const reference = torchMissing ? [] : torchReference();

function assertClose(actual: ArrayLike<number>, expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * (1 + Math.abs(expected[i])), `${what}[${i}]: lathe ${actual[i]}, torch ${expected[i]}`);
  }
}

test('MLP softmax cross-entropy: loss and every gradient match PyTorch autograd', { skip }, async () => {
  const session = await TrainingSession.create(step, weights);
  const out = await session.runAll(feeds());
  const ref = reference[0];
  assertClose(out.loss, [ref.loss], 1e-6, 'loss');
  for (const p of step.trainable) assertClose(out[`grad:${p.name}`], ref.grads[p.name], 2e-6, `grad ${p.name}`);
  await session.release();
});

optimizers.forEach(([name, optimizer, clipNorm], i) => {
  test(`${name}: 3 steps give the weights torch.optim gives`, { skip }, async () => {
    const training = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer, clipNorm: clipNorm ?? undefined });
    const session = await TrainingSession.create(training, weights);
    const ref = reference[i + 1];
    for (let k = 0; k < 3; k++) {
      const result = await session.run(feeds(), lr);
      if (clipNorm !== null) assert.ok(result.gradNorm! > clipNorm, 'the test clips for real');
      const now = session.weights();
      for (const p of training.trainable) assertClose(now.get(p.name)!, ref.after[k][p.name], 1e-5, `step ${k + 1} ${p.name}`);
    }
    assert.notDeepEqual(session.weights().get('fc0.weight'), weights.get('fc0.weight'), 'the weights moved');
    await session.release();
  });
});
