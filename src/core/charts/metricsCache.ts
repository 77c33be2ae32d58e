import { promises as fs } from 'node:fs';
import { scanMetrics, type InvalidMetric, type MetricStats } from '../runs/metrics';

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

interface Cached {
  ino: number;
  /** Bytes consumed: always just after a newline; a torn last line is re-read next time. */
  offset: number;
  lines: number;
  metrics: RunMetrics;
}

const NEWLINE = 0x0a;

/** Scan `text` (lines from `firstLine` of the file) into `into`'s columns. */
function append(into: RunMetrics, text: string, firstLine: number): void {
  const found = scanMetrics(
    text,
    (metric, step, value, time) => {
      const c = (into.series[metric] ??= { step: [], value: [], time: [] });
      c.step.push(step);
      c.value.push(value);
      c.time.push(time ?? NaN);
    },
    firstLine,
  );
  into.skippedLines += found.skippedLines;
  for (const [metric, inv] of Object.entries(found.invalid)) {
    const held = into.invalid[metric];
    into.invalid[metric] = held ? { count: held.count + inv.count, first: held.first } : inv;
  }
}

const copyOf = (m: RunMetrics): RunMetrics => ({
  series: Object.fromEntries(Object.entries(m.series).map(([k, c]) => [k, { step: [...c.step], value: [...c.value], time: [...c.time] }])),
  skippedLines: m.skippedLines,
  invalid: { ...m.invalid },
});

/**
 * Reads metrics.jsonl files incrementally: metric files only grow while a run writes them, so a re-read parses
 * only the bytes appended since the last one. A file that shrank or was replaced is read again from the start.
 */
export class MetricsCache {
  private readonly files = new Map<string, Cached>();

  async read(file: string): Promise<RunMetrics> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.files.delete(file);
      return { series: {}, skippedLines: 0, invalid: {} };
    }
    try {
      const { size, ino } = await handle.stat();
      let cached = this.files.get(file);
      if (!cached || cached.ino !== ino || size < cached.offset) {
        cached = { ino, offset: 0, lines: 0, metrics: { series: {}, skippedLines: 0, invalid: {} } };
        this.files.set(file, cached);
      }
      if (size === cached.offset) return cached.metrics;
      const bytes = Buffer.alloc(size - cached.offset);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, cached.offset);
      const chunk = bytes.subarray(0, bytesRead);
      const end = chunk.lastIndexOf(NEWLINE) + 1;
      if (end > 0) {
        append(cached.metrics, chunk.toString('utf8', 0, end), cached.lines);
        cached.offset += end;
        for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < end; i = chunk.indexOf(NEWLINE, i + 1)) cached.lines++;
      }
      if (end === chunk.length) return cached.metrics;
      // a last line without its newline: shown if it parses, but not kept, as its writer may still be extending it
      const withTail = copyOf(cached.metrics);
      append(withTail, chunk.toString('utf8', end), cached.lines);
      return withTail;
    } finally {
      await handle.close();
    }
  }

  /** Drop files not in `keep` (runs no longer shown). */
  retain(keep: Set<string>): void {
    for (const file of this.files.keys()) if (!keep.has(file)) this.files.delete(file);
  }
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
