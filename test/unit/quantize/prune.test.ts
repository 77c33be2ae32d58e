import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp, inspectModel, readTensor } from '../../../src/core/onnx';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { mainGraph } from '../../../src/core/quantize/graph';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { pruneMagnitude } from '../../../src/core/quantize/prune';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildCnn, buildTransformerBlock } from './models';

const quick = { runs: 1, warmup: 0 };

function weight(model: ReturnType<typeof buildMlp>, prefix: string) {
  const t = mainGraph(model).initializer.find((i) => i.name?.startsWith(prefix));
  assert.ok(t, `no initializer ${prefix}`);
  return readTensor(t);
}

test('unstructured pruning zeroes exactly the smallest-magnitude fraction of each weight', () => {
  const mlp = buildMlp({ inputSize: 32, hidden: [16], outputSize: 4, seed: 1 });
  const { model, report } = pruneMagnitude(mlp, { sparsity: 0.75 });
  assert.equal(report.pruned.length, 2);
  const before = weight(mlp, 'fc0.weight').data as Float32Array;
  const after = weight(model, 'fc0.weight').data as Float32Array;
  assert.equal(after.filter((v) => v === 0).length, 0.75 * 32 * 16);
  const threshold = [...before].map(Math.abs).sort((a, b) => a - b)[0.75 * 512];
  after.forEach((v, i) => assert.equal(v, Math.abs(before[i]) >= threshold ? before[i] : 0));
});

test('structured pruning drops MLP hidden units and the next layer inputs: smaller model, same shapes outside', async () => {
  const mlp = buildMlp({ inputSize: 32, hidden: [64, 32], outputSize: 8, seed: 2 });
  const { model, report } = pruneMagnitude(mlp, { sparsity: 0.5, structured: true });
  assert.deepEqual(report.pruned.map((p) => [p.removedChannels, p.shrunkNext]), [[32, 'MatMul_3'], [16, 'MatMul_6'], [4, undefined]]);
  const dims = (name: string) => weight(model, name).dims;
  assert.deepEqual([dims('fc0.weight'), dims('fc0.bias'), dims('fc1.weight'), dims('fc1.bias'), dims('fc2.weight')], [[32, 32], [32], [32, 16], [16], [16, 8]]);
  // the last layer's channels are the model's outputs: zeroed, not removed
  assert.deepEqual(inspectModel(model).outputs[0].shape, ['batch', 8]);
  const ev = await evaluateModels(mlp, model, { ...quick, batch: 4 });
  assert.ok(ev.size.ratio < 0.45, `size ratio ${ev.size.ratio}`);
  // keeping every channel changes nothing
  const { model: same } = pruneMagnitude(mlp, { sparsity: 0, structured: true });
  assert.equal((await evaluateModels(mlp, same, quick)).outputs[0].maxAbsError, 0);
});

test('structured pruning of a CNN shrinks Conv filters and the next Conv; a residual stream is only zeroed', async () => {
  const cnn = prepareModel(buildCnn({ seed: 3 })).model;
  const { model, report } = pruneMagnitude(cnn, { sparsity: 0.25, structured: true });
  assert.equal(report.pruned[0].shrunkNext, 'conv1');
  assert.deepEqual(weight(model, 'conv1.weight').dims, [16, 6, 3, 3]);
  const ev = await evaluateModels(cnn, model, quick);
  assert.ok(ev.size.ratio < 1);
  const block = prepareModel(buildTransformerBlock({ seed: 4 })).model;
  const pruned = pruneMagnitude(block, { sparsity: 0.5, structured: true });
  // ff1 feeds the Gelu written as Div/Erf/...: not channel-wise ops Lathe follows, so nothing shrinks there
  assert.ok(pruned.report.pruned.every((p) => p.shrunkNext === undefined));
  assert.ok((await evaluateModels(block, pruned.model, quick)).outputs[0].maxAbsError > 0);
});

test('bad sparsity is refused', () => {
  const mlp = buildMlp({ inputSize: 4, hidden: [], outputSize: 2, seed: 1 });
  assert.throws(() => pruneMagnitude(mlp, { sparsity: 1 }), (e: unknown) => e instanceof LatheError && e.code === 'invalid-option');
});
