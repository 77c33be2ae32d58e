import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathExists } from '../workspace/atomic';
import { blobPath } from '../workspace/blobs';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { resolveRef } from './manifests';

/** Numeric rows read from a CSV/TSV/NPY/Parquet file or a dataset version: what training and evaluation consume. */
export interface NumericRows {
  /** Row-major features, rows × width. */
  features: Float32Array;
  rows: number;
  width: number;
  /** Feature column names, when the file has a header. */
  columns?: string[];
  /** One label per row: a class index (text classes numbered in sorted order) or a number. */
  labels?: Float64Array;
  /** Class names in index order, when the labels were text. */
  classes?: string[];
  labelColumn?: string;
  /** `name@vK` when the rows came from a dataset version. */
  dataset?: string;
  /** What was read, for messages. */
  file: string;
}

export interface ReadRowsOptions {
  /** Folder a file path is relative to. */
  cwd: string;
  /** Read at most this many rows. */
  limit?: number;
  /**
   * The label column: a header name, or a column index (negative counts from the end: -1 is the last column).
   * Default: a column named label/labels/target/y/class, else a last column of text. false: no label.
   */
  label?: string | number | false;
  /** Only these feature columns (by header name), in this order. Default: every column but the label. */
  features?: string[];
  /**
   * The number of features the consumer takes: rows without a label column that hold exactly one value more end
   * with an unnamed label (scikit-learn's CSVs), which is then taken as the label.
   */
  featureWidth?: number;
}

/** A table's header (when it has one) and its rows of text cells. */
interface TextCells {
  header?: string[];
  cells: string[][];
}

/** Column names taken as the label of a row rather than a feature, by precedence. */
const LABEL_COLUMNS = ['label', 'labels', 'target', 'class', 'y'];
const ROW_FILE = /\.(csv|tsv|npy|parquet)(\.gz)?$/i;

const isNumber = (c: string) => c !== '' && Number.isFinite(Number(c));

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

/** The index of the label column among `width` columns, or -1 for none. */
function labelIndex(option: ReadRowsOptions['label'], header: string[] | undefined, width: number, lastIsText: boolean, file: string): number {
  if (option === false) return -1;
  if (typeof option === 'number') {
    const at = option < 0 ? width + option : option;
    if (!Number.isInteger(at) || at < 0 || at >= width) throw new LatheError('usage', `label column ${option} is outside the ${width} columns of ${file}`);
    return at;
  }
  if (typeof option === 'string') {
    const at = header?.findIndex((c) => c === option || c.toLowerCase() === option.toLowerCase()) ?? -1;
    if (at < 0) throw new LatheError('missing-column', `${file} has no column '${option}'`, { file, hint: header ? `its columns: ${header.join(', ')}` : 'the file has no header row: give the label as a column index' });
    return at;
  }
  const lower = header?.map((c) => c.toLowerCase()) ?? [];
  const named = LABEL_COLUMNS.map((n) => lower.indexOf(n)).find((i) => i >= 0);
  return named ?? (lastIsText ? width - 1 : -1);
}

/** Labels of the label cells: numbers as they are, or text classes numbered in sorted order (like LabelEncoder). */
function encodeLabels(cells: string[]): { labels: Float64Array; classes?: string[] } {
  if (cells.every(isNumber)) return { labels: Float64Array.from(cells, Number) };
  const classes = [...new Set(cells)].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  return { labels: Float64Array.from(cells, (c) => index.get(c) as number), classes };
}

/** The table reduced to the label column (if named) and the chosen feature columns. */
function selectColumns(header: string[] | undefined, cells: string[][], file: string, options: ReadRowsOptions): { header?: string[]; cells: string[][] } {
  if (!options.features) return { header, cells };
  if (!header) throw new LatheError('usage', `${file} has no header row to pick feature columns by name`, { file });
  const wanted = [...options.features, ...(typeof options.label === 'string' ? [options.label] : [])];
  const at = wanted.map((name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new LatheError('missing-column', `${file} has no column '${name}'`, { file, hint: `its columns: ${header.join(', ')}` });
    return i;
  });
  return { header: at.map((i) => header[i]), cells: cells.map((row) => at.map((i) => row[i])) };
}

/** A table of text cells (header optional) → numeric rows; every non-label cell must be a number. */
function fromCells(allHeader: string[] | undefined, allCells: string[][], file: string, options: ReadRowsOptions): Omit<NumericRows, 'file' | 'dataset'> {
  const { header, cells } = selectColumns(allHeader, allCells, file, options);
  const width = header?.length ?? cells[0]?.length ?? 0;
  const lastIsText = header !== undefined && cells.length > 0 && cells.every((row) => !isNumber(row[width - 1] ?? ''));
  const labelAt = labelIndex(options.label, header, width, lastIsText, file);
  const featureWidth = labelAt >= 0 ? width - 1 : width;
  const features = new Float32Array(cells.length * featureWidth);
  const labelCells: string[] = [];
  for (const [r, row] of cells.entries()) {
    if (row.length !== width) throw new LatheError('invalid-data', `${file} row ${r + 1} has ${row.length} cells, not ${width}`, { file, hint: 'every row needs the same columns' });
    if (labelAt >= 0 && row[labelAt] === '') throw new LatheError('invalid-data', `${file} row ${r + 1} has no label`, { file, hint: 'drop unlabelled rows, or read with --label none for soft targets only' });
    let at = r * featureWidth;
    for (const [c, cell] of row.entries()) {
      if (c === labelAt) {
        labelCells.push(cell);
        continue;
      }
      if (!isNumber(cell)) {
        const column = header ? `column '${header[c]}'` : `column ${c + 1}`;
        throw new LatheError('invalid-data', `${file} row ${r + 1}, ${column}: '${cell}' is not a number`, { file, hint: 'features must be numeric (fill or drop missing values first); name the label column with --label' });
      }
      features[at++] = Number(cell);
    }
  }
  const columns = header?.filter((_, c) => c !== labelAt);
  const result = { features, rows: cells.length, width: featureWidth, columns };
  return labelAt >= 0 ? { ...result, ...encodeLabels(labelCells), labelColumn: header?.[labelAt] ?? `column ${labelAt + 1}` } : result;
}

/** Header (when the first line is not all numbers) and text cells of delimited text. */
function parseDelimited(text: string, file: string, delimiter: string, limit: number | undefined): TextCells {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new LatheError('invalid-data', `${file} has no rows`, { file, hint: 'give a CSV with one numeric row per sample' });
  const first = splitLine(lines[0], delimiter);
  const header = first.some((c) => !isNumber(c)) ? first : undefined;
  const start = header ? 1 : 0;
  const end = limit === undefined ? lines.length : Math.min(lines.length, start + limit);
  return { header, cells: lines.slice(start, end).map((line) => splitLine(line, delimiter)) };
}

/** Rows of a float32/float64 .npy array, flattened after the first axis (no labels: an array has no columns). */
function parseNpy(bytes: Buffer, file: string, limit = Infinity): Omit<NumericRows, 'file' | 'dataset'> {
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
  const rows = Math.min(dims[0], limit);
  if (bytes.length < start + dims[0] * width * size) throw bad('the file is shorter than its shape');
  const features = new Float32Array(rows * width);
  for (let i = 0; i < features.length; i++) features[i] = size === 4 ? bytes.readFloatLE(start + i * 4) : bytes.readDoubleLE(start + i * 8);
  return { features, rows, width };
}

async function parseParquet(file: string, name: string, limit: number | undefined): Promise<TextCells> {
  // hyparquet is ESM-only; a dynamic import keeps the CommonJS bundles working
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } = await import('hyparquet');
  let header: string[];
  let records: Record<string, unknown>[];
  try {
    const buffer = await asyncBufferFromFile(file);
    header = parquetSchema(await parquetMetadataAsync(buffer)).children.map((node) => node.element.name);
    records = await parquetReadObjects({ file: buffer, rowEnd: limit });
  } catch (e) {
    throw new LatheError('corrupt-table', `cannot read Parquet file ${name}: ${(e as Error).message}`, { file, hint: 'the file is not valid Parquet' });
  }
  const text = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'boolean' ? String(Number(v)) : String(v));
  return { header, cells: records.map((r) => header.map((h) => text(r[h]))) };
}

/** The rows file of a dataset version: the file itself, or the first CSV/TSV/NPY/Parquet file of a folder (by path). */
async function datasetFile(layout: StoreLayout, ref: string): Promise<{ file: string; dataset: string; name: string }> {
  const version = await resolveRef(layout, ref);
  const dataset = `${version.name}@v${version.version}`;
  const entry = [...version.files].sort((a, b) => a.path.localeCompare(b.path)).find((f) => ROW_FILE.test(f.path));
  if (!entry) {
    throw new LatheError('invalid-data', `dataset ${dataset} holds no .csv, .tsv, .npy or .parquet file to read rows from`, { hint: 'track a dataset of numeric rows (CSV, Parquet) or arrays (.npy)' });
  }
  const name = `${dataset} (${entry.path})`;
  const cached = blobPath(layout, entry.sha256);
  if (await pathExists(cached)) return { file: cached, dataset, name };
  const working = path.join(layout.root, version.path, version.kind === 'folder' ? entry.path : '');
  if (await pathExists(working)) return { file: working, dataset, name };
  throw new LatheError('missing-blob', `the data of ${dataset} (${entry.path}) is neither in the cache nor checked out`, { hint: `run \`lathe data pull\` or \`lathe data checkout ${dataset}\`` });
}

/** Whether `source` names a rows file rather than a dataset version. */
function isRowsFile(source: string): boolean {
  return ROW_FILE.test(source) && !source.startsWith('dataset:');
}

/** Where `source` is: the file to read, the dataset version it came from, and its name for messages. */
interface Located {
  file: string;
  dataset?: string;
  name: string;
  ext: 'csv' | 'tsv' | 'npy' | 'parquet';
  gzipped: boolean;
}

async function locate(layout: StoreLayout, source: string, cwd: string): Promise<Located> {
  const { file, dataset, name } = isRowsFile(source)
    ? { file: path.resolve(cwd, source), dataset: undefined, name: path.resolve(cwd, source) }
    : await datasetFile(layout, source.replace(/^dataset:/, ''));
  const format = /\.(csv|tsv|npy|parquet)(\.gz)?\)?$/i.exec(name);
  return { file, dataset, name, ext: (format?.[1] ?? 'csv').toLowerCase() as Located['ext'], gzipped: Boolean(format?.[2]) };
}

async function readBytes({ file, gzipped }: Located): Promise<Buffer> {
  const bytes = await fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new LatheError('not-found', `file not found: ${file}`, { file, hint: 'give a CSV/TSV/NPY/Parquet file or dataset:name@vK' });
    throw e;
  });
  return gzipped ? gunzipSync(bytes) : bytes;
}

/** The text cells of a located CSV/TSV/Parquet file. */
async function readCells(at: Located, limit: number | undefined): Promise<TextCells> {
  if (at.ext !== 'parquet') return parseDelimited((await readBytes(at)).toString('utf8'), at.name, at.ext === 'tsv' ? '\t' : ',', limit);
  if (!(await pathExists(at.file))) throw new LatheError('not-found', `file not found: ${at.file}`, { file: at.file });
  return parseParquet(at.file, at.name, limit);
}

/** Header (if any) and text cells of a table, before any typing; a .npy array gives its numbers as text. */
export interface TextTable extends TextCells {
  /** What was read, for messages. */
  file: string;
  /** `name@vK` when the table came from a dataset version. */
  dataset?: string;
}

/**
 * Read a table's text cells from `source` (a file or dataset version, as readNumericRows takes it), for consumers
 * that type the columns themselves, text columns included.
 */
export async function readTextTable(layout: StoreLayout, source: string, options: { cwd: string; limit?: number }): Promise<TextTable> {
  const at = await locate(layout, source, options.cwd);
  let table: TextCells;
  if (at.ext === 'npy') {
    const { features, rows, width } = parseNpy(await readBytes(at), at.name, options.limit);
    table = { cells: Array.from({ length: rows }, (_, r) => Array.from(features.subarray(r * width, (r + 1) * width), String)) };
  } else table = await readCells(at, options.limit);
  return { ...table, file: at.name, dataset: at.dataset };
}

/**
 * Read numeric rows from `source`: `dataset:name@ref` (or `name@ref`) names a dataset version, anything else a
 * CSV/TSV/NPY/Parquet file (optionally gzipped) relative to `options.cwd`.
 */
export async function readNumericRows(layout: StoreLayout, source: string, options: ReadRowsOptions): Promise<NumericRows> {
  const at = await locate(layout, source, options.cwd);
  let parsed: Omit<NumericRows, 'file' | 'dataset'>;
  if (at.ext === 'npy') parsed = parseNpy(await readBytes(at), at.name, options.limit);
  else {
    const { header, cells } = await readCells(at, options.limit);
    parsed = fromCells(header, cells, at.name, options);
  }
  if (parsed.rows === 0) throw new LatheError('invalid-data', `${at.name} has no rows`, { file: at.file, hint: 'give at least one numeric row' });
  const rows = { ...parsed, dataset: at.dataset, file: at.name };
  const unnamedLabel = !rows.labels && options.label === undefined && rows.width === (options.featureWidth ?? -2) + 1;
  return unnamedLabel ? lastColumnAsLabel(rows) : rows;
}

/** The rows with their last feature column taken as the label (for files without a header that end with it). */
export function lastColumnAsLabel(rows: NumericRows): NumericRows {
  const width = rows.width - 1;
  const features = new Float32Array(rows.rows * width);
  const labels = new Float64Array(rows.rows);
  for (let r = 0; r < rows.rows; r++) {
    features.set(rows.features.subarray(r * rows.width, r * rows.width + width), r * width);
    labels[r] = rows.features[r * rows.width + width];
  }
  return { ...rows, features, width, labels, columns: rows.columns?.slice(0, width), labelColumn: rows.columns?.[width] ?? `column ${rows.width}` };
}
