import { promises as fs } from 'node:fs';

/** A script may report a metric line on stdout behind this prefix instead of writing metrics.jsonl. */
export const METRIC_PREFIX = '::lathe-metric::';

export interface MetricPoint {
  step: number;
  value: number;
  /** Wall-clock ms from the line's `ts` or `time` field. */
  time?: number;
}

export type MetricSeries = Record<string, MetricPoint[]>;

export interface InvalidMetric {
  /** How many values of this metric were not finite numbers. */
  count: number;
  first: { step: number; value: string };
}

export interface MetricsData {
  series: MetricSeries;
  /** Complete lines that were not a JSON object with a numeric step (torn last lines are not counted). */
  skippedLines: number;
  /** Values left out of the series (NaN, Infinity, strings...), per metric. */
  invalid: Record<string, InvalidMetric>;
}

export interface MetricStats {
  last: number;
  min: number;
  max: number;
  steps: number;
}

const RESERVED = new Set(['step', 'ts', 'time']);

// Python's json module writes NaN / Infinity / -Infinity bare: quote them so the line parses and the value is reported.
const BARE_NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;

/** Parse one metric line into an object, or undefined when it is not a JSON object. */
export function parseMetricObject(line: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    try {
      value = JSON.parse(line.replace(BARE_NON_FINITE, (m) => (m.startsWith('"') ? m : `"${m}"`)));
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Receives each valid point as parsed; `time` is undefined when the line had none. */
export type MetricSink = (metric: string, step: number, value: number, time: number | undefined) => void;

/**
 * Scan metrics.jsonl text, handing each valid point to `sink` (readers that keep points in their own shape need no
 * point objects). A last line without its newline is a write in progress: used only if it parses.
 * `firstLine`: the index of the text's first line in the file, when scanning what was appended since a last read
 * (a line without a step takes its line index as step).
 */
export function scanMetrics(text: string, sink: MetricSink, firstLine = 0): Omit<MetricsData, 'series'> {
  const data: Omit<MetricsData, 'series'> = { skippedLines: 0, invalid: {} };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line) return;
    const record = parseMetricObject(line);
    const torn = index === lines.length - 1; // after the last newline: possibly still being written
    if (!record || ('step' in record && !finite(record.step))) {
      if (!torn) data.skippedLines++;
      return;
    }
    const step = finite(record.step) ? record.step : firstLine + index;
    const time = finite(record.ts) ? record.ts : finite(record.time) ? record.time : undefined;
    for (const [metric, value] of Object.entries(record)) {
      if (RESERVED.has(metric)) continue;
      if (finite(value)) {
        sink(metric, step, value, time);
      } else {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        const invalid = (data.invalid[metric] ??= { count: 0, first: { step, value: text.length > 40 ? `${text.slice(0, 40)}...` : text } });
        invalid.count++;
      }
    }
  });
  return data;
}

/** Parse metrics.jsonl text into one series per metric (see scanMetrics). */
export function parseMetrics(text: string, firstLine = 0): MetricsData {
  const series: MetricSeries = {};
  const rest = scanMetrics(text, (metric, step, value, time) => (series[metric] ??= []).push(time === undefined ? { step, value } : { step, value, time }), firstLine);
  return { series, ...rest };
}

/** Read a run's metrics.jsonl (a missing file is no metrics yet). */
export async function readMetricsFile(file: string): Promise<MetricsData> {
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return parseMetrics(text);
}

export function metricStats(points: MetricPoint[]): MetricStats | undefined {
  if (points.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    min = Math.min(min, p.value);
    max = Math.max(max, p.value);
  }
  return { last: points[points.length - 1].value, min, max, steps: points.length };
}

/** The last value of each metric: what run.json's `summary` holds. */
export function lastValues(series: MetricSeries): Record<string, number> {
  return Object.fromEntries(Object.entries(series).map(([metric, points]) => [metric, points[points.length - 1].value]));
}

/** One human line per problem, for the run's stderr log and run.json `warnings`. */
export function metricWarnings(data: MetricsData): string[] {
  const warnings = Object.entries(data.invalid).map(
    ([metric, { count, first }]) =>
      `metric "${metric}" had ${count} value${count === 1 ? '' : 's'} that ${count === 1 ? 'is' : 'are'} not a finite number (first: ${first.value} at step ${first.step}); left out of the series`,
  );
  if (data.skippedLines > 0) {
    warnings.push(`${data.skippedLines} line${data.skippedLines === 1 ? '' : 's'} of metrics.jsonl ${data.skippedLines === 1 ? 'is' : 'are'} not a JSON object with a numeric step; skipped`);
  }
  return warnings;
}
