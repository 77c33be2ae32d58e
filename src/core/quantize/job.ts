import * as path from 'node:path';
import type { onnx } from 'onnx-proto';
import type { OperationOptions } from '../events';
import { encodeModel, loadModel } from '../onnx';
import { registerModelBytes, resolveModelRef, versionRef, type RegisteredModel } from '../registry';
import type { ParamValue } from '../runs/record';
import { pathExists, writeFileAtomic } from '../workspace/atomic';
import { blobPath } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { quantizeAuto } from './auto';
import type { CalibrationMethod } from './calibrate';
import { quantizeDynamic } from './dynamic';
import { evaluateModels, generateInputs, type EvaluationReport, type Feeds } from './evaluate';
import { convertFloat16 } from './fp16';
import { loadInputs, type LoadedInputs } from './inputs';
import { quantizeInt4 } from './int4';
import { factorizeLowRank } from './lowRank';
import { prepareModel } from './prepare';
import { pruneMagnitude } from './prune';
import { quantizeStatic } from './static';
import { taskMetric, type TaskMetric } from './task';

export type QuantizeMethod = 'auto' | 'dynamic-int8' | 'static-int8' | 'fp16' | 'int4' | 'prune' | 'low-rank';

/** Every method with one line on when it helps (measured in bench/quantize.ts), `auto` first. */
export const QUANTIZE_METHODS: readonly { id: QuantizeMethod; summary: string }[] = [
  { id: 'auto', summary: 'try every method and keep the smallest model that is not slower and still agrees' },
  { id: 'dynamic-int8', summary: 'int8 MatMul/Gemm weights, no calibration: ~0.25× size, faster on MLPs and transformers' },
  { id: 'static-int8', summary: 'int8 weights and activations (QDQ), calibrated on a dataset: the one that speeds up CNNs' },
  { id: 'fp16', summary: 'float16 weights and compute: 0.5× size, no CPU speed-up (for GPUs)' },
  { id: 'int4', summary: 'int4 weight-only MatMulNBits: smallest MatMul weights (LLMs), not faster on CPU' },
  { id: 'prune', summary: 'zero the smallest weights (or remove channels with structured pruning)' },
  { id: 'low-rank', summary: 'factorize MatMul/Gemm weights with SVD to a rank or energy' },
];

export interface QuantizeRequest {
  /** `name@ref` of a registered version (`model:` prefix allowed) or a path to an .onnx file. */
  model: string;
  method: QuantizeMethod;
  perChannel?: boolean;
  /** `dataset:name@vK` or a CSV/TSV/NPY file of real inputs, for calibration and evaluation. */
  calibration?: string;
  /** Node names left as they are. */
  exclude?: string[];
  /** The registered name of the result (default: the source model's name, or the file's base name). */
  name?: string;
  /** Also write the result to this file. */
  output?: string;
  /** Register the result as a model version (default true). */
  register?: boolean;
  calibrationMethod?: CalibrationMethod;
  /** int4 block size (default 32). */
  blockSize?: number;
  /** prune: fraction removed (default 0.5); structured removes whole channels. */
  sparsity?: number;
  structured?: boolean;
  /** low-rank: a rank, or an energy (default 0.9). */
  rank?: number;
  energy?: number;
  /** Rows of calibration data used (default 64). */
  samples?: number;
  /** Timed runs per model (default 20). */
  runs?: number;
  /** Paths are relative to this (default: the workspace root). */
  cwd?: string;
}

export interface QuantizeResult {
  /** `name@vK`, or the absolute path of the file quantized. */
  source: string;
  method: QuantizeMethod;
  settings: Record<string, ParamValue>;
  evaluation: EvaluationReport;
  metrics: Record<string, number>;
  /** The task metric of the original and the result, when the inputs had labels. */
  task?: { name: TaskMetric['name']; original: number; quantized: number };
  /** What was done, in sentences (graph preparation, what auto chose and why, nodes left alone). */
  notes: string[];
  /** Set when only generated (random) inputs were used. */
  warning?: string;
  /** The registered version (absent with register: false, or when auto kept the original). */
  version?: RegisteredModel;
  output?: string;
  /** auto found nothing better than the original: nothing was registered or written. */
  keptOriginal?: boolean;
}

const RANDOM_WARNING =
  'ONLY RANDOM INPUTS WERE USED: no calibration dataset was given, so calibration and agreement rest on random data. ' +
  'A quantized model can agree on random inputs and fail on real ones: pass --calibration dataset:NAME@vK.';

const GENERATED_SAMPLES = 16;

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LatheError('cancelled', 'quantization was cancelled; nothing was written', { hint: 'run it again to finish' });
}

export interface Source {
  model: onnx.ModelProto;
  /** `name@vK` or the absolute file. */
  label: string;
  /** The registered version, when the source is one. */
  ref?: string;
  defaultName: string;
}

/** A registered version (`model:` prefix allowed) or an .onnx file, loaded; the blob must be in the cache. */
export async function loadSource(layout: StoreLayout, given: string, cwd: string): Promise<Source> {
  const ref = given.replace(/^model:/, '');
  if (ref.endsWith('.onnx') || ref.includes('/') || ref.includes(path.sep)) {
    const file = path.resolve(cwd, ref);
    const base = path.basename(file, '.onnx').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
    return { model: await loadModel(file), label: file, defaultName: base || 'model' };
  }
  const version = await resolveModelRef(layout, ref);
  const exact = versionRef(version.name, version.version);
  const blob = blobPath(layout, version.file.sha256);
  if (!(await pathExists(blob))) {
    throw new LatheError('missing-blob', `the bytes of ${exact} are not in the cache (${blob})`, { file: blob, hint: 'pull the cache from a remote, or register the file again' });
  }
  return { model: await loadModel(blob), label: exact, ref: exact, defaultName: version.name };
}

/** The method's model and what it reports, as notes; refuses a method that changed nothing. */
async function runMethod(prepared: onnx.ModelProto, request: QuantizeRequest, inputs: Feeds[], opts: OperationOptions): Promise<{ model: onnx.ModelProto; notes: string[] }> {
  const exclude = request.exclude ?? [];
  const nothing = (what: string, skipped: { node: string; reason: string }[]) => {
    const why = skipped.length ? `: ${skipped.slice(0, 3).map((s) => `${s.node} ${s.reason}`).join('; ')}` : '';
    return new LatheError('nothing-to-quantize', `${request.method} changed nothing in this model (no ${what})${why}`, { hint: 'try another method, or `auto`' });
  };
  const skippedNotes = (skipped: { node: string; reason: string }[]) => skipped.map((s) => `${s.node}: ${s.reason}`);
  switch (request.method) {
    case 'dynamic-int8': {
      const { model, report } = quantizeDynamic(prepared, { perChannel: request.perChannel, exclude });
      if (!report.quantized.length) throw nothing('MatMul/Gemm with constant weights', report.skipped);
      return { model, notes: [`${report.quantized.length} node(s) quantized to int8`, ...skippedNotes(report.skipped)] };
    }
    case 'static-int8': {
      const { model, report } = await quantizeStatic(prepared, inputs, { perChannel: request.perChannel, exclude, method: request.calibrationMethod });
      if (!report.quantized.length) throw nothing('Conv/MatMul/Gemm it could quantize', report.skipped);
      return { model, notes: [`${report.quantized.length} node(s) quantized to int8 QDQ, ${report.activations.length} activation(s) calibrated`, ...skippedNotes(report.skipped)] };
    }
    case 'fp16': {
      const { model, report } = convertFloat16(prepared, { exclude });
      if (!report.convertedTensors) throw nothing('float32 tensors', []);
      return { model, notes: [`${report.convertedTensors} tensor(s) converted to float16, ${report.clamped} value(s) clamped, ${report.keptFloat32.length} node(s) kept in float32`] };
    }
    case 'int4': {
      const { model, report } = quantizeInt4(prepared, { blockSize: request.blockSize, exclude });
      if (!report.quantized.length) throw nothing('MatMul with a constant 2-D weight', report.skipped);
      return { model, notes: [`${report.quantized.length} MatMul(s) to int4 MatMulNBits`, ...skippedNotes(report.skipped)] };
    }
    case 'prune': {
      const { model, report } = pruneMagnitude(prepared, { sparsity: request.sparsity ?? 0.5, structured: request.structured, exclude });
      if (!report.pruned.length) throw nothing('MatMul/Gemm/Conv weights', report.skipped);
      const zeroed = report.pruned.reduce((n, p) => n + p.zeroed, 0);
      return { model, notes: [`${report.pruned.length} weight(s) pruned, ${zeroed} value(s) removed`, ...skippedNotes(report.skipped)] };
    }
    case 'low-rank': {
      const { model, report } = factorizeLowRank(prepared, { rank: request.rank, energy: request.rank === undefined ? (request.energy ?? 0.9) : undefined, exclude });
      if (!report.factorized.length) throw nothing('MatMul/Gemm weight a lower rank makes smaller', report.skipped);
      return { model, notes: [...report.factorized.map((f) => `${f.node}: [${f.shape.join('×')}] to rank ${f.rank} (${(100 * f.energy).toFixed(1)}% energy)`), ...skippedNotes(report.skipped)] };
    }
    case 'auto': {
      const result = await quantizeAuto(prepared, { inputs, exclude, signal: opts.signal, onProgress: opts.onProgress, runs: request.runs });
      return { model: result.model as onnx.ModelProto, notes: result.explanation.filter((line) => !line.startsWith('ONLY RANDOM')) };
    }
    default:
      throw new LatheError('usage', `unknown method '${String(request.method)}'`, { hint: `choose one of ${QUANTIZE_METHODS.map((m) => m.id).join(', ')}` });
  }
}

function settingsOf(request: QuantizeRequest, data: LoadedInputs | undefined): Record<string, ParamValue> {
  const s: Record<string, ParamValue> = { method: request.method };
  if (request.perChannel) s.per_channel = true;
  if (request.exclude?.length) s.exclude = request.exclude;
  if (request.method === 'static-int8') s.calibration_method = request.calibrationMethod ?? 'minmax';
  if (request.method === 'int4') s.block_size = request.blockSize ?? 32;
  if (request.method === 'prune') Object.assign(s, { sparsity: request.sparsity ?? 0.5, structured: request.structured ?? false });
  if (request.method === 'low-rank') Object.assign(s, request.rank !== undefined ? { rank: request.rank } : { energy: request.energy ?? 0.9 });
  s.inputs = data ? (data.dataset ?? data.file) : 'random (generated from the input signature)';
  return s;
}

function metricsOf(ev: EvaluationReport, task: QuantizeResult['task']): Record<string, number> {
  const top1 = ev.outputs.map((o) => o.top1Agreement).filter((a): a is number => a !== null);
  const m: Record<string, number> = {
    size_ratio: ev.size.ratio,
    latency_ratio: ev.latency.ratio,
    latency_p95_ratio: ev.latency.candidate.p95 / ev.latency.original.p95,
    latency_p50_ms: ev.latency.candidate.p50,
    latency_p95_ms: ev.latency.candidate.p95,
    cosine: Math.min(...ev.outputs.map((o) => o.cosine)),
    max_abs_error: Math.max(...ev.outputs.map((o) => o.maxAbsError)),
    mean_abs_error: Math.max(...ev.outputs.map((o) => o.meanAbsError)),
  };
  if (top1.length) m.top1_agreement = Math.min(...top1);
  if (task) Object.assign(m, { [task.name]: task.quantized, [`${task.name}_original`]: task.original });
  // a metric must be a finite number: an output that went NaN shows as the worst error instead of failing the record
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number.isFinite(v) ? v : Number.MAX_VALUE]));
}

/**
 * Quantize (or compress) a registered model version or an ONNX file with one method, evaluate the result against
 * the original in ONNX Runtime (on real inputs from `calibration` when given, else generated ones, with a loud
 * warning), and register it as a new version whose lineage names the parent, technique, settings and evaluation.
 * Nothing is registered or written when anything fails or is cancelled.
 */
export async function quantizeModelVersion(layout: StoreLayout, request: QuantizeRequest, opts: OperationOptions = {}): Promise<QuantizeResult> {
  const cwd = request.cwd ?? layout.root;
  const progress = (message: string, fraction: number) => opts.onProgress?.({ message, fraction });
  progress('loading the model', 0);
  const source = await loadSource(layout, request.model, cwd);
  if (!QUANTIZE_METHODS.some((m) => m.id === request.method)) {
    throw new LatheError('usage', `unknown method '${request.method}'`, { hint: `choose one of ${QUANTIZE_METHODS.map((m) => m.id).join(', ')}` });
  }
  const data = request.calibration ? await loadInputs(layout, request.calibration, source.model, { cwd, limit: request.samples ?? 64 }) : undefined;
  if (data) opts.log?.(`inputs: ${data.feeds.length} row(s) from ${data.dataset ?? data.file}${data.labels ? ' with labels' : ''}`);
  else opts.log?.(`inputs: ${GENERATED_SAMPLES} random rows generated from the input signature (no calibration data)`);
  const inputs = data?.feeds ?? generateInputs(source.model, GENERATED_SAMPLES, 0, 1);
  cancelled(opts.signal);

  progress('preparing the graph', 0.1);
  const { model: prepared, report: prep } = prepareModel(source.model);
  const notes: string[] = [];
  if (request.method !== 'auto') {
    if (prep.upgradedFromOpset !== undefined) notes.push(`prepared: opset ${prep.upgradedFromOpset} raised to 11`);
    if (prep.liftedConstants.length) notes.push(`prepared: ${prep.liftedConstants.length} Constant weight(s) lifted to initializers`);
    if (prep.foldedBatchNorms.length) notes.push(`prepared: ${prep.foldedBatchNorms.length} BatchNormalization folded into Conv`);
  }
  progress(`running ${request.method}`, 0.2);
  const method = await runMethod(request.method === 'auto' ? source.model : prepared, request, inputs, opts);
  notes.push(...method.notes);
  cancelled(opts.signal);

  progress('evaluating against the original', 0.7);
  // without real inputs the evaluation generates the same seeded ones itself, and flags them as generated
  const evaluation = await evaluateModels(source.model, method.model, { inputs: data?.feeds, samples: GENERATED_SAMPLES, runs: request.runs });
  cancelled(opts.signal);
  let task: QuantizeResult['task'];
  if (data?.labels) {
    const [original, quantized] = [await taskMetric(source.model, data.feeds, data.labels), await taskMetric(method.model, data.feeds, data.labels)];
    task = { name: original.name, original: original.value, quantized: quantized.value };
  }
  const settings = settingsOf(request, data);
  const result: QuantizeResult = {
    source: source.label,
    method: request.method,
    settings,
    evaluation,
    metrics: metricsOf(evaluation, task),
    task,
    notes,
    warning: data ? undefined : RANDOM_WARNING,
  };
  if (request.method === 'auto' && method.model === source.model) return { ...result, keptOriginal: true };
  cancelled(opts.signal);

  progress('registering', 0.9);
  const bytes = encodeModel(method.model);
  if (request.register !== false) {
    const name = request.name ?? source.defaultName;
    result.version = await registerModelBytes(
      layout,
      bytes,
      `${name}-${request.method}.onnx`,
      {
        name,
        parent: source.ref,
        technique: request.method,
        settings: source.ref ? settings : { ...settings, source: source.label },
        metrics: result.metrics,
        datasets: data?.dataset ? [data.dataset] : undefined,
        message: data ? `${request.method} of ${source.label}` : `${request.method} of ${source.label}; evaluated on random inputs only`,
      },
      { log: opts.log },
    );
  }
  if (request.output) {
    result.output = path.resolve(cwd, request.output);
    await writeFileAtomic(result.output, bytes);
  }
  progress('done', 1);
  return result;
}
