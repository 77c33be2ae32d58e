import type { TrainGraph } from './graph';
import type { Shape } from './shapes';

/** The axes of `grad` that broadcasting added to a value of shape `target`; undefined when shapes are unknown. */
export function broadcastAxes(gradShape: Shape, target: Shape): { leading: number; axes: number[] } | undefined {
  if (!gradShape || !target || target.length > gradShape.length || target.some((d) => d === null)) return undefined;
  const leading = gradShape.length - target.length;
  const axes = [...Array(leading).keys()];
  // reducing a size-1 axis is harmless, so a symbolic grad dim facing a 1 is reduced without knowing its size
  target.forEach((d, i) => d === 1 && gradShape[leading + i] !== 1 && axes.push(leading + i));
  return { leading, axes };
}

/**
 * The gradient of a broadcast operand: sum `grad` over the axes broadcasting expanded, back to `target`'s shape.
 * Decided statically when shapes are known; otherwise computed in the graph from the run-time shapes.
 */
export function unbroadcast(g: TrainGraph, grad: string, gradShape: Shape, target: string, targetShape: Shape): string {
  const known = broadcastAxes(gradShape, targetShape);
  if (known) {
    if (known.axes.length === 0) return grad;
    if (known.axes.length === known.leading) return g.op('ReduceSum', [grad, g.int64(known.axes)], { keepdims: 0 });
    const summed = g.op('ReduceSum', [grad, g.int64(known.axes)], { keepdims: 1 });
    return known.leading ? g.op('Squeeze', [summed, g.int64([...Array(known.leading).keys()])]) : summed;
  }
  const gradDims = g.op('Shape', [grad]);
  const targetDims = g.op('Shape', [target]);
  const extra = g.op('Sub', [g.op('Shape', [gradDims]), g.op('Shape', [targetDims])]);
  const padded = g.op('Concat', [g.op('Expand', [g.int64(1), extra]), targetDims], { axis: 0 });
  const one = g.int64(1);
  const mask = g.op('And', [g.op('Equal', [padded, one]), g.op('Not', [g.op('Equal', [gradDims, one])])]);
  const axes = g.op('Reshape', [g.op('NonZero', [mask]), g.int64([-1])]);
  const summed = g.op('ReduceSum', [grad, axes], { keepdims: 1, noop_with_empty_axes: 1 });
  return g.op('Reshape', [summed, targetDims]);
}
