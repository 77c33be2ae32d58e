import type { onnx } from 'onnx-proto';
import type { Dim } from '../onnx/inspect';
import { readTensor, tensorDims } from '../onnx/tensor';
import { toNumber } from '../onnx/long';
import { getAttr, intAttr, intsAttr } from './graph';

/** A static shape: dims may be symbolic ('batch') or unknown (null); null when even the rank is unknown. */
export type Shape = Dim[] | null;

const SAME_SHAPE = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Neg', 'Erf', 'Gelu', 'Softmax', 'LogSoftmax',
  'Dropout', 'Cast', 'Clip', 'HardSigmoid', 'Identity', 'LayerNormalization', 'BatchNormalization', 'Abs', 'Reciprocal',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Where', 'Sum', 'Max', 'Min', 'Equal', 'Less', 'Greater']);

function shapeOfValueInfo(v: onnx.IValueInfoProto): Shape {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  return dims.map((d) => (d.dimValue != null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : d.dimParam || null));
}

export function broadcastShapes(shapes: Shape[]): Shape {
  if (shapes.some((s) => s === null)) return null;
  const rank = Math.max(...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const dims = shapes.map((s) => s![s!.length - rank + i]).filter((d) => d !== undefined && d !== 1);
    const known = dims.find((d) => d !== null);
    out.push(dims.length === 0 ? 1 : dims.every((d) => d === dims[0]) ? dims[0] : (known ?? null));
  }
  return out;
}

/** Integer values of a constant (initializer) input, or undefined when the input is computed. */
export function constInts(initializers: Map<string, onnx.ITensorProto>, name: string | undefined): number[] | undefined {
  const t = name ? initializers.get(name) : undefined;
  if (!t) return undefined;
  return Array.from(readTensor(t).data as ArrayLike<number | bigint>, Number);
}

function product(dims: Dim[]): number | null {
  return dims.every((d) => typeof d === 'number') ? (dims as number[]).reduce((a, b) => a * b, 1) : null;
}

function reshape(input: Shape, target: number[], allowZero: boolean): Shape {
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (input?.[i] ?? null) : d));
  const free = out.indexOf(-1);
  if (free < 0) return out;
  if (!input) return out.map((d) => (d === -1 ? null : d));
  const rest = out.filter((_, i) => i !== free);
  const known = product(input);
  const restProduct = product(rest);
  if (known !== null && restProduct) out[free] = known / restProduct;
  else {
    // one symbolic dim (the batch) carried through a reshape that keeps every other element: -1 is that dim
    const symbolic = input.filter((d) => typeof d !== 'number');
    const numeric = product(input.filter((d) => typeof d === 'number'));
    out[free] = symbolic.length === 1 && typeof symbolic[0] === 'string' && numeric === restProduct ? symbolic[0] : null;
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function convLike(node: onnx.INodeProto, x: Shape, w: Shape | undefined, channels: Dim): Shape {
  if (!x) return null;
  const spatial = x.length - 2;
  const kernel = intsAttr(node, 'kernel_shape') ?? (w ? (w.slice(2) as number[]) : undefined);
  const strides = intsAttr(node, 'strides') ?? Array(spatial).fill(1);
  const dil = intsAttr(node, 'dilations') ?? Array(spatial).fill(1);
  const pads = intsAttr(node, 'pads') ?? Array(2 * spatial).fill(0);
  const autoPad = getAttr(node, 'auto_pad');
  const ceil = intAttr(node, 'ceil_mode', 0);
  const out: Dim[] = [x[0], channels];
  for (let i = 0; i < spatial; i++) {
    const size = x[i + 2];
    const k = kernel?.[i];
    if (typeof size !== 'number' || typeof k !== 'number' || (autoPad && autoPad !== 'NOTSET')) {
      out.push(null);
      continue;
    }
    const span = (k - 1) * dil[i] + 1;
    const round = ceil ? Math.ceil : Math.floor;
    out.push(round((size + pads[i] + pads[i + spatial] - span) / strides[i]) + 1);
  }
  return out;
}

/** Best-effort static shapes of every value; what cannot be known statically is null (handled at run time). */
export function inferShapes(graph: onnx.IGraphProto): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  const inits = new Map<string, onnx.ITensorProto>();
  for (const t of graph.initializer ?? []) {
    inits.set(t.name ?? '', t);
    shapes.set(t.name ?? '', tensorDims(t));
  }
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? [])]) if (!shapes.has(v.name ?? '')) shapes.set(v.name ?? '', shapeOfValueInfo(v));
  for (const node of graph.node ?? []) {
    const ins = (node.input ?? []).map((n) => (n ? (shapes.get(n) ?? null) : null));
    const outs = node.output ?? [];
    const set = (i: number, s: Shape) => outs[i] && shapes.set(outs[i], s);
    const op = node.opType ?? '';
    const x = ins[0];
    const rank = x?.length ?? 0;
    if (op === 'Constant') {
      const t = getAttr(node, 'value');
      if (t && typeof t === 'object' && !Array.isArray(t)) {
        inits.set(outs[0], t);
        set(0, tensorDims(t));
      }
    } else if (SAME_SHAPE.has(op)) set(0, x);
    else if (BROADCAST.has(op)) set(0, broadcastShapes(ins));
    else if (op === 'MatMul') {
      const [a, b] = ins;
      if (a && b && a.length >= 2 && b.length >= 2) {
        const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)]);
        set(0, batch && [...batch, a[a.length - 2], b[b.length - 1]]);
      } else set(0, null);
    } else if (op === 'Gemm') {
      const [a, b] = ins;
      const m = a ? a[intAttr(node, 'transA', 0) ? 1 : 0] : null;
      const n = b ? b[intAttr(node, 'transB', 0) ? 0 : 1] : null;
      set(0, [m ?? null, n ?? null]);
    } else if (op.startsWith('Reduce')) {
      const axes = intsAttr(node, 'axes') ?? constInts(inits, node.input?.[1]);
      const keep = intAttr(node, 'keepdims', 1);
      if (!x) set(0, null);
      else {
        const all = !axes || axes.length === 0;
        const ax = new Set((axes ?? []).map((a) => normAxis(a, rank)));
        const out: Dim[] = [];
        x.forEach((d, i) => {
          if (all || ax.has(i)) {
            if (keep) out.push(1);
          } else out.push(d);
        });
        set(0, out);
      }
    } else if (op === 'Transpose') {
      const perm = intsAttr(node, 'perm') ?? [...Array(rank).keys()].reverse();
      set(0, x && perm.map((p) => x[p]));
    } else if (op === 'Flatten') {
      const axis = normAxis(intAttr(node, 'axis', 1), rank);
      set(0, x && [axis === 0 ? 1 : product(x.slice(0, axis)) ?? (axis === 1 ? x[0] : null), product(x.slice(axis))]);
    } else if (op === 'Reshape') {
      const target = constInts(inits, node.input?.[1]);
      set(0, target ? reshape(x, target, intAttr(node, 'allowzero', 0) === 1) : null);
    } else if (op === 'Squeeze') {
      const axes = (intsAttr(node, 'axes') ?? constInts(inits, node.input?.[1]))?.map((a) => normAxis(a, rank));
      set(0, x && (axes ? x.filter((_, i) => !axes.includes(i)) : x.every((d) => typeof d === 'number') ? x.filter((d) => d !== 1) : null));
    } else if (op === 'Unsqueeze') {
      const axes = intsAttr(node, 'axes') ?? constInts(inits, node.input?.[1]);
      if (!x || !axes) set(0, null);
      else {
        const outRank = rank + axes.length;
        const at = new Set(axes.map((a) => normAxis(a, outRank)));
        const out: Dim[] = [];
        let j = 0;
        for (let i = 0; i < outRank; i++) out.push(at.has(i) ? 1 : x[j++]);
        set(0, out);
      }
    } else if (op === 'Concat') {
      if (ins.some((s) => !s)) set(0, null);
      else {
        const axis = normAxis(intAttr(node, 'axis', 0), rank);
        const sizes = ins.map((s) => s![axis]);
        const total = sizes.every((d) => typeof d === 'number') ? (sizes as number[]).reduce((a, b) => a + b, 0) : null;
        set(0, x!.map((d, i) => (i === axis ? total : d)));
      }
    } else if (op === 'Split') {
      const axis = normAxis(intAttr(node, 'axis', 0), rank);
      const split = constInts(inits, node.input?.[1]) ?? intsAttr(node, 'split');
      const size = x?.[axis];
      outs.forEach((_, i) => {
        const part = split ? split[i] : typeof size === 'number' ? size / outs.length : null;
        set(i, x && x.map((d, j) => (j === axis ? part : d)));
      });
    } else if (op === 'Gather') {
      const axis = normAxis(intAttr(node, 'axis', 0), rank);
      const idx = ins[1];
      set(0, x && idx && [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]);
    } else if (op === 'Conv') set(0, convLike(node, x, ins[1] ?? undefined, ins[1]?.[0] ?? null));
    else if (op === 'MaxPool' || op === 'AveragePool') set(0, convLike(node, x, undefined, x?.[1] ?? null));
    else if (op === 'Shape') set(0, x && [x.length]);
    else if (op === 'Size') set(0, []);
    else if (op === 'Range') set(0, [null]);
    else if (op === 'OneHot') {
      const depth = constInts(inits, node.input?.[1])?.[0] ?? null;
      const axis = intAttr(node, 'axis', -1);
      const out: Dim[] | null = x ? [...x] : null;
      out?.splice(axis < 0 ? out.length + 1 + axis : axis, 0, depth);
      set(0, out);
    } else if (op === 'GlobalAveragePool') set(0, x && [x[0], x[1], ...x.slice(2).map(() => 1)]);
    else for (let i = 0; i < outs.length; i++) set(i, null);
  }
  return shapes;
}
