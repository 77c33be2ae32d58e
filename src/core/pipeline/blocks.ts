/** A slice of a text, starting at a line start: `text` is `source.slice(start, start + text.length)`. */
export interface TextBlock {
  start: number;
  text: string;
}

/** A top-level key with everything up to the next one; a block-style `stages:` is further cut at each stage. */
export interface TopBlock extends TextBlock {
  stages?: { header: TextBlock; entries: TextBlock[] };
}

/** A plain key (at the regex's lastIndex: after a line's indentation), followed by a colon and a space or the line end. */
const KEY = /[A-Za-z0-9_][\w.\-/]*[ \t]*:(?:[ \t\r]|$)/my;
/** `stages:` with no value on its line (a comment may follow): its stages are block entries on the next lines. */
const STAGES_HEADER = /stages[ \t]*:[ \t]*(?:#.*)?\r?$/my;

/** The lines of a text as offsets (no per-line strings: this runs on every keystroke over the whole file). */
interface Lines {
  text: string;
  starts: number[];
  /** Spaces before the content; -1 for a filler line (blank or a comment), which belongs to whatever block it is in. */
  indents: number[];
}

function linesOf(text: string): Lines {
  const starts: number[] = [];
  const indents: number[] = [];
  for (let start = 0; start < text.length; ) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    let at = start;
    while (at < nl && text.charCodeAt(at) === 32) at++;
    const c = text.charCodeAt(at);
    // blank (only spaces, maybe a \r) or a comment
    const filler = at === nl || c === 35 || (c === 13 && at + 1 === nl);
    starts.push(start);
    indents.push(filler ? -1 : at - start);
    start = nl + 1;
  }
  return { text, starts, indents };
}

const matchesAt = (re: RegExp, lines: Lines, i: number): boolean => {
  re.lastIndex = lines.starts[i] + lines.indents[i];
  return re.test(lines.text);
};

const slice = (text: string, start: number, end: number): TextBlock => ({ start, text: text.slice(start, end) });

/** Cut a block-style `stages:` section (lines from..to) at each stage key; undefined when its lines are not that regular. */
function splitStages(lines: Lines, from: number, to: number, start: number, end: number): TopBlock['stages'] {
  let indent = -1;
  const starts: number[] = [];
  for (let i = from + 1; i < to; i++) {
    const at = lines.indents[i];
    if (at < 0) continue;
    if (indent < 0) indent = at;
    if (at > indent) continue;
    if (at < indent || !matchesAt(KEY, lines, i)) return undefined;
    starts.push(lines.starts[i]);
  }
  if (!starts.length) return undefined;
  return { header: slice(lines.text, start, starts[0]), entries: starts.map((s, i) => slice(lines.text, s, starts[i + 1] ?? end)) };
}

/**
 * Cut a pipeline text into blocks that parse on their own exactly as they do in the whole document: one per
 * top-level key, and one per stage of a block-style `stages:` map. Undefined when the text has anything at column 0
 * other than plain keys, comments and blank lines (documents markers, directives, a root list, complex or quoted
 * keys, flow scalars continued at column 0): those texts are only parsed whole. A construct that still spans two
 * blocks (an unclosed flow collection or quote) makes a block fail to parse, which the caller also treats as "parse
 * whole".
 */
export function splitTopLevel(text: string): TopBlock[] | undefined {
  const lines = linesOf(text);
  const tops: number[] = [];
  for (let i = 0; i < lines.starts.length; i++) {
    const indent = lines.indents[i];
    if (indent < 0) continue;
    if (indent === 0 && matchesAt(KEY, lines, i)) tops.push(i);
    else if (indent === 0 || !tops.length) return undefined;
  }
  if (!tops.length) return undefined;
  return tops.map((first, k) => {
    // leading comments and blank lines of the file belong to the first block
    const start = k === 0 ? 0 : lines.starts[first];
    const next = tops[k + 1];
    const end = next === undefined ? text.length : lines.starts[next];
    const block: TopBlock = slice(text, start, end);
    if (matchesAt(STAGES_HEADER, lines, first)) {
      const stages = splitStages(lines, first, next ?? lines.starts.length, start, end);
      if (stages) block.stages = stages;
    }
    return block;
  });
}
