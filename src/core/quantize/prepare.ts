import { onnx } from 'onnx-proto';
import { makeTensor } from '../onnx';
import { upgradeOpset } from './opset';
import { cloneModel, finishModel, floatAttr, GraphIndex, intAttr, mainGraph, type Floats } from './graph';

export interface PrepareReport {
  /** The ai.onnx opset the model had when it was raised to opset 11 (quantization needs it), else undefined. */
  upgradedFromOpset?: number;
  /** Outputs of Constant nodes whose tensors became initializers. */
  liftedConstants: string[];
  /** Each BatchNormalization folded into the Conv before it. */
  foldedBatchNorms: { conv: string; batchNorm: string }[];
}

/**
 * Constant nodes holding tensors become initializers: quantizers only see weights stored as initializers
 * (ORT's refuses the model otherwise), and exporters often write weights as Constant nodes.
 */
function liftConstants(graph: onnx.IGraphProto, index: GraphIndex): string[] {
  const lifted: string[] = [];
  graph.node = (graph.node ?? []).filter((node) => {
    const value = (node.attribute ?? []).find((a) => a.name === 'value' && a.t);
    const out = node.output?.[0];
    // a graph output must stay produced by a node
    if (node.opType !== 'Constant' || node.domain || !value?.t || !out || index.readCount(out) === 0) return true;
    if ((graph.output ?? []).some((v) => v.name === out)) return true;
    index.addInitializer(onnx.TensorProto.create({ ...value.t, name: out }));
    lifted.push(out);
    return false;
  });
  return lifted;
}

/** values[from, to) *= factor: a small monomorphic loop V8 optimizes after a few calls (one per output channel). */
function scaleRange(values: Float32Array, from: number, to: number, factor: number): void {
  for (let i = from; i < to; i++) values[i] *= factor;
}

/** The Conv weight and bias with a following inference BatchNormalization folded in, or undefined if it cannot be. */
function foldedWeights(conv: onnx.INodeProto, bn: onnx.INodeProto, index: GraphIndex): { w: Floats; wDims: number[]; b: Floats } | undefined {
  const w = index.floatWeight(conv.input?.[1] ?? '');
  const [scale, shift, mean, variance] = (bn.input ?? []).slice(1, 5).map((n) => index.floatWeight(n));
  if (!w || !scale || !shift || !mean || !variance) return undefined;
  const channels = w.dims[0];
  const bias = conv.input?.[2] ? index.floatWeight(conv.input[2]) : { dims: [channels], data: new Float32Array(channels) };
  if (!bias || [scale, shift, mean, variance, bias].some((t) => t.data.length !== channels)) return undefined;
  const epsilon = floatAttr(bn, 'epsilon', 1e-5);
  const perChannel = w.data.length / channels;
  const out = Float32Array.from(w.data);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const factor = scale.data[c] / Math.sqrt(variance.data[c] + epsilon);
    scaleRange(out, c * perChannel, (c + 1) * perChannel, factor);
    b[c] = (bias.data[c] - mean.data[c]) * factor + shift.data[c];
  }
  return { w: out, wDims: w.dims, b };
}

/** Fold each inference-mode BatchNormalization that is the only reader of a Conv's output into that Conv. */
function foldBatchNorms(graph: onnx.IGraphProto, index: GraphIndex): PrepareReport['foldedBatchNorms'] {
  const producer = new Map<string, onnx.INodeProto>();
  for (const node of graph.node ?? []) for (const out of node.output ?? []) producer.set(out, node);
  const folded: PrepareReport['foldedBatchNorms'] = [];
  const removed = new Set<onnx.INodeProto>();
  for (const bn of graph.node ?? []) {
    if (bn.opType !== 'BatchNormalization' || bn.domain || (bn.output ?? []).filter(Boolean).length !== 1) continue;
    if (intAttr(bn, 'training_mode', 0) !== 0) continue;
    const x = bn.input?.[0] ?? '';
    const conv = producer.get(x);
    if (!conv || conv.opType !== 'Conv' || conv.domain || index.readCount(x) !== 1) continue;
    const weights = foldedWeights(conv, bn, index);
    if (!weights) continue;
    const wName = index.fresh(`${conv.input?.[1]}_bn_folded`);
    const bName = index.fresh(`${conv.name || conv.output?.[0]}_bias_bn_folded`);
    index.addInitializer(makeTensor(wName, weights.w, weights.wDims));
    index.addInitializer(makeTensor(bName, weights.b, [weights.b.length]));
    conv.input = [conv.input?.[0] ?? '', wName, bName];
    conv.output = [bn.output?.[0] ?? ''];
    removed.add(bn);
    folded.push({ conv: conv.name ?? '', batchNorm: bn.name ?? '' });
  }
  graph.node = (graph.node ?? []).filter((n) => !removed.has(n));
  return folded;
}

/**
 * The graph preparation a user would otherwise do by hand before quantizing: Constant weights lifted to
 * initializers, BatchNormalization folded into the Conv before it, opsets below 11 raised to 11 (ORT's quantizer
 * does that too). Outputs are unchanged up to float rounding.
 */
export function prepareModel(model: onnx.IModelProto): { model: onnx.ModelProto; report: PrepareReport } {
  const out = cloneModel(model);
  const upgradedFromOpset = upgradeOpset(out);
  const graph = mainGraph(out);
  const index = new GraphIndex(graph);
  const liftedConstants = liftConstants(graph, index);
  const foldedBatchNorms = foldBatchNorms(graph, index);
  index.pruneInitializers();
  return { model: finishModel(out, 'graph preparation'), report: { upgradedFromOpset, liftedConstants, foldedBatchNorms } };
}
