import { onnx } from 'onnx-proto';
import { subgraphsOf } from '../onnx';
import { LatheError } from '../workspace/errors';
import { cloneModel, finishModel, floatValues, GraphIndex, mainGraph, nodeId } from './graph';
import { toHalfInto } from './half';
import { inferElemTypes } from './types';

/** Ops kept in float32 by default: ONNX Runtime lacks float16 kernels for them or they lose too much in float16 (onnxconverter-common's list). */
export const DEFAULT_FP16_BLOCK_LIST: readonly string[] = [
  'ArrayFeatureExtractor', 'Binarizer', 'CastMap', 'CategoryMapper', 'DictVectorizer', 'FeatureVectorizer', 'Imputer',
  'LabelEncoder', 'LinearClassifier', 'LinearRegressor', 'Normalizer', 'OneHotEncoder', 'RandomUniformLike',
  'SVMClassifier', 'SVMRegressor', 'Scaler', 'TreeEnsembleClassifier', 'TreeEnsembleRegressor', 'ZipMap',
  'NonMaxSuppression', 'TopK', 'RoiAlign', 'Resize', 'Range', 'CumSum', 'Min', 'Max', 'Upsample',
];

export interface Fp16Options {
  /** Keep float32 graph inputs and outputs, with Casts at the boundaries (default true). */
  keepIoTypes?: boolean;
  /** Op types left in float32 (default DEFAULT_FP16_BLOCK_LIST). */
  blockOps?: readonly string[];
  /** Node names (or first outputs) left in float32. */
  exclude?: readonly string[];
}

export interface Fp16Report {
  convertedTensors: number;
  /** Weight values outside float16's range clamped to ±65504, and non-zero values below its smallest step raised to it. */
  clamped: number;
  /** Nodes kept in float32. */
  keptFloat32: { node: string; op: string }[];
  /** Casts around kept-float32 nodes (the boundary Casts of kept io types not counted). */
  castsInserted: number;
}

const D = onnx.TensorProto.DataType;
const FP16_MAX = 65504;
const FP16_MIN_POSITIVE = 5.96e-8;

const f32 = new Float32Array([FP16_MAX, FP16_MIN_POSITIVE]);
const [MAX_BITS, MIN_BITS] = new Uint32Array(f32.buffer);
// |v| < FP16_MIN_POSITIVE as bits: below the first float32 that is not less than it
const CLAMP = { max: MAX_BITS, tiny: f32[1] < FP16_MIN_POSITIVE ? MIN_BITS + 1 : MIN_BITS };

/** A float32 tensor's data as float16 (in place), clamped into float16's range. Returns how many values were clamped. */
function tensorToHalf(tensor: onnx.ITensorProto): number {
  const values = floatValues(tensor).data;
  const bits = new Uint16Array(values.length);
  const clamped = toHalfInto(values, bits, CLAMP);
  tensor.dataType = D.FLOAT16;
  tensor.rawData = new Uint8Array(bits.buffer);
  tensor.floatData = [];
  return clamped;
}

function castNode(index: GraphIndex, input: string, output: string, to: number): onnx.NodeProto {
  return onnx.NodeProto.create({
    opType: 'Cast',
    name: index.fresh(`${output}_Cast`),
    input: [input],
    output: [output],
    attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to })],
  });
}

function setElemType(value: onnx.IValueInfoProto, type: number): void {
  if (value.type?.tensorType) value.type.tensorType.elemType = type;
}

/**
 * float16 weights and compute: float32 initializers, Constants and activations become float16, except in
 * blocked ops, which get Casts around them. Models with subgraphs (If/Loop/Scan) are refused.
 */
export function convertFloat16(model: onnx.IModelProto, options: Fp16Options = {}): { model: onnx.ModelProto; report: Fp16Report } {
  const keepIo = options.keepIoTypes ?? true;
  const blocked = new Set(options.blockOps ?? DEFAULT_FP16_BLOCK_LIST);
  const excluded = new Set(options.exclude ?? []);
  const out = cloneModel(model);
  const graph = mainGraph(out);
  const withSubgraph = graph.node.find((n) => subgraphsOf(n).length > 0);
  if (withSubgraph) {
    throw new LatheError('unsupported-graph', `float16 conversion does not handle subgraphs yet: node ${withSubgraph.name || withSubgraph.opType} (${withSubgraph.opType}) has one`, {
      hint: 'convert a model without If/Loop/Scan nodes, or use int8 quantization',
    });
  }
  const index = new GraphIndex(graph);
  const types = inferElemTypes(graph);
  const isFloat = (name: string) => types.get(name) === D.FLOAT;
  const isBlocked = (n: onnx.INodeProto) =>
    blocked.has(n.opType ?? '') || excluded.has(nodeId(n)) || (!!n.domain && n.domain !== 'com.microsoft');
  const report: Fp16Report = { convertedTensors: 0, clamped: 0, keptFloat32: [], castsInserted: 0 };

  // which float values end up float16: initializers read by some converted node, converted nodes' outputs, inputs
  const half = new Set<string>();
  const readers = new Map<string, onnx.INodeProto[]>();
  for (const n of graph.node) for (const i of n.input ?? []) readers.set(i, [...(readers.get(i) ?? []), n]);
  for (const t of graph.initializer) {
    if (t.dataType === D.FLOAT && (readers.get(t.name ?? '') ?? []).some((n) => !isBlocked(n))) {
      report.clamped += tensorToHalf(t);
      report.convertedTensors++;
      half.add(t.name ?? '');
    }
  }
  const ioCasts: onnx.NodeProto[] = [];
  for (const input of graph.input) {
    const name = input.name ?? '';
    if (!isFloat(name) || index.initializers.has(name)) continue;
    if (keepIo) {
      const cast = index.fresh(`${name}_fp16`);
      ioCasts.push(castNode(index, name, cast, D.FLOAT16));
      for (const n of graph.node) if (!isBlocked(n)) n.input = (n.input ?? []).map((i) => (i === name ? cast : i));
      types.set(cast, D.FLOAT);
      half.add(cast);
    } else {
      setElemType(input, D.FLOAT16);
      half.add(name);
    }
  }

  const nodes: onnx.INodeProto[] = [...ioCasts];
  const casts = new Map<string, string>();
  const castTo = (name: string, to: number): string => {
    const key = `${name}\u0000${to}`;
    let cast = casts.get(key);
    if (!cast) {
      cast = index.fresh(`${name}_${to === D.FLOAT16 ? 'fp16' : 'fp32'}`);
      nodes.push(castNode(index, name, cast, to));
      casts.set(key, cast);
      report.castsInserted++;
    }
    return cast;
  };
  for (const node of graph.node) {
    const keep = isBlocked(node);
    if (keep) report.keptFloat32.push({ node: nodeId(node), op: node.opType ?? '' });
    node.input = (node.input ?? []).map((i) => {
      if (!i || !isFloat(i)) return i;
      if (keep && half.has(i)) return castTo(i, D.FLOAT);
      if (!keep && !half.has(i)) return castTo(i, D.FLOAT16);
      return i;
    });
    if (!keep) {
      for (const o of node.output ?? []) if (isFloat(o)) half.add(o);
      if (node.opType === 'Cast') for (const a of node.attribute ?? []) if (a.name === 'to' && Number(a.i) === D.FLOAT) a.i = D.FLOAT16;
      for (const a of node.attribute ?? []) {
        if (a.t && a.t.dataType === D.FLOAT && (node.opType === 'Constant' || node.opType === 'ConstantOfShape')) {
          report.clamped += tensorToHalf(a.t);
          report.convertedTensors++;
        }
      }
    }
    nodes.push(node);
  }

  for (const output of graph.output) {
    const name = output.name ?? '';
    if (!isFloat(name) || !half.has(name)) continue;
    if (!keepIo) {
      setElemType(output, D.FLOAT16);
      continue;
    }
    // the producer writes a float16 value under a new name; a Cast gives the declared output back in float32
    const inner = index.fresh(`${name}_fp16`);
    for (const n of nodes) {
      n.output = (n.output ?? []).map((o) => (o === name ? inner : o));
      n.input = (n.input ?? []).map((i) => (i === name ? inner : i));
    }
    nodes.push(castNode(index, inner, name, D.FLOAT));
  }
  graph.node = nodes;
  // declared intermediate types are stale now; runtimes infer them again
  graph.valueInfo = [];
  index.pruneInitializers();
  return { model: finishModel(out, 'float16 conversion'), report };
}
