import { LatheError } from '../../workspace/errors';
import type { GradContext, GradRule } from '../autodiff';
import { floatAttr, intAttr } from '../graph';

/** Swap the last two axes of a value of known rank. */
function transposeLast(c: GradContext, name: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return c.g.op('Transpose', [name], { perm });
}

function matMul(c: GradContext): (string | undefined)[] {
  const { g } = c;
  const [a, b] = c.x;
  const dy = c.dy[0]!;
  const ra = c.shape(a)?.length;
  const rb = c.shape(b)?.length;
  if (ra === undefined || rb === undefined || ra < 2 || rb < 2) {
    throw new LatheError('unsupported-op', `cannot train through node '${c.node.name}' (MatMul): both operands need a known rank of at least 2`, {
      hint: 'give the model inputs a fixed rank in the export (shape inference could not find it)',
    });
  }
  if (ra === 2 && rb === 2) {
    // Gemm's transpose flags avoid materialising a transposed copy
    return [c.needs[0] ? g.op('Gemm', [dy, b], { transB: 1 }) : undefined, c.needs[1] ? g.op('Gemm', [a, dy], { transA: 1 }) : undefined];
  }
  const bDims = c.shape(b)!;
  if (rb === 2 && typeof bDims[0] === 'number' && typeof bDims[1] === 'number') {
    // activations [..., m, k] times a weight [k, n] (a transformer's linear layers): the weight's gradient is one
    // Gemm over all leading rows, not a batched product summed afterwards
    const rows = (v: string, width: number) => g.op('Reshape', [v, g.int64([-1, width])]);
    return [
      c.needs[0] ? g.op('MatMul', [dy, transposeLast(c, b, 2)]) : undefined,
      c.needs[1] ? g.op('Gemm', [rows(a, bDims[0]), rows(dy, bDims[1])], { transA: 1 }) : undefined,
    ];
  }
  return [
    c.needs[0] ? c.unbroadcast(g.op('MatMul', [dy, transposeLast(c, b, rb)]), 0) : undefined,
    c.needs[1] ? c.unbroadcast(g.op('MatMul', [transposeLast(c, a, ra), dy]), 1) : undefined,
  ];
}

function gemm(c: GradContext): (string | undefined)[] {
  const { g, node } = c;
  const [a, b, bias] = c.x;
  const dy = c.dy[0]!;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const ta = intAttr(node, 'transA', 0);
  const tb = intAttr(node, 'transB', 0);
  const gm = (p: string, q: string, transA: number, transB: number) => g.op('Gemm', [p, q], { transA, transB, alpha: { kind: 'float', value: alpha } });
  // Y = op(A) op(B): dA = dY op(B)^T (transposed back when A was), dB = op(A)^T dY (likewise)
  const da = () => (ta ? gm(b, dy, tb, 1) : gm(dy, b, 0, tb ? 0 : 1));
  const db = () => (tb ? gm(dy, a, 1, ta) : gm(a, dy, ta ? 0 : 1, 0));
  const dc = bias && c.needs[2] ? c.unbroadcast(beta === 1 ? dy : g.op('Mul', [dy, g.float(beta)]), 2) : undefined;
  return [c.needs[0] ? da() : undefined, c.needs[1] ? db() : undefined, dc];
}

export const matmulRules: Record<string, GradRule> = { MatMul: matMul, Gemm: gemm };
