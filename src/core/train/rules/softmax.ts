import type { GradRule } from '../autodiff';
import { intAttr } from '../graph';

export const softmaxRules: Record<string, GradRule> = {
  // dx = y (dy - sum(dy y))
  Softmax: ({ g, dy, y, node }) => {
    const s = g.op('ReduceSum', [g.op('Mul', [dy[0]!, y[0]]), g.int64([intAttr(node, 'axis', -1)])], { keepdims: 1 });
    return [g.op('Mul', [y[0], g.op('Sub', [dy[0]!, s])])];
  },
  // dx = dy - softmax(x) sum(dy)
  LogSoftmax: ({ g, dy, y, node }) => {
    const s = g.op('ReduceSum', [dy[0]!, g.int64([intAttr(node, 'axis', -1)])], { keepdims: 1 });
    return [g.op('Sub', [dy[0]!, g.op('Mul', [g.op('Exp', [y[0]]), s])])];
  },
};
