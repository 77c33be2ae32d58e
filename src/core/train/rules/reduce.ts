import { LatheError } from '../../workspace/errors';
import type { GradContext, GradRule } from '../autodiff';
import { intAttr, intsAttr } from '../graph';

/** dy brought back to x's shape: re-insert reduced axes, then expand. `axes` undefined means all axes. */
function spread(c: GradContext): { expanded: string; axes: number[] | undefined } | { identity: true } {
  const { g, node } = c;
  const axes = intsAttr(node, 'axes') ?? g.constantValues(node.input?.[1]);
  if (!axes && node.input?.[1]) {
    throw new LatheError('unsupported-op', `cannot train through node '${node.name}' (${node.opType}): its axes are computed, not constant`, {
      hint: 'export the model with constant reduction axes',
    });
  }
  const all = !axes || axes.length === 0;
  if (all && intAttr(node, 'noop_with_empty_axes', 0)) return { identity: true };
  const keep = intAttr(node, 'keepdims', 1);
  const dy = !all && !keep ? g.op('Unsqueeze', [c.dy[0]!, g.int64(axes!)]) : c.dy[0]!;
  return { expanded: g.op('Expand', [dy, g.op('Shape', [c.x[0]])]), axes: all ? undefined : axes };
}

/** How many elements each output of a mean averages: static when the shape is, else from run-time sizes. */
function count(c: GradContext, axes: number[] | undefined): string {
  const shape = c.shape(c.x[0]);
  if (shape) {
    const rank = shape.length;
    const dims = axes ? axes.map((a) => shape[a < 0 ? a + rank : a]) : shape;
    if (dims.every((d) => typeof d === 'number')) return c.g.float((dims as number[]).reduce((p, d) => p * d, 1));
  }
  const { g } = c;
  return g.op('Cast', [g.op('Div', [g.op('Size', [c.x[0]]), g.op('Size', [c.y[0]])])], { to: g.floatType === 'float64' ? 11 : 1 });
}

export const reduceRules: Record<string, GradRule> = {
  ReduceSum: (c) => {
    const s = spread(c);
    return ['identity' in s ? c.dy[0] : s.expanded];
  },
  ReduceMean: (c) => {
    const s = spread(c);
    return ['identity' in s ? c.dy[0] : c.g.op('Div', [s.expanded, count(c, s.axes)])];
  },
  GlobalAveragePool: (c) => {
    const shape = c.shape(c.x[0]);
    const spatial = shape ? [...Array(shape.length - 2).keys()].map((i) => i + 2) : undefined;
    return [c.g.op('Div', [c.g.op('Expand', [c.dy[0]!, c.g.op('Shape', [c.x[0]])]), count(c, spatial)])];
  },
};
