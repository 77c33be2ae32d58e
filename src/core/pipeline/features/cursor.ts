import type { LineIndex, Span } from '../text';

/**
 * Where the cursor is, read from the text rather than the YAML tree: while a line is being typed it is often not
 * the key or value it will become (`  cm` is a plain scalar, `needs: [a, ` an unclosed flow list), but its
 * indentation and punctuation already say where it belongs.
 */
export type Cursor =
  | { kind: 'key'; path: string[]; word: Span }
  | { kind: 'value'; path: string[]; word: Span; inList: boolean }
  | { kind: 'expression'; segments: string[]; word: Span; path: string[] };

const KEY_LINE = /^(\s*)((?:-\s+)*)("[^"]*"|'[^']*'|[^\s:#'"{[\]-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s|$)/;

const unquote = (s: string) => (/^(["']).*\1$/.test(s) ? s.slice(1, -1) : s);

/** Column where a line's content starts (after indentation and list dashes), and its key if it is `key:`. */
function lineShape(text: string): { indent: number; column: number; key?: string } | undefined {
  if (text.trim() === '' || text.trimStart().startsWith('#')) return undefined;
  const m = KEY_LINE.exec(text);
  if (m) return { indent: m[1].length, column: m[1].length + m[2].length, key: unquote(m[3]) };
  const lead = /^(\s*)((?:-\s+)*)/.exec(text)!;
  return { indent: lead[1].length, column: lead[1].length + lead[2].length };
}

/** Keys of the block maps enclosing content at `column` of `line`, outermost first. */
function parents(lines: LineIndex, line: number, column: number, listItem: boolean): string[] {
  const path: string[] = [];
  let limit = column;
  for (let l = line - 1; l >= 0 && limit > 0; l--) {
    const shape = lineShape(lines.lineText(l));
    if (!shape) continue;
    // `key:` followed by `- item` at the same indentation is still the list's owner
    const owns = shape.column < limit || (listItem && path.length === 0 && shape.column === limit && shape.key !== undefined && shape.indent === shape.column);
    if (!owns) continue;
    if (shape.key !== undefined) path.unshift(shape.key);
    limit = shape.indent;
  }
  return path;
}

/** Open `{` / `[` frames of a flow value typed so far, with the key each one is the value of. */
function flowFrames(text: string): { frames: { open: string; key?: string }[]; segment: string } {
  const frames: { open: string; key?: string }[] = [];
  let segment = '';
  let quote = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
      segment += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      segment += ch;
    } else if (ch === '{' || ch === '[') {
      const key = /^\s*([^:]+?)\s*:/.exec(segment)?.[1];
      frames.push({ open: ch, key: key === undefined ? undefined : unquote(key) });
      segment = '';
    } else if (ch === '}' || ch === ']') {
      frames.pop();
      segment = '';
    } else if (ch === ',') segment = '';
    else segment += ch;
  }
  return { frames, segment };
}

export function cursorAt(lines: LineIndex, offset: number): Cursor {
  const pos = lines.positionAt(offset);
  const before = lines.lineText(pos.line).slice(0, pos.character);
  const wordOf = (re: RegExp): Span => ({ start: offset - (re.exec(before)?.[0].length ?? 0), end: offset });
  const keyLine = KEY_LINE.exec(before);
  const lead = /^(\s*)((?:-\s+)*)/.exec(before)!;
  const column = lead[1].length + lead[2].length;
  const outer = parents(lines, pos.line, column, lead[2].length > 0);
  const open = before.lastIndexOf('${{');
  if (open >= 0 && before.indexOf('}}', open) < 0) {
    const inner = before.slice(open + 3).trimStart();
    const segments = inner.split('.').map((s) => s.trim());
    segments.pop();
    return { kind: 'expression', segments, word: wordOf(/[A-Za-z0-9_-]*$/), path: keyLine ? [...outer, unquote(keyLine[3])] : outer };
  }
  const valueWord = /[^\s[\]{},'"]*$/;
  if (!keyLine) {
    if (lead[2]) return { kind: 'value', path: outer, word: wordOf(valueWord), inList: true };
    return { kind: 'key', path: outer, word: wordOf(/[^\s:]*$/) };
  }
  const path = [...outer, unquote(keyLine[3])];
  const { frames, segment } = flowFrames(before.slice(keyLine[0].length));
  for (const f of frames.slice(1)) if (f.key !== undefined) path.push(f.key);
  const top = frames[frames.length - 1];
  if (top?.open === '{') {
    const inMap = /^\s*([^:]+?)\s*:/.exec(segment);
    if (!inMap) return { kind: 'key', path, word: wordOf(/[^\s:{,]*$/) };
    return { kind: 'value', path: [...path, unquote(inMap[1])], word: wordOf(valueWord), inList: false };
  }
  return { kind: 'value', path, word: wordOf(valueWord), inList: top?.open === '[' };
}
