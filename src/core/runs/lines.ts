import { StringDecoder } from 'node:string_decoder';

// A process that never prints a newline (progress bars) must not grow the buffer without bound.
const MAX_LINE = 64 * 1024;

/** Splits a byte stream into lines (UTF-8 safe across chunk boundaries), without the line ending. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  push(chunk: Buffer): string[] {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) {
      lines.push(this.partial);
      this.partial = '';
    }
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The unterminated rest at end of stream. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest ? [rest] : [];
  }
}
