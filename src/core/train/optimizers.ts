import type { onnx } from 'onnx-proto';
import { attr } from '../onnx/builder';
import { floatAttr, intAttr, type TrainGraph } from './graph';
import type { Shape } from './shapes';

export type OptimizerSpec =
  /** PyTorch's SGD: buf = momentum·buf + (g + wd·p); p -= lr·buf. */
  | { kind: 'sgd'; momentum?: number; weightDecay?: number }
  /** PyTorch's AdamW: decoupled weight decay p *= 1 − lr·wd, bias-corrected moments. */
  | { kind: 'adamw'; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

/** Scalar inputs every training step takes: the learning rate (schedules set it per step) and the 1-based step. */
export const STEP_INPUTS = { lr: 'lr', step: 'step' } as const;

/** The optimizer state tensors kept per trainable tensor (shaped like it), by suffix. */
export function stateSuffixes(spec: OptimizerSpec): string[] {
  if (spec.kind === 'adamw') return ['.adam_m', '.adam_v'];
  return (spec.momentum ?? 0) > 0 ? ['.momentum'] : [];
}

export interface ParamUpdate {
  param: string;
  grad: string;
  /** Names of the state inputs, in stateSuffixes order. */
  state: string[];
}

/** SGD without momentum or weight decay: every update is p − lr·g. */
export function isPlainSgd(spec: OptimizerSpec): boolean {
  return spec.kind === 'sgd' && !spec.momentum && !spec.weightDecay;
}

export interface OptimizerGraphOptions {
  /** Fuse plain SGD updates of Gemm-computed gradients into the Gemm (needs the graph's shapes). */
  shapes?: Map<string, Shape>;
  /** The gradients are already multiplied by the learning rate (plain SGD only). */
  lrScaled?: boolean;
}

/** The Gemm that produced `grad` (a plain product, no C), when nothing else reads the gradient. */
function gemmProduct(g: TrainGraph, grad: string): onnx.NodeProto | undefined {
  const node = g.producer.get(grad) as onnx.NodeProto | undefined;
  if (!node || node.opType !== 'Gemm' || node.input.length !== 2 || !g.nodes.includes(node)) return undefined;
  return g.nodes.some((n) => n.input.includes(grad)) ? undefined : node;
}

/** Element count for comparing sizes: a symbolic dim (the batch) counts as huge, the same in both operands. */
function numel(shape: Shape): number {
  return shape ? shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1e9), 1) : Infinity;
}

/**
 * Replace a weight gradient's Gemm with one that also applies the update: alpha·A·B + beta·C in a single pass
 * over the weight, instead of the product, a scaled copy and a sum. `lrScaled` multiplies the smaller operand
 * by the learning rate (cheap: it is an activation-sized tensor, not the weight).
 */
function fusedGemm(g: TrainGraph, node: onnx.NodeProto, c: string, alphaSign: number, beta: number, lrScaled: boolean, shapes: Map<string, Shape>): string {
  let [a, b] = node.input;
  if (lrScaled) {
    if (numel(shapes.get(a) ?? null) <= numel(shapes.get(b) ?? null)) a = g.op('Mul', [a, STEP_INPUTS.lr]);
    else b = g.op('Mul', [b, STEP_INPUTS.lr]);
  }
  g.nodes.splice(g.nodes.indexOf(node), 1);
  const alpha = attr.float(alphaSign * floatAttr(node, 'alpha', 1));
  return g.op('Gemm', [a, b, c], { transA: intAttr(node, 'transA', 0), transB: intAttr(node, 'transB', 0), alpha, beta: attr.float(beta) });
}

/** Append the update of every parameter; returns [input name, updated value] pairs (parameters and state). */
export function appendOptimizer(g: TrainGraph, spec: OptimizerSpec, updates: ParamUpdate[], options: OptimizerGraphOptions = {}): [string, string][] {
  const { shapes, lrScaled = false } = options;
  if (lrScaled && !isPlainSgd(spec)) throw new Error('only plain SGD takes gradients already scaled by the learning rate');
  const lr = STEP_INPUTS.lr;
  const next: [string, string][] = [];
  if (spec.kind === 'sgd') {
    const momentum = spec.momentum ?? 0;
    const wd = spec.weightDecay ?? 0;
    for (const { param, grad, state } of updates) {
      const product = shapes && !wd ? gemmProduct(g, grad) : undefined;
      if (product && momentum === 0) {
        next.push([param, fusedGemm(g, product, param, -1, 1, !lrScaled, shapes!)]);
        continue;
      }
      if (lrScaled) {
        next.push([param, g.op('Sub', [param, grad])]);
        continue;
      }
      if (product) {
        const buf = fusedGemm(g, product, state[0], 1, momentum, false, shapes!);
        next.push([param, g.op('Sub', [param, g.op('Mul', [buf, lr])])], [state[0], buf]);
        continue;
      }
      const d = wd ? g.op('Add', [grad, g.op('Mul', [param, g.float(wd)])]) : grad;
      const buf = momentum > 0 ? g.op('Add', [g.op('Mul', [state[0], g.float(momentum)]), d]) : d;
      next.push([param, g.op('Sub', [param, g.op('Mul', [buf, lr])])]);
      if (momentum > 0) next.push([state[0], buf]);
    }
    return next;
  }
  const b1 = spec.beta1 ?? 0.9;
  const b2 = spec.beta2 ?? 0.999;
  const eps = spec.eps ?? 1e-8;
  const wd = spec.weightDecay ?? 0.01;
  // per-step scalars shared by every parameter: step size lr/(1-b1^t) and sqrt(1-b2^t)
  const step = STEP_INPUTS.step;
  const stepSize = g.op('Div', [lr, g.op('Sub', [g.float(1), g.op('Pow', [g.float(b1), step])])]);
  const bc2Sqrt = g.op('Sqrt', [g.op('Sub', [g.float(1), g.op('Pow', [g.float(b2), step])])]);
  const decay = g.op('Sub', [g.float(1), g.op('Mul', [lr, g.float(wd)])]);
  for (const { param, grad, state } of updates) {
    const [m, v] = state;
    const m2 = g.op('Add', [g.op('Mul', [m, g.float(b1)]), g.op('Mul', [grad, g.float(1 - b1)])]);
    const v2 = g.op('Add', [g.op('Mul', [v, g.float(b2)]), g.op('Mul', [g.op('Mul', [grad, grad]), g.float(1 - b2)])]);
    const denom = g.op('Add', [g.op('Div', [g.op('Sqrt', [v2]), bc2Sqrt]), g.float(eps)]);
    const decayed = wd ? g.op('Mul', [param, decay]) : param;
    next.push([param, g.op('Sub', [decayed, g.op('Mul', [g.op('Div', [m2, denom]), stepSize])])]);
    next.push([m, m2], [v, v2]);
  }
  return next;
}

/** Scale gradients so their global L2 norm is at most maxNorm (PyTorch's clip_grad_norm_); returns the norm too. */
export function appendClipping(g: TrainGraph, grads: string[], maxNorm: number): { grads: string[]; norm: string } {
  const squares = grads.map((d) => g.op('ReduceSum', [g.op('Mul', [d, d])], { keepdims: 0 }));
  const norm = g.op('Sqrt', [squares.length > 1 ? g.op('Sum', squares) : squares[0]]);
  const coef = g.op('Min', [g.float(1), g.op('Div', [g.float(maxNorm), g.op('Add', [norm, g.float(1e-6)])])]);
  return { grads: grads.map((d) => g.op('Mul', [d, coef])), norm };
}
