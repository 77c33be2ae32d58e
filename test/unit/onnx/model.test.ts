import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { buildMlp, encodeModel, GraphBuilder, inspectModel, loadModel, readTensor, saveModel } from '../../../src/core/onnx';
import { LatheError } from '../../../src/core/workspace/errors';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'lathe-onnx-'));
}

function namesFile(code: string, file: string) {
  return (e: unknown) => e instanceof LatheError && e.code === code && e.message.includes(file) && e.file === file;
}

test('saveModel writes atomically and loadModel reads back the same model', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'mlp.onnx');
  const model = buildMlp({ inputSize: 3, hidden: [4], outputSize: 2, seed: 3 });
  await saveModel(model, file);
  assert.deepEqual(await fs.readdir(dir), ['mlp.onnx'], 'no temp file left');
  assert.deepEqual(encodeModel(await loadModel(file)), encodeModel(model));
  await saveModel(buildMlp({ inputSize: 3, hidden: [], outputSize: 2, seed: 3 }), file);
  assert.deepEqual(inspectModel(await loadModel(file)).opCounts, { MatMul: 1, Add: 1 }, 'replaced');
});

test('missing, empty, truncated, foreign and inconsistent files are LatheErrors naming the file', async () => {
  const dir = await tempDir();
  const good = encodeModel(buildMlp({ inputSize: 8, hidden: [16], outputSize: 4, seed: 1 }));
  const write = async (name: string, bytes: Uint8Array | string) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, bytes);
    return file;
  };
  await assert.rejects(loadModel(path.join(dir, 'absent.onnx')), namesFile('not-found', path.join(dir, 'absent.onnx')));
  await assert.rejects(loadModel(dir), namesFile('invalid-onnx', dir));
  const empty = await write('empty.onnx', '');
  await assert.rejects(loadModel(empty), namesFile('invalid-onnx', empty));
  // every truncation point is caught: either undecodable or structurally incomplete
  for (const cut of [1, 10, Math.floor(good.length / 3), Math.floor(good.length / 2), good.length - 7, good.length - 1]) {
    const file = await write(`cut${cut}.onnx`, good.subarray(0, cut));
    await assert.rejects(loadModel(file), namesFile('invalid-onnx', file), `truncated at ${cut}`);
  }
  for (const [name, bytes] of [
    ['data.csv', 'sepal_length,sepal_width,species\n5.1,3.5,setosa\n'],
    ['weights.json', JSON.stringify({ layers: [1, 2, 3] })],
    ['image.png', Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex')],
  ] as const) {
    const file = await write(name, bytes);
    await assert.rejects(loadModel(file), namesFile('invalid-onnx', file), name);
  }
  const noOpset = onnx.ModelProto.decode(good);
  noOpset.opsetImport = [];
  const noOpsetFile = await write('no-opset.onnx', encodeModel(noOpset));
  await assert.rejects(loadModel(noOpsetFile), namesFile('missing-opset', noOpsetFile));
  const futureOpset = onnx.ModelProto.decode(good);
  futureOpset.opsetImport![0].version = 99;
  const futureFile = await write('future.onnx', encodeModel(futureOpset));
  await assert.rejects(loadModel(futureFile), namesFile('unknown-opset', futureFile));
  const customOp = onnx.ModelProto.decode(good);
  customOp.graph!.node![0].domain = 'com.example';
  const customFile = await write('custom.onnx', encodeModel(customOp));
  await assert.rejects(loadModel(customFile), namesFile('unknown-opset', customFile));
  const dangling = onnx.ModelProto.decode(good);
  dangling.graph!.node![1].input![0] = 'nowhere';
  const danglingFile = await write('dangling.onnx', encodeModel(dangling));
  await assert.rejects(loadModel(danglingFile), (e: unknown) => namesFile('invalid-onnx', danglingFile)(e) && /nowhere/.test(String(e)));
});

/** A model whose weight lives in `weights.bin` (ONNX external data): y = x * w. */
async function externalModel(dir: string, location = 'weights.bin'): Promise<string> {
  const w = Float32Array.of(1, 2, 3, 4);
  const model = new GraphBuilder('ext')
    .input('x', 'float32', [4])
    .initializer('w', w, [4])
    .node('Mul', ['x', 'w'], ['y'])
    .output('y', 'float32', [4])
    .build();
  const tensor = model.graph!.initializer![0];
  const prefix = new Uint8Array(16).fill(7); // data at an offset, as exporters that pack many tensors write it
  await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.concat([prefix, tensor.rawData!]));
  tensor.rawData = new Uint8Array(0);
  tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  tensor.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: '16' },
    { key: 'length', value: '16' },
  ];
  const file = path.join(dir, 'ext.onnx');
  await fs.writeFile(file, encodeModel(model));
  return file;
}

test('external data: noted by inspection, counted as parameters, loaded on request, runnable in onnxruntime', async () => {
  const dir = await tempDir();
  const file = await externalModel(dir);
  const lazy = await loadModel(file);
  const info = inspectModel(lazy);
  assert.deepEqual(info.externalData, { tensors: 1, files: ['weights.bin'] });
  assert.equal(info.parameterCount, 4);
  assert.throws(() => readTensor(lazy.graph!.initializer![0]), (e: unknown) => e instanceof LatheError && e.code === 'external-data');
  const full = await loadModel(file, { externalData: true });
  assert.deepEqual([...readTensor(full.graph!.initializer![0]).data], [1, 2, 3, 4]);
  assert.equal(inspectModel(full).externalData, undefined);
  // onnxruntime resolves the same location relative to the model file
  const session = await ort.InferenceSession.create(file);
  const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1, 1, 2), [4]) });
  await session.release();
  assert.deepEqual([...(y.data as Float32Array)], [1, 2, 3, 8]);
  // a self-contained copy saved elsewhere runs without the data file
  const selfContained = path.join(await tempDir(), 'copy.onnx');
  await saveModel(full, selfContained);
  assert.deepEqual([...readTensor((await loadModel(selfContained)).graph!.initializer![0]).data], [1, 2, 3, 4]);
});

test('external data that is missing, short or outside the model folder is an error naming the file', async () => {
  const dir = await tempDir();
  const file = await externalModel(dir);
  await fs.writeFile(path.join(dir, 'weights.bin'), new Uint8Array(20));
  await assert.rejects(loadModel(file, { externalData: true }), namesFile('corrupt-external-data', path.join(dir, 'weights.bin')));
  await fs.rm(path.join(dir, 'weights.bin'));
  await assert.rejects(loadModel(file, { externalData: true }), namesFile('not-found', path.join(dir, 'weights.bin')));
  const escaping = await externalModel(await tempDir(), '../../etc/passwd');
  await assert.rejects(loadModel(escaping), namesFile('invalid-onnx', escaping));
});
