import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { readNumericRows, type NumericRows } from '../data/rows';
import type { OperationOptions } from '../events';
import { encodeModel, inspectModel, seededRandom } from '../onnx';
import { loadSource } from '../quantize/job';
import { registerModelBytes, resolveModelRef, type RegisteredModel } from '../registry';
import type { ParamValue } from '../runs/record';
import { shuffled, trainModel, type EpochMetrics, type StepMetrics, type Table, type TrainOptions, type TrainResult } from '../train/loop';
import { takeRows } from '../train/batches';
import { LOSS_INPUTS, type LossSpec } from '../train/losses';
import { writeFileAtomic } from '../workspace/atomic';
import { hashFile } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { buildStudent, checkStudentModel, DEFAULT_HIDDEN, type StudentSignature, type StudentSpec } from './students';
import { predict, teacherLogits, teacherSignature, type Inputs } from './teacher';

export interface DistillRequest {
  /** `name@ref` of a registered version (`model:` prefix allowed) or an .onnx file. */
  teacher: string;
  /** `dataset:name@ref` / `name@ref`, or a CSV/TSV/NPY/Parquet file: the rows the teacher and students see. */
  dataset: string;
  /** Default: an MLP with one hidden layer of 32 units. */
  student?: StudentSpec;
  /** Softmax temperature T (default 4). */
  temperature?: number;
  /** Weight of the soft-target loss against cross-entropy on labels (default 0.7; 1 without labels). */
  alpha?: number;
  /** Maximum epochs (default 30); training stops early when the validation loss stalls for `patience` epochs (default 5). */
  epochs?: number;
  patience?: number;
  /** AdamW learning rate (default 0.01). */
  lr?: number;
  batchSize?: number;
  /** Seeds the student's initial weights, the test split and the shuffling (default 0). */
  seed?: number;
  /** The label column (default: found by name); false: no labels, pure soft targets. */
  label?: string | number | false;
  /** Share of rows held out to test the teacher and the students on (default 0.2). */
  testFraction?: number;
  /** Also train the same student without the teacher, for comparison (default: when there are labels). */
  baseline?: boolean;
  /** The registered name (default `<teacher name>-student`). */
  name?: string;
  output?: string;
  register?: boolean;
  /** The tracked run this training is (LATHE_RUN_ID), recorded in the version's lineage. */
  run?: string;
  cwd?: string;
  /** Live metrics as `::lathe-metric::` points: step, and loss / accuracy / val_loss / val_accuracy (baseline_* for the student alone). */
  onMetrics?: (point: Record<string, number>) => void;
}

export interface ModelScore {
  /** Accuracy on the held-out test rows (absent without labels). */
  accuracy?: number;
  /** Share of test rows on which the model picks the teacher's class. */
  agreement: number;
  sizeBytes: number;
  parameters: number;
  latencyMs: number;
}

export interface DistillResult {
  teacher: string;
  dataset: string;
  student: string;
  settings: Record<string, ParamValue>;
  rows: { train: number; test: number };
  teacherScore: ModelScore;
  studentScore: ModelScore & { epochs: number; bestEpoch: number; stoppedEarly: boolean };
  /** The same student trained on labels alone, same seed and options. */
  baselineScore?: ModelScore & { epochs: number; bestEpoch: number; stoppedEarly: boolean };
  metrics: Record<string, number>;
  teacherCache: { file: string; reused: boolean };
  version?: RegisteredModel;
  output?: string;
}

const LATENCY_RUNS = 50;

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LatheError('cancelled', 'distillation was cancelled; nothing was written', { hint: 'run it again to finish' });
}

function positive(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) throw new LatheError('usage', `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  return value;
}

/** Class labels as int64, checked against the teacher's classes. */
function classLabels(rows: NumericRows, classes: number): BigInt64Array | undefined {
  if (!rows.labels) return undefined;
  const bad = rows.labels.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
  if (bad >= 0) {
    throw new LatheError('bad-labels', `label ${rows.labels[bad]} in row ${bad + 1} of ${rows.file} is not one of the teacher's ${classes} classes`, {
      hint: 'labels must be class indices 0..classes-1 (or class names), or pass --label false for soft targets only',
    });
  }
  return BigInt64Array.from(rows.labels, (v) => BigInt(v));
}

function argmaxes(logits: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(logits.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out[r] = best;
  }
  return out;
}

const share = (a: Int32Array, b: ArrayLike<number | bigint>) => a.reduce((n, v, i) => n + (v === Number(b[i]) ? 1 : 0), 0) / a.length;

/** Median single-row latency of each model, timed in alternation so background load hits them alike. */
async function latencies(models: onnx.ModelProto[], inputName: string, row: ort.Tensor): Promise<number[]> {
  const sessions = await Promise.all(models.map((m) => ort.InferenceSession.create(encodeModel(m), { intraOpNumThreads: 1, interOpNumThreads: 1 })));
  try {
    const times = models.map(() => [] as number[]);
    for (let i = 0; i < LATENCY_RUNS + 3; i++) {
      for (const [k, s] of sessions.entries()) {
        const start = performance.now();
        await s.run({ [inputName]: row });
        if (i >= 3) times[k].push(performance.now() - start);
      }
    }
    return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}

function describeStudent(spec: StudentSpec): string {
  if (spec.kind === 'mlp') return `mlp ${spec.hidden.join('-')} ${spec.activation ?? 'relu'}`;
  return spec.kind === 'cnn' ? 'cnn' : spec.ref;
}

async function studentModel(layout: StoreLayout, spec: StudentSpec, sig: StudentSignature, seed: number, cwd: string): Promise<onnx.ModelProto> {
  if (spec.kind !== 'model') return buildStudent(spec, sig, seed);
  const source = await loadSource(layout, spec.ref, cwd);
  checkStudentModel(source.model, sig, source.label);
  return source.model;
}

interface Trained {
  result: TrainResult;
  score: ModelScore & { epochs: number; bestEpoch: number; stoppedEarly: boolean };
}

/**
 * Distil a teacher (a registered version or ONNX file) into a small student on the rows of a dataset: the
 * teacher's logits (cached per teacher and data) are the soft targets of α·T²·KL + (1−α)·CE, training stops early on
 * the validation loss, and the student is judged on held-out rows against the teacher and against the same student
 * trained on the labels alone. The student is registered as a version whose parent is the teacher.
 */
export async function distillModel(layout: StoreLayout, request: DistillRequest, opts: OperationOptions = {}): Promise<DistillResult> {
  const cwd = request.cwd ?? layout.root;
  const progress = (message: string, fraction: number) => opts.onProgress?.({ message, fraction });
  const spec: StudentSpec = request.student ?? { kind: 'mlp', hidden: DEFAULT_HIDDEN };
  const temperature = positive('the temperature', request.temperature ?? 4);
  const epochs = positive('epochs', request.epochs ?? 30, true);
  const batchSize = positive('the batch size', request.batchSize ?? 32, true);
  const lr = positive('the learning rate', request.lr ?? 0.01);
  const patience = positive('patience', request.patience ?? 5, true);
  const seed = request.seed ?? 0;
  const testFraction = request.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new LatheError('usage', `the test fraction must be between 0 and 1, got ${testFraction}`);

  progress('loading the teacher and the data', 0);
  const source = await loadSource(layout, request.teacher, cwd);
  const sha256 = source.ref ? (await resolveModelRef(layout, source.ref)).file.sha256 : (await hashFile(source.label)).sha256;
  const rows = await readNumericRows(layout, request.dataset, { cwd, label: request.label });
  const { model: teacher, sig } = teacherSignature(source.model, rows.width, source.label);
  const labels = classLabels(rows, sig.classes);
  const alpha = labels ? (request.alpha ?? 0.7) : 1;
  if (!(alpha >= 0 && alpha <= 1)) throw new LatheError('usage', `alpha must be between 0 and 1, got ${alpha}`);
  const inputs: Inputs = { features: rows.features, rows: rows.rows, rowShape: sig.rowShape };
  opts.log?.(`data: ${rows.rows} rows of ${rows.width} features from ${rows.dataset ?? rows.file}${labels ? ` with labels (${rows.labelColumn})` : ', no labels: soft targets only'}`);

  progress('running the teacher', 0.05);
  const cache = await teacherLogits(layout, { model: teacher, sha256, sig }, inputs, opts.signal);
  opts.log?.(cache.cached ? `teacher logits reused from ${cache.file}` : `teacher logits computed and cached in ${cache.file}`);
  cancelled(opts.signal);

  const order = shuffled([...Array(rows.rows).keys()], seededRandom(seed));
  const testCount = Math.max(1, Math.round(rows.rows * testFraction));
  const [test, train] = [order.slice(0, testCount), order.slice(testCount)];
  const width = rows.width;
  const initial = await studentModel(layout, spec, sig, seed, cwd);
  const trainLabels = labels && takeRows(labels, 1, train);
  const common: Omit<TrainOptions, 'loss' | 'onStep' | 'onEpoch'> = {
    optimizer: { kind: 'adamw', weightDecay: 0 },
    epochs,
    batchSize,
    seed,
    lr,
    earlyStopping: { patience },
    signal: opts.signal,
  };
  const table: Table = { [sig.inputName]: { data: takeRows(rows.features, width, train), shape: sig.rowShape } };
  const testInputs: Inputs = { features: takeRows(rows.features, width, test), rows: test.length, rowShape: sig.rowShape };
  const teacherTest = takeRows(cache.logits, sig.classes, test);
  const teacherClasses = argmaxes(teacherTest, sig.classes);
  const testLabels = labels && takeRows(labels, 1, test);

  let lastStep = 0;
  /** Train the student from the same initial weights; `prefix` names its curves, [from, to] its share of the progress. */
  const trainStudent = async (loss: LossSpec, extra: Table, prefix: string, from: number, to: number): Promise<Trained> => {
    let step = 0;
    const result = await trainModel(initial, { ...table, ...extra }, {
      ...common,
      loss,
      onStep: (m: StepMetrics) => {
        step = m.step;
        lastStep = Math.max(lastStep, step);
        request.onMetrics?.({ step: m.step, [`${prefix}loss`]: m.loss, ...(m.accuracy === undefined ? {} : { [`${prefix}accuracy`]: m.accuracy }) });
      },
      onEpoch: (m: EpochMetrics) => {
        progress(`${prefix ? 'training the student alone' : 'distilling'}: epoch ${m.epoch + 1}/${epochs}`, from + ((to - from) * (m.epoch + 1)) / epochs);
        opts.log?.(`${prefix ? 'student alone' : 'distill'} epoch ${m.epoch + 1}: loss ${m.loss.toFixed(4)}${m.valLoss === undefined ? '' : `, val_loss ${m.valLoss.toFixed(4)}`}${m.valAccuracy === undefined ? '' : `, val_accuracy ${m.valAccuracy.toFixed(4)}`}`);
        const point: Record<string, number> = { step };
        if (m.valLoss !== undefined) point[`${prefix}val_loss`] = m.valLoss;
        if (m.valAccuracy !== undefined) point[`${prefix}val_accuracy`] = m.valAccuracy;
        request.onMetrics?.(point);
      },
    });
    const logits = await predict(result.model, sig.inputName, sig.outputName, testInputs, opts.signal);
    const classes = argmaxes(logits, sig.classes);
    const bytes = encodeModel(result.model);
    return {
      result,
      score: {
        accuracy: testLabels && share(classes, testLabels),
        agreement: share(classes, teacherClasses),
        sizeBytes: bytes.length,
        parameters: inspectModel(result.model).parameterCount,
        latencyMs: 0,
        epochs: result.history.length,
        bestEpoch: result.bestEpoch + 1,
        stoppedEarly: result.stoppedEarly,
      },
    };
  };

  const withBaseline = labels !== undefined && request.baseline !== false;
  const extra: Table = { [LOSS_INPUTS.teacher]: { data: takeRows(cache.logits, sig.classes, train), shape: [sig.classes] } };
  if (alpha < 1 && trainLabels) extra[LOSS_INPUTS.labels] = { data: trainLabels, shape: [] };
  const distilled = await trainStudent({ kind: 'kl', temperature, alpha }, extra, '', 0.1, withBaseline ? 0.5 : 0.85);
  cancelled(opts.signal);
  const baseline = withBaseline && trainLabels ? await trainStudent({ kind: 'cross-entropy' }, { [LOSS_INPUTS.labels]: { data: trainLabels, shape: [] } }, 'baseline_', 0.5, 0.85) : undefined;
  cancelled(opts.signal);

  progress('evaluating against the teacher', 0.9);
  const teacherBytes = encodeModel(source.model);
  const row = new ort.Tensor('float32', testInputs.features.slice(0, width), [1, ...sig.rowShape]);
  const [teacherLatency, studentLatency] = await latencies([source.model, distilled.result.model], sig.inputName, row);
  distilled.score.latencyMs = studentLatency;
  if (baseline) baseline.score.latencyMs = studentLatency;
  const teacherScore: ModelScore = {
    accuracy: testLabels && share(teacherClasses, testLabels),
    agreement: 1,
    sizeBytes: teacherBytes.length,
    parameters: inspectModel(source.model).parameterCount,
    latencyMs: teacherLatency,
  };
  const studentName = describeStudent(spec);
  const settings: Record<string, ParamValue> = {
    student: studentName,
    temperature,
    alpha,
    epochs,
    lr,
    batch_size: batchSize,
    seed,
    patience,
    data: rows.dataset ?? rows.file,
  };
  if (spec.kind === 'mlp') Object.assign(settings, { hidden: spec.hidden, activation: spec.activation ?? 'relu' });
  if (!source.ref) settings.teacher = source.label;
  const s = distilled.score;
  const metrics: Record<string, number> = {
    agreement: s.agreement,
    size_bytes: s.sizeBytes,
    teacher_size_bytes: teacherScore.sizeBytes,
    size_ratio: s.sizeBytes / teacherScore.sizeBytes,
    parameters: s.parameters,
    teacher_parameters: teacherScore.parameters,
    latency_p50_ms: s.latencyMs,
    teacher_latency_p50_ms: teacherScore.latencyMs,
    latency_ratio: s.latencyMs / teacherScore.latencyMs,
    epochs: s.epochs,
  };
  if (s.accuracy !== undefined) metrics.accuracy = s.accuracy;
  if (teacherScore.accuracy !== undefined) metrics.teacher_accuracy = teacherScore.accuracy;
  if (baseline?.score.accuracy !== undefined) metrics.baseline_accuracy = baseline.score.accuracy;
  if (baseline) metrics.baseline_agreement = baseline.score.agreement;
  // the evaluation as the run's last point, after both trainings' curves
  request.onMetrics?.({ step: lastStep + 1, ...metrics });
  const result: DistillResult = {
    teacher: source.label,
    dataset: rows.dataset ?? rows.file,
    student: studentName,
    settings,
    rows: { train: train.length, test: test.length },
    teacherScore,
    studentScore: distilled.score,
    baselineScore: baseline?.score,
    metrics,
    teacherCache: { file: cache.file, reused: cache.cached },
  };
  cancelled(opts.signal);

  progress('registering', 0.95);
  const bytes = encodeModel(distilled.result.model);
  if (request.register !== false) {
    const name = request.name ?? `${source.defaultName}-student`;
    result.version = await registerModelBytes(
      layout,
      bytes,
      `${name}.onnx`,
      {
        name,
        run: request.run,
        parent: source.ref,
        technique: 'distill',
        settings,
        metrics,
        datasets: rows.dataset ? [rows.dataset] : undefined,
        message: `${studentName} student distilled from ${source.label}`,
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
