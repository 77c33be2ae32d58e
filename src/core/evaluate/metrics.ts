import { LatheError } from '../workspace/errors';

/** The metrics `lathe evaluate` and `uses: evaluate` compute, as named in the pipeline schema. */
export const EVALUATION_METRICS = ['accuracy', 'f1', 'precision', 'recall', 'auc', 'mse', 'mae'] as const;
export type EvaluationMetric = (typeof EVALUATION_METRICS)[number];

const REGRESSION: readonly EvaluationMetric[] = ['mse', 'mae'];

/** A model's first output on labelled rows: `rows` × `columns` values, row-major. */
export interface Scores {
  values: ArrayLike<number>;
  rows: number;
  columns: number;
}

/** Names for messages: the model and the rows it was scored on. */
export interface ScoreSource {
  model: string;
  dataset: string;
}

/** Classification metrics for an output of several columns, else regression ones (ask for auc, accuracy... to score a one-column binary classifier). */
export function defaultMetrics(scores: Scores): EvaluationMetric[] {
  return scores.columns > 1 ? ['accuracy', 'f1'] : ['mse', 'mae'];
}

const isProbability = (v: number) => v >= 0 && v <= 1;

/** Whether every row already is a probability distribution (or, with one column, a probability). */
function areProbabilities(scores: Scores): boolean {
  for (let r = 0; r < scores.rows; r++) {
    let sum = 0;
    for (let c = 0; c < scores.columns; c++) {
      const v = scores.values[r * scores.columns + c];
      if (!isProbability(v)) return false;
      sum += v;
    }
    if (scores.columns > 1 && Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/** Row-wise softmax of logits; rows that already are probabilities are kept as they are. */
export function probabilities(scores: Scores): Float64Array {
  const out = Float64Array.from(scores.values);
  if (areProbabilities(scores)) return out;
  for (let r = 0; r < scores.rows; r++) {
    const row = out.subarray(r * scores.columns, (r + 1) * scores.columns);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    let sum = 0;
    for (let c = 0; c < row.length; c++) sum += row[c] = Math.exp(row[c] - max);
    for (let c = 0; c < row.length; c++) row[c] /= sum;
  }
  return out;
}

/**
 * The predicted class of each row: the argmax (first on ties) of several columns; with one column, class 1 when
 * the score is above 0.5 for probabilities, else above 0 (a logit), as scikit-learn's `predict` decides.
 */
export function predictedClasses(scores: Scores): Int32Array {
  const out = new Int32Array(scores.rows);
  if (scores.columns === 1) {
    const threshold = areProbabilities(scores) ? 0.5 : 0;
    for (let r = 0; r < scores.rows; r++) out[r] = scores.values[r] > threshold ? 1 : 0;
    return out;
  }
  for (let r = 0; r < scores.rows; r++) {
    let best = 0;
    for (let c = 1; c < scores.columns; c++) if (scores.values[r * scores.columns + c] > scores.values[r * scores.columns + best]) best = c;
    out[r] = best;
  }
  return out;
}

export function accuracy(scores: Scores, labels: ArrayLike<number>): number {
  const predicted = predictedClasses(scores);
  let correct = 0;
  for (let r = 0; r < scores.rows; r++) if (predicted[r] === labels[r]) correct++;
  return correct / scores.rows;
}

export interface PrecisionRecallF1 {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Precision, recall and F1 of the positive class 1 for a binary output (one or two columns), else their macro
 * average over every class among the labels and predictions; 0 where a ratio has no denominator (scikit-learn's
 * `average='binary'` / `'macro'` with `zero_division=0`).
 */
export function precisionRecallF1(scores: Scores, labels: ArrayLike<number>): PrecisionRecallF1 {
  const predicted = predictedClasses(scores);
  const classes = scores.columns <= 2 ? [1] : [...new Set([...Array.from(labels), ...predicted])].sort((a, b) => a - b);
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const sum = { precision: 0, recall: 0, f1: 0 };
  for (const k of classes) {
    let [tp, fp, fn] = [0, 0, 0];
    for (let r = 0; r < scores.rows; r++) {
      if (predicted[r] === k && labels[r] === k) tp++;
      else if (predicted[r] === k) fp++;
      else if (labels[r] === k) fn++;
    }
    sum.precision += ratio(tp, tp + fp);
    sum.recall += ratio(tp, tp + fn);
    sum.f1 += ratio(2 * tp, 2 * tp + fp + fn);
  }
  return { precision: sum.precision / classes.length, recall: sum.recall / classes.length, f1: sum.f1 / classes.length };
}

/** ROC AUC of `score` for the rows where `positive` is true, by the Mann-Whitney U statistic with average ranks on ties. */
function binaryAuc(score: ArrayLike<number>, positive: (r: number) => boolean, rows: number): number {
  const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => score[a] - score[b]);
  let [rankSum, positives] = [0, 0];
  for (let i = 0; i < rows; ) {
    let j = i;
    while (j + 1 < rows && score[order[j + 1]] === score[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (positive(order[k])) {
        rankSum += rank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = rows - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * ROC AUC: of the positive class 1 for a binary output (the score itself with one column, the probability of
 * class 1 with two), else one-vs-rest macro-averaged over the classes present in the labels, on probabilities
 * (softmax of logits). Needs both a positive and a negative row per class averaged (checked by computeMetrics).
 */
export function rocAuc(scores: Scores, labels: ArrayLike<number>): number {
  if (scores.columns === 1) return binaryAuc(scores.values, (r) => labels[r] === 1, scores.rows);
  const p = probabilities(scores);
  const column = (c: number) => Float64Array.from({ length: scores.rows }, (_, r) => p[r * scores.columns + c]);
  if (scores.columns === 2) return binaryAuc(column(1), (r) => labels[r] === 1, scores.rows);
  const present = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  return present.reduce((sum, k) => sum + binaryAuc(column(k), (r) => labels[r] === k, scores.rows), 0) / present.length;
}

export function meanSquaredError(scores: Scores, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let r = 0; r < scores.rows; r++) sum += (scores.values[r] - labels[r]) ** 2;
  return sum / scores.rows;
}

export function meanAbsoluteError(scores: Scores, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let r = 0; r < scores.rows; r++) sum += Math.abs(scores.values[r] - labels[r]);
  return sum / scores.rows;
}

/** The first non-finite value's row, or -1. */
function firstNonFinite(values: ArrayLike<number>, width: number): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return Math.floor(i / width);
  return -1;
}

/** Refuse a metric that does not fit the output and labels, with what would fit. */
function checkFit(metric: EvaluationMetric, scores: Scores, labels: ArrayLike<number>, where: ScoreSource): void {
  const on = `${where.model} on ${where.dataset}`;
  if (REGRESSION.includes(metric)) {
    if (scores.columns !== 1) {
      throw new LatheError('metric-mismatch', `${metric} compares one numeric output with the label, but ${on} gives ${scores.columns} columns per row (a classifier)`, {
        hint: 'use accuracy, f1, precision, recall or auc for a classifier',
      });
    }
    return;
  }
  const classes = Math.max(2, scores.columns);
  for (let r = 0; r < scores.rows; r++) {
    const label = labels[r];
    if (Number.isInteger(label) && label >= 0 && label < classes) continue;
    if (scores.columns === 1) {
      throw new LatheError('metric-mismatch', `${metric} needs class labels 0/1 for a model with one output column, but row ${r + 1} of ${where.dataset} has the label ${label} (a regression target?)`, {
        hint: 'use mse or mae for a regression model, or give the column of 0/1 classes with --label',
      });
    }
    throw new LatheError('invalid-labels', `row ${r + 1} of ${where.dataset} has the label ${label}, which is not a class of ${where.model} (0..${classes - 1})`, {
      hint: 'labels must be class indices (or class names, numbered in sorted order) of the model output; pick the column with --label',
    });
  }
  if (metric !== 'auc') return;
  const present = new Set(Array.from(labels));
  if (present.size < 2 || (scores.columns <= 2 && !(present.has(0) && present.has(1)))) {
    throw new LatheError('metric-mismatch', `auc needs rows of at least two classes, but every label in ${where.dataset} is ${[...present].join(', ')}`, {
      hint: 'evaluate on rows of both classes, or leave auc out',
    });
  }
}

/** Compute `metrics` of `scores` against `labels` (one per row); every input is checked first. */
export function computeMetrics(metrics: readonly EvaluationMetric[], scores: Scores, labels: ArrayLike<number>, where: ScoreSource): Record<string, number> {
  if (labels.length !== scores.rows) throw new LatheError('shape-mismatch', `${where.model} gave ${scores.rows} row(s) of output for ${labels.length} labelled row(s) of ${where.dataset}`);
  if (scores.rows === 0) throw new LatheError('invalid-data', `${where.dataset} has no rows to evaluate on`, { hint: 'give at least one labelled row' });
  const badLabel = firstNonFinite(labels, 1);
  if (badLabel >= 0) throw new LatheError('invalid-data', `row ${badLabel + 1} of ${where.dataset} has the label ${labels[badLabel]}`, { hint: 'labels must be finite numbers or class names' });
  const badOutput = firstNonFinite(scores.values, scores.columns);
  if (badOutput >= 0) {
    throw new LatheError('invalid-output', `${where.model} gave a non-finite output (NaN or infinity) for row ${badOutput + 1} of ${where.dataset}`, {
      hint: 'check the model on that row (its inputs may be out of the range it was trained on)',
    });
  }
  const out: Record<string, number> = {};
  for (const metric of metrics) {
    if (!(EVALUATION_METRICS as readonly string[]).includes(metric)) {
      throw new LatheError('usage', `unknown metric '${metric}'`, { hint: `choose from ${EVALUATION_METRICS.join(', ')}` });
    }
    checkFit(metric, scores, labels, where);
    if (metric === 'accuracy') out.accuracy = accuracy(scores, labels);
    else if (metric === 'auc') out.auc = rocAuc(scores, labels);
    else if (metric === 'mse') out.mse = meanSquaredError(scores, labels);
    else if (metric === 'mae') out.mae = meanAbsoluteError(scores, labels);
    else out[metric] = precisionRecallF1(scores, labels)[metric];
  }
  return out;
}
