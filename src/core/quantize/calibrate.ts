import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { encodeModel } from '../onnx';
import { LatheError } from '../workspace/errors';
import type { Feeds } from './evaluate';
import { cloneModel, GraphIndex, mainGraph } from './graph';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';

export interface CalibrationOptions {
  /** 'minmax' (default): the observed range; 'percentile': clip the tails; 'entropy': the KL-optimal range. */
  method?: CalibrationMethod;
  /** Percentile of |x| kept (default 99.999, as ORT). */
  percentile?: number;
  /** Histogram bins (default 2048 for percentile, 128 for entropy, as ORT). */
  numBins?: number;
  /** Bins of the quantized distribution the entropy method compares with (default 128, as ORT). */
  numQuantizedBins?: number;
}

/** The float32 range [lo, hi] calibration chose for a tensor. */
export interface Range {
  lo: number;
  hi: number;
}

const floatOutput = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });

/** Run the model, given the extra outputs calibration reads, on every input and hand each result to `take`. */
async function runEach(augmented: onnx.ModelProto, fetches: string[], inputs: readonly Feeds[], take: (result: ort.InferenceSession.ReturnType) => void): Promise<void> {
  // no graph optimizations, as ORT's calibrator: session creation is then several times faster, and the values
  // observed are those of the graph as written; no pre-packed weights either (packing every MatMul's weight at
  // creation costs more than the few calibration batches gain from it)
  const session = await ort.InferenceSession.create(encodeModel(augmented), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'disabled',
    extra: { session: { disable_prepacking: '1' } },
  });
  try {
    for (const feeds of inputs) take(await session.run(feeds, fetches));
  } finally {
    await session.release();
  }
}

/** Every float32 value a tensor took over all calibration inputs, one array per input. */
async function collect(model: onnx.IModelProto, tensors: readonly string[], inputs: readonly Feeds[]): Promise<Map<string, Float32Array[]>> {
  const augmented = cloneModel(model);
  const graph = mainGraph(augmented);
  const outputs = new Set(graph.output.map((o) => o.name));
  for (const name of tensors) if (!outputs.has(name)) graph.output.push(floatOutput(name));
  const chunks = new Map<string, Float32Array[]>(tensors.map((t) => [t, []]));
  await runEach(augmented, [...tensors], inputs, (result) => {
    for (const name of tensors) chunks.get(name)?.push(result[name].data as Float32Array);
  });
  return chunks;
}

/**
 * Each tensor's observed range, reduced inside the graph by ReduceMin/ReduceMax nodes as ORT's MinMax calibrator
 * does: two scalars per tensor leave the session instead of every value, whose copies and scan in JS were most of
 * the calibration time. An empty tensor reduces to [Infinity, -Infinity] and gets the range [0, 0].
 */
async function observedRanges(model: onnx.IModelProto, tensors: readonly string[], inputs: readonly Feeds[]): Promise<Map<string, Range>> {
  const augmented = cloneModel(model);
  const graph = mainGraph(augmented);
  const index = new GraphIndex(graph);
  const keepdims = onnx.AttributeProto.create({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 });
  const reduce = (opType: string, tensor: string) => {
    const output = index.fresh(`${tensor}_${opType}`);
    graph.node.push(onnx.NodeProto.create({ opType, name: output, input: [tensor], output: [output], attribute: [keepdims] }));
    graph.output.push(floatOutput(output));
    return output;
  };
  const reduced = tensors.map((tensor) => ({ tensor, min: reduce('ReduceMin', tensor), max: reduce('ReduceMax', tensor) }));
  const found = new Map(tensors.map((t) => [t, { lo: Infinity, hi: -Infinity }]));
  await runEach(augmented, reduced.flatMap((r) => [r.min, r.max]), inputs, (result) => {
    for (const { tensor, min, max } of reduced) {
      const range = found.get(tensor) as Range;
      range.lo = Math.min(range.lo, (result[min].data as Float32Array)[0]);
      range.hi = Math.max(range.hi, (result[max].data as Float32Array)[0]);
    }
  });
  return new Map([...found].map(([tensor, range]) => [tensor, range.lo > range.hi ? { lo: 0, hi: 0 } : range]));
}

/** The range of the values, [0, 0] when there are none, and the range of their absolute values, in one pass. */
function extremes(parts: readonly Float32Array[]): Range & { absLo: number; absHi: number } {
  let [lo, hi, absLo, absHi] = [Infinity, -Infinity, Infinity, 0];
  for (const values of parts) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      const a = Math.abs(v);
      if (a < absLo) absLo = a;
      if (a > absHi) absHi = a;
    }
  }
  return lo > hi ? { lo: 0, hi: 0, absLo, absHi } : { lo, hi, absLo, absHi };
}

/** numpy's histogram of all parts with `bins` equal bins over [first, last] (float32 edges, values outside dropped). */
function histogram(parts: readonly Float32Array[], bins: number, first: number, last: number, abs: boolean): { counts: Float64Array; edges: Float32Array } {
  const edges = Float32Array.from({ length: bins + 1 }, (_, i) => (i === bins ? last : first + ((last - first) / bins) * i));
  const counts = new Float64Array(bins);
  const norm = last > first ? bins / (last - first) : 0;
  for (const values of parts) {
    for (const raw of values) {
      const v = abs ? Math.abs(raw) : raw;
      if (!(v >= first && v <= last)) continue;
      let i = Math.min(bins - 1, Math.floor((v - first) * norm));
      // the float index can land one bin off an edge; the edges decide, as in numpy
      if (i > 0 && v < edges[i]) i--;
      else if (i < bins - 1 && v >= edges[i + 1]) i++;
      counts[i]++;
    }
  }
  return { counts, edges };
}

/** ORT's percentile calibration (symmetric): the |x| below which `percentile`% of values lie, clipped to the observed range. */
function percentileRange(parts: readonly Float32Array[], percentile: number, bins: number): Range {
  const { lo, hi, absLo, absHi } = extremes(parts);
  const { counts, edges } = histogram(parts, bins, absLo, absHi, true);
  const total = counts.reduce((a, b) => a + b, 0);
  const target = percentile / 100;
  let [cdf, index] = [0, bins];
  for (let i = 0; i < bins; i++) {
    cdf += counts[i] / total;
    if (cdf >= target) {
      index = i;
      break;
    }
  }
  const t = edges[index];
  return { lo: Math.max(-t, lo), hi: Math.min(t, hi) };
}

/** Replace zeros by eps and take the same mass off the non-zero bins (ORT's smooth_distribution); null when all are zero. */
function smooth(p: Float64Array, eps = 0.0001): Float64Array | null {
  const zeros = p.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
  const nonzeros = p.length - zeros;
  if (nonzeros === 0) return null;
  const eps1 = (eps * zeros) / nonzeros;
  return p.map((v) => Math.fround(v === 0 ? eps : v - eps1));
}

function klDivergence(p: Float64Array, q: Float64Array): number {
  const [sp, sq] = [p.reduce((a, b) => a + b, 0), q.reduce((a, b) => a + b, 0)];
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const [pi, qi] = [p[i] / sp, q[i] / sq];
    if (pi === 0) continue;
    if (qi <= 0) return Infinity;
    sum += pi * Math.log(pi / qi);
  }
  return sum;
}

/**
 * ORT's entropy calibration (TensorRT's KL method): over a histogram of x on [-t, t], widen a window around zero
 * and keep the one whose clipped distribution, merged into `quantizedBins` bins, loses the least information.
 */
function entropyRange(parts: readonly Float32Array[], bins: number, quantizedBins: number): Range {
  const { lo, hi } = extremes(parts);
  const t = Math.fround(Math.max(Math.abs(lo), Math.abs(hi)));
  const { counts: hist, edges } = histogram(parts, bins, -t, t, false);
  const zero = Math.floor(bins / 2);
  const half = Math.floor(quantizedBins / 2);
  let best = { kl: Infinity, range: { lo: edges[0], hi: edges[bins] } };
  for (let i = half; i <= zero; i++) {
    const start = zero - i;
    const end = Math.min(zero + i + 1, bins);
    const sliced = hist.slice(start, end);
    const p = sliced.slice();
    p[0] += hist.slice(0, start).reduce((a, b) => a + b, 0);
    p[p.length - 1] += hist.slice(end).reduce((a, b) => a + b, 0);
    const merged = Math.floor(sliced.length / quantizedBins);
    const quantized = new Float64Array(quantizedBins);
    for (let b = 0; b < quantizedBins; b++) for (let j = b * merged; j < (b + 1) * merged; j++) quantized[b] += sliced[j];
    for (let j = quantizedBins * merged; j < sliced.length; j++) quantized[quantizedBins - 1] += sliced[j];
    const q = new Float64Array(p.length);
    for (let b = 0; b < quantizedBins; b++) {
      let norm = 0;
      for (let j = b * merged; j < (b + 1) * merged; j++) if (p[j] !== 0) norm++;
      // ORT stores the spread counts in an int64 array: they are truncated
      if (norm) for (let j = b * merged; j < (b + 1) * merged; j++) q[j] = Math.trunc(quantized[b] / norm);
    }
    const [ps, qs] = [smooth(p), smooth(q)];
    const kl = ps && qs ? klDivergence(ps, qs) : Infinity;
    if (kl < best.kl) best = { kl, range: { lo: edges[start], hi: edges[end] } };
  }
  return { lo: Math.max(best.range.lo, lo), hi: Math.min(best.range.hi, hi) };
}

/**
 * Run the model on the calibration inputs and choose a float range for each named float tensor with ORT's
 * MinMax, Percentile or Entropy algorithm. All inputs are pooled, as ORT pools one data reader's batches.
 */
export async function calibrate(
  model: onnx.IModelProto,
  tensors: readonly string[],
  inputs: readonly Feeds[],
  options: CalibrationOptions = {},
): Promise<Map<string, Range>> {
  if (inputs.length === 0) {
    throw new LatheError('no-calibration-data', 'static quantization needs at least one calibration input', {
      hint: 'pass inputs from a dataset version (or generated ones, knowing they may not represent real data)',
    });
  }
  const graph = mainGraph(model);
  const computed = new Set([...(graph.input ?? []).map((i) => i.name), ...(graph.node ?? []).flatMap((n) => n.output ?? [])]);
  const unknown = tensors.filter((t) => !computed.has(t));
  if (unknown.length) {
    throw new LatheError('invalid-option', `calibration asks for ${unknown.join(', ')}, which the model's main graph does not compute`, {
      hint: 'name graph inputs or node outputs of the main graph (initializers are not calibrated)',
    });
  }
  const method = options.method ?? 'minmax';
  if (tensors.length === 0) return new Map();
  if (method === 'minmax') return observedRanges(model, tensors, inputs);
  const values = await collect(model, tensors, inputs);
  const ranges = new Map<string, Range>();
  for (const [name, parts] of values) {
    if (method === 'percentile') ranges.set(name, percentileRange(parts, options.percentile ?? 99.999, options.numBins ?? 2048));
    else ranges.set(name, entropyRange(parts, options.numBins ?? 128, options.numQuantizedBins ?? 128));
  }
  return ranges;
}
