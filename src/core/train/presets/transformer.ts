import type { onnx } from 'onnx-proto';
import { attr, GraphBuilder } from '../../onnx/builder';
import type { Dim } from '../../onnx/inspect';
import { seededRandom } from '../../onnx/random';
import { makeTensor } from '../../onnx/tensor';

export interface TransformerOptions {
  /** Width of the token representations. */
  dModel: number;
  /** Attention heads; must divide dModel. */
  heads: number;
  layers: number;
  /** Hidden width of each feed-forward block. */
  ffn: number;
  /** Tokens per sequence (fixed: the learned positions have one row per token). */
  seq: number;
  vocab: number;
  classes: number;
  /** Seeds the weight initialisation: the same options always give byte-identical models. */
  seed: number;
  /** The batch dimension (default the symbolic 'batch'). */
  batch?: Dim;
}

/** Gelu became an ONNX op in opset 20 (and ReduceMean takes its axes as an input from 18). */
const OPSET = 20;

/**
 * A pre-LN transformer encoder classifier, `input [batch, seq]` (int64 token ids) -> `logits [batch, classes]`:
 * token embedding (Gather of `embed.weight`) + learned positions `pos.weight`; per layer i, LayerNorm, multi-head
 * self-attention with separate `layer{i}.attn.{q,k,v,o}_proj.weight` [d, d] MatMul weights (+ `.bias`), a
 * residual, LayerNorm, a GELU feed-forward `layer{i}.ffn.fc1/fc2`, a residual; a final LayerNorm, mean pooling
 * over the sequence and a linear head. Linear weights are [in, out] (x @ W), drawn like PyTorch's nn.Linear.
 */
export function buildTransformer(options: TransformerOptions): onnx.ModelProto {
  const { dModel: d, heads, layers, ffn, seq, vocab, classes } = options;
  if (!Number.isInteger(d / heads)) throw new RangeError(`heads (${heads}) must divide dModel (${d})`);
  const headDim = d / heads;
  const random = seededRandom(options.seed);
  const uniform = (n: number, bound: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) * bound);
  const batch = options.batch === undefined ? 'batch' : options.batch;
  const g = new GraphBuilder('transformer').input('input', 'int64', [batch, seq]);
  const int64 = (name: string, values: number[]) => g.initializer(name, BigInt64Array.from(values.map(BigInt)), [values.length]);
  int64('shape.heads', [0, 0, heads, headDim]);
  int64('shape.merged', [0, 0, d]);
  int64('axes.seq', [1]);
  // a Constant node, not an initializer: float initializers are what training treats as weights
  g.node('Constant', [], ['attn.scale'], { value: attr.tensor(makeTensor('attn.scale', Float32Array.of(1 / Math.sqrt(headDim)), [])) });

  const linear = (name: string, x: string, fanIn: number, fanOut: number): string => {
    const bound = 1 / Math.sqrt(fanIn);
    g.initializer(`${name}.weight`, uniform(fanIn * fanOut, bound), [fanIn, fanOut])
      .initializer(`${name}.bias`, uniform(fanOut, bound), [fanOut])
      .node('MatMul', [x, `${name}.weight`], [`${name}.matmul`])
      .node('Add', [`${name}.matmul`, `${name}.bias`], [`${name}.out`]);
    return `${name}.out`;
  };
  const layerNorm = (name: string, x: string): string => {
    g.initializer(`${name}.weight`, new Float32Array(d).fill(1), [d])
      .initializer(`${name}.bias`, new Float32Array(d), [d])
      .node('LayerNormalization', [x, `${name}.weight`, `${name}.bias`], [`${name}.out`], { axis: -1 });
    return `${name}.out`;
  };

  g.initializer('embed.weight', uniform(vocab * d, 1), [vocab, d])
    .initializer('pos.weight', uniform(seq * d, 0.1), [seq, d])
    .node('Gather', ['embed.weight', 'input'], ['embed.out'])
    .node('Add', ['embed.out', 'pos.weight'], ['pos.out']);
  let h = 'pos.out';
  for (let i = 0; i < layers; i++) {
    const p = `layer${i}`;
    const x = layerNorm(`${p}.ln1`, h);
    // [batch, seq, d] -> [batch, heads, seq, headDim] (keys as [batch, heads, headDim, seq] for q·kᵀ)
    const split = (name: string, perm: number[]) => {
      g.node('Reshape', [linear(`${p}.attn.${name}_proj`, x, d, d), 'shape.heads'], [`${p}.attn.${name}.heads`])
        .node('Transpose', [`${p}.attn.${name}.heads`], [`${p}.attn.${name}.t`], { perm });
      return `${p}.attn.${name}.t`;
    };
    const [q, k, v] = [split('q', [0, 2, 1, 3]), split('k', [0, 2, 3, 1]), split('v', [0, 2, 1, 3])];
    g.node('MatMul', [q, k], [`${p}.attn.scores`])
      .node('Mul', [`${p}.attn.scores`, 'attn.scale'], [`${p}.attn.scaled`])
      .node('Softmax', [`${p}.attn.scaled`], [`${p}.attn.probs`], { axis: -1 })
      .node('MatMul', [`${p}.attn.probs`, v], [`${p}.attn.context`])
      .node('Transpose', [`${p}.attn.context`], [`${p}.attn.context.t`], { perm: [0, 2, 1, 3] })
      .node('Reshape', [`${p}.attn.context.t`, 'shape.merged'], [`${p}.attn.merged`])
      .node('Add', [h, linear(`${p}.attn.o_proj`, `${p}.attn.merged`, d, d)], [`${p}.attn.residual`]);
    h = `${p}.attn.residual`;
    g.node('Gelu', [linear(`${p}.ffn.fc1`, layerNorm(`${p}.ln2`, h), d, ffn)], [`${p}.ffn.gelu`])
      .node('Add', [h, linear(`${p}.ffn.fc2`, `${p}.ffn.gelu`, ffn, d)], [`${p}.ffn.residual`]);
    h = `${p}.ffn.residual`;
  }
  g.node('ReduceMean', [layerNorm('final_ln', h), 'axes.seq'], ['pooled'], { keepdims: 0 });
  const bound = 1 / Math.sqrt(d);
  g.initializer('head.weight', uniform(d * classes, bound), [d, classes])
    .initializer('head.bias', uniform(classes, bound), [classes])
    .node('MatMul', ['pooled', 'head.weight'], ['head.matmul'])
    .node('Add', ['head.matmul', 'head.bias'], ['logits']);
  return g.output('logits', 'float32', [batch, classes]).build({ opset: OPSET });
}
