import { isMap, isPair, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { PipelineModel } from '../model';
import { keyName } from '../parse';
import { BUILTIN_STAGES, PIPELINE_SCHEMA, STAGE_SCHEMA, type SchemaNode } from '../schema';
import type { Span } from '../text';

export type YamlPath = (string | number)[];

/** The union option that fits what comes next on a path: a map for a name, a list for an index. */
function pick(node: SchemaNode, next: string | number | undefined): SchemaNode {
  if (node.kind !== 'union' || next === undefined) return node;
  const want = typeof next === 'number' ? ['array'] : ['object', 'map'];
  return node.options.find((o) => want.includes(o.kind)) ?? node;
}

/**
 * The schema of the value at a YAML path, or undefined off the schema. A stage's `with:` takes the schema of the
 * built-in its `uses:` names.
 */
export function schemaAt(model: PipelineModel, path: YamlPath): SchemaNode | undefined {
  let node: SchemaNode = PIPELINE_SCHEMA;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    node = pick(node, seg);
    if (node.kind === 'object' && typeof seg === 'string') {
      if (node === STAGE_SCHEMA && seg === 'with') {
        const uses = model.stages.get(String(path[i - 1]))?.uses?.value;
        node = (uses && BUILTIN_STAGES[uses]) || STAGE_SCHEMA.properties.with;
        continue;
      }
      const child: SchemaNode | undefined = node.properties[seg];
      if (!child) return undefined;
      node = child;
    } else if (node.kind === 'map' && typeof seg === 'string') node = node.values;
    else if (node.kind === 'array' && typeof seg === 'number') node = node.items;
    else if (node.kind === 'any') return node;
    else return undefined;
  }
  return node;
}

/** What lies under an offset in the parsed YAML: a key or a value, with its path (a key's path ends with its name). */
export interface NodeHit {
  path: YamlPath;
  part: 'key' | 'value';
  node: Node;
  pair?: Pair<Node, Node | null>;
}

const within = (node: Node | null | undefined, offset: number): node is Node => !!node?.range && offset >= node.range[0] && offset <= node.range[1];

function descend(node: Node, offset: number, path: YamlPath): NodeHit | undefined {
  if (isMap(node)) {
    for (const pair of node.items as Pair<Node, Node | null>[]) {
      if (!isPair(pair)) continue;
      const name = keyName(pair);
      if (within(pair.key, offset)) return { path: [...path, name], part: 'key', node: pair.key, pair };
      if (within(pair.value, offset)) return descend(pair.value, offset, [...path, name]) ?? { path: [...path, name], part: 'value', node: pair.value, pair };
    }
    return undefined;
  }
  if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const item = node.items[i] as Node;
      if (within(item, offset)) return descend(item, offset, [...path, i]) ?? { path: [...path, i], part: 'value', node: item };
    }
    return undefined;
  }
  return isScalar(node) ? { path, part: 'value', node } : undefined;
}

export function nodeAt(model: PipelineModel, offset: number): NodeHit | undefined {
  const root = model.file.doc.contents as Node | null;
  return within(root, offset) ? descend(root, offset, []) : undefined;
}

/** A scalar's span without its quotes: what a rename replaces. */
export function innerSpan(text: string, span: Span): Span {
  const q = text[span.start];
  return (q === '"' || q === "'") && span.end - span.start >= 2 && text[span.end - 1] === q ? { start: span.start + 1, end: span.end - 1 } : span;
}

/** Markdown describing a schema node: its doc, type, bounds and allowed values. */
export function describeSchema(node: SchemaNode): string {
  const parts = [node.doc];
  if (node.kind === 'string' && node.enum) {
    parts.push(node.enum.map((v) => `- \`${v}\`${node.enumDocs?.[v] ? `: ${node.enumDocs[v]}` : ''}`).join('\n'));
  }
  if (node.kind === 'number') {
    const bounds = [
      node.minimum !== undefined && `≥ ${node.minimum}`,
      node.exclusiveMinimum !== undefined && `> ${node.exclusiveMinimum}`,
      node.maximum !== undefined && `≤ ${node.maximum}`,
      node.exclusiveMaximum !== undefined && `< ${node.exclusiveMaximum}`,
    ].filter(Boolean);
    parts.push(`${node.integer ? 'Integer' : 'Number'}${bounds.length ? ` ${bounds.join(', ')}` : ''}${node.enum ? `: one of ${node.enum.join(', ')}` : ''}.`);
  }
  if (node.kind === 'object' && node.required?.length) parts.push(`Required: ${node.required.map((r) => `\`${r}\``).join(', ')}.`);
  return parts.join('\n\n');
}

/** Short JSON of a value for details and hovers (long values cut). */
export function preview(value: unknown): string {
  const s = JSON.stringify(value) ?? 'null';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
