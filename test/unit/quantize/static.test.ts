import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildMlp, GraphBuilder, inspectModel, seededRandom } from '../../../src/core/onnx';
import { calibrate } from '../../../src/core/quantize/calibrate';
import { evaluateModels, generateInputs } from '../../../src/core/quantize/evaluate';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { quantizeStatic } from '../../../src/core/quantize/static';
import { LatheError } from '../../../src/core/workspace/errors';
import { buildTransformerBlock } from './models';
import { randomInput, runModel } from './run';

const quick = { runs: 2, warmup: 1 };

test('static int8 MLP: QDQ pairs on activations, int8 weights, int32 bias-free MatMuls, outputs agree', async () => {
  const mlp = buildMlp({ inputSize: 64, hidden: [128], outputSize: 10, seed: 3 });
  const inputs = generateInputs(mlp, 8, 1, 4);
  const { model, report } = await quantizeStatic(mlp, inputs, { perChannel: true });
  assert.deepEqual(report.quantized.map((q) => q.op), ['MatMul', 'MatMul']);
  // input and output of each MatMul
  assert.equal(report.activations.length, 4);
  assert.ok(report.activations.every((a) => a.lo <= 0 && a.hi >= 0 && a.scale > 0 && a.zeroPoint >= 0 && a.zeroPoint <= 255));
  assert.deepEqual(inspectModel(model).opCounts, { QuantizeLinear: 4, DequantizeLinear: 6, MatMul: 2, Add: 2, Relu: 1 });
  const ev = await evaluateModels(mlp, model, { inputs, ...quick });
  assert.ok(ev.size.ratio < 0.35, `size ratio ${ev.size.ratio}`);
  assert.ok(ev.outputs[0].cosine > 0.999, `cosine ${ev.outputs[0].cosine}`);
  assert.ok((ev.outputs[0].top1Agreement ?? 0) >= 0.9);
});

test('static int8 transformer: Softmax and LayerNormalization stay float and are reported; exclude keeps a MatMul float', async () => {
  const block = prepareModel(buildTransformerBlock({ seed: 4 })).model;
  const inputs = generateInputs(block, 4, 2, 2);
  const { model, report } = await quantizeStatic(block, inputs, { exclude: ['head.matmul'] });
  const reasons = new Map(report.skipped.map((s) => [s.op === 'MatMul' ? s.node : s.op, s.reason]));
  assert.match(reasons.get('Softmax') ?? '', /Softmax left in float/);
  assert.match(reasons.get('LayerNormalization') ?? '', /LayerNormalization left in float/);
  assert.equal(reasons.get('head.matmul'), 'excluded by the caller');
  // 6 linear layers + 2 attention MatMuls, the head excluded
  assert.equal(report.quantized.length, 8);
  const ev = await evaluateModels(block, model, { inputs, ...quick });
  assert.ok(ev.outputs[0].cosine > 0.99, `cosine ${ev.outputs[0].cosine}`);
});

test('a quantized graph output keeps its name; the model runs', async () => {
  const random = seededRandom(5);
  const w = Float32Array.from({ length: 16 * 4 }, () => random() - 0.5);
  const model = new GraphBuilder().input('x', 'float32', [2, 16]).initializer('w', w, [16, 4]).node('MatMul', ['x', 'w'], ['y'], {}, { name: 'mm' }).output('y', 'float32', [2, 4]).build();
  const inputs = generateInputs(model, 3, 6);
  const { model: q, report } = await quantizeStatic(model, inputs);
  assert.deepEqual(report.activations.map((a) => a.tensor), ['x', 'y']);
  assert.deepEqual(inspectModel(q).outputs.map((o) => o.name), ['y']);
  const [want, got] = [await runModel(model, inputs[0]), await runModel(q, inputs[0])];
  assert.ok(want[0].every((v, i) => Math.abs(v - got[0][i]) < 0.05));
});

test('calibration: percentile clips a heavy tail that minmax keeps; entropy stays inside the observed range', async () => {
  const model = new GraphBuilder().input('x', 'float32', [1, 1000]).node('Relu', ['x'], ['r']).node('Neg', ['r'], ['y']).output('y', 'float32', [1, 1000]).build();
  const random = seededRandom(7);
  const data = Float32Array.from({ length: 1000 }, (_, i) => (i === 0 ? 100 : random()));
  const inputs = [{ x: new ort.Tensor('float32', data, [1, 1000]) }];
  const minmax = (await calibrate(model, ['r'], inputs)).get('r')!;
  const percentile = (await calibrate(model, ['r'], inputs, { method: 'percentile', percentile: 99 })).get('r')!;
  const entropy = (await calibrate(model, ['r'], inputs, { method: 'entropy', numBins: 2048 })).get('r')!;
  assert.equal(minmax.hi, 100);
  assert.ok(percentile.hi < 2, `percentile hi ${percentile.hi}`);
  assert.ok(entropy.hi < 100 && entropy.lo >= minmax.lo, `entropy [${entropy.lo}, ${entropy.hi}]`);
});

test('minmax calibration gives the exact range over all inputs of a graph input, an inner tensor and a graph output', async () => {
  // opset 18 moved the reduction axes from an attribute to an input: both reduce over every axis
  for (const opset of [11, 17, 18]) {
    // a tensor already named like the reduction calibration adds: the reduction must take another name
    const model = new GraphBuilder()
      .input('x', 'float32', ['n', 5])
      .node('Relu', ['x'], ['r'])
      .node('Neg', ['r'], ['r_ReduceMin'])
      .node('Add', ['r_ReduceMin', 'x'], ['y'])
      .output('y', 'float32', ['n', 5])
      .build({ opset });
    const inputs = [3, 1, 2].map((n, k) => ({ x: randomInput([n, 5], 40 + k) }));
    const ranges = await calibrate(model, ['x', 'r', 'r_ReduceMin', 'y'], inputs);
    const outputs = await Promise.all(inputs.map((f) => runModel(model, f)));
    const xs = inputs.flatMap((f) => [...(f.x.data as Float32Array)]);
    const ys = outputs.flatMap(([y]) => [...y]);
    const range = (values: number[]) => ({ lo: Math.min(...values), hi: Math.max(...values) });
    assert.deepEqual(ranges.get('x'), range(xs), `opset ${opset}`);
    assert.deepEqual(ranges.get('r'), range(xs.map((v) => Math.max(v, 0))), `opset ${opset}`);
    assert.deepEqual(ranges.get('r_ReduceMin'), range(xs.map((v) => -Math.max(v, 0))), `opset ${opset}`);
    assert.deepEqual(ranges.get('y'), range(ys), `opset ${opset}`);
    await assert.rejects(calibrate(model, ['r', 'nowhere'], inputs), (e: unknown) => e instanceof LatheError && e.code === 'invalid-option' && /nowhere/.test(e.message));
  }
});

test('a model with nothing to quantize comes back unchanged in its nodes, with its float ops reported', async () => {
  const model = new GraphBuilder().input('x', 'float32', [1, 4]).node('Softmax', ['x'], ['y'], { axis: -1 }).output('y', 'float32', [1, 4]).build();
  const { model: q, report } = await quantizeStatic(model, generateInputs(model, 1, 1));
  assert.deepEqual(inspectModel(q).opCounts, { Softmax: 1 });
  assert.deepEqual([report.quantized, report.skipped.map((s) => s.op)], [[], ['Softmax']]);
});

test('bad options and missing calibration data give clear errors', async () => {
  const mlp = buildMlp({ inputSize: 8, hidden: [], outputSize: 2, seed: 1 });
  await assert.rejects(quantizeStatic(mlp, []), (e: unknown) => e instanceof LatheError && e.code === 'no-calibration-data');
  await assert.rejects(quantizeStatic(mlp, generateInputs(mlp, 1, 1), { opTypes: ['Softmax'] }), (e: unknown) => e instanceof LatheError && e.code === 'invalid-option');
});
