import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildMlp, GraphBuilder, inspectModel, readTensor } from '../../../src/core/onnx';
import { quantizeDynamic } from '../../../src/core/quantize/dynamic';
import { quantizeInt4 } from '../../../src/core/quantize/int4';
import { evaluateModels } from '../../../src/core/quantize/evaluate';
import { mainGraph } from '../../../src/core/quantize/graph';
import { quantizeWeight, roundHalfEven } from '../../../src/core/quantize/int8';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildCnn, buildTransformerBlock } from './models';

const quick = { runs: 2, warmup: 1 };

test('roundHalfEven rounds ties to even like numpy', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven), [0, 2, 2, -0, -2, -2, 2, -3]);
});

test('int8 weights are symmetric with one scale per tensor or per column; uint8 asymmetric', () => {
  const w = Float32Array.from([1, -0.5, 0.25, 0, -2, 0.1]); // [3, 2]
  const t = quantizeWeight(w, 3, 2, false, 'int8');
  assert.deepEqual([...t.scales], [Math.fround(4 / 254)]);
  assert.deepEqual([...t.values], [64, -32, 16, 0, -127, 6]);
  const c = quantizeWeight(w, 3, 2, true, 'int8');
  assert.deepEqual([...c.scales], [Math.fround(4 / 254), Math.fround(1 / 254)]);
  assert.deepEqual([...c.values], [64, -127, 16, 0, -127, 25]);
  const u = quantizeWeight(w, 3, 2, false, 'uint8');
  assert.equal(u.zeroPoints[0], 170);
  assert.equal(u.values[4], 0);
  assert.equal(u.values[0], 255);
});

test('dynamic int8 MLP: ORT operator pattern, ~0.26x size, outputs agree (per tensor and per channel)', async () => {
  const mlp = buildMlp({ inputSize: 256, hidden: [256, 128], outputSize: 10, seed: 5 });
  for (const perChannel of [false, true]) {
    const { model, report } = quantizeDynamic(mlp, { perChannel });
    assert.equal(report.quantized.length, 3);
    assert.deepEqual(inspectModel(model).opCounts, { DynamicQuantizeLinear: 3, MatMulInteger: 3, Cast: 3, Mul: 6, Add: 3, Relu: 2 });
    const scale = readTensor(mainGraph(model).initializer.find((t) => t.name === 'fc0.weight_scale')!);
    assert.deepEqual(scale.dims, perChannel ? [256] : []);
    const ev = await evaluateModels(mlp, model, { samples: 16, batch: 4, ...quick });
    assert.ok(ev.size.ratio > 0.24 && ev.size.ratio < 0.3, `size ratio ${ev.size.ratio}`);
    const [out] = ev.outputs;
    assert.ok(out.cosine > 0.999, `cosine ${out.cosine}`);
    assert.ok(out.maxAbsError < 0.02, `max abs error ${out.maxAbsError}`);
    assert.ok(out.top1Agreement! >= 0.95, `top-1 ${out.top1Agreement}`);
  }
});

test('fused DynamicQuantizeMatMul and uint8 weights run in onnxruntime-node and agree', async () => {
  const mlp = buildMlp({ inputSize: 64, hidden: [64], outputSize: 10, seed: 6 });
  const fused = quantizeDynamic(mlp, { format: 'fused', perChannel: true }).model;
  assert.deepEqual(inspectModel(fused).opCounts, { 'com.microsoft.DynamicQuantizeMatMul': 2, Add: 2, Relu: 1 });
  const unsigned = quantizeDynamic(mlp, { weightType: 'uint8' }).model;
  for (const model of [fused, unsigned]) {
    const [out] = (await evaluateModels(mlp, model, { batch: 4, ...quick })).outputs;
    assert.ok(out.cosine > 0.999, `cosine ${out.cosine}`);
  }
  assert.throws(() => quantizeDynamic(mlp, { format: 'fused', weightType: 'uint8' }), LatheError);
});

test('transformer block from Constant-node weights: prepared, all six linear layers quantized, exclude respected', async () => {
  const exported = buildTransformerBlock({ seed: 7, constantWeights: true });
  const { model: prepared } = prepareModel(exported);
  const { model, report } = quantizeDynamic(prepared, { exclude: ['head.matmul'] });
  assert.deepEqual(report.quantized.map((q) => q.node), ['q.matmul', 'k.matmul', 'v.matmul', 'o.matmul', 'ff1.matmul', 'ff2.matmul']);
  // the two attention MatMuls multiply activations: nothing to quantize ahead of time
  assert.deepEqual(report.skipped.map((s) => s.reason), [
    'its weight is not a float32 initializer (computed at run time)',
    'its weight is not a float32 initializer (computed at run time)',
    'excluded by the caller',
  ]);
  assert.equal(inspectModel(model).opCounts.DynamicQuantizeLinear, 4, 'q, k and v share one quantized input');
  const ev = await evaluateModels(exported, model, { batch: 2, ...quick });
  assert.ok(ev.outputs[0].cosine > 0.999, `cosine ${ev.outputs[0].cosine}`);
  assert.ok(ev.size.ratio < 0.45, `size ratio ${ev.size.ratio}`);
});

test('CNN: Conv stays float by default, the Gemm head is quantized with its bias', async () => {
  const cnn = buildCnn({ seed: 8 });
  const { model, report } = quantizeDynamic(prepareModel(cnn).model, { perChannel: true });
  assert.deepEqual(report.quantized, [{ node: 'fc', op: 'Gemm', weight: 'fc.weight', shape: [16, 10] }]);
  assert.deepEqual(report.skipped.map((s) => s.node), ['conv0', 'conv1']);
  assert.match(report.skipped[0].reason, /ConvInteger/);
  const [out] = (await evaluateModels(cnn, model, quick)).outputs;
  assert.ok(out.cosine > 0.999 && out.maxAbsError < 0.01, JSON.stringify(out));
});

test('CNN with quantizeConv: ConvInteger per tensor (even when per channel is asked), runs and agrees', async () => {
  const cnn = prepareModel(buildCnn({ seed: 8 })).model;
  const { model, report } = quantizeDynamic(cnn, { perChannel: true, quantizeConv: true, format: 'fused' });
  assert.deepEqual(report.quantized.map((q) => [q.node, q.shape]), [['conv0', [8, 3, 3, 3]], ['conv1', [16, 8, 3, 3]], ['fc', [16, 10]]]);
  const ops = inspectModel(model).opCounts;
  assert.equal(ops.ConvInteger, 2);
  assert.equal(ops['com.microsoft.DynamicQuantizeMatMul'], 1);
  const scale = readTensor(mainGraph(model).initializer.find((t) => t.name === 'conv1.weight_bn_folded_scale')!);
  assert.deepEqual(scale.dims, []);
  const [out] = (await evaluateModels(cnn, model, quick)).outputs;
  assert.ok(out.cosine > 0.999, JSON.stringify(out));
});

test('MatMuls inside an If branch are reported as left in float; the main graph is still quantized', async () => {
  const w = Float32Array.from({ length: 16 * 16 }, (_, i) => Math.sin(i) / 4);
  const branch = (name: string) =>
    new GraphBuilder(name).initializer(`${name}.w`, w, [16, 16]).node('MatMul', ['h', `${name}.w`], [`${name}.y`], {}, { name: `${name}.matmul` }).output(`${name}.y`, 'float32', [1, 16]).toGraph();
  const outer = new GraphBuilder('else').node('MatMul', ['h', 'w'], ['else.y'], {}, { name: 'else.matmul' }).output('else.y', 'float32', [1, 16]).toGraph();
  const model = new GraphBuilder()
    .input('x', 'float32', [1, 16])
    .input('flag', 'bool', [])
    .initializer('w', w, [16, 16])
    .node('MatMul', ['x', 'w'], ['h'], {}, { name: 'main.matmul' })
    // the else branch reads the main graph's weight: it must survive the main MatMul's quantization
    .node('If', ['flag'], ['y'], { then_branch: { kind: 'graph', value: branch('then') }, else_branch: { kind: 'graph', value: outer } })
    .output('y', 'float32', [1, 16])
    .build();
  const { model: quantized, report } = quantizeDynamic(model);
  assert.deepEqual(report.quantized.map((q) => q.node), ['main.matmul']);
  assert.deepEqual(report.skipped.map((s) => [s.node, s.reason]), [
    ['then.matmul', 'inside a subgraph (If/Loop/Scan body): left in float'],
    ['else.matmul', 'inside a subgraph (If/Loop/Scan body): left in float'],
  ]);
  assert.deepEqual(quantizeInt4(model, { blockSize: 16 }).report.skipped.map((s) => s.node), ['then.matmul', 'else.matmul']);
  assert.ok(mainGraph(quantized).initializer.some((t) => t.name === 'w'));
  const x = new ort.Tensor('float32', Float32Array.from({ length: 16 }, (_, i) => i / 16), [1, 16]);
  for (const flag of [true, false]) {
    const feeds = { x, flag: new ort.Tensor('bool', Uint8Array.from([flag ? 1 : 0]), []) };
    const [out] = (await evaluateModels(model, quantized, { inputs: [feeds], runs: 1, warmup: 0 })).outputs;
    assert.ok(out.cosine > 0.999, `flag ${flag}: cosine ${out.cosine}`);
  }
});
