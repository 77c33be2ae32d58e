import type { Span } from './text';

/** One `${{ ... }}` occurrence in the source, with exact spans of its path segments. */
export interface Expression {
  /** The whole `${{ ... }}`. */
  span: Span;
  /** The text between the braces. */
  source: string;
  /** The parsed reference, or the syntax error found in it. */
  segments: Segment[];
  error?: { message: string; span: Span };
}

export interface Segment {
  /** A name (`params`, `lr`) or a list index. */
  value: string | number;
  span: Span;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const INDEX = /\[(\d+)\]/y;

/** Parse the inside of `${{ }}`: a reference path `root.name(.name|[index])*`. `at` is the offset of `inner`. */
export function parseReference(inner: string, at: number): Pick<Expression, 'segments' | 'error'> {
  const segments: Segment[] = [];
  let i = inner.length - inner.trimStart().length;
  const end = inner.trimEnd().length;
  // the whole `${{ }}` around an empty inner text is what is wrong
  if (i >= end) return { segments, error: { message: 'empty expression', span: { start: at - 3, end: at + inner.length + 2 } } };
  const fail = (message: string) => ({ segments, error: { message, span: { start: at + i, end: at + Math.max(i + 1, end) } } });
  for (;;) {
    IDENT.lastIndex = i;
    const m = IDENT.exec(inner);
    if (!m || m.index !== i) return fail(`expected a name at '${inner.slice(i, end) || inner.trim()}'`);
    segments.push({ value: m[0], span: { start: at + i, end: at + i + m[0].length } });
    i += m[0].length;
    for (;;) {
      INDEX.lastIndex = i;
      const ix = INDEX.exec(inner);
      if (!ix || ix.index !== i) break;
      segments.push({ value: Number(ix[1]), span: { start: at + i, end: at + i + ix[0].length } });
      i += ix[0].length;
    }
    if (i >= end) return { segments };
    while (inner[i] === ' ' || inner[i] === '\t') i++;
    if (inner[i] !== '.') return fail(`unexpected '${inner[i]}' in expression (only references like params.name are supported)`);
    i++;
  }
}

/**
 * Every `${{ }}` in a piece of source text starting at offset `at`. An opening `${{` without `}}` is reported as
 * an expression with an error spanning to the end of the text.
 */
export function scanExpressions(text: string, at: number): Expression[] {
  const out: Expression[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('${{', from);
    if (open < 0) return out;
    const close = text.indexOf('}}', open + 3);
    const nextOpen = text.indexOf('${{', open + 3);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      const stop = nextOpen >= 0 ? nextOpen : text.length;
      const span = { start: at + open, end: at + stop };
      out.push({ span, source: text.slice(open + 3, stop), segments: [], error: { message: "unterminated expression: missing '}}'", span } });
      from = open + 3;
      continue;
    }
    const inner = text.slice(open + 3, close);
    out.push({ span: { start: at + open, end: at + close + 2 }, source: inner, ...parseReference(inner, at + open + 3) });
    from = close + 2;
  }
}

/** Dotted form of a reference, e.g. `stages.train.outs[0]`. */
export function referenceText(segments: Segment[]): string {
  return segments.map((s, i) => (typeof s.value === 'number' ? `[${s.value}]` : i === 0 ? s.value : `.${s.value}`)).join('');
}
