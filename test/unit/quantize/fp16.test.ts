import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMlp, GraphBuilder, inspectModel } from '../../../src/core/onnx';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { convertFloat16 } from '../../../src/core/quantize/fp16';
import { mainGraph } from '../../../src/core/quantize/graph';
import { fromHalfBits, toHalfBits } from '../../../src/core/quantize/half';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildCnn, buildTransformerBlock } from './models';

const quick = { runs: 2, warmup: 1 };

test('float16 bits round to nearest even, with subnormals, overflow and NaN', () => {
  assert.equal(toHalfBits(1), 0x3c00);
  assert.equal(toHalfBits(-2), 0xc000);
  assert.equal(toHalfBits(65504), 0x7bff);
  assert.equal(toHalfBits(65520), 0x7c00, 'rounds up to Infinity');
  assert.equal(toHalfBits(2 ** -24), 0x0001);
  assert.equal(toHalfBits(2 ** -26), 0x0000);
  assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00, 'a tie rounds to the even mantissa');
  assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02);
  assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
  for (const v of [0.1, -3.14159, 1000.5, 6.1e-5, 1e-6]) assert.ok(Math.abs(fromHalfBits(toHalfBits(v)) - v) <= Math.abs(v) * 2 ** -11 + 2 ** -25, String(v));
});

test('fp16 with kept io types: float32 boundary, float16 weights, ~0.5x size, outputs agree on MLP, CNN, transformer', async () => {
  const models = {
    mlp: buildMlp({ inputSize: 128, hidden: [128], outputSize: 10, seed: 21 }),
    cnn: prepareModel(buildCnn({ seed: 22 })).model,
    encoder: prepareModel(buildTransformerBlock({ seed: 23 })).model,
  };
  for (const [name, model] of Object.entries(models)) {
    const { model: half, report } = convertFloat16(model);
    const info = inspectModel(half);
    assert.deepEqual([...info.inputs, ...info.outputs].map((v) => v.elemType), ['float32', 'float32'], name);
    assert.ok(mainGraph(half).initializer.every((t) => t.dataType === 10), `${name}: all weights float16`);
    assert.equal(report.castsInserted, 0, name);
    const ev = await evaluateModels(model, half, { batch: 2, ...quick });
    const [out] = ev.outputs;
    assert.ok(ev.size.ratio > 0.45 && ev.size.ratio < 0.6, `${name}: size ratio ${ev.size.ratio}`);
    assert.ok(out.cosine > 0.9999, `${name}: cosine ${out.cosine}`);
    assert.ok(out.maxAbsError < 0.02, `${name}: max abs error ${out.maxAbsError}`);
  }
});

test('fp16 without kept io types takes float16 inputs; blocked ops stay float32 between Casts; values clamped', async () => {
  const g = new GraphBuilder('clamp')
    .input('x', 'float32', [2, 4])
    .initializer('big', Float32Array.from([1e6, -1e6, 1e-9, 0.5]), [4])
    .node('Mul', ['x', 'big'], ['scaled'])
    .node('Max', ['scaled', 'x'], ['m'], {}, { name: 'max' })
    .node('Relu', ['m'], ['y'])
    .output('y', 'float32', [2, 4]);
  const model = g.build();
  const { model: half, report } = convertFloat16(model, { keepIoTypes: false });
  assert.equal(report.clamped, 3);
  assert.deepEqual(report.keptFloat32, [{ node: 'max', op: 'Max' }]);
  assert.equal(report.castsInserted, 3, 'two Casts into Max, one out of it');
  const info = inspectModel(half);
  assert.deepEqual([info.inputs[0].elemType, info.outputs[0].elemType], ['float16', 'float16']);
  const ev = await evaluateModels(model, half, quick);
  assert.equal(ev.outputs[0].top1Agreement, 1);
  assert.deepEqual(convertFloat16(model, { blockOps: [] }).report.keptFloat32, []);
  const excluded = convertFloat16(model, { blockOps: [], exclude: ['Relu_2'] });
  assert.deepEqual(excluded.report.keptFloat32, [{ node: 'Relu_2', op: 'Relu' }]);
  assert.equal(inspectModel(excluded.model).opCounts.Cast, 2, 'one for the input, one into the kept Relu, none out: y is float32 already');
});

test('fp16 refuses a model with subgraphs, naming the node', () => {
  const branch = (v: number) => new GraphBuilder(`b${v}`).initializer(`c${v}`, Float32Array.from([v]), [1]).node('Identity', [`c${v}`], [`o${v}`]).output(`o${v}`, 'float32', [1]).toGraph();
  const model = new GraphBuilder()
    .input('flag', 'bool', [])
    .node('If', ['flag'], ['y'], { then_branch: { kind: 'graph', value: branch(1) }, else_branch: { kind: 'graph', value: branch(2) } }, { name: 'choose' })
    .output('y', 'float32', [1])
    .build();
  assert.throws(() => convertFloat16(model), (e: unknown) => e instanceof LatheError && e.code === 'unsupported-graph' && /choose/.test(e.message));
});
