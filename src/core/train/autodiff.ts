import type { onnx } from 'onnx-proto';
import { LatheError } from '../workspace/errors';
import { unbroadcast } from './broadcast';
import type { TrainGraph } from './graph';
import { GRAD_RULES } from './rules';
import type { Shape } from './shapes';

/** What a gradient rule sees of one forward node. */
export interface GradContext {
  g: TrainGraph;
  node: onnx.INodeProto;
  /** node.input / node.output, with '' for omitted optional values. */
  x: string[];
  y: string[];
  /** The gradient flowing into each output; undefined where none flows. */
  dy: (string | undefined)[];
  /** Whether each input needs a gradient (it depends on a trainable value). */
  needs: boolean[];
  shape(name: string): Shape;
  /** Sum `grad` (shaped like the node's output `from`) back to the shape of input `index`. */
  unbroadcast(grad: string, index: number, from?: string): string;
}

/** Gradients of a node's inputs, by position; undefined where none is produced. */
export type GradRule = (ctx: GradContext) => (string | undefined)[];

// Ops whose outputs carry no gradient (indices, shapes, comparisons): they stop the backward pass.
const NON_DIFFERENTIABLE = new Set([
  'Shape', 'Size', 'ArgMax', 'ArgMin', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or',
  'NonZero', 'Range', 'ConstantOfShape', 'Constant', 'OneHot', 'Floor', 'Ceil', 'Round', 'Sign',
]);

export interface BackwardOptions {
  /** The values to differentiate with respect to (graph inputs or initializers). */
  wrt: readonly string[];
  /** Gradient values already in the graph for forward values (the loss's seed gradients). */
  seeds: ReadonlyMap<string, string>;
  shapes: Map<string, Shape>;
}

/**
 * Append the backward pass of `g`'s current nodes: reverse-mode over the nodes between `wrt` and the seeded
 * values. Returns the gradient value of each `wrt` name that the seeds depend on.
 */
export function appendBackward(g: TrainGraph, options: BackwardOptions): Map<string, string> {
  const forward = [...g.nodes];
  const requiresGrad = new Set(options.wrt);
  for (const node of forward) {
    if (NON_DIFFERENTIABLE.has(node.opType) || !node.input.some((i) => requiresGrad.has(i))) continue;
    for (const out of node.output) if (out) requiresGrad.add(out);
  }
  const reaches = new Set(options.seeds.keys());
  for (let i = forward.length - 1; i >= 0; i--) {
    if (forward[i].output.some((o) => reaches.has(o))) for (const x of forward[i].input) if (x) reaches.add(x);
  }
  const contributions = new Map<string, string[]>();
  for (const [value, grad] of options.seeds) contributions.set(value, [grad]);
  const total = (value: string): string | undefined => {
    const parts = contributions.get(value);
    if (!parts?.length) return undefined;
    if (parts.length > 1) contributions.set(value, [g.op('Sum', parts)]);
    return contributions.get(value)![0];
  };
  const shape = (name: string): Shape => options.shapes.get(name) ?? null;
  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i];
    if (!node.output.some((o) => reaches.has(o)) || !node.input.some((x) => requiresGrad.has(x))) continue;
    if (NON_DIFFERENTIABLE.has(node.opType)) continue;
    const dy = node.output.map((o) => (o ? total(o) : undefined));
    if (dy.every((d) => d === undefined)) continue;
    const rule = node.domain && node.domain !== 'ai.onnx' ? undefined : GRAD_RULES[node.opType];
    if (!rule) {
      throw new LatheError('unsupported-op', `cannot train through node '${node.name || `#${i}`}' (${node.domain ? `${node.domain}.` : ''}${node.opType}): Lathe has no gradient rule for ${node.opType}`, {
        hint: 'freeze the layers before this node (train only the weights after it) or replace the op in the export',
      });
    }
    const x = [...node.input];
    const ctx: GradContext = {
      g, node, x, y: [...node.output], dy,
      needs: x.map((name) => name !== '' && requiresGrad.has(name)),
      shape,
      unbroadcast: (grad, index, from = node.output[0]) => unbroadcast(g, grad, shape(from), x[index], shape(x[index])),
    };
    const grads = rule(ctx);
    grads.forEach((grad, k) => {
      if (!grad || !ctx.needs[k]) return;
      const list = contributions.get(x[k]) ?? [];
      list.push(grad);
      contributions.set(x[k], list);
    });
  }
  const result = new Map<string, string>();
  for (const name of options.wrt) {
    const grad = total(name);
    if (grad) result.set(name, grad);
  }
  return result;
}
