import { LatheError } from '../../workspace/errors';
import type { GradContext, GradRule } from '../autodiff';
import { floatAttr, getAttr } from '../graph';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function gelu({ g, x, dy, node }: GradContext): (string | undefined)[] {
  const [v] = x;
  if (getAttr(node, 'approximate') === 'tanh') {
    // y = 0.5 x (1 + tanh u), u = sqrt(2/pi) (x + 0.044715 x^3)
    const x2 = g.op('Mul', [v, v]);
    const u = g.op('Mul', [g.float(SQRT_2_OVER_PI), g.op('Add', [v, g.op('Mul', [g.float(0.044715), g.op('Mul', [x2, v])])])]);
    const t = g.op('Tanh', [u]);
    const du = g.op('Mul', [g.float(SQRT_2_OVER_PI), g.op('Add', [g.float(1), g.op('Mul', [g.float(3 * 0.044715), x2])])]);
    const oneMinusT2 = g.op('Sub', [g.float(1), g.op('Mul', [t, t])]);
    const d = g.op('Add', [g.op('Mul', [g.float(0.5), g.op('Add', [g.float(1), t])]), g.op('Mul', [g.op('Mul', [g.float(0.5), v]), g.op('Mul', [oneMinusT2, du])])]);
    return [g.op('Mul', [dy[0]!, d])];
  }
  // y = x Phi(x): dy/dx = Phi(x) + x phi(x)
  const cdf = g.op('Mul', [g.float(0.5), g.op('Add', [g.float(1), g.op('Erf', [g.op('Mul', [v, g.float(Math.SQRT1_2)])])])]);
  const pdf = g.op('Mul', [g.float(1 / Math.sqrt(2 * Math.PI)), g.op('Exp', [g.op('Mul', [g.float(-0.5), g.op('Mul', [v, v])])])]);
  return [g.op('Mul', [dy[0]!, g.op('Add', [cdf, g.op('Mul', [v, pdf])])])];
}

/** Max/Min of two operands: the gradient goes to the one selected (the first on ties). */
function select(compare: 'GreaterOrEqual' | 'LessOrEqual'): GradRule {
  return (c) => {
    if (c.x.length !== 2) {
      throw new LatheError('unsupported-op', `cannot train through node '${c.node.name}' (${c.node.opType}) with ${c.x.length} inputs: only two are supported`);
    }
    const { g } = c;
    const first = g.op(compare, [c.x[0], c.x[1]]);
    const zero = g.float(0);
    return [
      c.needs[0] ? c.unbroadcast(g.op('Where', [first, c.dy[0]!, zero]), 0) : undefined,
      c.needs[1] ? c.unbroadcast(g.op('Where', [first, zero, c.dy[0]!]), 1) : undefined,
    ];
  };
}

function isConstant(ctx: GradContext, name: string): boolean {
  return ctx.g.initializer(name) !== undefined || ctx.g.producer.get(name)?.opType === 'Constant';
}

export const elementwiseRules: Record<string, GradRule> = {
  Identity: ({ dy }) => [dy[0]],
  Add: (c) => [c.needs[0] ? c.unbroadcast(c.dy[0]!, 0) : undefined, c.needs[1] ? c.unbroadcast(c.dy[0]!, 1) : undefined],
  Sub: (c) => [c.needs[0] ? c.unbroadcast(c.dy[0]!, 0) : undefined, c.needs[1] ? c.unbroadcast(c.g.op('Neg', [c.dy[0]!]), 1) : undefined],
  Mul: (c) => {
    const [a, b] = c.x;
    return [
      c.needs[0] ? c.unbroadcast(c.g.op('Mul', [c.dy[0]!, b]), 0) : undefined,
      c.needs[1] ? c.unbroadcast(c.g.op('Mul', [c.dy[0]!, a]), 1) : undefined,
    ];
  },
  Div: (c) => {
    const da = c.g.op('Div', [c.dy[0]!, c.x[1]]);
    return [c.needs[0] ? c.unbroadcast(da, 0) : undefined, c.needs[1] ? c.unbroadcast(c.g.op('Neg', [c.g.op('Mul', [da, c.y[0]])]), 1) : undefined];
  },
  Sum: (c) => c.x.map((_, i) => (c.needs[i] ? c.unbroadcast(c.dy[0]!, i) : undefined)),
  Max: select('GreaterOrEqual'),
  Min: select('LessOrEqual'),
  Neg: ({ g, dy }) => [g.op('Neg', [dy[0]!])],
  Abs: ({ g, dy, x }) => [g.op('Mul', [dy[0]!, g.op('Sign', [x[0]])])],
  Reciprocal: ({ g, dy, y }) => [g.op('Neg', [g.op('Mul', [dy[0]!, g.op('Mul', [y[0], y[0]])])])],
  Exp: ({ g, dy, y }) => [g.op('Mul', [dy[0]!, y[0]])],
  Log: ({ g, dy, x }) => [g.op('Div', [dy[0]!, x[0]])],
  Sqrt: ({ g, dy, y }) => [g.op('Div', [dy[0]!, g.op('Mul', [y[0], g.float(2)])])],
  Pow: (c) => {
    const [base, exponent] = c.x;
    if (c.needs[1] || !isConstant(c, exponent)) {
      throw new LatheError('unsupported-op', `cannot train through node '${c.node.name}' (Pow): only a constant exponent is supported`, {
        hint: 'make the exponent an initializer or a Constant',
      });
    }
    const { g } = c;
    const d = g.op('Mul', [exponent, g.op('Pow', [base, g.op('Sub', [exponent, g.float(1)])])]);
    return [c.unbroadcast(g.op('Mul', [c.dy[0]!, d]), 0)];
  },
  Relu: ({ g, dy, y }) => [g.op('Where', [g.op('Greater', [y[0], g.float(0)]), dy[0]!, g.float(0)])],
  LeakyRelu: ({ g, dy, x, node }) => [
    g.op('Where', [g.op('Greater', [x[0], g.float(0)]), dy[0]!, g.op('Mul', [dy[0]!, g.float(floatAttr(node, 'alpha', 0.01))])]),
  ],
  Sigmoid: ({ g, dy, y }) => [g.op('Mul', [dy[0]!, g.op('Mul', [y[0], g.op('Sub', [g.float(1), y[0]])])])],
  Tanh: ({ g, dy, y }) => [g.op('Mul', [dy[0]!, g.op('Sub', [g.float(1), g.op('Mul', [y[0], y[0]])])])],
  Erf: ({ g, dy, x }) => [
    g.op('Mul', [dy[0]!, g.op('Mul', [g.float(2 / Math.sqrt(Math.PI)), g.op('Exp', [g.op('Neg', [g.op('Mul', [x[0], x[0]])])])])]),
  ],
  Gelu: gelu,
  HardSigmoid: ({ g, dy, x, node }) => {
    const alpha = floatAttr(node, 'alpha', 0.2);
    const v = g.op('Add', [g.op('Mul', [x[0], g.float(alpha)]), g.float(floatAttr(node, 'beta', 0.5))]);
    const inside = g.op('And', [g.op('Greater', [v, g.float(0)]), g.op('Less', [v, g.float(1)])]);
    return [g.op('Where', [inside, g.op('Mul', [dy[0]!, g.float(alpha)]), g.float(0)])];
  },
  Clip: ({ g, dy, x }) => {
    // the gradient passes where min <= x <= max, as in PyTorch's clamp
    const [v, min, max] = x;
    let pass: string | undefined;
    if (min) pass = g.op('GreaterOrEqual', [v, min]);
    if (max) {
      const below = g.op('LessOrEqual', [v, max]);
      pass = pass ? g.op('And', [pass, below]) : below;
    }
    return [pass ? g.op('Where', [pass, dy[0]!, g.float(0)]) : dy[0]];
  },
  Where: (c) => {
    const { g } = c;
    const [cond] = c.x;
    const zero = g.float(0);
    return [
      undefined,
      c.needs[1] ? c.unbroadcast(g.op('Where', [cond, c.dy[0]!, zero]), 1) : undefined,
      c.needs[2] ? c.unbroadcast(g.op('Where', [cond, zero, c.dy[0]!]), 2) : undefined,
    ];
  },
  Expand: (c) => [c.unbroadcast(c.dy[0]!, 0)],
  // back to the input's float type (CastLike knows it at run time; before opset 15 assume the graph's type)
  Cast: ({ g, dy, x }) => [g.opset >= 15 ? g.op('CastLike', [dy[0]!, x[0]]) : g.op('Cast', [dy[0]!], { to: g.floatType === 'float64' ? 11 : 1 })],
  Dropout: ({ g, dy, y, node }) => {
    // inference mode (no mask output) is the identity; training mode scales the kept units by 1/(1-ratio)
    if (!y[1]) return [dy[0]];
    const ratioName = node.input?.[1];
    const ratio = ratioName ? ratioName : g.float(0.5);
    const scale = g.op('Div', [g.float(1), g.op('Sub', [g.float(1), ratio])]);
    return [g.op('Mul', [g.op('Mul', [dy[0]!, g.op('Cast', [y[1]], { to: g.floatType === 'float64' ? 11 : 1 })]), scale])];
  },
};
