import { onnx } from 'onnx-proto';
import { coreOpset, makeTensor } from '../onnx';
import { LatheError } from '../workspace/errors';
import { cloneModel, ensureDomain, finishModel, floatAttr, GraphIndex, intAttr, mainGraph, nodeId, subgraphNodes, type Floats } from './graph';
import { quantizeWeight, type WeightType } from './int8';

export interface DynamicOptions {
  /** One scale per output channel instead of one per weight tensor (default false). */
  perChannel?: boolean;
  /** int8 symmetric (default, as ORT) or uint8 asymmetric weights. */
  weightType?: WeightType;
  /**
   * 'integer-ops' (default): DynamicQuantizeLinear + MatMulInteger + Cast + Mul, what ORT's quantize_dynamic
   * emits; 'fused': one com.microsoft DynamicQuantizeMatMul per layer (ONNX Runtime only, int8 weights only;
   * Conv keeps the integer-ops pattern).
   */
  format?: 'integer-ops' | 'fused';
  /**
   * Quantize Conv weights too (ConvInteger, per tensor as ORT does). Off by default: ConvInteger runs several
   * times slower than float Conv on CPU.
   */
  quantizeConv?: boolean;
  /** Node names (or, for unnamed nodes, first output names) to leave in float. */
  exclude?: readonly string[];
}

export interface DynamicReport {
  quantized: { node: string; op: string; weight: string; shape: number[] }[];
  /** Weight-bearing nodes left in float, and why. */
  skipped: { node: string; op: string; reason: string }[];
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** A weight to quantize as [k, n] (per channel: per column), stored with `dims`, and the bias added after. */
interface Plan {
  data: Float32Array;
  k: number;
  n: number;
  dims: number[];
  bias?: string;
  conv: boolean;
}

/**
 * ConvInteger has no per-channel form on CPU, so Conv weights are quantized per tensor; the bias is added
 * after the rescale, reshaped to broadcast over [batch, channels, ...spatial].
 */
function convWeight(node: onnx.INodeProto, index: GraphIndex): Plan | string {
  const w = index.floatWeight(node.input?.[1] ?? '');
  if (!w) return 'its weight is not a float32 initializer (computed at run time)';
  const plan: Plan = { data: w.data, k: 1, n: w.data.length, dims: w.dims, conv: true };
  const biasName = node.input?.[2];
  if (!biasName) return plan;
  const bias = index.floatWeight(biasName);
  if (!bias) return 'its bias is not a float32 initializer';
  const reshaped = index.fresh(`${biasName}_reshaped`);
  index.addInitializer(makeTensor(reshaped, bias.data, [1, bias.data.length, ...w.dims.slice(2).map(() => 1)]));
  return { ...plan, bias: reshaped };
}

/** A [K, N] weight, alpha folded in and transposed when Gemm reads it transposed; or why the node stays float. */
function linearWeight(node: onnx.INodeProto, index: GraphIndex): Plan | string {
  const name = node.input?.[1] ?? '';
  const w = index.floatWeight(name);
  if (!w) return 'its weight is not a float32 initializer (computed at run time)';
  if (w.dims.length !== 2) return `its weight has rank ${w.dims.length}; only 2-D weights are quantized`;
  if (node.opType === 'MatMul') return { data: w.data, k: w.dims[0], n: w.dims[1], dims: w.dims, conv: false };
  if (intAttr(node, 'transA', 0) !== 0) return 'Gemm with transA=1 is not quantized';
  const alpha = floatAttr(node, 'alpha', 1);
  const transB = intAttr(node, 'transB', 0) !== 0;
  const [k, n] = transB ? [w.dims[1], w.dims[0]] : w.dims;
  const data = new Float32Array(k * n);
  for (let r = 0; r < k; r++) for (let c = 0; c < n; c++) data[r * n + c] = alpha * w.data[transB ? c * k + r : r * n + c];
  const bias = node.input?.[2];
  if (!bias || floatAttr(node, 'beta', 1) === 1) return { data, k, n, dims: [k, n], bias: bias || undefined, conv: false };
  const c = index.floatWeight(bias);
  if (!c) return 'Gemm with beta != 1 and a computed C is not quantized';
  const beta = floatAttr(node, 'beta', 1);
  const scaled = Float32Array.from(c.data, (v) => v * beta) as Floats;
  const scaledName = index.fresh(`${bias}_beta`);
  index.addInitializer(makeTensor(scaledName, scaled, c.dims));
  return { data, k, n, dims: [k, n], bias: scaledName, conv: false };
}

function plan(node: onnx.INodeProto, index: GraphIndex, options: DynamicOptions): Plan | string {
  if (options.exclude?.includes(nodeId(node))) return 'excluded by the caller';
  if (node.opType !== 'Conv') return linearWeight(node, index);
  if (!options.quantizeConv) return 'Conv left in float: ConvInteger runs several times slower than float Conv on CPU';
  return convWeight(node, index);
}

/**
 * Dynamic int8 quantization: MatMul and Gemm weights stored as int8 (per tensor or per channel), activations
 * quantized at run time. Outputs the same operator pattern and weights as ORT's `quantize_dynamic`: Gemm becomes
 * the MatMul pattern plus an Add of its C, as ORT rewrites it. Conv only on request (see `quantizeConv`).
 */
export function quantizeDynamic(model: onnx.IModelProto, options: DynamicOptions = {}): { model: onnx.ModelProto; report: DynamicReport } {
  const perChannel = options.perChannel ?? false;
  const type = options.weightType ?? 'int8';
  const fused = options.format === 'fused';
  if (fused && type !== 'int8') {
    throw new LatheError('invalid-option', 'the fused format (DynamicQuantizeMatMul) takes int8 weights only', { hint: 'use weightType int8 or the integer-ops format' });
  }
  if (coreOpset(model) < 11) {
    throw new LatheError('unsupported-opset', `dynamic quantization needs ai.onnx opset 11 or newer (DynamicQuantizeLinear); the model uses ${coreOpset(model)}`, {
      hint: 'convert the model to a newer opset first',
    });
  }
  const out = cloneModel(model);
  const graph = mainGraph(out);
  const index = new GraphIndex(graph);
  const report: DynamicReport = { quantized: [], skipped: [] };
  // one DynamicQuantizeLinear per activation, shared by every layer reading it (q, k and v read the same input)
  const quantizedInputs = new Map<string, string[]>();
  const nodes: onnx.INodeProto[] = [];
  const emit = (op: string, inputs: string[], outputs: string[], extra: Partial<onnx.INodeProto> = {}) =>
    nodes.push(onnx.NodeProto.create({ opType: op, name: index.fresh(`${outputs[0]}_${op}`), input: inputs, output: outputs, ...extra }));

  for (const node of graph.node) {
    if (node.domain || !['MatMul', 'Gemm', 'Conv'].includes(node.opType ?? '')) {
      nodes.push(node);
      continue;
    }
    const weight = plan(node, index, options);
    if (typeof weight === 'string') {
      report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason: weight });
      nodes.push(node);
      continue;
    }
    const [x, wName, y] = [node.input?.[0] ?? '', node.input?.[1] ?? '', node.output?.[0] ?? ''];
    const channels = perChannel && !weight.conv;
    const q = quantizeWeight(weight.data, weight.k, weight.n, channels, type);
    const qName = index.fresh(`${wName}_quantized`);
    const sName = index.fresh(`${wName}_scale`);
    const zName = index.fresh(`${wName}_zero_point`);
    const paramDims = channels ? [weight.n] : [];
    index.addInitializer(makeTensor(qName, q.values, weight.dims));
    index.addInitializer(makeTensor(sName, q.scales, paramDims));
    index.addInitializer(makeTensor(zName, q.zeroPoints, paramDims));
    const product = weight.bias ? index.fresh(`${y}_matmul`) : y;
    if (fused && !weight.conv) {
      emit('DynamicQuantizeMatMul', [x, qName, sName, zName, ...(weight.bias ? [weight.bias] : [])], [y], { domain: 'com.microsoft' });
    } else {
      let xq = quantizedInputs.get(x);
      if (!xq) {
        xq = [index.fresh(`${x}_quantized`), index.fresh(`${x}_scale`), index.fresh(`${x}_zero_point`)];
        emit('DynamicQuantizeLinear', [x], xq);
        quantizedInputs.set(x, xq);
      }
      const scales = index.fresh(`${y}_scales`);
      const integer = index.fresh(`${y}_quantized`);
      const cast = index.fresh(`${y}_cast`);
      emit('Mul', [xq[1], sName], [scales]);
      if (weight.conv) emit('ConvInteger', [xq[0], qName, xq[2], zName], [integer], { attribute: node.attribute });
      else emit('MatMulInteger', [xq[0], qName, xq[2], zName], [integer]);
      emit('Cast', [integer], [cast], { attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT })] });
      emit('Mul', [cast, scales], [product]);
      if (weight.bias) emit('Add', [product, weight.bias], [y]);
    }
    report.quantized.push({ node: nodeId(node), op: node.opType ?? '', weight: wName, shape: weight.dims });
  }
  for (const node of subgraphNodes(graph, ['MatMul', 'Gemm', 'Conv'])) {
    report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason: 'inside a subgraph (If/Loop/Scan body): left in float' });
  }
  graph.node = nodes;
  if (fused && report.quantized.some((q) => q.op !== 'Conv')) ensureDomain(out, 'com.microsoft', 1);
  index.pruneInitializers();
  return { model: finishModel(out, 'dynamic quantization'), report };
}
