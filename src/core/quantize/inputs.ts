import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { readNumericRows, type NumericRows } from '../data/rows';
import type { Batch } from '../evaluate/predict';
import { inspectModel, type ValueSpec } from '../onnx';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import type { Feeds } from './evaluate';

/** Real inputs read from a dataset version or a file: one feed per row (or batch of rows), and the row labels when there are some. */
export interface LoadedInputs {
  feeds: Feeds[];
  /** Rows in each feed (all 1 unless batched). */
  feedRows: number[];
  /** One label per row, from a label column of a CSV. */
  labels?: number[];
  /** The label column, and the class names in index order when the labels were text. */
  labelColumn?: string;
  classes?: string[];
  /** `name@vK` when the rows came from a dataset version. */
  dataset?: string;
  /** The file the rows were read from. */
  file: string;
}

/** The single float input rows are fed to, and its dims with every symbolic dimension 1. */
function targetInput(model: onnx.IModelProto, file: string): { spec: ValueSpec; dims: number[] } {
  const inputs = inspectModel(model).inputs;
  const spec = inputs[0];
  if (inputs.length !== 1 || !spec.shape || (spec.elemType !== 'float32' && spec.elemType !== 'float16')) {
    const names = inputs.map((i) => `${i.name}: ${i.elemType}`).join(', ');
    throw new LatheError('unsupported-input', `rows of ${file} can only feed a model with one float input of known rank; this one has ${names}`, {
      file,
      hint: 'export the model with one float input (quantize can also run without --calibration, on random inputs)',
    });
  }
  return { spec, dims: spec.shape.map((d) => (typeof d === 'number' ? d : 1)) };
}

/**
 * Turn rows into feeds shaped like the model's input: each row one sample of batch 1, or up to `batch` rows per
 * feed when the input's first dimension is symbolic.
 */
function toFeeds(model: onnx.IModelProto, rows: NumericRows, batch: number): Batch[] {
  const file = rows.file;
  const { spec, dims } = targetInput(model, file);
  const want = dims.reduce((a, b) => a * b, 1);
  const got = rows.width;
  if (got !== want) {
    throw new LatheError('shape-mismatch', `rows of ${file} have ${got} value(s) but input ${spec.name} [${dims.join(', ')}] takes ${want}`, {
      file,
      hint: 'each row must hold one sample\'s features (plus an optional label column named label/target/y/class)',
    });
  }
  const step = typeof spec.shape?.[0] === 'number' ? 1 : batch;
  return Array.from({ length: Math.ceil(rows.rows / step) }, (_, i) => {
    const n = Math.min(step, rows.rows - i * step);
    const shape = step === 1 ? dims : [n, ...dims.slice(1)];
    return { rows: n, feeds: { [spec.name]: new ort.Tensor('float32', rows.features.slice(i * step * got, (i * step + n) * got), shape) } };
  });
}

export interface LoadInputsOptions {
  cwd: string;
  /** Read at most this many rows (default all). */
  limit?: number;
  /** The label column (see ReadRowsOptions.label). */
  label?: string | number;
  /** Rows per feed when the model's batch dimension is symbolic (default 1). */
  batch?: number;
}

/**
 * Read rows of real inputs for `model` from `source`: `dataset:name@vK` (or `name@vK`) names a dataset version,
 * anything else a CSV/TSV/NPY/Parquet file relative to `cwd`.
 */
export async function loadInputs(layout: StoreLayout, source: string, model: onnx.IModelProto, options: LoadInputsOptions): Promise<LoadedInputs> {
  const { dims } = targetInput(model, source);
  const rows = await readNumericRows(layout, source, { cwd: options.cwd, limit: options.limit, label: options.label, featureWidth: dims.reduce((a, b) => a * b, 1) });
  const batches = toFeeds(model, rows, options.batch ?? 1);
  return {
    feeds: batches.map((b) => b.feeds),
    feedRows: batches.map((b) => b.rows),
    labels: rows.labels ? Array.from(rows.labels) : undefined,
    labelColumn: rows.labelColumn,
    classes: rows.classes,
    dataset: rows.dataset,
    file: rows.file,
  };
}
