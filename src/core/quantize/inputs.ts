import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { resolveRef as resolveDatasetRef } from '../data';
import { inspectModel, type ValueSpec } from '../onnx';
import { pathExists } from '../workspace/atomic';
import { blobPath } from '../workspace/blobs';
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

/** Column names taken as the label of a row rather than a feature. */
const LABEL_COLUMNS = new Set(['label', 'labels', 'target', 'y', 'class']);
const ROW_FILE = /\.(csv|tsv|npy)$/i;

/** Cells of one CSV line; double quotes group, `""` inside quotes is a quote. */
function splitLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let [cell, quoted] = ['', false];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') cell += line[++i];
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) cells.push(cell.trim()), (cell = '');
    else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

/**
 * Numeric rows of a CSV/TSV file; a first line with a non-number is its header. The label column is one named
 * label/target/y/class, or a last column of text (class names, numbered in sorted order as scikit-learn's
 * LabelEncoder does).
 */
function parseCsv(text: string, file: string, delimiter: string, limit: number): { rows: number[][]; labels?: number[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new LatheError('invalid-data', `${file} has no rows`, { file, hint: 'give a CSV with one numeric row per model input' });
  const isNumber = (c: string) => c !== '' && Number.isFinite(Number(c));
  const first = splitLine(lines[0], delimiter);
  const header = first.some((c) => !isNumber(c)) ? first.map((c) => c.toLowerCase()) : undefined;
  const cells = lines.slice(header ? 1 : 0, (header ? 1 : 0) + limit).map((line) => splitLine(line, delimiter));
  const last = first.length - 1;
  let labelAt = header ? header.findIndex((c) => LABEL_COLUMNS.has(c)) : -1;
  if (labelAt < 0 && header && cells.length && cells.every((row) => !isNumber(row[last] ?? ''))) labelAt = last;
  const classes = labelAt >= 0 && cells.some((row) => !isNumber(row[labelAt] ?? '')) ? [...new Set(cells.map((row) => row[labelAt]))].sort() : undefined;
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const [i, row] of cells.entries()) {
    if (labelAt >= 0) {
      const [label] = row.splice(labelAt, 1);
      labels.push(classes ? classes.indexOf(label) : Number(label));
    }
    const bad = row.findIndex((c) => !isNumber(c));
    if (bad >= 0) {
      throw new LatheError('invalid-data', `${file} row ${i + 1}: '${row[bad]}' is not a number`, { file, hint: 'input rows must be numeric features (and an optional label column)' });
    }
    rows.push(row.map(Number));
  }
  return { rows, labels: labelAt >= 0 ? labels : undefined };
}

/** Rows of a float32/float64 .npy array, flattened after the first axis. */
function parseNpy(bytes: Buffer, file: string, limit: number): number[][] {
  const bad = (why: string) => new LatheError('invalid-data', `${file} is not a usable .npy array: ${why}`, { file, hint: 'save a float32 array with numpy.save' });
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw bad('no NUMPY magic');
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw bad('Fortran order');
  if (descr !== '<f4' && descr !== '<f8') throw bad(`element type ${descr} (float32 or float64 little-endian needed)`);
  const dims = (shape ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length === 0) throw bad('a scalar');
  const width = dims.slice(1).reduce((a, b) => a * b, 1);
  const size = descr === '<f4' ? 4 : 8;
  const count = Math.min(dims[0], limit);
  if (bytes.length < start + dims[0] * width * size) throw bad('the file is shorter than its shape');
  return Array.from({ length: count }, (_, r) =>
    Array.from({ length: width }, (_, c) => {
      const at = start + (r * width + c) * size;
      return size === 4 ? bytes.readFloatLE(at) : bytes.readDoubleLE(at);
    }),
  );
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
function toFeeds(model: onnx.IModelProto, rows: number[][], file: string): Feeds[] {
  const { spec, dims } = targetInput(model, file);
  const want = dims.reduce((a, b) => a * b, 1);
  const got = rows[0]?.length ?? 0;
  if (got !== want) {
    throw new LatheError('shape-mismatch', `rows of ${file} have ${got} value(s) but input ${spec.name} [${dims.join(', ')}] takes ${want}`, {
      file,
      hint: 'each row must hold one sample\'s features (plus an optional label column named label/target/y/class)',
    });
  }
  return rows.map((row) => ({ [spec.name]: new ort.Tensor('float32', Float32Array.from(row), dims) }));
}

/** The rows file of a dataset version: the file itself, or the first CSV/TSV/NPY file of a folder (by path). */
async function datasetFile(layout: StoreLayout, ref: string): Promise<{ file: string; dataset: string; name: string }> {
  const version = await resolveDatasetRef(layout, ref);
  const dataset = `${version.name}@v${version.version}`;
  const entry = [...version.files].sort((a, b) => a.path.localeCompare(b.path)).find((f) => ROW_FILE.test(f.path));
  if (!entry) {
    throw new LatheError('invalid-data', `dataset ${dataset} holds no .csv, .tsv or .npy file to read inputs from`, { hint: 'track a dataset of numeric rows (CSV) or arrays (.npy)' });
  }
  const name = `${dataset} (${entry.path})`;
  const cached = blobPath(layout, entry.sha256);
  if (await pathExists(cached)) return { file: cached, dataset, name };
  const working = path.join(layout.root, version.path, version.kind === 'folder' ? entry.path : '');
  if (await pathExists(working)) return { file: working, dataset, name };
  throw new LatheError('missing-blob', `the data of ${dataset} (${entry.path}) is neither in the cache nor checked out`, { hint: `run \`lathe data pull\` or \`lathe data checkout ${dataset}\`` });
}

/**
 * Read up to `limit` rows of real inputs for `model` from `source`: `dataset:name@vK` (or `name@vK`) names a
 * dataset version, anything else a CSV/TSV/NPY file relative to `cwd`.
 */
export async function loadInputs(layout: StoreLayout, source: string, model: onnx.IModelProto, options: { cwd: string; limit: number }): Promise<LoadedInputs> {
  const isFile = ROW_FILE.test(source) && !source.startsWith('dataset:');
  const abs = path.resolve(options.cwd, source);
  const { file, dataset, name } = isFile ? { file: abs, dataset: undefined, name: abs } : await datasetFile(layout, source.replace(/^dataset:/, ''));
  const bytes = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new LatheError('not-found', `file not found: ${file}`, { file, hint: 'give a CSV/TSV/NPY file or dataset:name@vK' });
    throw e;
  });
  const ext = path.extname(name.replace(/\)$/, '')).toLowerCase();
  const parsed = ext === '.npy' ? { rows: parseNpy(bytes, name, options.limit) } : parseCsv(bytes.toString('utf8'), name, ext === '.tsv' ? '\t' : ',', options.limit);
  if (parsed.rows.length === 0) throw new LatheError('invalid-data', `${name} has no rows`, { file, hint: 'give at least one numeric row' });
  let labels = 'labels' in parsed ? parsed.labels : undefined;
  const { dims } = targetInput(model, name);
  // an unnamed label: a CSV whose rows hold exactly one value more than the input takes ends with its label
  if (!labels && ext !== '.npy' && parsed.rows[0].length === dims.reduce((a, b) => a * b, 1) + 1) labels = parsed.rows.map((row) => row.pop() as number);
  return { feeds: toFeeds(model, parsed.rows, name), labels, dataset, file };
}
