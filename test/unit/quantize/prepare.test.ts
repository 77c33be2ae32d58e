import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { attr, GraphBuilder, inspectModel } from '../../../src/core/onnx';
import { LatheError } from '../../../src/core/workspace/errors';
import { mainGraph } from '../../../src/core/quantize/graph';
import { prepareModel } from '../../../src/core/quantize/prepare';
import { buildCnn, buildTransformerBlock } from './models';
import { maxAbsDiff, randomInput, runModel } from './run';

test('BatchNormalization folds into the Conv before it, with and without a Conv bias, outputs unchanged', async () => {
  const cnn = buildCnn({ seed: 3 });
  const before = JSON.stringify(cnn.toJSON());
  const { model, report } = prepareModel(cnn);
  assert.equal(JSON.stringify(cnn.toJSON()), before, 'the input model is not modified');
  assert.deepEqual(report.foldedBatchNorms, [
    { conv: 'conv0', batchNorm: 'bn0' },
    { conv: 'conv1', batchNorm: 'bn1' },
  ]);
  const ops = inspectModel(model).opCounts;
  assert.equal(ops.BatchNormalization, undefined);
  assert.equal(ops.Conv, 2);
  assert.ok(!mainGraph(model).initializer.some((t) => t.name?.startsWith('bn')), 'BatchNorm parameters are dropped');
  const feeds = { image: randomInput([1, 3, 16, 16], 1) };
  const [want] = await runModel(cnn, feeds);
  const [got] = await runModel(model, feeds);
  assert.ok(maxAbsDiff(want, got) < 1e-5, `max diff ${maxAbsDiff(want, got)}`);
});

test('Constant-node weights become initializers; a BatchNorm whose Conv output has another reader is kept', async () => {
  const exported = buildTransformerBlock({ seed: 4, constantWeights: true });
  const { model, report } = prepareModel(exported);
  assert.equal(inspectModel(model).opCounts.Constant, undefined);
  assert.ok(report.liftedConstants.includes('q.weight') && report.liftedConstants.includes('ff2.bias'));
  assert.equal(mainGraph(model).initializer.length, report.liftedConstants.length);
  const feeds = { tokens: randomInput([2, 8, 32], 2) };
  assert.deepEqual(await runModel(model, feeds), await runModel(exported, feeds));

  const cnn = buildCnn({ seed: 3 });
  const graph = mainGraph(cnn);
  graph.output.push({ ...graph.output[0], name: 'conv0.out' });
  assert.deepEqual(prepareModel(cnn).report.foldedBatchNorms, [{ conv: 'conv1', batchNorm: 'bn1' }]);

  // a reader inside an If body counts too
  const withIf = buildCnn({ seed: 3 });
  const body = new GraphBuilder('body').node('Identity', ['conv1.out'], ['seen']).output('seen', 'float32', [1, 16, 8, 8]).toGraph();
  const g = mainGraph(withIf);
  g.input.push(onnx.ValueInfoProto.create({ name: 'flag', type: { tensorType: { elemType: 9, shape: { dim: [] } } } }));
  g.node.push(onnx.NodeProto.create({ opType: 'If', name: 'peek', input: ['flag'], output: ['peeked'], attribute: [
    onnx.AttributeProto.create({ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }),
    onnx.AttributeProto.create({ name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }),
  ] }));
  assert.deepEqual(prepareModel(withIf).report.foldedBatchNorms, [{ conv: 'conv0', batchNorm: 'bn0' }]);
});

test('an opset 9 model is raised to opset 11 (Clip and Slice attributes become inputs), outputs unchanged; Upsample is refused', async () => {
  const old = new GraphBuilder()
    .input('x', 'float32', [1, 8])
    .node('Clip', ['x'], ['c'], { min: attr.float(-0.25), max: attr.float(0.5) })
    .node('Slice', ['c'], ['s'], { starts: [2], ends: [7], axes: [1] })
    .node('Pad', ['s'], ['y'], { pads: [0, 1, 0, 2], value: attr.float(0.75) })
    .output('y', 'float32', [1, 8])
    .build({ opset: 9 });
  const { model, report } = prepareModel(old);
  assert.equal(report.upgradedFromOpset, 9);
  assert.deepEqual(inspectModel(model).opsets, [{ domain: 'ai.onnx', version: 11 }]);
  assert.ok(mainGraph(model).node.every((n) => (n.attribute ?? []).every((a) => a.name === 'mode')));
  const x = randomInput([1, 8], 4);
  assert.deepEqual(await runModel(model, { x }), await runModel(old, { x }));
  const upsample = new GraphBuilder().input('x', 'float32', [1, 1, 2, 2]).node('Upsample', ['x'], ['y'], { scales: attr.floats([1, 1, 2, 2]) }).output('y', 'float32', [1, 1, 4, 4]).build({ opset: 9 });
  assert.throws(() => prepareModel(upsample), (e: unknown) => e instanceof LatheError && e.code === 'unsupported-opset' && /Upsample/.test(e.message));
});
