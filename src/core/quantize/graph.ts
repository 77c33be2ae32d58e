import { onnx } from 'onnx-proto';
import { decodeModel, encodeModel, forEachGraph, readTensor, subgraphsOf, toNumber } from '../onnx';

/** Float data as readTensor and makeTensor hold it. */
export type Floats = Float32Array<ArrayBuffer>;

/** The main graph of a model (checked models always have one). */
export function mainGraph(model: onnx.IModelProto): onnx.GraphProto {
  if (!model.graph) throw new TypeError('model has no graph');
  return model.graph as onnx.GraphProto;
}

/** A deep copy, so every method stays pure: the caller's model is never modified. */
export function cloneModel(model: onnx.IModelProto): onnx.ModelProto {
  return onnx.ModelProto.decode(encodeModel(model));
}

/** Check a rewritten model with the same structural checks as a loaded one, naming the method in errors. */
export function finishModel(model: onnx.ModelProto, method: string): onnx.ModelProto {
  return decodeModel(encodeModel(model), `${method} result`);
}

/**
 * The lookups a rewrite needs on one graph: initializers by name, how often each value is read, and fresh
 * names that collide with nothing already in the graph.
 */
export class GraphIndex {
  readonly initializers = new Map<string, onnx.ITensorProto>();
  private readonly used = new Set<string>();
  private readonly readers = new Map<string, number>();
  private readonly outputs: Set<string>;

  constructor(readonly graph: onnx.IGraphProto) {
    for (const t of graph.initializer ?? []) this.initializers.set(t.name ?? '', t);
    for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) this.used.add(v.name ?? '');
    for (const name of this.initializers.keys()) this.used.add(name);
    for (const node of graph.node ?? []) {
      this.used.add(node.name ?? '');
      for (const out of node.output ?? []) this.used.add(out);
    }
    // reads from If/Loop/Scan bodies count: a value they read must keep its name
    forEachGraph(graph, (g) => {
      for (const node of g.node ?? []) for (const input of node.input ?? []) this.readers.set(input, (this.readers.get(input) ?? 0) + 1);
    });
    this.outputs = new Set((graph.output ?? []).map((v) => v.name ?? ''));
  }

  /** `base`, or `base_2`, `base_3`... whichever is free; the name is then taken. */
  fresh(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** How many node inputs (subgraphs included) read `name`, plus one when it is a graph output. */
  readCount(name: string): number {
    return (this.readers.get(name) ?? 0) + (this.outputs.has(name) ? 1 : 0);
  }

  /** The float32 values of an initializer, or undefined when `name` is not a float32 initializer. */
  floatWeight(name: string): { dims: number[]; data: Floats } | undefined {
    const tensor = this.initializers.get(name);
    if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined;
    const { dims, data } = readTensor(tensor);
    return { dims, data: data as Floats };
  }

  addInitializer(tensor: onnx.TensorProto): void {
    this.graph.initializer = [...(this.graph.initializer ?? []), tensor];
    this.initializers.set(tensor.name, tensor);
  }

  /** Drop initializers no node reads any more (weights replaced by their quantized form). */
  pruneInitializers(): void {
    const read = new Set<string>((this.graph.output ?? []).map((v) => v.name ?? ''));
    // If/Loop/Scan bodies may read the outer graph's initializers too
    forEachGraph(this.graph, (g) => {
      for (const node of g.node ?? []) for (const input of node.input ?? []) read.add(input);
    });
    this.graph.initializer = (this.graph.initializer ?? []).filter((t) => read.has(t.name ?? ''));
    const kept = new Set(this.graph.initializer.map((t) => t.name));
    this.graph.input = (this.graph.input ?? []).filter((v) => !this.initializers.has(v.name ?? '') || kept.has(v.name));
  }
}

/** How reports and `exclude` lists name a node: its name, or its first output when it has none. */
export function nodeId(node: onnx.INodeProto): string {
  return node.name || node.output?.[0] || '';
}

/** An int attribute of a node, or `fallback` when absent. */
export function intAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.i === undefined || a.i === null ? fallback : toNumber(a.i);
}

export function floatAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.f === undefined || a.f === null || a.type !== onnx.AttributeProto.AttributeType.FLOAT ? fallback : a.f;
}

/** Import operator domain `domain` at `version` unless the model already imports it. */
export function ensureDomain(model: onnx.IModelProto, domain: string, version: number): void {
  if ((model.opsetImport ?? []).some((o) => (o.domain ?? '') === domain)) return;
  model.opsetImport = [...(model.opsetImport ?? []), onnx.OperatorSetIdProto.create({ domain, version })];
}

/** The ai.onnx opset a model imports. */
export function coreOpset(model: onnx.IModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version) : 0;
}

/** Nodes of the given op types inside If/Loop/Scan bodies, which the methods leave as they are. */
export function subgraphNodes(graph: onnx.IGraphProto, ops: readonly string[]): onnx.INodeProto[] {
  const found: onnx.INodeProto[] = [];
  for (const node of graph.node ?? []) {
    for (const sub of subgraphsOf(node)) {
      forEachGraph(sub, (g) => found.push(...(g.node ?? []).filter((n) => !n.domain && ops.includes(n.opType ?? ''))));
    }
  }
  return found;
}
