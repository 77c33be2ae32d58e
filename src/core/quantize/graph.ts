import { onnx } from 'onnx-proto';
import { checkModel, forEachGraph, readTensor, subgraphsOf, toNumber } from '../onnx';

/** Float data as readTensor and makeTensor hold it. */
export type Floats = Float32Array<ArrayBuffer>;

/** The main graph of a model (checked models always have one). */
export function mainGraph(model: onnx.IModelProto): onnx.GraphProto {
  if (!model.graph) throw new TypeError('model has no graph');
  return model.graph as onnx.GraphProto;
}

function copyStructure(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(copyStructure);
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(value)) copy[key] = copyStructure((value as Record<string, unknown>)[key]);
  return copy;
}

/**
 * A deep copy of the model's structure, so every method stays pure: the caller's model is never modified.
 * Tensor bytes are shared, not copied (copying them was most of a method's time on large models), so a method
 * replaces a tensor's `rawData` and never writes into it. Plain-object parts become message instances, as decoded.
 */
export function cloneModel(model: onnx.IModelProto): onnx.ModelProto {
  return onnx.ModelProto.fromObject(copyStructure(model) as Record<string, unknown>);
}

/** Check a rewritten model with the same structural checks as a loaded one, naming the method in errors. */
export function finishModel(model: onnx.ModelProto, method: string): onnx.ModelProto {
  checkModel(model, `${method} result`);
  return model;
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

  /** Whether `name` is a float32 initializer (without reading its values). */
  isFloatWeight(name: string): boolean {
    return this.initializers.get(name)?.dataType === onnx.TensorProto.DataType.FLOAT;
  }

  /**
   * The float32 values of an initializer, or undefined when `name` is not a float32 initializer. The values may
   * be a view of the model's own bytes: read them, never write into them.
   */
  floatWeight(name: string): { dims: number[]; data: Floats } | undefined {
    const tensor = this.initializers.get(name);
    if (!tensor || tensor.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined;
    return floatValues(tensor);
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

/**
 * A float32 tensor's values, as a view of its raw bytes when they are 4-byte aligned (no copy of a large weight),
 * else as readTensor's copy. Read them, never write into them.
 */
export function floatValues(tensor: onnx.ITensorProto): { dims: number[]; data: Floats } {
  const raw = tensor.rawData;
  const dims = (tensor.dims ?? []).map(toNumber);
  const count = dims.reduce((n, d) => n * d, 1);
  if (raw && raw.byteOffset % 4 === 0 && raw.byteLength === count * 4 && tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) {
    return { dims, data: new Float32Array(raw.buffer as ArrayBuffer, raw.byteOffset, count) };
  }
  const { data } = readTensor(tensor);
  return { dims, data: data as Floats };
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
