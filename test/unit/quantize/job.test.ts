import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { buildMlp, GraphBuilder, saveModel } from '../../../src/core/onnx';
import { loadInputs, quantizeModelVersion } from '../../../src/core/quantize';
import { modelVersions, registerModel } from '../../../src/core/registry';
import { LatheError } from '../../../src/core/workspace/errors';
import type { StoreLayout } from '../../../src/core/workspace/layout';
import { tempStore } from '../registry/helpers';

const quick = { runs: 3 };

/** An MLP 4 → 32 → 3 registered as `mlp` v1 (a hidden layer wide enough for int8 to shrink it). */
async function registeredMlp(layout: StoreLayout): Promise<void> {
  const file = path.join(layout.root, 'mlp.onnx');
  await saveModel(buildMlp({ inputSize: 4, hidden: [64, 64], outputSize: 3, seed: 3 }), file);
  await registerModel(layout, file, { name: 'mlp' });
}

async function storeFiles(layout: StoreLayout): Promise<string[]> {
  return ((await fs.readdir(layout.store, { recursive: true })) as string[]).filter((f) => !f.startsWith('tmp')).sort();
}

test('dynamic int8 of a registered version becomes the next version, with parent, technique, settings and evaluation', async () => {
  const layout = await tempStore();
  await registeredMlp(layout);
  const progress: string[] = [];
  const result = await quantizeModelVersion(layout, { model: 'mlp@v1', method: 'dynamic-int8', ...quick }, { onProgress: (p) => progress.push(p.message ?? '') });
  assert.equal(result.version?.version, 2);
  assert.equal(result.version?.lineage.parent, 'mlp@v1');
  assert.equal(result.version?.lineage.technique, 'dynamic-int8');
  assert.equal(result.version?.lineage.settings?.method, 'dynamic-int8');
  assert.match(String(result.version?.lineage.settings?.inputs), /random/);
  assert.match(result.warning ?? '', /ONLY RANDOM INPUTS/);
  const m = result.version!.metrics;
  assert.ok(m.size_ratio < 0.5, `size ratio ${m.size_ratio}`);
  assert.ok(m.top1_agreement >= 0.9, `top-1 ${m.top1_agreement}`);
  for (const k of ['latency_ratio', 'latency_p95_ratio', 'cosine', 'max_abs_error']) assert.equal(typeof m[k], 'number', k);
  assert.ok(result.version!.onnx.ops.MatMulInteger > 0);
  assert.deepEqual(progress.at(-1), 'done');
  assert.deepEqual((await modelVersions(layout, 'mlp')).map((v) => v.version), [2, 1]);
  assert.deepEqual(await fs.readdir(layout.tmp), [], 'the temp file is removed');
});

test('calibration rows come from a CSV dataset version; a label column gives the task metric', async () => {
  const layout = await tempStore();
  await registeredMlp(layout);
  const rows = Array.from({ length: 20 }, (_, i) => `${(i % 5) / 5},${(i % 3) / 3},${(i % 7) / 7},${(i % 2) / 2},${i % 3}`);
  await fs.writeFile(path.join(layout.root, 'calib.csv'), ['f1,f2,f3,f4,label', ...rows].join('\n'));
  await addDataset(layout, path.join(layout.root, 'calib.csv'), { name: 'calib' });
  const result = await quantizeModelVersion(layout, { model: 'mlp', method: 'static-int8', calibration: 'dataset:calib@v1', name: 'mlp-int8', ...quick });
  assert.equal(result.warning, undefined);
  assert.equal(result.evaluation.inputSource, 'given');
  assert.equal(result.evaluation.samples, 20);
  assert.equal(result.version?.name, 'mlp-int8');
  assert.deepEqual(result.version?.lineage.datasets, ['calib@v1']);
  assert.equal(result.version?.lineage.settings?.inputs, 'calib@v1');
  assert.equal(result.task?.name, 'accuracy');
  assert.equal(typeof result.version?.metrics.accuracy, 'number');
  assert.equal(typeof result.version?.metrics.accuracy_original, 'number');
  assert.ok(result.version!.onnx.ops.QuantizeLinear > 0);
});

test('failures write nothing: a wrong calibration shape, a method with nothing to do, a cancelled job', async () => {
  const layout = await tempStore();
  await registeredMlp(layout);
  await fs.writeFile(path.join(layout.root, 'wide.csv'), '1,2,3,4,5,6,7\n');
  const before = await storeFiles(layout);
  await assert.rejects(quantizeModelVersion(layout, { model: 'mlp@v1', method: 'dynamic-int8', calibration: 'wide.csv' }), (e) => {
    assert.ok(e instanceof LatheError && e.code === 'shape-mismatch', String(e));
    assert.match(e.message, /wide\.csv.*7 value\(s\).*takes 4/);
    return true;
  });
  const conv = path.join(layout.root, 'relu.onnx');
  await saveModel(buildMlp({ inputSize: 4, hidden: [], outputSize: 3, seed: 1 }), conv);
  await assert.rejects(quantizeModelVersion(layout, { model: conv, method: 'low-rank', rank: 8 }), (e) => e instanceof LatheError && e.code === 'nothing-to-quantize');
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(quantizeModelVersion(layout, { model: 'mlp@v1', method: 'fp16' }, { signal: controller.signal }), (e) => e instanceof LatheError && e.code === 'cancelled');
  await assert.rejects(quantizeModelVersion(layout, { model: 'mlp@v7', method: 'fp16' }), (e) => e instanceof LatheError && e.code === 'not-found');
  assert.deepEqual(await storeFiles(layout), before);
  assert.deepEqual(await fs.readdir(layout.tmp), []);
});

test('a file is quantized too: registered under its base name without a parent, and written to --output', async () => {
  const layout = await tempStore();
  const file = path.join(layout.root, 'net.onnx');
  await saveModel(buildMlp({ inputSize: 4, hidden: [64], outputSize: 3, seed: 5 }), file);
  const result = await quantizeModelVersion(layout, { model: 'net.onnx', method: 'fp16', output: 'out/net-fp16.onnx', ...quick });
  assert.equal(result.version?.name, 'net');
  assert.equal(result.version?.lineage.parent, undefined);
  assert.equal(result.version?.lineage.settings?.source, file);
  assert.equal(result.output, path.join(layout.root, 'out', 'net-fp16.onnx'));
  assert.equal((await fs.stat(result.output)).size, result.version?.file.size);
});

test('loadInputs: a text class column is the label (sorted class names), .npy rows feed the input, bad cells name the file', async () => {
  const layout = await tempStore();
  const mlp = buildMlp({ inputSize: 4, hidden: [], outputSize: 3, seed: 1 });
  await fs.writeFile(path.join(layout.root, 'iris.csv'), 'a,b,c,d,species\n1,2,3,4,versicolor\n5,6,7,8,setosa\n0,0,0,0,virginica\n');
  const csv = await loadInputs(layout, 'iris.csv', mlp, { cwd: layout.root, limit: 10 });
  assert.deepEqual(csv.labels, [1, 0, 2]);
  assert.deepEqual([...(csv.feeds[1].input.data as Float32Array)], [5, 6, 7, 8]);
  assert.deepEqual(csv.feeds[1].input.dims, [1, 4]);

  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }";
  const padded = header.padEnd(118, ' ') + '\n';
  const data = Buffer.from(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]).buffer);
  const npy = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([padded.length, 0]), Buffer.from(padded, 'latin1'), data]);
  await fs.writeFile(path.join(layout.root, 'rows.npy'), npy);
  const arrays = await loadInputs(layout, 'rows.npy', mlp, { cwd: layout.root, limit: 1 });
  assert.equal(arrays.feeds.length, 1);
  assert.equal(arrays.labels, undefined);
  assert.deepEqual([...(arrays.feeds[0].input.data as Float32Array)], [1, 2, 3, 4]);

  await fs.writeFile(path.join(layout.root, 'bad.csv'), 'a,b,c,d\n1,2,x,4\n');
  await assert.rejects(loadInputs(layout, 'bad.csv', mlp, { cwd: layout.root, limit: 10 }), (e) => {
    assert.ok(e instanceof LatheError && e.code === 'invalid-data');
    assert.match(e.message, /bad\.csv row 1, column 'c': 'x' is not a number/);
    return true;
  });
});

test('a model with an If subgraph: dynamic int8 quantizes the main graph and notes the branch; fp16 refuses it and writes nothing', async () => {
  const layout = await tempStore();
  const w = Float32Array.from({ length: 16 * 16 }, (_, i) => Math.sin(i) / 4);
  const branch = (name: string) =>
    new GraphBuilder(name).initializer(`${name}.w`, w, [16, 16]).node('MatMul', ['h', `${name}.w`], [`${name}.y`], {}, { name: `${name}.matmul` }).output(`${name}.y`, 'float32', [1, 16]).toGraph();
  const model = new GraphBuilder()
    .input('x', 'float32', [1, 16])
    .input('flag', 'bool', [])
    .initializer('w', w, [16, 16])
    .node('MatMul', ['x', 'w'], ['h'], {}, { name: 'main.matmul' })
    .node('If', ['flag'], ['y'], { then_branch: { kind: 'graph', value: branch('then') }, else_branch: { kind: 'graph', value: branch('else') } })
    .output('y', 'float32', [1, 16])
    .build();
  await saveModel(model, path.join(layout.root, 'branchy.onnx'));
  await registerModel(layout, path.join(layout.root, 'branchy.onnx'), { name: 'branchy' });
  const before = await storeFiles(layout);
  await assert.rejects(quantizeModelVersion(layout, { model: 'branchy@v1', method: 'fp16', ...quick }), (e) => e instanceof LatheError && e.code === 'unsupported-graph' && /subgraph/.test(e.message));
  assert.deepEqual(await storeFiles(layout), before);
  const result = await quantizeModelVersion(layout, { model: 'branchy@v1', method: 'dynamic-int8', ...quick });
  assert.equal(result.version?.version, 2);
  assert.ok(result.notes.includes('then.matmul: inside a subgraph (If/Loop/Scan body): left in float'), JSON.stringify(result.notes));
});
