import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../workspace/atomic';
import type { InvalidMetric, MetricStats } from './metrics';

/**
 * One metric's points as columns: three arrays of unboxed doubles take a third of the memory of point objects,
 * which matters with a hundred runs of 10,000 steps held for live updates. `time` is NaN where a line had none.
 */
export interface MetricColumns {
  step: number[];
  value: number[];
  time: number[];
}

/** A run's metrics.jsonl as read so far. */
export interface RunMetrics {
  series: Record<string, MetricColumns>;
  skippedLines: number;
  invalid: Record<string, InvalidMetric>;
}

/** metricStats for columns. */
export function columnStats(c: MetricColumns): MetricStats | undefined {
  const n = c.value.length;
  if (n === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (c.value[i] < min) min = c.value[i];
    if (c.value[i] > max) max = c.value[i];
  }
  return { last: c.value[n - 1], min, max, steps: n };
}

/** The metrics.jsonl a columns file was built from: a different size or mtime makes the columns stale. */
export interface ColumnsSource {
  size: number;
  mtimeMs: number;
  /** Lines in the source, for steps of lines appended later (a line without a step takes its index). */
  lines: number;
}

/**
 * A finished run's metrics, parsed, next to its metrics.jsonl: opening a panel on a hundred finished runs reads
 * these instead of parsing a million JSON lines. Rebuilt from metrics.jsonl whenever missing, stale or unreadable.
 */
export const COLUMNS_FILE = 'metrics.columns';

// Layout: MAGIC, header length (uint32 LE), header JSON, zero padding to 8 bytes, then per series its step, value
// and (when timed) time column as float64 LE. The header holds the source, the warnings' counts and the series.
const MAGIC = Buffer.from('LATHECOLUMNS1\n');
const PREFIX = MAGIC.length + 4;
const align8 = (n: number) => Math.ceil(n / 8) * 8;

interface Header {
  source: ColumnsSource;
  skippedLines: number;
  invalid: Record<string, InvalidMetric>;
  series: { name: string; count: number; timed: boolean }[];
}

/** Doubles the series' columns take: step and value, and time when timed. */
const doublesIn = (series: Header['series']) => series.reduce((sum, s) => sum + s.count * (s.timed ? 3 : 2), 0);

export const columnsFileFor = (metricsFile: string) => path.join(path.dirname(metricsFile), COLUMNS_FILE);

export function encodeColumns(metrics: RunMetrics, source: ColumnsSource): Buffer {
  const entries = Object.entries(metrics.series);
  const header: Header = {
    source,
    skippedLines: metrics.skippedLines,
    invalid: metrics.invalid,
    series: entries.map(([name, c]) => ({ name, count: c.step.length, timed: c.time.some((t) => !Number.isNaN(t)) })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align8(PREFIX + json.length);
  const columns = doublesIn(header.series);
  const out = Buffer.alloc(start + columns * 8);
  MAGIC.copy(out);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, PREFIX);
  const doubles = new Float64Array(out.buffer, out.byteOffset + start, columns);
  let at = 0;
  header.series.forEach((s, k) => {
    const c = entries[k][1];
    for (const column of s.timed ? [c.step, c.value, c.time] : [c.step, c.value]) {
      doubles.set(column, at);
      at += s.count;
    }
  });
  return out;
}

/** The metrics in `bytes`, or undefined when they are not a whole columns file of `source` (stale or corrupt). */
export function decodeColumns(bytes: Buffer, source: Omit<ColumnsSource, 'lines'>): { metrics: RunMetrics; lines: number } | undefined {
  if (bytes.length < PREFIX || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const length = bytes.readUInt32LE(MAGIC.length);
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', PREFIX, PREFIX + length)) as Header;
  } catch {
    return undefined;
  }
  if (header?.source?.size !== source.size || header.source.mtimeMs !== source.mtimeMs || !Array.isArray(header.series)) return undefined;
  const start = align8(PREFIX + length);
  const wellFormed = (s: Header['series'][number]) => typeof s?.name === 'string' && Number.isSafeInteger(s.count) && s.count >= 0;
  if (!header.series.every(wellFormed)) return undefined;
  const columns = doublesIn(header.series);
  if (bytes.length !== start + columns * 8) return undefined;
  // a Float64Array needs an 8-byte aligned offset, which a read buffer does not promise
  const aligned = (bytes.byteOffset + start) % 8 === 0 ? bytes : Buffer.from(bytes);
  const doubles = new Float64Array(aligned.buffer, aligned.byteOffset + start, columns);
  const series: Record<string, MetricColumns> = {};
  let at = 0;
  const take = (count: number) => {
    // a filled preallocated array: several times faster than Array.from on a typed array
    const column = new Array<number>(count);
    for (let i = 0; i < count; i++) column[i] = doubles[at + i];
    at += count;
    return column;
  };
  for (const s of header.series) {
    const step = take(s.count);
    const value = take(s.count);
    series[s.name] = { step, value, time: s.timed ? take(s.count) : new Array<number>(s.count).fill(NaN) };
  }
  return { metrics: { series, skippedLines: header.skippedLines, invalid: header.invalid }, lines: header.source.lines };
}

/** The columns file of `metricsFile` if it was built from the file as it is now (`source`), else undefined. */
export async function readColumns(metricsFile: string, source: Omit<ColumnsSource, 'lines'>): Promise<{ metrics: RunMetrics; lines: number } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(columnsFileFor(metricsFile));
  } catch {
    return undefined; // missing or unreadable: derived data, parsed again from metrics.jsonl
  }
  return decodeColumns(bytes, source);
}

/** Write the columns file atomically: a reader sees the old file, the new one, or none. */
export async function writeColumns(metricsFile: string, metrics: RunMetrics, source: ColumnsSource): Promise<void> {
  await writeFileAtomic(columnsFileFor(metricsFile), encodeColumns(metrics, source));
}
