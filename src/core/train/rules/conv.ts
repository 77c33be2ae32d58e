import { onnx } from 'onnx-proto';
import { LatheError } from '../../workspace/errors';
import type { GradContext, GradRule } from '../autodiff';
import { getAttr, intAttr, intsAttr, zerosLike } from '../graph';

interface Window {
  spatial: number;
  kernel: number[];
  strides: number[];
  pads: number[];
  dilations: number[];
  /** ConvTranspose output_padding that gives back the input's exact spatial size. */
  outputPadding: number[];
}

function unsupported(c: GradContext, why: string, hint?: string): LatheError {
  return new LatheError('unsupported-op', `cannot train through node '${c.node.name}' (${c.node.opType}): ${why}`, { hint });
}

/** The window geometry of a Conv or pool, with the static sizes its gradient needs. */
function windowOf(c: GradContext, kernel: number[] | undefined): Window {
  const { node } = c;
  const x = c.shape(c.x[0]);
  const y = c.shape(c.y[0]);
  const autoPad = getAttr(node, 'auto_pad');
  if (autoPad && autoPad !== 'NOTSET') throw unsupported(c, `auto_pad ${autoPad} is not supported`, 'export the model with explicit pads');
  if (!x || !kernel) throw unsupported(c, 'the input shape or kernel size is unknown');
  const spatial = x.length - 2;
  const strides = intsAttr(node, 'strides') ?? Array(spatial).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? Array(spatial).fill(1);
  const pads = intsAttr(node, 'pads') ?? Array(2 * spatial).fill(0);
  const outputPadding = strides.map((s, i) => {
    if (s === 1) return 0;
    const [size, out] = [x[i + 2], y?.[i + 2]];
    if (typeof size !== 'number' || typeof out !== 'number') throw unsupported(c, 'a strided window needs static spatial sizes');
    return size - ((out - 1) * s - pads[i] - pads[i + spatial] + (kernel[i] - 1) * dilations[i] + 1);
  });
  return { spatial, kernel, strides, pads, dilations, outputPadding };
}

function transposedWindow(c: GradContext, dy: string, weight: string, w: Window, group: number): string {
  return c.g.op('ConvTranspose', [dy, weight], {
    strides: w.strides, pads: w.pads, dilations: w.dilations, group, output_padding: w.outputPadding, kernel_shape: w.kernel,
  });
}

/** dW[m, c] = correlation of x[:, c] with dy[:, m]: a Conv over the batch axis with strides and dilations swapped. */
function weightGradient(c: GradContext, x: string, dy: string, w: Window): string {
  const { g } = c;
  const swap = [1, 0, ...Array.from({ length: w.spatial }, (_, i) => i + 2)];
  const corr = g.op('Conv', [g.op('Transpose', [x], { perm: swap }), g.op('Transpose', [dy], { perm: swap })], {
    strides: w.dilations, dilations: w.strides, pads: w.pads,
  });
  // a stride that does not divide the input leaves extra trailing positions: crop to the kernel
  const spatialAxes = Array.from({ length: w.spatial }, (_, i) => i + 2);
  const cropped = g.op('Slice', [corr, g.int64(Array(w.spatial).fill(0)), g.int64(w.kernel), g.int64(spatialAxes)]);
  return g.op('Transpose', [cropped], { perm: swap });
}

function conv(c: GradContext): (string | undefined)[] {
  const { g, node } = c;
  const [x, weight, bias] = c.x;
  const dy = c.dy[0]!;
  const wShape = c.shape(weight);
  const kernel = intsAttr(node, 'kernel_shape') ?? (wShape?.slice(2).every((d) => typeof d === 'number') ? (wShape.slice(2) as number[]) : undefined);
  const w = windowOf(c, kernel);
  const group = intAttr(node, 'group', 1);
  const dx = c.needs[0] ? transposedWindow(c, dy, weight, w, group) : undefined;
  let dw: string | undefined;
  if (c.needs[1]) {
    if (group === 1) dw = weightGradient(c, x, dy, w);
    else {
      // per group: its input channels against its output channels, stacked along the output channels
      const [outChannels, groupChannels] = wShape ?? [];
      if (typeof outChannels !== 'number' || typeof groupChannels !== 'number') throw unsupported(c, 'a grouped convolution needs a static weight shape');
      const xs = g.ops('Split', [x, g.int64(Array(group).fill(groupChannels))], group, { axis: 1 });
      const dys = g.ops('Split', [dy, g.int64(Array(group).fill(outChannels / group))], group, { axis: 1 });
      dw = g.op('Concat', xs.map((xg, i) => weightGradient(c, xg, dys[i], w)), { axis: 0 });
    }
  }
  const axes = [0, ...Array.from({ length: w.spatial }, (_, i) => i + 2)];
  const db = bias && c.needs[2] ? g.op('ReduceSum', [dy, g.int64(axes)], { keepdims: 0 }) : undefined;
  return [dx, dw, db];
}

function maxPool(c: GradContext): (string | undefined)[] {
  const { g, node } = c;
  if (intAttr(node, 'storage_order', 0) !== 0) throw unsupported(c, 'storage_order 1 is not supported');
  const x = c.x[0];
  // the same pool again, for its argmax indices (flat over the whole input tensor)
  let indices = c.y[1];
  if (!indices) {
    const [, idx] = g.ops('MaxPool', [x], 2);
    g.producer.get(idx)!.attribute = (node.attribute ?? []).map((a) => onnx.AttributeProto.create(a));
    indices = idx;
  }
  const flat = (v: string) => g.op('Reshape', [v, g.int64([-1])]);
  const zeros = zerosLike(g, flat(x));
  const scattered = g.op('ScatterElements', [zeros, flat(indices), flat(c.dy[0]!)], { axis: 0, reduction: 'add' });
  return [g.op('Reshape', [scattered, g.op('Shape', [x])])];
}

function averagePool(c: GradContext): (string | undefined)[] {
  const { g, node } = c;
  const x = c.x[0];
  const xShape = c.shape(x);
  const channels = xShape?.[1];
  if (typeof channels !== 'number') throw unsupported(c, 'the channel count is unknown');
  const w = windowOf(c, intsAttr(node, 'kernel_shape'));
  const size = w.kernel.reduce((a, b) => a * b, 1);
  const padded = w.pads.some((p) => p > 0) && !intAttr(node, 'count_include_pad', 0);
  let dy = g.op('Div', [c.dy[0]!, g.float(size)]);
  if (padded) {
    // windows at the border average fewer elements: divide by each window's share of real elements
    const [share] = g.ops('AveragePool', [g.op('Add', [g.op('Sub', [x, x]), g.float(1)])], 1);
    g.producer.get(share)!.attribute = (node.attribute ?? []).filter((a) => a.name !== 'count_include_pad').map((a) => onnx.AttributeProto.create(a));
    g.producer.get(share)!.attribute!.push(onnx.AttributeProto.create({ name: 'count_include_pad', type: onnx.AttributeProto.AttributeType.INT, i: 1 }));
    dy = g.op('Div', [dy, share]);
  }
  const ones = g.float(Array(channels * size).fill(1), [channels, 1, ...w.kernel]);
  return [transposedWindow(c, dy, ones, w, channels)];
}

export const convRules: Record<string, GradRule> = { Conv: conv, MaxPool: maxPool, AveragePool: averagePool };
