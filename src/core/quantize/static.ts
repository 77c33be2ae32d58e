import { onnx } from 'onnx-proto';
import { coreOpset, makeTensor } from '../onnx';
import { LatheError } from '../workspace/errors';
import { calibrate, type CalibrationOptions, type Range } from './calibrate';
import type { Feeds } from './evaluate';
import { cloneModel, finishModel, floatAttr, GraphIndex, intAttr, mainGraph, nodeId, subgraphNodes } from './graph';
import { computeScaleZeroPoint, quantizeWeight, roundHalfEven, type QuantizedWeight } from './int8';
import { inferElemTypes } from './types';

export type ActivationType = 'uint8' | 'int8';

export interface StaticOptions extends CalibrationOptions {
  /** Activations as uint8 (default; ORT's advice for x86 CPUs) or int8. Weights are always int8 symmetric. */
  activationType?: ActivationType;
  /** Symmetric activation ranges (zero point in the middle); default false. */
  symmetricActivations?: boolean;
  /** One weight scale per output channel (Conv axis 0, MatMul axis 1, Gemm its output axis). */
  perChannel?: boolean;
  /** Operators to quantize, from QUANTIZABLE_OPS (default all of them). */
  opTypes?: readonly string[];
  /** Node names (or, for unnamed nodes, first output names) to leave in float. */
  exclude?: readonly string[];
}

export interface StaticReport {
  quantized: { node: string; op: string }[];
  /** Float tensors given QuantizeLinear/DequantizeLinear, with their calibrated range and parameters. */
  activations: { tensor: string; lo: number; hi: number; scale: number; zeroPoint: number }[];
  skipped: { node: string; op: string; reason: string }[];
}

/** Operators the QDQ rewrite quantizes: the compute-heavy ones, where int8 pays. */
export const QUANTIZABLE_OPS = ['Conv', 'MatMul', 'Gemm'] as const;

/** Operators left in float however they are asked for: int8 there costs accuracy and gains little. */
const KEEP_FLOAT: Record<string, string> = {
  Softmax: 'Softmax left in float: its exponent amplifies int8 rounding of the logits',
  LayerNormalization: 'LayerNormalization left in float: int8 statistics lose the small variances it divides by',
  Gelu: 'Gelu left in float: cheap elementwise, int8 would only add Q/DQ pairs',
  Erf: 'Erf left in float: cheap elementwise, int8 would only add Q/DQ pairs',
};

const DataType = onnx.TensorProto.DataType;

/** The weight viewed as [rows, cols] with the channel axis as rows (axis 0) or columns (axis 1). */
interface WeightPlan {
  name: string;
  dims: number[];
  data: Float32Array;
  rows: number;
  cols: number;
  axis: 0 | 1;
}

/** Symmetric int8 weights per tensor or per channel along `axis`, with ORT's parameters. */
function quantizeAxis(w: WeightPlan, perChannel: boolean): QuantizedWeight {
  if (!perChannel || w.axis === 1) return quantizeWeight(w.data, w.rows, w.cols, perChannel, 'int8');
  const values = new Int8Array(w.data.length);
  const scales = new Float32Array(w.rows);
  for (let r = 0; r < w.rows; r++) {
    const q = quantizeWeight(w.data.subarray(r * w.cols, (r + 1) * w.cols), 1, w.cols, false, 'int8');
    values.set(q.values, r * w.cols);
    scales[r] = q.scales[0];
  }
  return { values, scales, zeroPoints: new Int8Array(w.rows) };
}

function weightPlan(node: onnx.INodeProto, index: GraphIndex): WeightPlan | undefined {
  const name = node.input?.[1] ?? '';
  const w = index.floatWeight(name);
  if (!w) return undefined;
  const count = w.data.length;
  if (node.opType === 'Conv') return { name, dims: w.dims, data: w.data, rows: w.dims[0], cols: count / w.dims[0], axis: 0 };
  if (w.dims.length !== 2) return { name, dims: w.dims, data: w.data, rows: 1, cols: count, axis: 1 };
  const transposed = node.opType === 'Gemm' && intAttr(node, 'transB', 0) !== 0;
  return { name, dims: w.dims, data: w.data, rows: w.dims[0], cols: w.dims[1], axis: transposed ? 0 : 1 };
}

/** Why a node cannot be quantized, or undefined when it can. */
function refusal(node: onnx.INodeProto, index: GraphIndex, ranges: Map<string, Range>): string | undefined {
  const x = node.input?.[0] ?? '';
  if (!ranges.has(x)) return `its input ${x} is not a float tensor computed at run time`;
  if (node.opType === 'MatMul') {
    const b = node.input?.[1] ?? '';
    if (!index.isFloatWeight(b) && !ranges.has(b)) return `its input ${b} is neither a float32 initializer nor a float tensor`;
    return undefined;
  }
  if (!index.isFloatWeight(node.input?.[1] ?? '')) return 'its weight is not a float32 initializer (computed at run time)';
  const bias = node.input?.[2];
  if (bias && !index.isFloatWeight(bias)) return 'its bias is not a float32 initializer';
  if (node.opType === 'Gemm' && intAttr(node, 'transA', 0) !== 0) return 'Gemm with transA=1 is not quantized';
  return undefined;
}

/** The float tensors a node reads at run time (activations) and the output its QDQ covers. */
function activationsOf(node: onnx.INodeProto, index: GraphIndex): string[] {
  const inputs = node.opType === 'MatMul' ? (node.input ?? []).slice(0, 2).filter((i) => !index.isFloatWeight(i)) : [node.input?.[0] ?? ''];
  return [...inputs, node.output?.[0] ?? ''];
}

/**
 * Static int8 quantization in QDQ format, ORT's layout: each quantized node reads its activations through
 * QuantizeLinear/DequantizeLinear pairs with calibrated scales, its weights as int8 initializers through a
 * DequantizeLinear, its bias as int32 (scale = input scale × weight scale), and its output is quantized too,
 * so ONNX Runtime can fuse the pattern into integer kernels. Ranges come from running the model on `inputs`.
 */
export async function quantizeStatic(
  model: onnx.IModelProto,
  inputs: readonly Feeds[],
  options: StaticOptions = {},
): Promise<{ model: onnx.ModelProto; report: StaticReport }> {
  const opTypes = options.opTypes ?? QUANTIZABLE_OPS;
  const unknown = opTypes.filter((op) => !(QUANTIZABLE_OPS as readonly string[]).includes(op));
  if (unknown.length) {
    throw new LatheError('invalid-option', `static quantization does not quantize ${unknown.join(', ')}`, { hint: `choose from ${QUANTIZABLE_OPS.join(', ')}` });
  }
  if (coreOpset(model) < 10) {
    throw new LatheError('unsupported-opset', `static quantization needs ai.onnx opset 10 or newer (QuantizeLinear); the model uses ${coreOpset(model)}`, {
      hint: 'run graph preparation (prepareModel) first: it raises the opset to 11',
    });
  }
  if (coreOpset(model) < 13 && options.perChannel) {
    throw new LatheError('unsupported-opset', `per-channel QDQ needs ai.onnx opset 13 or newer (DequantizeLinear axis); the model uses ${coreOpset(model)}`, {
      hint: 'convert the model to a newer opset first, or quantize per tensor',
    });
  }
  const out = cloneModel(model);
  const graph = mainGraph(out);
  const index = new GraphIndex(graph);
  const exclude = new Set(options.exclude ?? []);
  const report: StaticReport = { quantized: [], activations: [], skipped: [] };
  const types = inferElemTypes(graph);
  const isFloat = (name: string) => !!name && types.get(name) === DataType.FLOAT && !index.initializers.has(name);

  const candidates = graph.node.filter((node) => {
    if (node.domain || !opTypes.includes(node.opType ?? '')) {
      const reason = !node.domain && KEEP_FLOAT[node.opType ?? ''];
      if (reason) report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason });
      return false;
    }
    if (!exclude.has(nodeId(node))) return true;
    report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason: 'excluded by the caller' });
    return false;
  });
  const wanted = [...new Set(candidates.flatMap((n) => activationsOf(n, index)).filter(isFloat))];
  const ranges = await calibrate(model, wanted, inputs, options);
  const nodes = candidates.filter((node) => {
    const reason = refusal(node, index, ranges);
    if (reason) report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason });
    return !reason;
  });

  const aType = options.activationType ?? 'uint8';
  const [qmin, qmax] = aType === 'uint8' ? [0, 255] : options.symmetricActivations ? [-127, 127] : [-128, 127];
  const ZeroPoints = aType === 'uint8' ? Uint8Array : Int8Array;
  const graphOutputs = new Set(graph.output.map((o) => o.name));
  const scales = new Map<string, number>();
  const before: onnx.INodeProto[] = [];
  const after = new Map<string, onnx.INodeProto[]>();
  const rename = new Map<string, string>();
  const renameOutput = new Map<string, string>();
  const dq = (input: string[], output: string, axis?: number) =>
    onnx.NodeProto.create({
      opType: 'DequantizeLinear',
      name: index.fresh(`${output}_node`),
      input,
      output: [output],
      attribute: axis === undefined ? [] : [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis })],
    });

  const quantizeActivation = (tensor: string) => {
    if (scales.has(tensor)) return;
    const range = ranges.get(tensor) as Range;
    const { scale, zeroPoint } = computeScaleZeroPoint(range.lo, range.hi, qmin, qmax, options.symmetricActivations ?? false);
    scales.set(tensor, scale);
    report.activations.push({ tensor, ...range, scale, zeroPoint });
    const [s, z, q] = [index.fresh(`${tensor}_scale`), index.fresh(`${tensor}_zero_point`), index.fresh(`${tensor}_QuantizeLinear_Output`)];
    index.addInitializer(makeTensor(s, Float32Array.of(scale), []));
    index.addInitializer(makeTensor(z, ZeroPoints.of(zeroPoint), []));
    // a graph output keeps its name on the dequantized value; its producer writes a new name
    const source = graphOutputs.has(tensor) ? index.fresh(`${tensor}_QuantizeLinear_Input`) : tensor;
    const restored = graphOutputs.has(tensor) ? tensor : index.fresh(`${tensor}_DequantizeLinear_Output`);
    if (source !== tensor) renameOutput.set(tensor, source);
    else rename.set(tensor, restored);
    const pair = [onnx.NodeProto.create({ opType: 'QuantizeLinear', name: index.fresh(`${tensor}_QuantizeLinear`), input: [source, s, z], output: [q] }), dq([q, s, z], restored)];
    const key = graph.node.some((n) => n.output?.includes(tensor)) ? tensor : '';
    if (key) after.set(key, [...(after.get(key) ?? []), ...pair]);
    else before.push(...pair);
  };

  const quantizeWeightInput = (node: onnx.INodeProto): number[] => {
    const plan = weightPlan(node, index) as WeightPlan;
    const perChannel = (options.perChannel ?? false) && plan.dims.length >= 2;
    const q = quantizeAxis(plan, perChannel);
    const dims = perChannel ? [q.scales.length] : [];
    const [qn, s, z] = [index.fresh(`${plan.name}_quantized`), index.fresh(`${plan.name}_scale`), index.fresh(`${plan.name}_zero_point`)];
    index.addInitializer(makeTensor(qn, q.values, plan.dims));
    index.addInitializer(makeTensor(s, q.scales, dims));
    index.addInitializer(makeTensor(z, q.zeroPoints, dims));
    const restored = index.fresh(`${plan.name}_DequantizeLinear_Output`);
    before.push(dq([qn, s, z], restored, perChannel ? plan.axis : undefined));
    node.input = (node.input ?? []).map((i, k) => (k === 1 ? restored : i));
    return [...q.scales];
  };

  /** int32 bias with scale input scale × weight scale (× Gemm's beta, which becomes 1), zero point 0. */
  const quantizeBias = (node: onnx.INodeProto, inputScale: number, weightScales: number[]) => {
    const name = node.input?.[2] ?? '';
    const bias = index.floatWeight(name);
    if (!bias) return;
    const beta = node.opType === 'Gemm' ? floatAttr(node, 'beta', 1) : 1;
    const perChannel = weightScales.length > 1;
    const biasScales = Float32Array.from(weightScales, (ws) => Math.fround(Math.fround(inputScale * ws) * beta));
    const values = Int32Array.from(bias.data, (v, i) => Math.max(-2147483648, Math.min(2147483647, roundHalfEven(v / biasScales[perChannel ? i : 0]))));
    const [qn, s] = [index.fresh(`${name}_quantized`), index.fresh(`${name}_quantized_scale`)];
    index.addInitializer(makeTensor(qn, values, bias.dims));
    index.addInitializer(makeTensor(s, biasScales, perChannel ? [biasScales.length] : []));
    const restored = index.fresh(`${name}_DequantizeLinear_Output`);
    before.push(dq([qn, s], restored, perChannel ? 0 : undefined));
    node.input = (node.input ?? []).map((i, k) => (k === 2 ? restored : i));
    if (node.opType === 'Gemm') node.attribute = (node.attribute ?? []).filter((a) => a.name !== 'beta');
  };

  for (const node of nodes) {
    for (const t of activationsOf(node, index).filter((t) => ranges.has(t))) quantizeActivation(t);
    if (node.opType === 'MatMul' && !index.isFloatWeight(node.input?.[1] ?? '')) {
      report.quantized.push({ node: nodeId(node), op: node.opType ?? '' });
      continue;
    }
    const inputScale = scales.get(node.input?.[0] ?? '') as number;
    const weightScales = quantizeWeightInput(node);
    if (node.opType !== 'MatMul' && node.input?.[2]) quantizeBias(node, inputScale, weightScales);
    report.quantized.push({ node: nodeId(node), op: node.opType ?? '' });
  }
  for (const node of subgraphNodes(graph, QUANTIZABLE_OPS)) {
    report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason: 'inside a subgraph (If/Loop/Scan body): left in float' });
  }

  graph.node = [
    ...before,
    ...graph.node.flatMap((node) => {
      const produced = node.output ?? [];
      node.input = (node.input ?? []).map((i) => rename.get(i) ?? i);
      node.output = produced.map((o) => renameOutput.get(o) ?? o);
      return [node, ...produced.flatMap((o) => after.get(o) ?? [])];
    }),
  ];
  index.pruneInitializers();
  return { model: finishModel(out, 'static quantization'), report };
}

