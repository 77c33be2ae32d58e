import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  attr,
  buildMlp,
  checkModel,
  decodeModel,
  encodeModel,
  GraphBuilder,
  inspectModel,
  makeTensor,
  MAX_OPSET,
  readTensor,
  type TensorData,
} from '../../../src/core/onnx';
import { LatheError } from '../../../src/core/workspace/errors';

/** The MLP computed directly from its weights: row-major matmul, bias, ReLU between layers. */
function referenceMlp(x: Float32Array, batch: number, layers: { w: Float32Array; b: Float32Array; fanIn: number; fanOut: number }[]): Float64Array {
  let h = Float64Array.from(x);
  layers.forEach(({ w, b, fanIn, fanOut }, l) => {
    const out = new Float64Array(batch * fanOut);
    for (let r = 0; r < batch; r++) {
      for (let j = 0; j < fanOut; j++) {
        let s = b[j];
        for (let k = 0; k < fanIn; k++) s += h[r * fanIn + k] * w[k * fanOut + j];
        out[r * fanOut + j] = l + 1 < layers.length ? Math.max(0, s) : s;
      }
    }
    h = out;
  });
  return h;
}

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

test('buildMlp runs in onnxruntime and matches the same network computed in plain TypeScript', async () => {
  const sizes = [5, 7, 4, 3];
  const model = buildMlp({ inputSize: 5, hidden: [7, 4], outputSize: 3, seed: 42 });
  // weights read back from the encoded bytes, so the whole encode path is covered
  const decoded = decodeModel(encodeModel(model), 'mlp');
  const weight = (name: string) => readTensor(decoded.graph!.initializer!.find((t) => t.name === name)!).data as Float32Array;
  const layers = sizes.slice(1).map((fanOut, i) => ({ w: weight(`fc${i}.weight`), b: weight(`fc${i}.bias`), fanIn: sizes[i], fanOut }));
  const batch = 4;
  const x = Float32Array.from({ length: batch * 5 }, (_, i) => Math.sin(i * 1.7) * 2);
  const { logits } = await run(encodeModel(model), { input: new ort.Tensor('float32', x, [batch, 5]) });
  assert.deepEqual(logits.dims, [batch, 3]);
  const expected = referenceMlp(x, batch, layers);
  const got = logits.data as Float32Array;
  expected.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-5, `logit ${i}: ${got[i]} vs ${v}`));
  // some hidden units must be cut by ReLU or the test would not notice a missing Relu
  assert.ok(layers[0].w.some((v) => v < 0) && expected.some((v) => v !== 0));
});

test('buildMlp is deterministic per seed and uses nn.Linear-style bounds', () => {
  const a = encodeModel(buildMlp({ inputSize: 16, hidden: [8], outputSize: 2, seed: 7 }));
  const b = encodeModel(buildMlp({ inputSize: 16, hidden: [8], outputSize: 2, seed: 7 }));
  const c = encodeModel(buildMlp({ inputSize: 16, hidden: [8], outputSize: 2, seed: 8 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const w = readTensor(decodeModel(a, 'mlp').graph!.initializer![0]).data as Float32Array;
  const bound = 1 / Math.sqrt(16);
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w) > bound * 0.8 && Math.min(...w) < -bound * 0.8, 'spread over the whole range');
});

test('inspectModel summarises a built MLP', () => {
  const info = inspectModel(buildMlp({ inputSize: 10, hidden: [32, 16], outputSize: 4, seed: 1, batch: 'n' }));
  assert.equal(info.irVersion, 8);
  assert.deepEqual(info.opsets, [{ domain: 'ai.onnx', version: 17 }]);
  assert.deepEqual(info.producer, { name: 'lathe', version: '' });
  assert.deepEqual(info.inputs, [{ name: 'input', elemType: 'float32', shape: ['n', 10] }]);
  assert.deepEqual(info.outputs, [{ name: 'logits', elemType: 'float32', shape: ['n', 4] }]);
  assert.equal(info.initializerCount, 6);
  assert.equal(info.parameterCount, 10 * 32 + 32 + 32 * 16 + 16 + 16 * 4 + 4);
  assert.deepEqual(info.opCounts, { MatMul: 3, Add: 3, Relu: 2 });
  assert.equal(info.hasSubgraphs, false);
  assert.equal(info.externalData, undefined);
});

/** y = If(cond) then x * 2 else Neg(x) + 1, with a weight inside the then-branch. */
function ifModel(): Uint8Array {
  const thenBranch = new GraphBuilder('then')
    .initializer('two', Float32Array.of(2), [])
    .node('Mul', ['x', 'two'], ['then_y'])
    .output('then_y', 'float32', [3])
    .toGraph();
  const elseBranch = new GraphBuilder('else')
    .node('Neg', ['x'], ['neg'])
    .node('Add', ['neg', 'one'], ['else_y'])
    .output('else_y', 'float32', [3])
    .toGraph();
  return encodeModel(
    new GraphBuilder('branchy')
      .input('cond', 'bool', [])
      .input('x', 'float32', [3])
      .initializer('one', Float32Array.of(1), [])
      .node('If', ['cond'], ['y'], { then_branch: attr.graph(thenBranch), else_branch: attr.graph(elseBranch) })
      .output('y', 'float32', [3])
      .build({ opset: 13 }),
  );
}

test('If subgraphs built with GraphBuilder run in onnxruntime and are walked by inspectModel', async () => {
  const bytes = ifModel();
  const x = new ort.Tensor('float32', Float32Array.of(1, -2, 3), [3]);
  const yes = await run(bytes, { cond: new ort.Tensor('bool', [true], []), x });
  const no = await run(bytes, { cond: new ort.Tensor('bool', [false], []), x });
  assert.deepEqual([...(yes.y.data as Float32Array)], [2, -4, 6]);
  assert.deepEqual([...(no.y.data as Float32Array)], [0, 3, -2]);
  const info = inspectModel(decodeModel(bytes, 'if.onnx'));
  assert.equal(info.hasSubgraphs, true);
  assert.deepEqual(info.opCounts, { If: 1, Mul: 1, Neg: 1, Add: 1 });
  assert.equal(info.initializerCount, 2);
  assert.equal(info.parameterCount, 2);
  assert.deepEqual(
    info.inputs.map((i) => [i.name, i.elemType]),
    [['cond', 'bool'], ['x', 'float32']],
  );
});

test('float attributes are typed explicitly; a fractional plain number is refused', async () => {
  const bytes = encodeModel(
    new GraphBuilder('leaky')
      .input('x', 'float32', [2])
      .node('LeakyRelu', ['x'], ['y'], { alpha: attr.float(0.25) })
      .output('y', 'float32', [2])
      .build(),
  );
  const { y } = await run(bytes, { x: new ort.Tensor('float32', Float32Array.of(-4, 4), [2]) });
  assert.deepEqual([...(y.data as Float32Array)], [-1, 4]);
  assert.throws(() => new GraphBuilder().input('x', 'float32', [2]).node('LeakyRelu', ['x'], ['y'], { alpha: 0.25 }), TypeError);
  assert.throws(() => new GraphBuilder().input('x', 'float32', [1]).node('Relu', ['x'], ['x']), /defined twice/);
});

test('MAX_OPSET is exactly the newest opset onnxruntime-node runs', async () => {
  const relu = (opset: number) =>
    new GraphBuilder('relu').input('x', 'float32', [1]).node('Relu', ['x'], ['y']).output('y', 'float32', [1]).build({ opset });
  await run(encodeModel(relu(MAX_OPSET)), { x: new ort.Tensor('float32', Float32Array.of(-1), [1]) });
  const tooNew = relu(MAX_OPSET);
  tooNew.opsetImport![0].version = MAX_OPSET + 1;
  await assert.rejects(ort.InferenceSession.create(encodeModel(tooNew)), /opset/i);
  assert.throws(() => checkModel(tooNew, 'too-new.onnx'), (e: unknown) => e instanceof LatheError && e.code === 'unknown-opset');
});

test('tensors round-trip through raw bytes and through typed fields', () => {
  const cases: [TensorData, number[]][] = [
    [Float32Array.of(1.5, -2, 3e-8, 4), [2, 2]],
    [Float64Array.of(Math.PI), [1]],
    [Int8Array.of(-128, 127, 0), [3]],
    [Uint8Array.of(0, 255), [2]],
    [Int32Array.of(-(2 ** 31), 2 ** 31 - 1), [2]],
    [BigInt64Array.of(-(2n ** 62n), 5n), [2]],
  ];
  for (const [data, dims] of cases) {
    const t = makeTensor('t', data, dims);
    // decode from an odd offset inside a bigger buffer: raw bytes are then unaligned views
    const bytes = encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }], graph: { name: 'g', initializer: [t], output: [{ name: 't' }] } });
    const padded = new Uint8Array(bytes.length + 1);
    padded.set(bytes, 1);
    const back = readTensor(decodeModel(padded.subarray(1), 'tensor').graph!.initializer![0]);
    assert.deepEqual(back.dims, dims);
    assert.deepEqual([...back.data], [...data]);
  }
  // float_data / int64_data fields, as some exporters write them
  assert.deepEqual([...readTensor({ name: 'f', dataType: 1, dims: [2], floatData: [1, 2] }).data], [1, 2]);
  assert.deepEqual([...readTensor({ name: 'i', dataType: 7, dims: [1], int64Data: [9] }).data], [9n]);
  assert.throws(() => readTensor({ name: 'bad', dataType: 1, dims: [3], rawData: new Uint8Array(8) }), /2 values for dims \[3\]/);
  assert.throws(() => makeTensor('x', Float32Array.of(1, 2), [3]), RangeError);
});
