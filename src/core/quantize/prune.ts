import { onnx } from 'onnx-proto';
import { makeTensor } from '../onnx';
import { LatheError } from '../workspace/errors';
import { cloneModel, finishModel, GraphIndex, intAttr, mainGraph, nodeId, subgraphNodes, type Floats } from './graph';

export interface PruneOptions {
  /** Fraction of each weight (unstructured) or of each layer's output channels (structured) removed, in [0, 1). */
  sparsity: number;
  /**
   * false (default): zero the smallest-magnitude weights one by one (the file keeps its size, a compressor or a
   * sparse kernel gains); true: remove whole output channels with the smallest L2 norm, and the next layer's
   * matching inputs where the graph allows, so the model really shrinks.
   */
  structured?: boolean;
  exclude?: readonly string[];
}

export interface PruneReport {
  pruned: { node: string; op: string; weight: string; zeroed: number; of: number; removedChannels?: number; shrunkNext?: string }[];
  skipped: { node: string; op: string; reason: string }[];
}

const LAYERS = ['MatMul', 'Gemm', 'Conv'];
/** Elementwise ops a removed channel passes through unchanged (a zero channel stays a dropped channel). */
const CHANNEL_WISE = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Gelu', 'Elu', 'Selu', 'Softplus', 'HardSigmoid', 'HardSwish']);

/** A layer's weight as channels: `channel(c)` lists the flat indices of output channel c. */
interface Layout {
  name: string;
  dims: number[];
  data: Float32Array;
  channels: number;
  /** 0: channels are rows of dims (Conv, Gemm transB); 1: columns (MatMul, Gemm). */
  axis: 0 | 1;
}

function layout(node: onnx.INodeProto, index: GraphIndex, structured: boolean): Layout | string {
  const name = node.input?.[1] ?? '';
  const w = index.floatWeight(name);
  if (!w) return 'its weight is not a float32 initializer (computed at run time)';
  if (node.opType === 'Conv') {
    // a grouped (e.g. depthwise) Conv ties each output channel to its group's inputs
    if (structured && intAttr(node, 'group', 1) !== 1) return 'a grouped Conv keeps its channels (they are tied to its input groups)';
    return { name, dims: w.dims, data: w.data, channels: w.dims[0], axis: 0 };
  }
  if (w.dims.length !== 2) return `its weight has rank ${w.dims.length}; only 2-D weights are pruned`;
  if (node.opType === 'Gemm' && intAttr(node, 'transB', 0) !== 0) return { name, dims: w.dims, data: w.data, channels: w.dims[0], axis: 0 };
  return { name, dims: w.dims, data: w.data, channels: w.dims[1], axis: 1 };
}

/** Flat indices of slice `c` along `axis` of a [rows, rest] view. */
function slice(l: { dims: number[]; axis: 0 | 1 }, c: number): number[] {
  const rows = l.dims[0];
  const cols = l.dims.slice(1).reduce((a, b) => a * b, 1);
  return l.axis === 0 ? Array.from({ length: cols }, (_, j) => c * cols + j) : Array.from({ length: rows }, (_, i) => i * cols + c);
}

/** Keep only the slices `keep` along `axis` (0: first dim, 1: second dim) of a tensor. */
function take(data: Float32Array, dims: number[], axis: 0 | 1, keep: number[]): { data: Floats; dims: number[] } {
  const newDims = [...dims];
  newDims[axis] = keep.length;
  const inner = dims.slice(2).reduce((a, b) => a * b, 1);
  const [d0, d1] = [dims[0], dims[1] ?? 1];
  const out = new Float32Array(newDims.reduce((a, b) => a * b, 1));
  let o = 0;
  const rows = axis === 0 ? keep : Array.from({ length: d0 }, (_, i) => i);
  const cols = axis === 1 ? keep : Array.from({ length: d1 }, (_, i) => i);
  for (const r of rows) for (const c of cols) for (let i = 0; i < inner; i++) out[o++] = data[(r * d1 + c) * inner + i];
  return { data: out, dims: newDims };
}

/**
 * Where the output channels of `node` can be dropped: following single readers through a per-channel bias Add
 * and channel-wise activations to the next MatMul/Gemm/Conv, whose inputs along that axis go too.
 */
function shrinkPlan(node: onnx.INodeProto, graph: onnx.IGraphProto, index: GraphIndex, channels: number): { biases: string[]; passed: string[]; next: onnx.INodeProto; nextAxis: 0 | 1 } | undefined {
  const readers = (v: string) => (graph.node ?? []).filter((n) => n.input?.includes(v));
  const biases: string[] = [];
  const passed: string[] = [];
  let value = node.output?.[0] ?? '';
  for (;;) {
    if (index.readCount(value) !== 1) return undefined;
    const [r] = readers(value);
    if (!r || r.domain) return undefined;
    passed.push(value);
    if (r.opType === 'Add' && node.opType !== 'Conv') {
      const other = r.input?.[0] === value ? r.input?.[1] : r.input?.[0];
      const bias = index.floatWeight(other ?? '');
      if (!bias || bias.data.length !== channels || index.readCount(other ?? '') !== 1) return undefined;
      biases.push(other ?? '');
    } else if (!CHANNEL_WISE.has(r.opType ?? '')) {
      if (r.input?.[0] !== value || !LAYERS.includes(r.opType ?? '')) return undefined;
      const w = r.input?.[1] ? index.floatWeight(r.input[1]) : undefined;
      if (!w || index.readCount(r.input?.[1] ?? '') !== 1) return undefined;
      if (r.opType === 'Conv') {
        if (node.opType !== 'Conv' || intAttr(r, 'group', 1) !== 1 || w.dims[1] !== channels) return undefined;
        return { biases, passed, next: r, nextAxis: 1 };
      }
      if (node.opType === 'Conv' || w.dims.length !== 2 || (r.opType === 'Gemm' && intAttr(r, 'transA', 0) !== 0)) return undefined;
      const nextAxis = r.opType === 'Gemm' && intAttr(r, 'transB', 0) !== 0 ? 1 : 0;
      return w.dims[nextAxis] === channels ? { biases, passed, next: r, nextAxis } : undefined;
    }
    value = r.output?.[0] ?? '';
  }
}

/** Replace initializer input `at` of `node` with new data under a fresh name (the old one may be read elsewhere). */
function replaceInput(node: onnx.INodeProto, at: number, index: GraphIndex, data: Floats, dims: number[]): void {
  const name = index.fresh(`${node.input?.[at]}_pruned`);
  index.addInitializer(makeTensor(name, data, dims));
  node.input = (node.input ?? []).map((x, k) => (k === at ? name : x));
}

/**
 * Magnitude pruning of MatMul, Gemm and Conv weights, unstructured (smallest |w| set to zero) or structured
 * (whole output channels by L2 norm; see `structured`).
 */
export function pruneMagnitude(model: onnx.IModelProto, options: PruneOptions): { model: onnx.ModelProto; report: PruneReport } {
  if (!(options.sparsity >= 0 && options.sparsity < 1)) {
    throw new LatheError('invalid-option', `sparsity ${options.sparsity} is not in [0, 1)`, { hint: 'pass the fraction to remove, e.g. 0.5' });
  }
  const out = cloneModel(model);
  const graph = mainGraph(out);
  const index = new GraphIndex(graph);
  const exclude = new Set(options.exclude ?? []);
  const report: PruneReport = { pruned: [], skipped: [] };
  const shrunkInputs = new Set<string>();
  for (const node of graph.node) {
    const op = node.opType ?? '';
    if (node.domain || !LAYERS.includes(op)) continue;
    const id = nodeId(node);
    const l = exclude.has(id) ? 'excluded by the caller' : layout(node, index, options.structured ?? false);
    if (typeof l === 'string') {
      report.skipped.push({ node: id, op, reason: l });
      continue;
    }
    if (index.readCount(l.name) !== 1 && !shrunkInputs.has(l.name)) {
      report.skipped.push({ node: id, op, reason: `its weight ${l.name} is shared with other nodes` });
      continue;
    }
    if (!options.structured) {
      const order = Array.from(l.data.keys()).sort((x, y) => Math.abs(l.data[x]) - Math.abs(l.data[y]));
      const zeroed = Math.floor(options.sparsity * l.data.length);
      const data = Float32Array.from(l.data);
      for (const i of order.slice(0, zeroed)) data[i] = 0;
      replaceInput(node, 1, index, data, l.dims);
      report.pruned.push({ node: id, op, weight: l.name, zeroed, of: data.length });
      continue;
    }
    const norms = Array.from({ length: l.channels }, (_, c) => Math.sqrt(slice(l, c).reduce((sum, i) => sum + l.data[i] * l.data[i], 0)));
    const removed = Math.min(l.channels - 1, Math.floor(options.sparsity * l.channels));
    const dropped = new Set(norms.map((_, c) => c).sort((x, y) => norms[x] - norms[y]).slice(0, removed));
    const keep = norms.map((_, c) => c).filter((c) => !dropped.has(c));
    const plan = removed > 0 ? shrinkPlan(node, graph, index, l.channels) : undefined;
    const entry = { node: id, op, weight: l.name, zeroed: removed * (l.data.length / l.channels), of: l.data.length, removedChannels: removed };
    if (!plan) {
      // the channels' consumers cannot drop them: zero them instead, the shape stays
      const data = Float32Array.from(l.data);
      for (const c of dropped) for (const i of slice(l, c)) data[i] = 0;
      replaceInput(node, 1, index, data, l.dims);
      report.pruned.push(entry);
      continue;
    }
    const w = take(l.data, l.dims, l.axis, keep);
    replaceInput(node, 1, index, w.data, w.dims);
    const ownBias = op !== 'MatMul' ? node.input?.[2] : undefined;
    const bias = ownBias ? index.floatWeight(ownBias) : undefined;
    if (ownBias && bias && bias.data.length === l.channels) replaceInput(node, 2, index, Float32Array.from(keep, (c) => bias.data[c]), [keep.length]);
    for (const b of plan.biases) {
      const reader = graph.node.find((n) => n.input?.includes(b)) as onnx.INodeProto;
      const data = (index.floatWeight(b) as { data: Float32Array }).data;
      replaceInput(reader, reader.input?.indexOf(b) ?? 1, index, Float32Array.from(keep, (c) => data[c]), [keep.length]);
    }
    const nextWeight = index.floatWeight(plan.next.input?.[1] ?? '') as { dims: number[]; data: Float32Array };
    const shrunk = take(nextWeight.data, nextWeight.dims, plan.nextAxis, keep);
    replaceInput(plan.next, 1, index, shrunk.data, shrunk.dims);
    shrunkInputs.add(plan.next.input?.[1] ?? '');
    // shapes recorded for the channels' path are now wrong
    graph.valueInfo = graph.valueInfo.filter((v) => !plan.passed.includes(v.name ?? ''));
    report.pruned.push({ ...entry, shrunkNext: nodeId(plan.next) });
  }
  for (const node of subgraphNodes(graph, LAYERS)) {
    report.skipped.push({ node: nodeId(node), op: node.opType ?? '', reason: 'inside a subgraph (If/Loop/Scan body): left as it is' });
  }
  index.pruneInitializers();
  return { model: finishModel(out, 'pruning'), report };
}
