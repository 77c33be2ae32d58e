import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { loadAdapter, mergeLoraAdapter, trainLoraAdapter } from '../../../src/core/lora';
import { buildMlp } from '../../../src/core/onnx/mlp';
import { loadModel, saveModel } from '../../../src/core/onnx/model';
import { listModels, modelVersions, registerModel } from '../../../src/core/registry';
import { trainModel } from '../../../src/core/train/loop';
import { LatheError } from '../../../src/core/workspace/errors';
import type { StoreLayout } from '../../../src/core/workspace/layout';
import { tempStore } from '../registry/helpers';
import { accuracy, digits, runModel } from './models';

/** The base: an MLP 64-32-10 trained on clean digits (fixed seeds), registered as digits-mlp@v1. */
async function registerBase(layout: StoreLayout, x: Float32Array, y: number[]): Promise<void> {
  const trained = await trainModel(buildMlp({ inputSize: 64, hidden: [32], outputSize: 10, seed: 1 }), { input: { data: x, shape: [64] }, labels: { data: BigInt64Array.from(y.map(BigInt)), shape: [] } }, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw' }, epochs: 10, batchSize: 32, seed: 1, lr: 0.01, validationFraction: 0,
  });
  const file = path.join(layout.root, 'base.onnx');
  await saveModel(trained.model, file);
  await registerModel(layout, file, { name: 'digits-mlp' });
}

/** Each image mirrored left to right (8×8 pixels). */
function mirrored(x: Float32Array): Float32Array {
  return x.map((_, i) => x[Math.floor(i / 8) * 8 + 7 - (i % 8)]);
}

/** The shifted task: the same digits mirrored left to right, tracked as dataset `mirrored`. */
async function trackMirrored(layout: StoreLayout, x: Float32Array, y: number[]): Promise<void> {
  const lines = [[...Array(64).keys()].map((i) => `p${i}`).concat('label').join(',')];
  const m = mirrored(x);
  y.forEach((label, r) => lines.push([...m.subarray(r * 64, r * 64 + 64)].map(String).concat(String(label)).join(',')));
  const file = path.join(layout.root, 'data', 'mirrored.csv');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  await addDataset(layout, file, { name: 'mirrored' });
}

test('LoRA adapts a digits model to mirrored images, beats the base, registers a small adapter version; merge equals it', async () => {
  const layout = await tempStore();
  const { x, y } = digits();
  await registerBase(layout, x, y);
  await trackMirrored(layout, x, y);
  const epochs: number[] = [];
  const result = await trainLoraAdapter(
    layout,
    { base: 'digits-mlp@v1', dataset: 'dataset:mirrored@v1', rank: 4, alpha: 8, epochs: 12, lr: 0.01, seed: 3, run: undefined, output: 'out/adapter.onnx' },
    { onEpoch: (m) => epochs.push(m.loss) },
  );
  assert.equal(epochs.length, 12);
  assert.equal(result.task.name, 'accuracy');
  assert.deepEqual(result.rows, { train: 1438, test: 359 });
  assert.ok(result.task.base < 0.5, `the base does badly on mirrored digits (${result.task.base})`);
  assert.ok(result.task.lora > result.task.base + 0.3, `LoRA ${result.task.lora} vs base ${result.task.base}`);
  assert.ok(result.task.full !== undefined && result.task.full > 0.8, `full fine-tuning ${result.task.full}`);
  // adapters on fc0 [64, 32] and fc1 [32, 10] at rank 4: (64 + 32)·4 + (32 + 10)·4 trainable of 2410 + 552
  assert.deepEqual(result.parameters, { trainable: 552, total: 64 * 32 + 32 + 32 * 10 + 10 + 552 });
  assert.equal(result.metrics.accuracy, result.task.lora);
  assert.equal(result.metrics.accuracy_base, result.task.base);

  const v = result.version!;
  assert.equal(v.name, 'digits-mlp-lora');
  assert.equal(v.kind, 'adapter');
  assert.equal(v.lineage.parent, 'digits-mlp@v1');
  assert.equal(v.lineage.technique, 'lora');
  assert.deepEqual(v.lineage.datasets, ['mirrored@v1']);
  assert.equal(v.lineage.settings?.rank, 4);
  assert.equal(v.onnx.parameterCount, 552);
  assert.equal(v.file.size, result.adapterBytes);
  const baseVersion = (await modelVersions(layout, 'digits-mlp'))[0];
  assert.ok(v.file.size < baseVersion.file.size / 3, `adapter ${v.file.size} B vs base ${baseVersion.file.size} B`);
  assert.equal((await loadAdapter(path.join(layout.root, 'out', 'adapter.onnx'))).base.sha256, baseVersion.file.sha256);

  const merged = await mergeLoraAdapter(layout, { adapter: 'digits-mlp-lora@v1', output: 'merged.onnx', register: true });
  assert.equal(merged.base, 'digits-mlp@v1');
  assert.equal(merged.version?.name, 'digits-mlp');
  assert.equal(merged.version?.version, 2);
  assert.equal(merged.version?.lineage.parent, 'digits-mlp-lora@v1');
  assert.equal(merged.version?.kind, undefined);
  const mergedModel = await loadModel(merged.output);
  assert.equal(mergedModel.graph!.node!.length, (await loadModel(path.join(layout.root, 'base.onnx'))).graph!.node!.length);
  const acc = accuracy(await runModel(mergedModel, mirrored(x), [1797, 64]), y, 10);
  assert.ok(acc > result.task.base + 0.3, `merged accuracy on all mirrored rows ${acc}`);

  // an adapter on another base, and a model version given as an adapter, are refused
  await saveModel(buildMlp({ inputSize: 64, hidden: [32], outputSize: 10, seed: 9 }), path.join(layout.root, 'other.onnx'));
  await assert.rejects(
    mergeLoraAdapter(layout, { adapter: 'digits-mlp-lora@v1', base: 'other.onnx', output: 'bad.onnx' }),
    (e: unknown) => e instanceof LatheError && e.code === 'adapter-mismatch' && /trained on a different base model than .*other\.onnx/.test(e.message),
  );
  await assert.rejects(mergeLoraAdapter(layout, { adapter: 'digits-mlp@v1', output: 'bad.onnx' }), /is a model version, not a LoRA adapter/);
  await assert.rejects(fs.stat(path.join(layout.root, 'bad.onnx')), /ENOENT/);
});

test('bad LoRA requests fail before training with clear errors and register nothing', async () => {
  const layout = await tempStore();
  await saveModel(buildMlp({ inputSize: 4, hidden: [8], outputSize: 3, seed: 1 }), path.join(layout.root, 'iris.onnx'));
  await registerModel(layout, path.join(layout.root, 'iris.onnx'), { name: 'iris' });
  await fs.writeFile(path.join(layout.root, 'wide.csv'), 'a,b,c,label\n1,2,3,0\n4,5,6,1\n');
  await assert.rejects(trainLoraAdapter(layout, { base: 'iris@v1', dataset: 'wide.csv' }), /wide\.csv has 3 feature column\(s\), the model's input takes 4/);
  await assert.rejects(trainLoraAdapter(layout, { base: 'iris.onnx', dataset: 'wide.csv' }), /is a file, not a registered version/);
  await assert.rejects(trainLoraAdapter(layout, { base: 'iris@v1', dataset: 'wide.csv', targets: 'q_proj' }), /matches none.*/);
  await assert.rejects(trainLoraAdapter(layout, { base: 'nope@v1', dataset: 'wide.csv' }), (e: unknown) => e instanceof LatheError && e.code === 'not-found');
  assert.deepEqual((await listModels(layout)).map((m) => m.name), ['iris']);
});
