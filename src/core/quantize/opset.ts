import { onnx } from 'onnx-proto';
import { coreOpset, forEachGraph, makeTensor, toNumber } from '../onnx';
import { LatheError } from '../workspace/errors';
import { floatAttr } from './graph';

/** The opset quantization needs (QuantizeLinear from 10, DynamicQuantizeLinear from 11), as ORT upgrades to. */
export const QUANTIZE_OPSET = 11;

/** Ops whose meaning changed before opset 11 in ways this upgrade does not rewrite. */
const REFUSED = new Set(['Upsample', 'Resize', 'Scatter']);

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function ints(node: onnx.INodeProto, name: string): number[] | undefined {
  const a = attribute(node, name);
  return a ? (a.ints ?? []).map(toNumber) : undefined;
}

/**
 * Rewrite the ops whose attributes became inputs before opset 11 (Clip, Slice, Pad, TopK); the new inputs are
 * Constant nodes placed before their reader (graph preparation lifts them to initializers).
 */
function upgradeNodes(graph: onnx.IGraphProto, fresh: (base: string) => string): void {
  const nodes: onnx.INodeProto[] = [];
  const constant = (base: string, data: Float32Array | BigInt64Array, dims: number[]): string => {
    const name = fresh(base);
    const value = makeTensor(name, data as Float32Array<ArrayBuffer>, dims);
    nodes.push(onnx.NodeProto.create({ opType: 'Constant', name: fresh(`${name}_node`), output: [name], attribute: [onnx.AttributeProto.create({ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: value })] }));
    return name;
  };
  const int64 = (base: string, values: number[]) => constant(base, BigInt64Array.from(values.map(BigInt)), [values.length]);
  const drop = (node: onnx.INodeProto, names: string[]) => (node.attribute = (node.attribute ?? []).filter((a) => !names.includes(a.name ?? '')));
  for (const node of graph.node ?? []) {
    const op = node.domain ? '' : node.opType ?? '';
    const id = node.name || node.output?.[0] || op;
    if (REFUSED.has(op)) {
      throw new LatheError('unsupported-opset', `${op} (node ${id}) changed meaning before opset ${QUANTIZE_OPSET}; the model cannot be upgraded automatically`, {
        hint: `re-export the model with opset ${QUANTIZE_OPSET} or newer`,
      });
    }
    if (op === 'Clip' && (attribute(node, 'min') || attribute(node, 'max'))) {
      const min = attribute(node, 'min') ? constant(`${id}_min`, Float32Array.of(floatAttr(node, 'min', 0)), []) : '';
      const max = attribute(node, 'max') ? constant(`${id}_max`, Float32Array.of(floatAttr(node, 'max', 0)), []) : '';
      node.input = [node.input?.[0] ?? '', min, ...(max ? [max] : [])];
      drop(node, ['min', 'max']);
    } else if (op === 'Slice' && attribute(node, 'starts')) {
      const axes = ints(node, 'axes');
      node.input = [node.input?.[0] ?? '', int64(`${id}_starts`, ints(node, 'starts') ?? []), int64(`${id}_ends`, ints(node, 'ends') ?? []), ...(axes ? [int64(`${id}_axes`, axes)] : [])];
      drop(node, ['starts', 'ends', 'axes']);
    } else if (op === 'Pad' && attribute(node, 'pads')) {
      const value = floatAttr(node, 'value', 0);
      node.input = [node.input?.[0] ?? '', int64(`${id}_pads`, ints(node, 'pads') ?? []), ...(value !== 0 ? [constant(`${id}_value`, Float32Array.of(value), [])] : [])];
      drop(node, ['pads', 'value']);
    } else if (op === 'TopK' && attribute(node, 'k')) {
      node.input = [node.input?.[0] ?? '', int64(`${id}_k`, [toNumber(attribute(node, 'k')?.i)])];
      drop(node, ['k']);
    }
    nodes.push(node);
  }
  graph.node = nodes;
}

/**
 * Raise a model below opset 11 to opset 11 in place, as ORT's quantizer does with onnx's version converter
 * before quantizing. Returns the opset it had, or undefined when it needed no upgrade.
 */
export function upgradeOpset(model: onnx.IModelProto): number | undefined {
  const from = coreOpset(model);
  if (from >= QUANTIZE_OPSET) return undefined;
  const used = new Set<string>();
  forEachGraph(model.graph as onnx.IGraphProto, (g) => {
    for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? []), ...(g.initializer ?? [])]) used.add(v.name ?? '');
    for (const n of g.node ?? []) [n.name ?? '', ...(n.output ?? [])].forEach((x) => used.add(x));
  });
  const fresh = (base: string) => {
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  forEachGraph(model.graph as onnx.IGraphProto, (g) => upgradeNodes(g, fresh));
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (entry) entry.version = QUANTIZE_OPSET;
  // IR version 6 is the oldest that opset 11 may be stored with
  if (toNumber(model.irVersion) < 6) model.irVersion = 6;
  return from;
}
