import { availableParallelism } from 'node:os';
import type { onnx } from 'onnx-proto';
import { seededRandom } from '../onnx/random';
import { LatheError } from '../workspace/errors';
import { exportInference } from './export';
import { LOSS_INPUTS, type LossSpec } from './losses';
import type { OptimizerSpec } from './optimizers';
import { BatchPrefetch, gather, type Table } from './batches';
import { initialWeights, TrainingSession, type FloatArray } from './session';
import { buildStepModel, type StepModel } from './step';

export type { Column, Table } from './batches';

export interface StepMetrics {
  epoch: number;
  step: number;
  loss: number;
  accuracy?: number;
  lr: number;
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface TrainOptions {
  loss: LossSpec;
  optimizer: OptimizerSpec;
  trainable?: readonly string[];
  output?: string;
  clipNorm?: number;
  epochs: number;
  batchSize: number;
  /** Seeds the train/validation split and the shuffling of every epoch. */
  seed: number;
  /** Share of rows held out for validation (default 0.2; 0 for none). */
  validationFraction?: number;
  /** A fixed learning rate, or a schedule over the global step and epoch (both 0-based). */
  lr: number | ((step: number, epoch: number) => number);
  /** Stop when the validation loss has not improved by minDelta for `patience` epochs; the best weights are kept. */
  earlyStopping?: { patience: number; minDelta?: number };
  threads?: number;
  /** Batches per ORT run (see SessionOptions.stepsPerRun). */
  stepsPerRun?: number;
  /**
   * Gather the next run's batches in a worker thread while ONNX Runtime computes (default: when `threads` leaves
   * a core free for it; ORT's own threads use every core otherwise, and the worker would only compete with them).
   */
  prefetch?: boolean;
  onStep?: (metrics: StepMetrics) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  signal?: AbortSignal;
}

export interface TrainResult {
  /** The forward model with the best weights (the last ones without validation). */
  model: onnx.ModelProto;
  weights: Map<string, FloatArray>;
  history: EpochMetrics[];
  bestEpoch: number;
  stoppedEarly: boolean;
}

function rowCount(table: Table, step: StepModel): number {
  let rows: number | undefined;
  for (const name of step.dataInputs) {
    const column = table[name];
    if (!column) throw new LatheError('missing-column', `the training data has no column '${name}'`, { hint: `the training step reads ${step.dataInputs.join(', ')}` });
    const width = column.shape.reduce((a, b) => a * b, 1);
    const n = column.data.length / width;
    if (!Number.isInteger(n) || (rows !== undefined && n !== rows)) {
      throw new LatheError('bad-table', `column '${name}' holds ${column.data.length} values, which is not ${rows ?? 'a whole number of'} rows of [${column.shape.join(', ')}]`);
    }
    rows = n;
  }
  return rows ?? 0;
}

/** Class labels must index the model's classes: out of range they would silently count as no class at all. */
function checkLabels(table: Table, forward: onnx.IModelProto, output: string | undefined): void {
  const labels = table[LOSS_INPUTS.labels]?.data;
  const info = (forward.graph?.output ?? []).find((o) => o.name === (output ?? forward.graph?.output?.[0]?.name));
  const classes = Number(info?.type?.tensorType?.shape?.dim?.[1]?.dimValue ?? 0);
  if (!(labels instanceof BigInt64Array) || !classes) return;
  const bad = labels.findIndex((v) => v < 0n || v >= BigInt(classes));
  if (bad >= 0) {
    throw new LatheError('bad-table', `label ${labels[bad]} in row ${bad + 1} is not a class of the model (0..${classes - 1})`, {
      hint: 'labels must be integer class indices starting at 0',
    });
  }
}

/** A seeded Fisher-Yates permutation of `indices` (a copy). */
export function shuffled(indices: number[], random: () => number): number[] {
  const out = indices.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function batches(ids: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

async function evaluate(session: TrainingSession, table: Table, ids: number[], batchSize: number): Promise<{ loss: number; accuracy?: number }> {
  let loss = 0;
  let correct: number | undefined;
  for (const batch of batches(ids, batchSize)) {
    const r = await session.run(gather(table, session.step.dataInputs, batch));
    loss += r.loss * batch.length;
    if (r.correct !== undefined) correct = (correct ?? 0) + r.correct;
  }
  return { loss: loss / ids.length, accuracy: correct === undefined ? undefined : correct / ids.length };
}

/**
 * Train the trainable initializers of `forward` on an in-memory table: seeded split and shuffling, mini-batches,
 * per-step and per-epoch metrics, early stopping on the validation loss. Returns the trained inference model.
 */
export async function trainModel(forward: onnx.IModelProto, table: Table, options: TrainOptions): Promise<TrainResult> {
  const common = { loss: options.loss, trainable: options.trainable, output: options.output };
  const stepModel = buildStepModel(forward, { ...common, optimizer: options.optimizer, clipNorm: options.clipNorm });
  const evalModel = buildStepModel(forward, common);
  const rows = rowCount(table, stepModel);
  checkLabels(table, forward, options.output);
  const random = seededRandom(options.seed);
  const order = shuffled([...Array(rows).keys()], random);
  const held = Math.round(rows * (options.validationFraction ?? 0.2));
  const validation = order.slice(0, held);
  const training = order.slice(held);
  if (options.earlyStopping && held === 0) {
    throw new LatheError('bad-options', 'early stopping watches the validation loss, but no rows are held out for validation', {
      hint: 'set validationFraction above 0 or drop earlyStopping',
    });
  }
  if (training.length === 0) throw new LatheError('bad-table', `no rows left to train on (${rows} rows, ${held} held out for validation)`);

  const session = await TrainingSession.create(stepModel, initialWeights(forward, stepModel), { threads: options.threads, stepsPerRun: options.stepsPerRun });
  let evaluator: TrainingSession | undefined;
  let prefetch: BatchPrefetch | undefined;
  const history: EpochMetrics[] = [];
  let best = { loss: Infinity, epoch: -1, weights: session.weights() };
  let stoppedEarly = false;
  let step = 0;
  try {
    evaluator = held ? await TrainingSession.create(evalModel, session.weights(), { threads: options.threads }) : undefined;
    const freeCore = options.threads !== undefined && options.threads < availableParallelism();
    if (options.prefetch ?? freeCore) prefetch = BatchPrefetch.start(table, stepModel.dataInputs);
    const gatherGroup = (group: number[][]) => prefetch?.request(group) ?? Promise.resolve(group.map((ids) => gather(table, stepModel.dataInputs, ids)));
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      let loss = 0;
      let correct: number | undefined;
      const epochBatches = batches(shuffled(training, random), options.batchSize);
      // a run trains on stepsPerRun batches at once (an epoch's last few go one by one); a prefetch worker gathers
      // the next run's batches while this one computes
      const groups: number[][][] = [];
      for (let first = 0; first < epochBatches.length; first += session.stepsPerRun) groups.push(epochBatches.slice(first, first + session.stepsPerRun));
      let ready = gatherGroup(groups[0]);
      for (const [g, group] of groups.entries()) {
        if (options.signal?.aborted) throw new LatheError('cancelled', 'training was cancelled');
        const feeds = await ready;
        if (g + 1 < groups.length) ready = gatherGroup(groups[g + 1]);
        const lrs = group.map((_, i) => (typeof options.lr === 'number' ? options.lr : options.lr(step + i, epoch)));
        const results = await session.runSteps(feeds, lrs);
        for (const [i, r] of results.entries()) {
          // a run of several steps reports them one by one: an abort stops the reports at once
          if (options.signal?.aborted) throw new LatheError('cancelled', 'training was cancelled');
          if (!Number.isFinite(r.loss)) {
            throw new LatheError('diverged', `training diverged at epoch ${epoch + 1}, step ${step + 1}: the loss is ${r.loss}`, {
              hint: 'lower the learning rate or clip gradients (clipNorm)',
            });
          }
          loss += r.loss * group[i].length;
          if (r.correct !== undefined) correct = (correct ?? 0) + r.correct;
          options.onStep?.({ epoch, step, loss: r.loss, accuracy: r.correct === undefined ? undefined : r.correct / group[i].length, lr: lrs[i] });
          step++;
        }
      }
      const metrics: EpochMetrics = { epoch, loss: loss / training.length, accuracy: correct === undefined ? undefined : correct / training.length };
      if (evaluator) {
        evaluator.setWeights(session.weights());
        const v = await evaluate(evaluator, table, validation, options.batchSize);
        metrics.valLoss = v.loss;
        metrics.valAccuracy = v.accuracy;
      }
      history.push(metrics);
      options.onEpoch?.(metrics);
      const monitored = metrics.valLoss ?? metrics.loss;
      if (!evaluator || monitored < best.loss - (options.earlyStopping?.minDelta ?? 0)) {
        best = { loss: monitored, epoch, weights: session.weights() };
      } else if (options.earlyStopping && epoch - best.epoch >= options.earlyStopping.patience) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    await prefetch?.close();
    await session.release();
    await evaluator?.release();
  }
  return { model: exportInference(forward, best.weights), weights: best.weights, history, bestEpoch: best.epoch, stoppedEarly };
}
