import * as path from 'node:path';
import { readTextTable, type TextTable } from '../data/rows';
import type { OperationOptions } from '../events';
import { writeJsonAtomic } from '../workspace/atomic';
import { LatheError } from '../workspace/errors';
import type { StoreLayout } from '../workspace/layout';
import { driftReport, type DriftReport, type DriftTestChoice } from './report';

export interface DriftRequest {
  /** A CSV/TSV/Parquet/NPY file (relative to cwd) or a dataset version (`dataset:name@vK`). */
  reference: string;
  current: string;
  test?: DriftTestChoice;
  threshold?: number;
  seed?: number;
  /** Where the JSON report is written (relative to cwd). */
  output?: string;
  cwd: string;
}

/** The report as written to the output file. */
export interface DriftResult extends DriftReport {
  schema: 1;
  /** What each side was read from (a path, or `name@vK (file)` for a dataset version). */
  sources: { reference: string; current: string };
  output?: string;
}

async function readSide(layout: StoreLayout, source: string, cwd: string, side: string): Promise<TextTable> {
  const table = await readTextTable(layout, source, { cwd });
  if (table.cells.length === 0) throw new LatheError('invalid-data', `the ${side} data ${table.file} has no rows`, { file: table.file, hint: 'give a table with a header and at least one row' });
  return table;
}

/** Read both sides, compare every shared column, and write the report atomically when an output is given. */
export async function runDrift(layout: StoreLayout, request: DriftRequest, opts: OperationOptions = {}): Promise<DriftResult> {
  const reference = await readSide(layout, request.reference, request.cwd, 'reference');
  const current = await readSide(layout, request.current, request.cwd, 'current');
  opts.signal?.throwIfAborted();
  opts.log?.(`drift: ${reference.file} (${reference.cells.length} rows) against ${current.file} (${current.cells.length} rows)`);
  const report = driftReport(reference, current, { test: request.test, threshold: request.threshold, seed: request.seed });
  const output = request.output ? path.resolve(request.cwd, request.output) : undefined;
  const body: DriftResult = { schema: 1, sources: { reference: reference.file, current: current.file }, ...report };
  if (output) await writeJsonAtomic(output, body);
  return { ...body, output };
}

/** "3 of 12 columns drifted: a, b, c" (the summary line of the CLI and the stage log). */
export function driftSummary(report: DriftReport): string {
  const tested = report.columns.length;
  const head = `${report.drifted.length} of ${tested} column${tested === 1 ? '' : 's'} drifted`;
  const lines = [report.drifted.length ? `${head}: ${report.drifted.join(', ')}` : head];
  if (report.onlyInReference.length) lines.push(`only in the reference: ${report.onlyInReference.join(', ')}`);
  if (report.onlyInCurrent.length) lines.push(`only in the current data: ${report.onlyInCurrent.join(', ')}`);
  return lines.join('\n');
}

/** The largest test statistic of any column (0 when none was tested): a tracked run's headline number. */
export function maxStatistic(report: DriftReport): number {
  return Math.max(0, ...report.columns.map((c) => c.statistic ?? 0));
}
