// The transformer encoder preset: it trains, and its whole-graph gradients and AdamW steps match PyTorch's.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../../../src/core/onnx/model';
import { seededRandom } from '../../../src/core/onnx/random';
import { trainModel } from '../../../src/core/train/loop';
import { buildTransformer, type TransformerOptions } from '../../../src/core/train/presets/transformer';
import { initialWeights, TrainingSession } from '../../../src/core/train/session';
import { buildStepModel } from '../../../src/core/train/step';

const PYTHON = '/usr/bin/python3';
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0;
const skip = torchMissing ? 'PyTorch is not installed for /usr/bin/python3 (apt-get install python3-torch)' : false;

/**
 * Sequences of tokens from three groups (0-3, 4-7, 8-11) in a random mix; the class is the group with the most
 * tokens. Learnable, but not from any single position.
 */
function majorityTask(rows: number, seq: number, seed: number): { tokens: BigInt64Array; labels: BigInt64Array } {
  const random = seededRandom(seed);
  const tokens = new BigInt64Array(rows * seq);
  const labels = new BigInt64Array(rows);
  for (let r = 0; r < rows; r++) {
    const bias = Math.floor(random() * 3);
    const counts = [0, 0, 0];
    for (let s = 0; s < seq; s++) {
      const group = random() < 0.5 ? bias : Math.floor(random() * 3);
      counts[group]++;
      tokens[r * seq + s] = BigInt(group * 4 + Math.floor(random() * 4));
    }
    labels[r] = BigInt(counts.indexOf(Math.max(...counts)));
  }
  return { tokens, labels };
}

test('the transformer preset is deterministic and names its attention projections for LoRA', () => {
  const options: TransformerOptions = { dModel: 8, heads: 2, layers: 2, ffn: 16, seq: 5, vocab: 7, classes: 3, seed: 4 };
  const model = buildTransformer(options);
  assert.deepEqual(encodeModel(buildTransformer(options)), encodeModel(model));
  assert.notDeepEqual(encodeModel(buildTransformer({ ...options, seed: 5 })), encodeModel(model));
  const names = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  for (const i of [0, 1]) for (const p of ['q', 'k', 'v', 'o']) assert.ok(names.has(`layer${i}.attn.${p}_proj.weight`), `layer${i}.attn.${p}_proj.weight`);
  assert.throws(() => buildTransformer({ ...options, heads: 3 }), /heads \(3\) must divide dModel \(8\)/);
});

test('a small transformer learns a sequence classification task with AdamW', async () => {
  const seq = 9;
  const { tokens, labels } = majorityTask(480, seq, 1);
  const forward = buildTransformer({ dModel: 16, heads: 2, layers: 1, ffn: 32, seq, vocab: 12, classes: 3, seed: 2 });
  const result = await trainModel(forward, { input: { data: tokens, shape: [seq] }, labels: { data: labels, shape: [] } }, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 }, epochs: 8, batchSize: 32, seed: 3, lr: 0.01, validationFraction: 0.25,
  });
  const [first, last] = [result.history[0], result.history[result.history.length - 1]];
  assert.ok(last.loss < 0.6 * first.loss, `training loss ${first.loss} -> ${last.loss}`);
  assert.ok(last.valAccuracy! >= 0.8, `validation accuracy ${last.valAccuracy} (chance is about 0.33)`);
});

interface TorchResult {
  loss: number;
  grads: Record<string, number[]>;
  after: Record<string, number[]>[];
}

test('transformer: loss, every gradient and 3 AdamW steps match PyTorch', { skip }, async () => {
  const options: TransformerOptions = { dModel: 8, heads: 2, layers: 2, ffn: 16, seq: 5, vocab: 7, classes: 3, seed: 4 };
  const forward = buildTransformer(options);
  const batch = 4;
  const random = seededRandom(9);
  // token 6 never occurs: its embedding row must get exactly zero gradient on both sides
  const tokens = Array.from({ length: batch * options.seq }, () => Math.floor(random() * 6));
  const labels = [0, 2, 1, 2];
  const feeds = () => ({
    input: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [batch, options.seq]),
    labels: new ort.Tensor('int64', BigInt64Array.from(labels.map(BigInt)), [batch]),
  });
  const probe = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, gradients: true });
  const weights = initialWeights(forward, probe);
  const optimizer = { kind: 'adamw' as const, beta1: 0.8, beta2: 0.99, weightDecay: 0.05 };
  const lr = 0.01;
  const request = {
    model: 'transformer', config: { dModel: options.dModel, heads: options.heads }, layers: options.layers,
    weights: Object.fromEntries([...weights].map(([n, v]) => [n, Array.from(v)])),
    dims: Object.fromEntries(probe.trainable.map((p) => [p.name, p.dims])),
    x: tokens, x_dims: [batch, options.seq], labels, optimizer, steps: 3, lr, clip_norm: null,
  };
  const out = execFileSync(PYTHON, [path.join(__dirname, 'torch_reference.py')], { input: JSON.stringify([request]), maxBuffer: 1 << 26 });
  const [ref] = JSON.parse(out.toString()) as TorchResult[];

  const close = (actual: ArrayLike<number>, expected: number[], tolerance: number, what: string) => {
    assert.equal(actual.length, expected.length, `${what}: length`);
    const scale = Math.max(...expected.map(Math.abs), 1e-3);
    for (let i = 0; i < expected.length; i++) {
      assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * scale, `${what}[${i}]: lathe ${actual[i]}, torch ${expected[i]}`);
    }
  };
  const session = await TrainingSession.create(probe, weights);
  const got = await session.runAll(feeds());
  close(got.loss, [ref.loss], 1e-6, 'loss');
  assert.equal(probe.trainable.length, 4 + 2 * 16 + 2, 'embeddings, 16 tensors per layer, final LayerNorm, head');
  for (const p of probe.trainable) close(got[`grad:${p.name}`], ref.grads[p.name], 1e-4, `grad ${p.name}`);
  const unused = got['grad:embed.weight'].subarray(6 * options.dModel);
  assert.ok(unused.every((v) => v === 0), 'an unused token gets no gradient');
  await session.release();

  const training = buildStepModel(forward, { loss: { kind: 'cross-entropy' }, optimizer });
  const trainer = await TrainingSession.create(training, weights);
  // a key bias shifts every score of a row alike, which softmax ignores: its true gradient is 0, so Adam's
  // update there is rounding noise divided by its own size (±lr on either side, not comparable)
  const compared = training.trainable.filter((p) => !p.name.endsWith('k_proj.bias'));
  for (let k = 0; k < 3; k++) {
    await trainer.run(feeds(), lr);
    const now = trainer.weights();
    for (const p of compared) close(now.get(p.name)!, ref.after[k][p.name], 1e-4, `step ${k + 1} ${p.name}`);
  }
  await trainer.release();
});
