import { Document, isMap, isNode, Pair, parseDocument, visit, YAMLMap, type Node } from 'yaml';
import { splitTopLevel, type TextBlock } from './blocks';
import type { StageWork } from './model';
import { PARSE_OPTIONS, type ParsedYaml } from './parse';
import { analyze, analyzeParsed, type PipelineAnalysis, type ValidationContext } from './service';
import { LineIndex, type Span } from './text';

/** One block parsed on its own, its node ranges moved to where the block sits in the current text. */
interface ParsedBlock {
  start: number;
  /** The block's root map, holding its one key; undefined when the block does not parse cleanly on its own. */
  root?: YAMLMap<Node, Node | null>;
  /** For a stage block: what analysis derived from it (filled lazily). */
  work: StageWork;
  /** Every node range and span under root and work, for moving the block; collected again when work grew. */
  targets?: { ranges: number[][]; spans: Span[]; filled: string };
}

/** Every node range and span under `value`, each once (diagnostics share spans with their fixes). */
function collectTargets(value: unknown, ranges: number[][], spans: Span[], seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) collectTargets(v, ranges, spans, seen);
    return;
  }
  const o = value as Record<string, unknown>;
  if (isNode(o)) {
    if (o.range) ranges.push(o.range);
  } else if (typeof o.start === 'number' && typeof o.end === 'number') spans.push(o as unknown as Span);
  for (const k in o) if (k !== 'range') collectTargets(o[k], ranges, spans, seen);
}

/** Move a block's nodes and derived spans by `delta`. */
function move(block: ParsedBlock, delta: number): void {
  const filled = Object.keys(block.work).join();
  if (!block.targets || block.targets.filled !== filled) {
    block.targets = { ranges: [], spans: [], filled };
    collectTargets([block.root, block.work], block.targets.ranges, block.targets.spans, new Set());
  }
  for (const r of block.targets.ranges) {
    r[0] += delta;
    r[1] += delta;
    r[2] += delta;
  }
  for (const span of block.targets.spans) {
    span.start += delta;
    span.end += delta;
  }
  block.start += delta;
}

function parseBlock(block: TextBlock): ParsedBlock {
  const doc = parseDocument(block.text, PARSE_OPTIONS);
  const root = doc.contents;
  let clean = doc.errors.length === 0 && isMap(root) && root.items.length === 1;
  // an alias may point into another block: only the whole document resolves it
  if (clean) visit(doc, { Alias: () => void (clean = false) });
  const parsed: ParsedBlock = { start: 0, root: clean ? (root as YAMLMap<Node, Node | null>) : undefined, work: {} };
  if (parsed.root) move(parsed, block.start);
  else parsed.start = block.start;
  return parsed;
}

const rangeOf = (root: YAMLMap): [number, number, number] => root.range as [number, number, number];

/**
 * Analysis of successive versions of one document that reuses the previous version's work: the text is cut into
 * top-level blocks and stage blocks (see splitTopLevel), each parsed on its own and cached by its text; an unchanged
 * block is reused (its ranges moved when text before it changed length), with its stage model, expressions and
 * schema diagnostics. The cross-stage checks (graph, expressions, sweeps, store, disk) run on the whole model each
 * time. Diagnostics and node ranges equal those of `analyze`; texts that cannot be cut safely (or do not parse
 * cleanly block by block) are analysed whole.
 *
 * An analysis stays valid until the next call: reused nodes are moved in place.
 */
export class IncrementalAnalyzer {
  /** The blocks of the previous version, by text. */
  private blocks = new Map<string, ParsedBlock>();

  analyze(text: string, context: ValidationContext = {}): PipelineAnalysis {
    const next = new Map<string, ParsedBlock>();
    const file = this.assemble(context.uri ?? 'lathe.yaml', text, next);
    this.blocks = next;
    return file ? analyzeParsed(file, context) : analyze(text, context);
  }

  /** The block for this slice: the previous version's (moved) when its text is unchanged, else parsed now. */
  private take(block: TextBlock, next: Map<string, ParsedBlock>): ParsedBlock {
    const old = this.blocks.get(block.text);
    // a text seen twice in one version (e.g. two identical stages) needs two sets of nodes
    if (!old || next.has(block.text)) {
      const parsed = parseBlock(block);
      if (!next.has(block.text)) next.set(block.text, parsed);
      return parsed;
    }
    if (old.start !== block.start) {
      if (old.root) move(old, block.start - old.start);
      else old.start = block.start;
    }
    next.set(block.text, old);
    return old;
  }

  private assemble(uri: string, text: string, next: Map<string, ParsedBlock>): ParsedYaml | undefined {
    const tops = splitTopLevel(text);
    if (!tops) return undefined;
    const works = new Map<Pair, StageWork>();
    const pairs: Pair<Node, Node | null>[] = [];
    let range: [number, number, number] | undefined;
    let clean = true;
    for (const top of tops) {
      const blocks = top.stages ? [top.stages.header, ...top.stages.entries] : [top];
      const parsed = blocks.map((b) => this.take(b, next));
      if (parsed.some((p) => !p.root)) {
        clean = false; // keep taking blocks: they are cached for the next version
        continue;
      }
      const first = rangeOf(parsed[0].root!);
      const last = rangeOf(parsed[parsed.length - 1].root!);
      let pair = parsed[0].root!.items[0];
      if (top.stages) {
        const stages = new YAMLMap<Node, Node | null>();
        for (const p of parsed.slice(1)) {
          const stage = p.root!.items[0];
          stages.items.push(stage);
          works.set(stage, p.work);
        }
        stages.range = [rangeOf(parsed[1].root!)[0], last[1], last[2]];
        pair = new Pair(pair.key, stages);
      }
      pairs.push(pair);
      range = range ? [range[0], last[1], last[2]] : [first[0], last[1], last[2]];
    }
    if (!clean) return undefined;
    const root = new YAMLMap<Node, Node | null>();
    root.items = pairs;
    root.range = range;
    const doc = new Document() as unknown as Document.Parsed;
    doc.contents = root as unknown as Document.Parsed['contents'];
    doc.range = [0, text.length, text.length];
    return { uri, text, lines: new LineIndex(text), doc, syntaxErrors: [], stageWork: (pair) => works.get(pair) };
  }
}
