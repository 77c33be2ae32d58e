import { LatheError } from '../../workspace/errors';
import type { GradContext, GradRule } from '../autodiff';
import { floatAttr, intAttr, reduceMean } from '../graph';

function layerNorm(c: GradContext): (string | undefined)[] {
  const { g, node } = c;
  const [x, scale] = c.x;
  const dy = c.dy[0]!;
  const axis = intAttr(node, 'axis', -1);
  const rank = c.shape(x)?.length;
  if (axis >= 0 && rank === undefined) {
    throw new LatheError('unsupported-op', `cannot train through node '${node.name}' (LayerNormalization): a positive axis needs a known input rank`);
  }
  // normalised axes as negative indices, so they hold whatever the rank
  const axes = Array.from({ length: axis < 0 ? -axis : rank! - axis }, (_, i) => -(i + 1)).reverse();
  const eps = floatAttr(node, 'epsilon', 1e-5);
  const xc = g.op('Sub', [x, reduceMean(g, x, axes, 1)]);
  const variance = reduceMean(g, g.op('Mul', [xc, xc]), axes, 1);
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.float(eps)])])]);
  const xhat = g.op('Mul', [xc, rstd]);
  let dx: string | undefined;
  if (c.needs[0]) {
    // dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))
    const dxhat = g.op('Mul', [dy, scale]);
    const mean1 = reduceMean(g, dxhat, axes, 1);
    const mean2 = reduceMean(g, g.op('Mul', [dxhat, xhat]), axes, 1);
    dx = g.op('Mul', [rstd, g.op('Sub', [g.op('Sub', [dxhat, mean1]), g.op('Mul', [xhat, mean2])])]);
  }
  return [dx, c.needs[1] ? c.unbroadcast(g.op('Mul', [dy, xhat]), 1) : undefined, c.needs[2] ? c.unbroadcast(dy, 2) : undefined];
}

/** BatchNormalization in inference mode: the running statistics are constants, scale and bias train. */
function batchNorm(c: GradContext): (string | undefined)[] {
  const { g, node } = c;
  if (intAttr(node, 'training_mode', 0)) {
    throw new LatheError('unsupported-op', `cannot train through node '${node.name}' (BatchNormalization in training mode): only frozen statistics are supported`, {
      hint: 'export the model in eval mode so BatchNormalization uses its running statistics',
    });
  }
  const [x, scale, , mean, variance] = c.x;
  const dy = c.dy[0]!;
  const rank = c.shape(x)?.length;
  if (rank === undefined) throw new LatheError('unsupported-op', `cannot train through node '${node.name}' (BatchNormalization): the input rank is unknown`);
  const spatial = Array.from({ length: rank - 2 }, (_, i) => i + 1);
  const perChannel = (v: string) => (spatial.length ? g.op('Unsqueeze', [v, g.int64(spatial)]) : v);
  const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.float(floatAttr(node, 'epsilon', 1e-5))])])]);
  const others = [0, ...spatial.map((a) => a + 1)];
  const sumOthers = (v: string) => g.op('ReduceSum', [v, g.int64(others)], { keepdims: 0 });
  const xhat = () => g.op('Mul', [g.op('Sub', [x, perChannel(mean)]), perChannel(inv)]);
  return [
    c.needs[0] ? g.op('Mul', [dy, perChannel(g.op('Mul', [scale, inv]))]) : undefined,
    c.needs[1] ? sumOthers(g.op('Mul', [dy, xhat()])) : undefined,
    c.needs[2] ? sumOthers(dy) : undefined,
  ];
}

export const normRules: Record<string, GradRule> = { LayerNormalization: layerNorm, BatchNormalization: batchNorm };
