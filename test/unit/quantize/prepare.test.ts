import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { GraphBuilder, inspectModel } from '../../../src/core/onnx';
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
