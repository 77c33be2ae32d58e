import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { readNumericRows, type NumericRows } from '../data/rows';
import { inspectModel, type ValueSpec } from '../onnx';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import type { Feeds } from './evaluate';

/** Real inputs read from a dataset version or a file: one feed per row, and the row labels when there are some. */
export interface LoadedInputs {
  feeds: Feeds[];
  /** One label per feed, from a label column of a CSV. */
  labels?: number[];
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
      hint: 'quantize without --calibration (random inputs, with a warning), or export the model with one input',
    });
  }
  return { spec, dims: spec.shape.map((d) => (typeof d === 'number' ? d : 1)) };
}

/** Turn rows into feeds shaped like the model's input (each row is one sample of batch 1). */
function toFeeds(model: onnx.IModelProto, rows: NumericRows): Feeds[] {
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
  return Array.from({ length: rows.rows }, (_, r) => ({ [spec.name]: new ort.Tensor('float32', rows.features.slice(r * got, (r + 1) * got), dims) }));
}

/**
 * Read up to `limit` rows of real inputs for `model` from `source`: `dataset:name@vK` (or `name@vK`) names a
 * dataset version, anything else a CSV/TSV/NPY/Parquet file relative to `cwd`.
 */
export async function loadInputs(layout: StoreLayout, source: string, model: onnx.IModelProto, options: { cwd: string; limit: number }): Promise<LoadedInputs> {
  const { dims } = targetInput(model, source);
  const rows = await readNumericRows(layout, source, { ...options, featureWidth: dims.reduce((a, b) => a * b, 1) });
  return { feeds: toFeeds(model, rows), labels: rows.labels ? Array.from(rows.labels) : undefined, dataset: rows.dataset, file: rows.file };
}
