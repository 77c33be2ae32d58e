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

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const LOWER_E = 0x65; // `| 0x20` lowercases an ASCII letter: e or E
// keys remembered for reuse: metric files name a handful; a file with a new key per line must not make this quadratic
const KNOWN_KEYS = 64;

const MAX_EXACT = 2 ** 53;
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

const isDigit = (c: number) => c >= ZERO && c <= NINE;

function skipSpace(text: string, i: number, to: number): number {
  for (let c = text.charCodeAt(i); i < to && (c === SPACE || c === TAB || c === CR); c = text.charCodeAt(++i));
  return i;
}

/**
 * A line as a flat object of JSON numbers (what nearly every metric line is) read without JSON.parse: a hundred runs
 * of 10,000 lines parse several times faster without an object per line. Fills `keys`/`values` and returns their
 * count, or -1 for anything else (strings, nested values, bare NaN, escapes in keys, duplicate or numeric keys whose
 * order JSON.parse changes), which the caller parses the general way. `known`: keys of earlier lines, reused
 * instead of slicing a new string per key.
 */
function scanFlatLine(text: string, from: number, to: number, keys: string[], values: number[], known: string[]): number {
  let i = skipSpace(text, from, to);
  if (text.charCodeAt(i) !== OPEN) return -1;
  i = skipSpace(text, i + 1, to);
  let n = 0;
  if (text.charCodeAt(i) === CLOSE) {
    i++;
  } else {
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return -1;
      const keyStart = ++i;
      while (i < to && text.charCodeAt(i) !== QUOTE) {
        if (text.charCodeAt(i) === BACKSLASH || text.charCodeAt(i) < SPACE) return -1;
        i++;
      }
      if (i >= to || i === keyStart || isDigit(text.charCodeAt(keyStart))) return -1;
      let key: string | undefined;
      for (const k of known) {
        if (k.length === i - keyStart && text.startsWith(k, keyStart)) {
          key = k;
          break;
        }
      }
      if (key === undefined) {
        key = text.slice(keyStart, i);
        if (known.length < KNOWN_KEYS) known.push(key);
      }
      for (let k = 0; k < n; k++) if (keys[k] === key) return -1;
      i = skipSpace(text, i + 1, to);
      if (text.charCodeAt(i) !== COLON) return -1;
      i = skipSpace(text, i + 1, to);
      // a JSON number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, its digits gathered as an integer mantissa
      const numStart = i;
      const negative = text.charCodeAt(i) === MINUS;
      if (negative) i++;
      let mantissa = 0;
      let exponent = 0;
      if (text.charCodeAt(i) === ZERO) i++;
      else if (!isDigit(text.charCodeAt(i))) return -1;
      else for (let c = text.charCodeAt(i); isDigit(c); c = text.charCodeAt(++i)) mantissa = mantissa * 10 + (c - ZERO);
      if (text.charCodeAt(i) === DOT) {
        if (!isDigit(text.charCodeAt(++i))) return -1;
        for (let c = text.charCodeAt(i); isDigit(c); c = text.charCodeAt(++i), exponent--) mantissa = mantissa * 10 + (c - ZERO);
      }
      let exact = true;
      if ((text.charCodeAt(i) | 0x20) === LOWER_E) {
        const sign = text.charCodeAt(++i);
        if (sign === PLUS || sign === MINUS) i++;
        if (!isDigit(text.charCodeAt(i))) return -1;
        let e = 0;
        for (let c = text.charCodeAt(i); isDigit(c); c = text.charCodeAt(++i)) e = e * 10 + (c - ZERO);
        exponent += sign === MINUS ? -e : e;
        exact = e < 400;
      }
      let value: number;
      // Clinger's fast path: an exact mantissa times or over an exact power of ten is rounded once, as strtod does
      if (exact && mantissa < MAX_EXACT && exponent >= -22 && exponent <= 22) {
        value = exponent < 0 ? mantissa / POW10[-exponent] : mantissa * POW10[exponent];
        if (negative) value = -value;
      } else {
        value = Number(text.slice(numStart, i));
      }
      keys[n] = key;
      values[n] = value;
      n++;
      i = skipSpace(text, i, to);
      const c = text.charCodeAt(i);
      i = skipSpace(text, i + 1, to);
      if (c === CLOSE) break;
      if (c !== COMMA) return -1;
    }
  }
  return skipSpace(text, i, to) === to ? n : -1;
}

/**
 * Scan metrics.jsonl text, handing each valid point to `sink` (readers that keep points in their own shape need no
 * point objects). A last line without its newline is a write in progress: used only if it parses.
 * `firstLine`: the index of the text's first line in the file, when scanning what was appended since a last read
 * (a line without a step takes its line index as step).
 */
export function scanMetrics(text: string, sink: MetricSink, firstLine = 0): Omit<MetricsData, 'series'> {
  const data: Omit<MetricsData, 'series'> = { skippedLines: 0, invalid: {} };
  const keys: string[] = [];
  const values: unknown[] = [];
  const known: string[] = [];
  const use = (n: number, index: number) => {
    let step = firstLine + index;
    let hasStep = false;
    let ts: unknown;
    let time: unknown;
    for (let k = 0; k < n; k++) {
      if (keys[k] === 'step') {
        hasStep = true;
        step = values[k] as number;
      } else if (keys[k] === 'ts') ts = values[k];
      else if (keys[k] === 'time') time = values[k];
    }
    if (hasStep && !finite(step)) return false;
    const at = finite(ts) ? ts : finite(time) ? time : undefined;
    for (let k = 0; k < n; k++) {
      const metric = keys[k];
      if (RESERVED.has(metric)) continue;
      const value = values[k];
      if (finite(value)) {
        sink(metric, step, value, at);
      } else {
        const shown = typeof value === 'string' ? value : JSON.stringify(value);
        const invalid = (data.invalid[metric] ??= { count: 0, first: { step, value: shown.length > 40 ? `${shown.slice(0, 40)}...` : shown } });
        invalid.count++;
      }
    }
    return true;
  };
  let start = 0;
  for (let index = 0; start <= text.length; index++) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const torn = newline === -1; // after the last newline: possibly still being written
    let n = scanFlatLine(text, start, end, keys, values as number[], known);
    const line = n === -1 ? text.slice(start, end).trim() : '';
    start = end + 1;
    if (n === -1) {
      if (!line) continue;
      const record = parseMetricObject(line);
      if (record) {
        n = 0;
        for (const [key, value] of Object.entries(record)) {
          keys[n] = key;
          values[n++] = value;
        }
      }
    }
    if ((n === -1 || !use(n, index)) && !torn) data.skippedLines++;
  }
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
