import { LatheError } from '../../workspace/errors';
import type { GradContext, GradRule } from '../autodiff';
import { intAttr, intsAttr, zerosLike } from '../graph';

const toShapeOf: GradRule = ({ g, dy, x }) => [g.op('Reshape', [dy[0]!, g.op('Shape', [x[0]])])];

/**
 * The gradient of an op that picks elements of x (Slice, Gather): run the same op on a tensor of x's flat
 * indices, then scatter-add dy into zeros at the picked positions. Repeated picks (embeddings) add up.
 */
function scatterBack(c: GradContext, pick: (indices: string) => string, repeats: boolean): string {
  const { g } = c;
  if (repeats && g.opset < 16) {
    throw new LatheError('unsupported-op', `cannot train through node '${c.node.name}' (${c.node.opType}) at opset ${g.opset}: its gradient needs ScatterElements with reduction (opset 16)`, {
      hint: 'export the model with opset 16 or newer',
    });
  }
  const x = c.x[0];
  const shape = g.op('Shape', [x]);
  const size = g.op('Size', [x]);
  const positions = g.op('Reshape', [g.op('Range', [g.int64(0), size, g.int64(1)]), shape]);
  const picked = g.op('Reshape', [pick(positions), g.int64([-1])]);
  const zeros = zerosLike(g, g.op('Reshape', [x, g.int64([-1])]));
  const flatDy = g.op('Reshape', [c.dy[0]!, g.int64([-1])]);
  const scattered = g.op('ScatterElements', [zeros, picked, flatDy], repeats ? { axis: 0, reduction: 'add' } : { axis: 0 });
  return g.op('Reshape', [scattered, shape]);
}

export const shapeRules: Record<string, GradRule> = {
  Reshape: toShapeOf,
  Flatten: toShapeOf,
  Squeeze: toShapeOf,
  Unsqueeze: toShapeOf,
  Transpose: (c) => {
    const rank = c.shape(c.x[0])?.length;
    const perm = intsAttr(c.node, 'perm') ?? (rank === undefined ? undefined : [...Array(rank).keys()].reverse());
    if (!perm) throw new LatheError('unsupported-op', `cannot train through node '${c.node.name}' (Transpose): no perm and unknown rank`);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [c.g.op('Transpose', [c.dy[0]!], { perm: inverse })];
  },
  Concat: (c) => {
    const { g } = c;
    const axis = intAttr(c.node, 'axis', 0);
    const shapes = c.x.map((v) => c.shape(v));
    const rank = shapes[0]?.length ?? 0;
    const sizes = shapes.map((s) => s?.[axis < 0 ? axis + rank : axis]);
    const split = sizes.every((d) => typeof d === 'number')
      ? g.int64(sizes as number[])
      : g.op('Concat', c.x.map((v) => g.op('Gather', [g.op('Shape', [v]), g.int64([axis])])), { axis: 0 });
    return g.ops('Split', [c.dy[0]!, split], c.x.length, { axis });
  },
  Split: (c) => {
    const parts = c.y.map((out, i) => c.dy[i] ?? zerosLike(c.g, out));
    return [c.g.op('Concat', parts, { axis: intAttr(c.node, 'axis', 0) })];
  },
  Slice: (c) => [scatterBack(c, (p) => c.g.op('Slice', [p, ...c.x.slice(1)]), false)],
  Gather: (c) => [scatterBack(c, (p) => c.g.op('Gather', [p, c.x[1]], { axis: intAttr(c.node, 'axis', 0) }), true)],
};
