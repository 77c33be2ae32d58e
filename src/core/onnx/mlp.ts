import { onnx } from 'onnx-proto';
import { GraphBuilder, type BuildOptions } from './builder';
import type { Dim } from './inspect';

export interface MlpOptions {
  inputSize: number;
  /** Hidden layer widths; [] gives a single linear layer. */
  hidden: number[];
  outputSize: number;
  /** Seeds the weight initialisation: the same options always give byte-identical models. */
  seed: number;
  /** The batch dimension (default the symbolic 'batch'). */
  batch?: Dim;
  opset?: BuildOptions['opset'];
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG, so initial weights never depend on Math.random. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A multi-layer perceptron `input [batch, inputSize]` -> `logits [batch, outputSize]`: per layer i, MatMul with
 * `fc{i}.weight` [in, out], Add `fc{i}.bias`, Relu between layers. Weights and biases are drawn uniformly from
 * ±1/sqrt(in) (PyTorch's nn.Linear default).
 */
export function buildMlp(options: MlpOptions): onnx.ModelProto {
  const random = seededRandom(options.seed);
  const batch = options.batch === undefined ? 'batch' : options.batch;
  const sizes = [options.inputSize, ...options.hidden, options.outputSize];
  const g = new GraphBuilder('mlp').input('input', 'float32', [batch, options.inputSize]);
  let x = 'input';
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const bound = 1 / Math.sqrt(fanIn);
    const uniform = (n: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) * bound);
    const last = i + 2 === sizes.length;
    g.initializer(`fc${i}.weight`, uniform(fanIn * fanOut), [fanIn, fanOut])
      .initializer(`fc${i}.bias`, uniform(fanOut), [fanOut])
      .node('MatMul', [x, `fc${i}.weight`], [`fc${i}.matmul`])
      .node('Add', [`fc${i}.matmul`, `fc${i}.bias`], [last ? 'logits' : `fc${i}.out`]);
    if (!last) g.node('Relu', [`fc${i}.out`], [`fc${i}.relu`]);
    x = `fc${i}.relu`;
  }
  return g.output('logits', 'float32', [batch, options.outputSize]).build({ opset: options.opset });
}
