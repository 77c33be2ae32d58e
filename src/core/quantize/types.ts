import { onnx } from 'onnx-proto';
import { intAttr } from './graph';

const D = onnx.TensorProto.DataType;

const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);

function attrTensorType(node: onnx.INodeProto): number | undefined {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value' && a.t) return a.t.dataType ?? undefined;
    if (a.name === 'value_float' || a.name === 'value_floats') return D.FLOAT;
    if (a.name === 'value_int' || a.name === 'value_ints') return D.INT64;
  }
  return undefined;
}

/** The element types of a node's outputs, from its op and its inputs' types (undefined where not known). */
function outputTypes(node: onnx.INodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const inputs = (node.input ?? []).map((i) => (i ? typeOf(i) : undefined));
  const first = inputs.find((t) => t !== undefined);
  const all = (t: number | undefined) => (node.output ?? []).map(() => t);
  if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') return all(undefined);
  switch (node.opType) {
    case 'Constant':
      return all(attrTensorType(node));
    case 'ConstantOfShape':
      return all(attrTensorType(node) ?? D.FLOAT);
    case 'Cast':
      return all(intAttr(node, 'to', 0));
    case 'CastLike':
      return all(inputs[1]);
    case 'Where':
      return all(inputs[1] ?? inputs[2]);
    case 'TopK':
      return [inputs[0], D.INT64];
    case 'DynamicQuantizeLinear':
      return [D.UINT8, D.FLOAT, D.UINT8];
    case 'QuantizeLinear':
      return all(inputs[2] ?? D.UINT8);
    case 'DequantizeLinear':
      return all(inputs[1] ?? D.FLOAT);
    case 'MatMulInteger':
    case 'ConvInteger':
      return all(D.INT32);
    case 'LayerNormalization':
      // Mean and InvStdDev are float unless stash_type says otherwise
      return [inputs[0], D.FLOAT, D.FLOAT];
  }
  if (BOOL_OPS.has(node.opType ?? '')) return all(D.BOOL);
  if (INT64_OPS.has(node.opType ?? '')) return all(D.INT64);
  return all(first);
}

/**
 * The element type of every value of a graph (top level), propagated from inputs, initializers and declared
 * value_info through the nodes; values whose type cannot be told are absent.
 */
export function inferElemTypes(graph: onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  const declare = (v: onnx.IValueInfoProto) => {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) types.set(v.name, t);
  };
  (graph.input ?? []).forEach(declare);
  (graph.valueInfo ?? []).forEach(declare);
  for (const t of graph.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);
  for (const node of graph.node ?? []) {
    outputTypes(node, (n) => types.get(n)).forEach((t, i) => {
      const out = node.output?.[i];
      if (out && t !== undefined && !types.has(out)) types.set(out, t);
    });
  }
  return types;
}
