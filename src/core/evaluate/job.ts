import * as path from 'node:path';
import type { OperationOptions } from '../events';
import { encodeModel } from '../onnx';
import { loadInputs } from '../quantize/inputs';
import { loadSource } from '../quantize/job';
import { writeJsonAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { computeMetrics, defaultMetrics, type EvaluationMetric } from './metrics';
import { median } from '../median';
import { predictBatches, throwIfCancelled } from './predict';

/** Rows per model run: large enough to amortise a run's overhead, small enough to keep memory flat. */
const EVALUATION_BATCH = 64;

export interface EvaluateRequest {
  layout: StoreLayout;
  /** An .onnx file, or a registered version `model:name@ref` (the prefix may be left out). */
  model: string;
  /** A CSV/TSV/NPY/Parquet file (optionally gzipped), or a dataset version `dataset:name@vK`. */
  dataset: string;
  /** Default: accuracy and f1 for an output of several columns, mse and mae for one. */
  metrics?: EvaluationMetric[];
  /** The label column: a header name or an index (-1: the last). Default: found by name, else the last column. */
  label?: string | number;
  /** Write the report (JSON) to this file. */
  output?: string;
  /** Paths are relative to this (default: the workspace root). */
  cwd?: string;
  signal?: AbortSignal;
  onProgress?: OperationOptions['onProgress'];
  log?: OperationOptions['log'];
}

/** What `lathe evaluate` reports and `output` holds. */
export interface EvaluationReport {
  schema: 1;
  /** `name@vK`, or the absolute path of the model file. */
  model: string;
  /** `name@vK` of a dataset version, or the absolute path of the file read. */
  dataset: string;
  rows: number;
  labelColumn: string;
  /** Class names in index order, when the labels were text. */
  classes?: string[];
  /** The model output scored, and its values per row. */
  outputName: string;
  columns: number;
  metrics: Record<string, number>;
  /** Median milliseconds per row over the batches (one thread, after a warm-up run). */
  latency: { p50MsPerRow: number; batches: number; batchSize: number };
  /** Bytes of the serialized model. */
  sizeBytes: number;
}

export interface EvaluateResult extends EvaluationReport {
  /** The absolute path the report was written to. */
  reportFile?: string;
}

/**
 * Evaluate a model on labelled rows: run it in onnxruntime-node in batches, score its first output with `metrics`,
 * measure latency per row and size, and write the report atomically to `output` when given. Nothing is written
 * when anything fails. Registered versions are immutable, so the metrics are not added to the version itself:
 * a tracked run records them (see `lathe evaluate`).
 */
export async function evaluateModel(request: EvaluateRequest): Promise<EvaluateResult> {
  const cwd = request.cwd ?? request.layout.root;
  const progress = (message: string, fraction: number) => request.onProgress?.({ message, fraction });
  progress('loading the model', 0);
  const source = await loadSource(request.layout, request.model, cwd);
  const data = await loadInputs(request.layout, request.dataset, source.model, { cwd, label: request.label, batch: EVALUATION_BATCH });
  if (!data.labels) {
    throw new LatheError('missing-column', `${data.file} has no label column to evaluate against`, {
      file: data.dataset ? undefined : data.file,
      hint: 'name it with --label (a column name or index), or call it label/target/y/class',
    });
  }
  const rows = data.labels.length;
  request.log?.(`evaluating ${source.label} on ${rows} row(s) of ${data.file} (label: ${data.labelColumn})`);
  const predictions = await predictBatches(
    source.model,
    data.feeds.map((feeds, i) => ({ feeds, rows: data.feedRows[i] })),
    { signal: request.signal, onBatch: (done) => progress(`${done}/${rows} rows`, 0.1 + (0.8 * done) / rows) },
  );
  const names = request.metrics?.length ? [...new Set(request.metrics)] : defaultMetrics(predictions);
  const metrics = computeMetrics(names, predictions, data.labels, { model: source.label, dataset: data.file });
  const report: EvaluationReport = {
    schema: 1,
    model: source.label,
    dataset: data.dataset ?? data.file,
    rows,
    labelColumn: data.labelColumn ?? '',
    classes: data.classes,
    outputName: predictions.output,
    columns: predictions.columns,
    metrics,
    latency: { p50MsPerRow: median(predictions.msPerRow), batches: predictions.msPerRow.length, batchSize: Math.max(...data.feedRows) },
    sizeBytes: encodeModel(source.model).length,
  };
  throwIfCancelled(request.signal);
  const reportFile = request.output ? path.resolve(cwd, request.output) : undefined;
  if (reportFile) await writeJsonAtomic(reportFile, report);
  progress('done', 1);
  return reportFile ? { ...report, reportFile } : report;
}
