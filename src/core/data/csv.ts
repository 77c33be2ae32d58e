import { createReadStream, promises as fs } from 'node:fs';
import type { TableColumn, TableSummary } from './types';

/**
 * Streaming CSV profile: delimiter, header, exact row count and column types, in one pass over the bytes with
 * memory bounded by the longest record (a 1 GB file is never loaded). Cells are classified on raw bytes; only
 * the first record is decoded to text (it may be the header).
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const INT = 1;
const FLOAT = 2;
const BOOL = 4;
const DATE = 8;
const ANY = INT | FLOAT | BOOL | DATE;
const MISSING = -1;

/** Cell texts read as a missing value (compared lower-cased). */
export const MISSING_TOKENS = new Set(['na', 'n/a', 'null', 'none', 'nan']);
const DATE_TEXT = /^\d{4}[-/]\d{2}[-/]\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const CANDIDATES = [',', '\t', ';', '|'];

/** The delimiter that splits the sample's lines into the same number of cells (a space only as the last resort). */
export function sniffDelimiter(sample: string): string {
  const lines = sample
    .replace(/"(?:[^"]|"")*"/g, '')
    .split(/\r\n|\n|\r/)
    .filter((l) => l.length > 0)
    .slice(0, 50);
  let best: { delimiter: string; count: number } | undefined;
  for (const delimiter of CANDIDATES) {
    const counts = lines.map((l) => l.split(delimiter).length - 1);
    if (counts.length && counts[0] > 0 && counts.every((c) => c === counts[0]) && (!best || counts[0] > best.count)) {
      best = { delimiter, count: counts[0] };
    }
  }
  if (best) return best.delimiter;
  const spaced = lines.map((l) => l.trim().split(/ +/).length - 1);
  return spaced.length && spaced[0] > 0 && spaced.every((c) => c === spaced[0]) ? ' ' : ',';
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** Which of INT/FLOAT/BOOL/DATE the cell `buf[start, end)` could be, or MISSING. */
function classify(buf: Buffer, start: number, end: number): number {
  while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
  while (end > start && (buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
  if (start === end) return MISSING;
  let i = start;
  if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
  const intStart = i;
  while (i < end && isDigit(buf[i])) i++;
  let digits = i - intStart;
  if (i === end && digits > 0) return INT | FLOAT;
  let numeric = true;
  if (buf[i] === 0x2e) {
    i++;
    const fracStart = i;
    while (i < end && isDigit(buf[i])) i++;
    digits += i - fracStart;
  }
  if (digits > 0 && i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    const expStart = i;
    while (i < end && isDigit(buf[i])) i++;
    if (i === expStart) numeric = false;
  }
  if (numeric && digits > 0 && i === end) return FLOAT;
  if (end - start > 40) return 0;
  const text = buf.toString('latin1', start, end);
  const lower = text.toLowerCase();
  if (MISSING_TOKENS.has(lower)) return MISSING;
  if (lower === 'true' || lower === 'false') return BOOL;
  if (lower === 'inf' || lower === '-inf' || lower === '+inf') return FLOAT;
  if (DATE_TEXT.test(text)) return DATE;
  return 0;
}

function typeName(mask: number, seen: boolean): string {
  if (!seen) return 'string';
  if (mask & INT) return 'integer';
  if (mask & FLOAT) return 'float';
  if (mask & BOOL) return 'boolean';
  if (mask & DATE) return 'date';
  return 'string';
}

class CsvProfiler {
  rows = 0;
  private firstSeen = false;
  private names: string[] = [];
  private masks: number[] = [];
  private seen: boolean[] = [];
  private width = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  constructor(private readonly delimiter: number) {}

  /** Parse the complete records of `buf`; returns how many bytes were consumed (the rest is a partial record). */
  feed(buf: Buffer, final: boolean): number {
    const n = buf.length;
    const delim = this.delimiter;
    let i = 0;
    let recordStart = 0;
    let cells = 0;
    for (;;) {
      if (i >= n) {
        if (final && cells > 0) this.record(buf, cells);
        return final ? n : recordStart;
      }
      let start = i;
      let end = i;
      if (buf[i] === QUOTE) {
        let j = i + 1;
        for (;;) {
          const q = buf.indexOf(QUOTE, j);
          if (q < 0 || (q + 1 === n && !final)) {
            if (!final) return recordStart;
            // an unterminated quote at the end of the file: the record ends with the file
            this.starts[cells] = i + 1;
            this.ends[cells] = n;
            this.record(buf, cells + 1);
            return n;
          }
          if (buf[q + 1] === QUOTE) j = q + 2;
          else {
            start = i + 1;
            end = q;
            break;
          }
        }
        i = end + 1;
        while (i < n && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) i++;
      } else {
        while (i < n && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) i++;
        end = i;
      }
      if (i >= n && !final) return recordStart;
      this.starts[cells] = start;
      this.ends[cells] = end;
      cells++;
      if (i < n && buf[i] === delim) {
        i++;
        if (i >= n && !final) return recordStart;
        if (i >= n) {
          this.starts[cells] = i;
          this.ends[cells] = i;
          cells++;
        }
        continue;
      }
      if (i < n && buf[i] === CR) {
        if (i + 1 >= n && !final) return recordStart;
        i += buf[i + 1] === LF ? 2 : 1;
      } else if (i < n) i++;
      this.record(buf, cells);
      cells = 0;
      recordStart = i;
    }
  }

  private record(buf: Buffer, cells: number): void {
    if (cells === 1 && this.starts[0] === this.ends[0]) return;
    if (!this.firstSeen) {
      this.firstSeen = true;
      if (this.isHeader(buf, cells)) return;
    }
    this.rows++;
    if (cells > this.width) {
      for (let c = this.width; c < cells; c++) {
        this.masks[c] = ANY;
        this.seen[c] = false;
      }
      this.width = cells;
    }
    for (let c = 0; c < cells; c++) {
      const mask = this.masks[c];
      if (mask === 0) continue;
      const kind = classify(buf, this.starts[c], this.ends[c]);
      if (kind === MISSING) continue;
      this.masks[c] = mask & kind;
      this.seen[c] = true;
    }
  }

  /**
   * The first record is a header when its cells are non-empty, distinct and none reads as a number, boolean,
   * date or missing value (a numeric first row is data, as in sklearn's iris.csv).
   */
  private isHeader(buf: Buffer, cells: number): boolean {
    const names: string[] = [];
    for (let c = 0; c < cells; c++) {
      if (classify(buf, this.starts[c], this.ends[c]) !== 0) return false;
      names.push(buf.toString('utf8', this.starts[c], this.ends[c]).replace(/""/g, '"').trim());
    }
    if (new Set(names).size !== names.length) return false;
    this.names = names;
    this.width = cells;
    this.masks = names.map(() => ANY);
    this.seen = names.map(() => false);
    return true;
  }

  summary(): TableSummary {
    const columns: TableColumn[] = [];
    for (let c = 0; c < this.width; c++) {
      columns.push({ name: this.names[c] ?? `column_${c + 1}`, type: typeName(this.masks[c], this.seen[c]) });
    }
    return { format: 'csv', rows: this.rows, columns };
  }
}

const SNIFF_BYTES = 64 * 1024;

/** Profile a CSV file (delimiter sniffed unless given). `chunkSize` only matters to tests that force records across chunk borders. */
export async function profileCsv(file: string, options: { delimiter?: string; chunkSize?: number } = {}): Promise<TableSummary> {
  let delimiter = options.delimiter;
  if (!delimiter) {
    const handle = await fs.open(file, 'r');
    try {
      const sample = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await handle.read(sample, 0, SNIFF_BYTES, 0);
      let text = sample.toString('utf8', 0, bytesRead);
      const lastBreak = text.lastIndexOf('\n');
      if (bytesRead === SNIFF_BYTES && lastBreak > 0) text = text.slice(0, lastBreak);
      delimiter = sniffDelimiter(text);
    } finally {
      await handle.close();
    }
  }
  const profiler = new CsvProfiler(delimiter.charCodeAt(0));
  let pending: Buffer | undefined;
  let firstChunk = true;
  for await (const raw of createReadStream(file, { highWaterMark: options.chunkSize ?? 1 << 20 }) as AsyncIterable<Buffer>) {
    let chunk = raw;
    if (firstChunk && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    firstChunk = false;
    const buf: Buffer = pending?.length ? Buffer.concat([pending, chunk]) : chunk;
    const used = profiler.feed(buf, false);
    pending = Buffer.from(buf.subarray(used));
  }
  if (pending?.length) profiler.feed(pending, true);
  return profiler.summary();
}
