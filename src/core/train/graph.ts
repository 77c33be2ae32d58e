import { onnx } from 'onnx-proto';
import { attr, GraphBuilder, valueInfo, type AttrValue } from '../onnx/builder';
import type { Dim } from '../onnx/inspect';
import type { ElemType } from '../onnx/dtypes';
import { toNumber } from '../onnx/long';
import { makeTensor, readTensor, type TensorData } from '../onnx/tensor';

export type FloatType = 'float32' | 'float64';

/**
 * An editable copy of a graph for the training transforms: existing nodes stay, new nodes get fresh names
 * that cannot clash with the model's own, and constants are shared initializers.
 */
export class TrainGraph {
  readonly builder = new GraphBuilder('train');
  readonly graph = this.builder.toGraph();
  // everything in these lists is created with the proto classes' create(), so fields are never null
  readonly nodes = this.graph.node as onnx.NodeProto[];
  readonly initializers = this.graph.initializer as onnx.TensorProto[];
  private readonly taken = new Set<string>();
  private counter = 0;
  private readonly constants = new Map<string, string>();
  /** Producer node of every value, for rules that look at a node's neighbours. */
  readonly producer = new Map<string, onnx.INodeProto>();

  constructor(
    source: onnx.IGraphProto,
    readonly floatType: FloatType,
    readonly opset: number,
  ) {
    this.graph.name = source.name ?? 'train';
    for (const v of source.input ?? []) this.graph.input.push(onnx.ValueInfoProto.create(v));
    for (const v of source.output ?? []) this.graph.output.push(onnx.ValueInfoProto.create(v));
    for (const v of source.valueInfo ?? []) this.graph.valueInfo.push(onnx.ValueInfoProto.create(v));
    for (const t of source.initializer ?? []) this.initializers.push(onnx.TensorProto.create(t));
    for (const n of source.node ?? []) this.nodes.push(onnx.NodeProto.create(n));
    for (const v of [...this.graph.input, ...this.graph.valueInfo]) this.taken.add(v.name ?? '');
    for (const t of this.initializers) this.taken.add(t.name);
    for (const n of this.nodes) {
      this.taken.add(n.name);
      for (const out of n.output) {
        this.taken.add(out);
        this.producer.set(out, n);
      }
    }
  }

  /** A name no value or node of the graph uses yet. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}__${this.counter++}`;
    while (this.taken.has(name));
    this.taken.add(name);
    return name;
  }

  reserve(name: string): string {
    if (this.taken.has(name)) throw new Error(`training graph: '${name}' is already defined`);
    this.taken.add(name);
    return name;
  }

  /** Emit a node with one output and return the output's name. */
  op(type: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.ops(type, inputs, 1, attrs, out ? [out] : undefined)[0];
  }

  ops(type: string, inputs: readonly string[], count: number, attrs: Record<string, AttrValue> = {}, outs?: string[]): string[] {
    const names = outs ?? Array.from({ length: count }, () => this.fresh(type.toLowerCase()));
    for (const o of outs ?? []) this.taken.add(o);
    this.builder.node(type, inputs, names, attrs, { name: this.fresh(`grad_${type}`) });
    const added = this.nodes[this.nodes.length - 1];
    for (const o of names) this.producer.set(o, added);
    return names;
  }

  /**
   * Give a computed value a public name (a graph output) by renaming it where it is produced and used: an
   * Identity instead would cost a copy of the tensor on every run.
   */
  rename(from: string, to: string): void {
    this.reserve(to);
    for (const node of this.nodes) {
      node.input = node.input.map((i) => (i === from ? to : i));
      node.output = node.output.map((o) => (o === from ? to : o));
    }
    const producer = this.producer.get(from);
    if (producer) this.producer.set(to, producer);
  }

  /** A float constant of the graph's float type (shared when the same values are asked for again). */
  float(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : [...values];
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    const data = this.floatType === 'float64' ? Float64Array.from(list) : Float32Array.from(list);
    return this.constant(this.floatType, data, shape);
  }

  int64(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : [...values];
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    return this.constant('int64', BigInt64Array.from(list.map(BigInt)), shape);
  }

  private constant(type: ElemType, data: TensorData, dims: readonly number[]): string {
    const key = `${type}:${dims.join('x')}:${Array.from(data as ArrayLike<number | bigint>).join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh('const');
    this.initializers.push(makeTensor(name, data, dims));
    this.constants.set(key, name);
    return name;
  }

  initializer(name: string): onnx.TensorProto | undefined {
    return this.initializers.find((t) => t.name === name);
  }

  /** The values of a constant (an initializer or a Constant node's output) as numbers; undefined if computed. */
  constantValues(name: string | undefined): number[] | undefined {
    if (!name) return undefined;
    const producer = this.producer.get(name);
    const tensor = producer?.opType === 'Constant' ? getAttr(producer, 'value') : this.initializer(name);
    if (!tensor || typeof tensor !== 'object' || Array.isArray(tensor)) return undefined;
    return Array.from(readTensor(tensor).data as ArrayLike<number | bigint>, Number);
  }

  /** A value-info entry for a graph input or output. */
  valueInfo(name: string, type: ElemType, shape: readonly Dim[]): onnx.ValueInfoProto {
    return valueInfo(name, type, shape);
  }
}

/** An attribute of a node, decoded to a plain value (ints as numbers). */
export function getAttr(node: onnx.INodeProto, name: string): number | number[] | string | onnx.ITensorProto | undefined {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return undefined;
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT:
      return toNumber(a.i ?? 0);
    case T.INTS:
      return (a.ints ?? []).map(toNumber);
    case T.FLOAT:
      return a.f ?? 0;
    case T.FLOATS:
      return [...(a.floats ?? [])];
    case T.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case T.TENSOR:
      return a.t ?? undefined;
    default:
      return undefined;
  }
}

export function intAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const v = getAttr(node, name);
  return typeof v === 'number' ? v : fallback;
}

export function floatAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const v = getAttr(node, name);
  return typeof v === 'number' ? v : fallback;
}

export function intsAttr(node: onnx.INodeProto, name: string): number[] | undefined {
  const v = getAttr(node, name);
  return Array.isArray(v) ? v : undefined;
}


/** ReduceMean over constant axes in the form the graph's opset takes (attribute before 18, input from 18). */
export function reduceMean(g: TrainGraph, x: string, axes: number[], keepdims: number): string {
  return g.opset >= 18 ? g.op('ReduceMean', [x, g.int64(axes)], { keepdims }) : g.op('ReduceMean', [x], { axes, keepdims });
}

/** Zeros with the shape of `like`, in the graph's float type. */
export function zerosLike(g: TrainGraph, like: string): string {
  const zero = g.floatType === 'float64' ? new Float64Array(1) : new Float32Array(1);
  return g.op('ConstantOfShape', [g.op('Shape', [like])], { value: attr.tensor(makeTensor('value', zero, [1])) });
}
