// scikit-learn's bundled data sets as training tables (Debian's python3-sklearn installs the CSVs).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Table } from '../../../src/core/train/loop';

const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

/** A scikit-learn CSV: features in every column but the last, the integer class last. */
function loadCsv(text: string, skipHeader: boolean): { x: Float32Array; y: BigInt64Array; width: number } {
  const rows = text.trim().split('\n').slice(skipHeader ? 1 : 0).map((line) => line.split(',').map(Number));
  const width = rows[0].length - 1;
  const x = new Float32Array(rows.length * width);
  rows.forEach((r, i) => x.set(r.slice(0, width), i * width));
  return { x, y: BigInt64Array.from(rows.map((r) => BigInt(r[width]))), width };
}

/** The digits: 1797 rows of 64 pixels scaled to [0, 1], `rowShape` [64] unless given (e.g. [1, 8, 8] for a CNN). */
export function digits(rowShape = [64]): Table {
  const { x, y } = loadCsv(gunzipSync(readFileSync(`${SKLEARN_DATA}/digits.csv.gz`)).toString(), false);
  for (let i = 0; i < x.length; i++) x[i] /= 16;
  return { input: { data: x, shape: rowShape }, labels: { data: y, shape: [] } };
}

export function iris(): Table {
  const { x, y, width } = loadCsv(readFileSync(`${SKLEARN_DATA}/iris.csv`, 'utf8'), true);
  return { input: { data: x, shape: [width] }, labels: { data: y, shape: [] } };
}
