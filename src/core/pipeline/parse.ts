import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { LineIndex, type Span } from './text';

/** A YAML text parsed with exact ranges. The `yaml` parser recovers from errors, so the rest is still analysed. */
export interface ParsedYaml {
  uri: string;
  text: string;
  lines: LineIndex;
  doc: Document.Parsed;
  syntaxErrors: { message: string; span: Span }[];
}

export function parseYaml(uri: string, text: string): ParsedYaml {
  const lines = new LineIndex(text);
  // Duplicate keys are reported by validation with the range of the second key, so the parser must keep them.
  const doc = parseDocument(text, { lineCounter: new LineCounter(), keepSourceTokens: true, uniqueKeys: false, prettyErrors: false });
  const syntaxErrors = doc.errors.map((e) => ({ message: e.message.split('\n')[0], span: lineBoundSpan(lines, e.pos[0], e.pos[1]) }));
  return { uri, text, lines, doc, syntaxErrors };
}

/** Keep a syntax error to one line: from its start to its end or the end of that line, never empty. */
function lineBoundSpan(lines: LineIndex, start: number, end: number): Span {
  const line = lines.positionAt(start).line;
  const lineEnd = lines.lineEnd(line);
  if (end > start && end <= lineEnd) return { start, end };
  if (lineEnd > start) return { start, end: lineEnd };
  const from = lines.lineStart(line);
  return { start: from, end: Math.max(lineEnd, from) };
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
