import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { encodeModel, inspectModel, seededRandom, type ValueSpec } from '../onnx';
import { LatheError } from '../workspace/errors';
import { fromHalfArray, toHalfArray } from './half';

export type Feeds = Record<string, ort.Tensor>;

export interface EvaluateOptions {
  /** Real inputs (e.g. from a dataset version). When absent, inputs are generated from the input signature. */
  inputs?: Feeds[];
  /** How many inputs to generate (default 8). */
  samples?: number;
  seed?: number;
  /** The size given to symbolic dimensions of generated inputs (default 1). */
  batch?: number;
  /** Timed runs per model after warm-up (default 20) and warm-up runs (default 3). */
  runs?: number;
  warmup?: number;
  /** intra-op threads, the same for both models (default 1, the steadiest timings). */
  threads?: number;
}

export interface OutputAgreement {
  name: string;
  maxAbsError: number;
  meanAbsError: number;
  /** Cosine similarity of the flattened outputs; 1 when both are all zeros. */
  cosine: number;
  /** Fraction of rows (last axis) whose argmax is the same; null when the last axis has one element. */
  top1Agreement: number | null;
}

export interface Latency {
  p50: number;
  p95: number;
}

export interface EvaluationReport {
  inputSource: 'given' | 'generated';
  /** Set when the judgement rests on generated inputs only: they can agree while real inputs do not. */
  warning?: string;
  samples: number;
  size: { original: number; candidate: number; ratio: number };
  outputs: OutputAgreement[];
  /** Milliseconds per run; `ratio` is candidate p50 over original p50. Measured, never asserted. */
  latency: { original: Latency; candidate: Latency; ratio: number; runs: number; threads: number };
}

const GENERATED_WARNING =
  'agreement was measured on random inputs generated from the input signature only; a quantized model can agree on random inputs and fail on real ones: evaluate on a dataset version';

function dimsOf(spec: ValueSpec, batch: number): number[] {
  if (!spec.shape) throw new LatheError('unknown-shape', `input ${spec.name} has no known rank, so inputs cannot be generated for it`, { hint: 'pass real inputs' });
  return spec.shape.map((d) => (typeof d === 'number' ? d : batch));
}

/** Seeded inputs matching the signature: floats uniform in [-1, 1), integers in [0, 16), booleans fair. */
export function generateInputs(model: onnx.IModelProto, count: number, seed: number, batch = 1): Feeds[] {
  const random = seededRandom(seed);
  const specs = inspectModel(model).inputs;
  return Array.from({ length: count }, () => {
    const feeds: Feeds = {};
    for (const spec of specs) {
      const dims = dimsOf(spec, batch);
      const n = dims.reduce((a, b) => a * b, 1);
      switch (spec.elemType) {
        case 'float32':
          feeds[spec.name] = new ort.Tensor('float32', Float32Array.from({ length: n }, () => 2 * random() - 1), dims);
          break;
        case 'float16':
          feeds[spec.name] = new ort.Tensor('float16', toHalfArray(Float32Array.from({ length: n }, () => 2 * random() - 1)), dims);
          break;
        case 'int64':
          feeds[spec.name] = new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(16 * random()))), dims);
          break;
        case 'int32':
          feeds[spec.name] = new ort.Tensor('int32', Int32Array.from({ length: n }, () => Math.floor(16 * random())), dims);
          break;
        case 'bool':
          feeds[spec.name] = new ort.Tensor('bool', Uint8Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0)), dims);
          break;
        default:
          throw new LatheError('unsupported-input', `cannot generate inputs of type ${spec.elemType} (input ${spec.name})`, { hint: 'pass real inputs' });
      }
    }
    return feeds;
  });
}

/** A tensor's values as numbers (float16 decoded). */
export function tensorValues(tensor: ort.Tensor): Float64Array {
  if (tensor.type === 'float16') return Float64Array.from(fromHalfArray(tensor.data as Uint16Array));
  const data = tensor.data as ArrayLike<number | bigint>;
  return Float64Array.from({ length: data.length }, (_, i) => Number(data[i]));
}

/** Feeds converted to the element types a session expects (fp16 models without kept io types take float16). */
export function adaptFeeds(feeds: Feeds, types: Map<string, string>): Feeds {
  const out: Feeds = {};
  for (const [name, t] of Object.entries(feeds)) {
    const want = types.get(name);
    if (want === 'float16' && t.type === 'float32') out[name] = new ort.Tensor('float16', toHalfArray(t.data as Float32Array), t.dims);
    else if (want === 'float32' && t.type === 'float16') out[name] = new ort.Tensor('float32', fromHalfArray(t.data as Uint16Array), t.dims);
    else out[name] = t;
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export interface LoadedSession {
  session: ort.InferenceSession;
  /** Element type by input name, for adaptFeeds. */
  types: Map<string, string>;
}

/** An onnxruntime-node session of `model` with `threads` intra-op threads (1: the steadiest timings). */
export async function openSession(model: onnx.IModelProto, threads = 1): Promise<LoadedSession> {
  const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const types = new Map(inspectModel(model).inputs.map((i) => [i.name, i.elemType]));
  return { session, types };
}

async function timeRun(loaded: LoadedSession, feeds: Feeds): Promise<number> {
  const start = performance.now();
  await loaded.session.run(feeds);
  return performance.now() - start;
}

function latency(times: number[]): Latency {
  const sorted = [...times].sort((x, y) => x - y);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/** Both models timed in alternation, so clock-speed drift and background load hit them alike. */
async function timeBoth(a: LoadedSession, b: LoadedSession, feeds: Feeds, runs: number, warmup: number): Promise<[Latency, Latency]> {
  const [fa, fb] = [adaptFeeds(feeds, a.types), adaptFeeds(feeds, b.types)];
  for (let i = 0; i < warmup; i++) {
    await a.session.run(fa);
    await b.session.run(fb);
  }
  const [ta, tb]: number[][] = [[], []];
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      ta.push(await timeRun(a, fa));
      tb.push(await timeRun(b, fb));
    } else {
      tb.push(await timeRun(b, fb));
      ta.push(await timeRun(a, fa));
    }
  }
  return [latency(ta), latency(tb)];
}

function compare(name: string, want: Float64Array[], got: Float64Array[], lastDim: number): OutputAgreement {
  let [maxAbs, sumAbs, count, dot, nw, ng, rows, same] = [0, 0, 0, 0, 0, 0, 0, 0];
  want.forEach((w, s) => {
    const g = got[s];
    for (let i = 0; i < w.length; i++) {
      const err = Math.abs(w[i] - g[i]);
      maxAbs = Math.max(maxAbs, Number.isNaN(err) ? Infinity : err);
      sumAbs += err;
      dot += w[i] * g[i];
      nw += w[i] * w[i];
      ng += g[i] * g[i];
    }
    count += w.length;
    if (lastDim > 1) {
      for (let r = 0; r + lastDim <= w.length; r += lastDim) {
        let [aw, ag] = [r, r];
        for (let i = r; i < r + lastDim; i++) {
          if (w[i] > w[aw]) aw = i;
          if (g[i] > g[ag]) ag = i;
        }
        rows++;
        if (aw === ag) same++;
      }
    }
  });
  const cosine = nw === 0 && ng === 0 ? 1 : dot / Math.sqrt(nw * ng);
  return { name, maxAbsError: maxAbs, meanAbsError: count ? sumAbs / count : 0, cosine, top1Agreement: rows ? same / rows : null };
}

/**
 * Run the original and a candidate (quantized, converted) model in onnxruntime-node on the same inputs with the
 * same thread settings, and report size ratio, output agreement and latency.
 */
export async function evaluateModels(original: onnx.IModelProto, candidate: onnx.IModelProto, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const threads = options.threads ?? 1;
  const [runs, warmup] = [options.runs ?? 20, options.warmup ?? 3];
  const given = options.inputs && options.inputs.length > 0;
  const inputs = given ? (options.inputs as Feeds[]) : generateInputs(original, options.samples ?? 8, options.seed ?? 0, options.batch ?? 1);
  const [a, b] = [await openSession(original, threads), await openSession(candidate, threads)];
  try {
    const names = a.session.outputNames;
    const want = names.map(() => [] as Float64Array[]);
    const got = names.map(() => [] as Float64Array[]);
    const lastDims = names.map(() => 1);
    for (const feeds of inputs) {
      const [ra, rb] = [await a.session.run(adaptFeeds(feeds, a.types)), await b.session.run(adaptFeeds(feeds, b.types))];
      names.forEach((n, i) => {
        if (!rb[n]) throw new LatheError('output-mismatch', `the candidate model has no output ${n}`);
        want[i].push(tensorValues(ra[n]));
        got[i].push(tensorValues(rb[n]));
        lastDims[i] = ra[n].dims.at(-1) ?? 1;
      });
    }
    const sizes = { original: encodeModel(original).length, candidate: encodeModel(candidate).length };
    const [ta, tb] = await timeBoth(a, b, inputs[0], runs, warmup);
    return {
      inputSource: given ? 'given' : 'generated',
      warning: given ? undefined : GENERATED_WARNING,
      samples: inputs.length,
      size: { ...sizes, ratio: sizes.candidate / sizes.original },
      outputs: names.map((n, i) => compare(n, want[i], got[i], lastDims[i])),
      latency: { original: ta, candidate: tb, ratio: tb.p50 / ta.p50, runs, threads },
    };
  } finally {
    await a.session.release();
    await b.session.release();
  }
}
