import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { StageWork } from './model';
import { LineIndex, type Span } from './text';

/** A YAML text parsed with exact ranges. The `yaml` parser recovers from errors, so the rest is still analysed. */
export interface ParsedYaml {
  uri: string;
  text: string;
  lines: LineIndex;
  doc: Document.Parsed;
  syntaxErrors: { message: string; span: Span }[];
  /** Set by incremental analysis: the work on a stage (by its pair) kept from earlier versions of the document. */
  stageWork?: (pair: Pair) => StageWork | undefined;
}

/**
 * Duplicate keys are reported by validation with the range of the second key, so the parser must keep them. Node
 * ranges are offsets; LineIndex turns them into positions (no LineCounter or source tokens: nothing reads them).
 */
export const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false } as const;

export function parseYaml(uri: string, text: string): ParsedYaml {
  const lines = new LineIndex(text);
  const doc = parseDocument(text, PARSE_OPTIONS);
  const syntaxErrors = doc.errors.map((e) => ({ message: e.message.split('\n')[0], span: syntaxErrorSpan(lines, e.code, e.message, e.pos[0], e.pos[1]) }));
  return { uri, text, lines, doc, syntaxErrors };
}

/**
 * Where the user must look: the parser reports an unclosed flow collection or quote where it gave up (often a later
 * line, or the end of the file); the opening bracket or quote is what needs fixing. The span stays on one line.
 */
function syntaxErrorSpan(lines: LineIndex, code: string, message: string, start: number, end: number): Span {
  const text = lines.text;
  const opener = code === 'MISSING_CHAR' && /quote/.test(message) ? text.lastIndexOf(/'quote/.test(message) ? "'" : '"', start - 1) : /^Flow (sequence|map)/.test(message) ? unclosedFlowStart(lines, start, message.startsWith('Flow sequence') ? '[' : '{') : -1;
  if (opener >= 0) return { start: opener, end: lines.lineEnd(lines.positionAt(opener).line) };
  const line = lines.positionAt(start).line;
  const lineEnd = lines.lineEnd(line);
  if (end > start && end <= lineEnd && text.slice(start, end).trim() !== '') return { start, end };
  // an empty or blank position (e.g. the indentation of a misaligned key): the content of its line
  const content = lines.lineText(line);
  const from = lines.lineStart(line) + (content.length - content.trimStart().length);
  return from < lineEnd ? { start: from, end: lineEnd - (content.length - content.trimEnd().length) } : { start: from, end: from };
}

/** The last `[` or `{` before `before` that its own line does not close. */
function unclosedFlowStart(lines: LineIndex, before: number, open: '[' | '{'): number {
  const close = open === '[' ? ']' : '}';
  for (let line = lines.positionAt(before).line; line >= 0; line--) {
    const from = lines.lineStart(line);
    const text = lines.text.slice(from, Math.min(lines.lineEnd(line), before));
    let depth = 0;
    for (let i = text.length - 1; i >= 0; i--) {
      if (text[i] === close) depth++;
      else if (text[i] === open && depth-- === 0) return from + i;
    }
  }
  return -1;
}

/** The source span of a node (its value, without trailing comments). */
export function nodeSpan(node: Node | null | undefined, fallback: Span = { start: 0, end: 0 }): Span {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : fallback;
}

export function keySpan(pair: Pair): Span {
  return nodeSpan(pair.key as Node);
}

export function keyName(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** The pairs of a map with their key names (duplicates included, in source order). */
export function entries(node: unknown): { name: string; pair: Pair<Node, Node | null> }[] {
  if (!isMap(node)) return [];
  return (node as YAMLMap<Node, Node | null>).items.filter(isPair).map((pair) => ({ name: keyName(pair), pair }));
}

/** First value of a key in a map. */
export function getPair(node: unknown, name: string): Pair<Node, Node | null> | undefined {
  return entries(node).find((e) => e.name === name)?.pair;
}

export function isStringScalar(node: unknown): node is Scalar<string> {
  return isScalar(node) && typeof node.value === 'string';
}

/** A scalar string or a list of scalar strings, as string scalars (other items are left to schema validation). */
export function stringList(node: unknown): Scalar<string>[] {
  if (isStringScalar(node)) return [node];
  if (isSeq(node)) return node.items.filter(isStringScalar);
  return [];
}

export { isMap, isScalar, isSeq, isPair };
