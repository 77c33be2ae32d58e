import { onnx } from 'onnx-proto';
import { elemTypeCode, type ElemType } from './dtypes';
import type { Dim } from './inspect';
import { makeTensor, type TensorData } from './tensor';
import { checkModel } from './validate';

/** Attribute values whose ONNX type a plain JS value cannot tell (1.0 === 1): make them with `attr`. */
export type TypedAttr =
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'tensor'; value: onnx.ITensorProto }
  | { kind: 'graph'; value: onnx.IGraphProto };

/** Plain numbers are INT(S) (and must be integers), strings are STRING(S). */
export type AttrValue = number | number[] | string | string[] | TypedAttr;

export const attr = {
  float: (value: number): TypedAttr => ({ kind: 'float', value }),
  floats: (value: number[]): TypedAttr => ({ kind: 'floats', value }),
  tensor: (value: onnx.ITensorProto): TypedAttr => ({ kind: 'tensor', value }),
  graph: (value: onnx.IGraphProto): TypedAttr => ({ kind: 'graph', value }),
};

const T = onnx.AttributeProto.AttributeType;

function checkInts(name: string, values: number[]): number[] {
  if (!values.every(Number.isInteger)) throw new TypeError(`attribute ${name}: ${values.join(', ')} is not an integer; use attr.float(s)`);
  return values;
}

function makeAttribute(name: string, value: AttrValue): onnx.AttributeProto {
  const text = (s: string) => new TextEncoder().encode(s);
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: T.INT, i: checkInts(name, [value])[0] });
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: text(value) });
  if (Array.isArray(value)) {
    return value.every((v): v is string => typeof v === 'string')
      ? onnx.AttributeProto.create({ name, type: T.STRINGS, strings: value.map(text) })
      : onnx.AttributeProto.create({ name, type: T.INTS, ints: checkInts(name, value as number[]) });
  }
  switch (value.kind) {
    case 'float':
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: value.value });
    case 'floats':
      return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: value.value });
    case 'tensor':
      return onnx.AttributeProto.create({ name, type: T.TENSOR, t: value.value });
    case 'graph':
      return onnx.AttributeProto.create({ name, type: T.GRAPH, g: value.value });
  }
}

export function valueInfo(name: string, type: ElemType, shape: readonly Dim[]): onnx.ValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d === null ? {} : { dimParam: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: elemTypeCode(type), shape: { dim } } } });
}

export const DEFAULT_OPSET = 17;

// Highest opset each IR version carries (ONNX's versioning table): a model gets the lowest IR that carries its
// opset, so older runtimes that run the opset also accept the file.
const IR_FOR_OPSET: [maxOpset: number, ir: number][] = [
  [8, 3], [9, 4], [10, 5], [11, 6], [14, 7], [18, 8], [20, 9], [22, 10], [23, 11], [24, 12], [26, 13],
];

export function irVersionFor(opset: number): number {
  const row = IR_FOR_OPSET.find(([maxOpset]) => opset <= maxOpset);
  if (!row) throw new RangeError(`no known IR version for opset ${opset}`);
  return row[1];
}

export interface BuildOptions {
  /** ai.onnx opset (default DEFAULT_OPSET). */
  opset?: number;
  producer?: { name: string; version: string };
  /** Extra operator domains and their versions, e.g. { 'com.microsoft': 1 }. */
  domains?: Record<string, number>;
}

/**
 * Builds a graph step by step with typed inputs, weights and nodes. `build()` returns a checked ModelProto;
 * `toGraph()` returns the bare graph for If/Loop/Scan bodies.
 */
export class GraphBuilder {
  private readonly graph: onnx.GraphProto;
  private readonly names = new Set<string>();

  constructor(name = 'main') {
    this.graph = onnx.GraphProto.create({ name });
  }

  private define(name: string): void {
    if (this.names.has(name)) throw new Error(`graph ${this.graph.name}: '${name}' is defined twice`);
    this.names.add(name);
  }

  input(name: string, type: ElemType, shape: readonly Dim[]): this {
    this.define(name);
    this.graph.input.push(valueInfo(name, type, shape));
    return this;
  }

  output(name: string, type: ElemType, shape: readonly Dim[]): this {
    this.graph.output.push(valueInfo(name, type, shape));
    return this;
  }

  initializer(name: string, data: TensorData, dims: readonly number[]): this {
    this.define(name);
    this.graph.initializer.push(makeTensor(name, data, dims));
    return this;
  }

  node(
    op: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    options: { name?: string; domain?: string } = {},
  ): this {
    for (const out of outputs) this.define(out);
    this.graph.node.push(
      onnx.NodeProto.create({
        opType: op,
        domain: options.domain ?? '',
        name: options.name ?? `${op}_${this.graph.node.length}`,
        input: [...inputs],
        output: [...outputs],
        attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)),
      }),
    );
    return this;
  }

  toGraph(): onnx.GraphProto {
    return this.graph;
  }

  build(options: BuildOptions = {}): onnx.ModelProto {
    const opset = options.opset ?? DEFAULT_OPSET;
    const model = onnx.ModelProto.create({
      irVersion: irVersionFor(opset),
      opsetImport: [
        { domain: '', version: opset },
        ...Object.entries(options.domains ?? {}).map(([domain, version]) => ({ domain, version })),
      ],
      producerName: options.producer?.name ?? 'lathe',
      producerVersion: options.producer?.version ?? '',
      graph: this.graph,
    });
    checkModel(model, `built model '${this.graph.name}'`);
    return model;
  }
}
