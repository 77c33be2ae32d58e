import { promises as fs } from 'node:fs';
import { scanMetrics } from './metrics';
import { readColumns, writeColumns, type RunMetrics } from './metricsColumns';

interface Cached {
  ino: number;
  /** Bytes consumed: always just after a newline; a torn last line is re-read next time. */
  offset: number;
  lines: number;
  metrics: RunMetrics;
}

const NEWLINE = 0x0a;

const empty = (): RunMetrics => ({ series: {}, skippedLines: 0, invalid: {} });

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
 * A finished run's metrics never change: they are read from its columns file (metricsColumns.ts) when that is
 * fresh, and the columns file is written after parsing when it is not.
 */
export class MetricsCache {
  private readonly files = new Map<string, Cached>();

  /** `finished`: the run no longer writes the file, so its columns file may be used and written. */
  async read(file: string, finished = false): Promise<RunMetrics> {
    if (finished) {
      const stored = await this.readStored(file);
      if (stored) return stored;
    }
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.files.delete(file);
      return empty();
    }
    try {
      const { size, ino, mtimeMs } = await handle.stat();
      let cached = this.files.get(file);
      if (!cached || cached.ino !== ino || size < cached.offset) {
        cached = { ino, offset: 0, lines: 0, metrics: empty() };
        this.files.set(file, cached);
      }
      if (size === cached.offset) return cached.metrics;
      const parsedFrom = cached.offset;
      const bytes = Buffer.alloc(size - cached.offset);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, cached.offset);
      const chunk = bytes.subarray(0, bytesRead);
      const end = chunk.lastIndexOf(NEWLINE) + 1;
      if (end > 0) {
        append(cached.metrics, chunk.toString('utf8', 0, end), cached.lines);
        cached.offset += end;
        for (let i = chunk.indexOf(NEWLINE); i !== -1 && i < end; i = chunk.indexOf(NEWLINE, i + 1)) cached.lines++;
      }
      if (end === chunk.length) {
        if (finished && parsedFrom === 0 && cached.offset === size) await this.store(file, cached, mtimeMs);
        return cached.metrics;
      }
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

  /**
   * A finished run's metrics without opening metrics.jsonl: as held, when the file has not changed since, else from
   * a fresh columns file. Undefined when neither (the file is then parsed).
   */
  private async readStored(file: string): Promise<RunMetrics | undefined> {
    let stat: { size: number; ino: number; mtimeMs: number };
    try {
      stat = await fs.stat(file);
    } catch {
      return undefined; // missing or unreadable: the general path says which
    }
    const held = this.files.get(file);
    if (held && held.ino === stat.ino && held.offset === stat.size) return held.metrics;
    const stored = await readColumns(file, stat);
    if (stored) this.files.set(file, { ino: stat.ino, offset: stat.size, lines: stored.lines, metrics: stored.metrics });
    return stored?.metrics;
  }

  private async store(file: string, cached: Cached, mtimeMs: number): Promise<void> {
    try {
      await writeColumns(file, cached.metrics, { size: cached.offset, mtimeMs, lines: cached.lines });
    } catch {
      // only a speed-up: a store that cannot be written to (read-only, full) still shows the metrics parsed
    }
  }
}
