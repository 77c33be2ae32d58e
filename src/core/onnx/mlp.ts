import { onnx } from 'onnx-proto';
import { GraphBuilder, type BuildOptions } from './builder';
import type { Dim } from './inspect';
import { seededRandom } from './random';

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
  /** Between hidden layers (default relu); gelu needs opset 20. */
  activation?: MlpActivation;
  /** The input's name (default 'input') and the shape of one row (default [inputSize]); a row of rank > 1 is flattened. */
  inputName?: string;
  rowShape?: readonly number[];
  /** The output's name (default 'logits'). */
  outputName?: string;
}

export const MLP_ACTIVATIONS = ['relu', 'tanh', 'gelu'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];
const ACTIVATION_OPS: Record<MlpActivation, string> = { relu: 'Relu', tanh: 'Tanh', gelu: 'Gelu' };

/**
 * A multi-layer perceptron `input [batch, inputSize]` -> `logits [batch, outputSize]`: per layer i, MatMul with
 * `fc{i}.weight` [in, out], Add `fc{i}.bias`, the activation (Relu) between layers. Weights and biases are drawn uniformly from
 * ±1/sqrt(in) (PyTorch's nn.Linear default).
 */
export function buildMlp(options: MlpOptions): onnx.ModelProto {
  const random = seededRandom(options.seed);
  const batch = options.batch === undefined ? 'batch' : options.batch;
  const sizes = [options.inputSize, ...options.hidden, options.outputSize];
  const rowShape = options.rowShape ?? [options.inputSize];
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'logits';
  const activation = options.activation ?? 'relu';
  const g = new GraphBuilder('mlp').input(inputName, 'float32', [batch, ...rowShape]);
  let x = inputName;
  if (rowShape.length > 1) {
    g.node('Flatten', [inputName], ['flat']);
    x = 'flat';
  }
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [fanIn, fanOut] = [sizes[i], sizes[i + 1]];
    const bound = 1 / Math.sqrt(fanIn);
    const uniform = (n: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) * bound);
    const last = i + 2 === sizes.length;
    g.initializer(`fc${i}.weight`, uniform(fanIn * fanOut), [fanIn, fanOut])
      .initializer(`fc${i}.bias`, uniform(fanOut), [fanOut])
      .node('MatMul', [x, `fc${i}.weight`], [`fc${i}.matmul`])
      .node('Add', [`fc${i}.matmul`, `fc${i}.bias`], [last ? outputName : `fc${i}.out`]);
    if (!last) g.node(ACTIVATION_OPS[activation], [`fc${i}.out`], [`fc${i}.${activation}`]);
    x = `fc${i}.${activation}`;
  }
  return g.output(outputName, 'float32', [batch, options.outputSize]).build({ opset: options.opset });
}
