import { onnx } from 'onnx-proto';
import type { OperationOptions } from '../events';
import { inspectModel } from '../onnx';
import { LatheError } from '../workspace/errors';
import { quantizeDynamic } from './dynamic';
import { evaluateModels, generateInputs, type EvaluationReport, type Feeds } from './evaluate';
import { convertFloat16 } from './fp16';
import { quantizeInt4 } from './int4';
import { nodeId } from './graph';
import { prepareModel } from './prepare';
import { quantizeStatic, type StaticOptions } from './static';

export interface AutoOptions extends OperationOptions {
  /** Real inputs (e.g. from a dataset version), used to judge agreement and to calibrate. Strongly advised. */
  inputs?: Feeds[];
  /** Minimum top-1 agreement of every classifier-like output (default 0.99). */
  minTop1?: number;
  /** Minimum cosine similarity of every output (default 0.99). */
  minCosine?: number;
  /** Largest accepted candidate/original p50 latency ratio (default 1: not slower). */
  maxLatencyRatio?: number;
  /** Node names (or, for unnamed nodes, first output names) left in float in every candidate. */
  exclude?: readonly string[];
  /** Timed runs per candidate (default 20), warm-up runs (default 3), intra-op threads (default 1). */
  runs?: number;
  warmup?: number;
  threads?: number;
}

export interface AutoCandidate {
  name: string;
  /** What the candidate is, in words ("dynamic int8, MatMul/Gemm"). */
  description: string;
  evaluation?: EvaluationReport;
  /** Why it was not kept (undefined for the chosen one and for acceptable but larger ones, which say so). */
  rejected?: string;
  accepted: boolean;
}

export interface AutoResult {
  /** The chosen model, or the original when no candidate qualified. */
  model: onnx.IModelProto;
  chosen?: string;
  candidates: AutoCandidate[];
  /** Human sentences explaining the choice, the loudest first. */
  explanation: string[];
  inputSource: 'given' | 'generated';
  /** Set when judged on generated inputs only. */
  warning?: string;
}

const GENERATED_WARNING =
  'ONLY RANDOM INPUTS WERE USED: no real inputs were given, so calibration and agreement rest on random data generated ' +
  'from the input signature. Quantized models can agree on random inputs and fail on real ones (PaddleOCR rec ' +
  'outputs blank on real text after int8 while agreeing on random inputs): run auto again with a dataset version.';

interface Plan {
  name: string;
  description: string;
  build: () => Promise<onnx.IModelProto> | onnx.IModelProto;
}

function plans(prepared: onnx.IModelProto, changed: boolean, calibration: Feeds[], ops: Record<string, number>, exclude: readonly string[]): Plan[] {
  const has = (...names: string[]) => names.some((n) => (ops[n] ?? 0) > 0);
  const linear = has('MatMul', 'Gemm');
  // folding BatchNorm alone often makes a CNN faster: the floor every other candidate is compared with
  const list: Plan[] = changed ? [{ name: 'prepared', description: 'float32 after graph preparation only', build: () => prepared }] : [];
  if (linear) list.push({ name: 'dynamic-int8', description: 'dynamic int8, MatMul/Gemm', build: () => quantizeDynamic(prepared, { exclude }).model });
  if (has('Conv')) {
    list.push({
      name: 'dynamic-int8-conv',
      description: 'dynamic int8 with Conv (ConvInteger)',
      build: () => quantizeDynamic(prepared, { quantizeConv: true, exclude }).model,
    });
  }
  const staticPlan = (name: string, description: string, options: StaticOptions): Plan => ({
    name,
    description,
    build: async () => (await quantizeStatic(prepared, calibration, { ...options, exclude })).model,
  });
  list.push(staticPlan('static-int8', 'static int8 QDQ, all of Conv/MatMul/Gemm', {}));
  list.push(staticPlan('static-int8-per-channel', 'static int8 QDQ, per-channel weights', { perChannel: true }));
  if (has('Conv') && linear) {
    list.push(staticPlan('static-int8-linear', 'static int8 QDQ, MatMul/Gemm only (Conv float)', { opTypes: ['MatMul', 'Gemm'] }));
    list.push(staticPlan('static-int8-conv', 'static int8 QDQ, Conv only', { opTypes: ['Conv'] }));
  }
  if (has('MatMul')) list.push({ name: 'int4', description: 'int4 weight-only MatMulNBits (block 32)', build: () => quantizeInt4(prepared, { accuracyLevel: 4, exclude }).model });
  list.push({ name: 'fp16', description: 'float16 weights and compute', build: () => convertFloat16(prepared, { exclude }).model });
  return list;
}

/** Refuse exclude names no node has: a typo would otherwise quantize the node the user meant to protect. */
function checkExclude(model: onnx.IModelProto, exclude: readonly string[]): void {
  const nodes = model.graph?.node ?? [];
  const ids = new Set(nodes.map(nodeId));
  const unknown = exclude.filter((name) => !ids.has(name));
  if (unknown.length) {
    const layers = nodes.filter((n) => !n.domain && ['MatMul', 'Gemm', 'Conv'].includes(n.opType ?? '')).map(nodeId);
    throw new LatheError('unknown-node', `exclude names no node of the model: ${unknown.join(', ')}`, {
      hint: `give node names (an unnamed node by its first output)${layers.length ? `, e.g. ${layers.slice(0, 5).join(', ')}` : ''}`,
    });
  }
}

/**
 * Timed again, a candidate must beat the latency limit by this much: one that only ties the original (fp16 on CPU,
 * int4 on a model with small MatMuls) passes one timing about half the time, and a user's timing of it just as often
 * finds it slower. A tie keeps the original (or a faster candidate).
 */
const CONFIRM_MARGIN = 0.03;

/** Why an evaluated candidate fails the thresholds, or undefined when it passes. */
function failure(ev: EvaluationReport, options: Required<Pick<AutoOptions, 'minTop1' | 'minCosine' | 'maxLatencyRatio'>>, margin = 0): string | undefined {
  if (ev.latency.ratio > options.maxLatencyRatio - margin) {
    return margin && ev.latency.ratio <= options.maxLatencyRatio
      ? `${ev.latency.ratio.toFixed(3)}× the original's latency (not clearly faster: ${(options.maxLatencyRatio - margin).toFixed(2)}× at most)`
      : `${ev.latency.ratio.toFixed(3)}× the original's latency (slower)`;
  }
  for (const o of ev.outputs) {
    if (o.top1Agreement !== null && o.top1Agreement < options.minTop1) {
      return `top-1 agreement on ${o.name} ${(100 * o.top1Agreement).toFixed(1)}% < ${(100 * options.minTop1).toFixed(1)}%`;
    }
    if (!(o.cosine >= options.minCosine)) return `cosine similarity on ${o.name} ${o.cosine.toFixed(4)} < ${options.minCosine}`;
  }
  return undefined;
}

function summary(ev: EvaluationReport): string {
  const top1 = ev.outputs.map((o) => o.top1Agreement).filter((a): a is number => a !== null);
  const agreement = top1.length ? `top-1 agreement ${(100 * Math.min(...top1)).toFixed(1)}%` : `cosine ${Math.min(...ev.outputs.map((o) => o.cosine)).toFixed(4)}`;
  return `${ev.size.ratio.toFixed(2)}× size, ${ev.latency.ratio.toFixed(2)}× latency, ${agreement}`;
}

/**
 * Try the candidate methods and operator subsets on the given inputs (prepared graph first), measure each in
 * ONNX Runtime against the original, and keep the smallest that is not slower and agrees well enough, saying
 * why in `explanation`. Without real inputs it still runs, on generated ones, and says so loudly.
 */
export async function quantizeAuto(model: onnx.IModelProto, options: AutoOptions = {}): Promise<AutoResult> {
  const thresholds = { minTop1: options.minTop1 ?? 0.99, minCosine: options.minCosine ?? 0.99, maxLatencyRatio: options.maxLatencyRatio ?? 1 };
  const given = (options.inputs?.length ?? 0) > 0;
  const inputs = given ? (options.inputs as Feeds[]) : generateInputs(model, 8, 0, 1);
  const explanation: string[] = given ? [] : [GENERATED_WARNING];
  const { model: prepared, report: prep } = prepareModel(model);
  if (prep.upgradedFromOpset !== undefined) explanation.push(`prepared: opset ${prep.upgradedFromOpset} raised to 11, which quantization needs`);
  if (prep.liftedConstants.length) explanation.push(`prepared: ${prep.liftedConstants.length} Constant weights lifted to initializers`);
  if (prep.foldedBatchNorms.length) explanation.push(`prepared: ${prep.foldedBatchNorms.length} BatchNormalization folded into the Conv before it`);
  const changed = prep.upgradedFromOpset !== undefined || prep.liftedConstants.length + prep.foldedBatchNorms.length > 0;
  const exclude = options.exclude ?? [];
  checkExclude(model, exclude);
  if (exclude.length) explanation.push(`left in float in every candidate (excluded): ${exclude.join(', ')}`);
  const list = plans(prepared, changed, inputs, inspectModel(prepared).opCounts, exclude);
  const candidates: AutoCandidate[] = [];
  const built = new Map<AutoCandidate, onnx.IModelProto>();
  for (const [i, plan] of list.entries()) {
    if (options.signal?.aborted) throw new LatheError('cancelled', 'auto quantization was cancelled', { hint: 'run it again to finish' });
    options.onProgress?.({ message: `trying ${plan.description}`, fraction: i / list.length });
    const candidate: AutoCandidate = { name: plan.name, description: plan.description, accepted: false };
    candidates.push(candidate);
    try {
      const candidateModel = await plan.build();
      candidate.evaluation = await evaluateModels(model, candidateModel, { inputs, runs: options.runs, warmup: options.warmup, threads: options.threads });
      candidate.rejected = failure(candidate.evaluation, thresholds);
      candidate.accepted = !candidate.rejected;
      if (candidate.accepted) built.set(candidate, candidateModel);
    } catch (error) {
      candidate.rejected = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  const accepted = candidates.filter((c) => c.accepted).sort((a, b) => (a.evaluation?.size.candidate ?? 0) - (b.evaluation?.size.candidate ?? 0));
  // one timing can be noise on a busy machine: the smallest is timed again, twice as long, before it is kept
  let chosen: AutoCandidate | undefined;
  for (const candidate of accepted) {
    if (options.signal?.aborted) throw new LatheError('cancelled', 'auto quantization was cancelled', { hint: 'run it again to finish' });
    options.onProgress?.({ message: `confirming ${candidate.description}` });
    const runs = 2 * (options.runs ?? 20);
    const again = await evaluateModels(model, built.get(candidate) as onnx.IModelProto, { inputs, runs, warmup: options.warmup, threads: options.threads });
    const reason = failure(again, thresholds, CONFIRM_MARGIN);
    candidate.evaluation = again;
    if (!reason) {
      chosen = candidate;
      break;
    }
    candidate.accepted = false;
    candidate.rejected = `not confirmed when timed again: ${reason}`;
  }
  options.onProgress?.({ message: 'done', fraction: 1 });
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const convInteger = byName.get('dynamic-int8-conv')?.evaluation;
  const linearOnly = byName.get('dynamic-int8')?.evaluation;
  if (convInteger && linearOnly && convInteger.latency.ratio > linearOnly.latency.ratio) {
    explanation.push(`Conv left in float: ConvInteger was ${(convInteger.latency.ratio / linearOnly.latency.ratio).toFixed(1)}× slower than float Conv`);
  }
  if (chosen?.evaluation) explanation.push(`chose ${chosen.description}: ${summary(chosen.evaluation)}`);
  else explanation.push(`kept the original: no candidate was both not slower (≤ ${thresholds.maxLatencyRatio}× latency) and in agreement`);
  for (const c of candidates) {
    if (c === chosen) continue;
    const measured = c.evaluation ? ` (${summary(c.evaluation)})` : '';
    explanation.push(c.rejected ? `${c.description} rejected: ${c.rejected}${measured}` : `${c.description} qualified but is larger${measured}`);
  }
  return {
    model: (chosen && built.get(chosen)) || model,
    chosen: chosen?.name,
    candidates,
    explanation,
    inputSource: given ? 'given' : 'generated',
    warning: given ? undefined : GENERATED_WARNING,
  };
}
