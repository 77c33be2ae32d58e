import type { onnx } from 'onnx-proto';
import { buildMlp, GraphBuilder, inspectModel, seededRandom, type MlpActivation } from '../onnx';
import { LatheError } from '../workspace/errors';

/** The student's architecture: a preset built to the teacher's signature, or an existing model trained as it is. */
export type StudentSpec =
  | { kind: 'mlp'; hidden: number[]; activation?: MlpActivation }
  | { kind: 'cnn' }
  /** `name@ref` of a registered version or an .onnx file; its weights are the starting point. */
  | { kind: 'model'; ref: string };

/** What a preset student must accept and produce: the teacher's input (one row's shape) and its class count. */
export interface StudentSignature {
  inputName: string;
  rowShape: number[];
  outputName: string;
  classes: number;
}

export const DEFAULT_HIDDEN = [32];

/**
 * input [batch, C, H, W] -> Conv 3x3 (8) -> BatchNormalization -> Relu -> MaxPool 2 -> Conv 3x3 (16) -> Relu ->
 * AveragePool 2 -> Flatten -> Gemm classes. Weights uniform in ±1/sqrt(fan-in), seeded.
 */
export function buildSmallCnn(sig: StudentSignature, seed: number): onnx.ModelProto {
  if (sig.rowShape.length !== 3 || sig.rowShape[1] < 4 || sig.rowShape[2] < 4) {
    throw new LatheError('usage', `the cnn student needs image inputs [channels, height, width] of at least 4×4; the teacher's rows are [${sig.rowShape.join(', ')}]`, {
      hint: 'use the mlp student for flat rows',
    });
  }
  const [channels, height, width] = sig.rowShape;
  const flat = 16 * Math.floor(height / 4) * Math.floor(width / 4);
  const random = seededRandom(seed);
  const uniform = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) / Math.sqrt(fanIn));
  return new GraphBuilder('cnn')
    .input(sig.inputName, 'float32', ['batch', channels, height, width])
    .initializer('c1.w', uniform(8 * channels * 9, channels * 9), [8, channels, 3, 3]).initializer('c1.b', new Float32Array(8), [8])
    .initializer('bn.scale', new Float32Array(8).fill(1), [8]).initializer('bn.bias', new Float32Array(8), [8])
    .initializer('bn.mean', new Float32Array(8).fill(0.1), [8]).initializer('bn.var', new Float32Array(8).fill(0.5), [8])
    .initializer('c2.w', uniform(16 * 8 * 9, 72), [16, 8, 3, 3]).initializer('c2.b', new Float32Array(16), [16])
    .initializer('fc.w', uniform(sig.classes * flat, flat), [sig.classes, flat]).initializer('fc.b', new Float32Array(sig.classes), [sig.classes])
    .node('Conv', [sig.inputName, 'c1.w', 'c1.b'], ['c1'], { pads: [1, 1, 1, 1] })
    .node('BatchNormalization', ['c1', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], ['bn'])
    .node('Relu', ['bn'], ['r1'])
    .node('MaxPool', ['r1'], ['p1'], { kernel_shape: [2, 2], strides: [2, 2] })
    .node('Conv', ['p1', 'c2.w', 'c2.b'], ['c2'], { pads: [1, 1, 1, 1] })
    .node('Relu', ['c2'], ['r2'])
    .node('AveragePool', ['r2'], ['p2'], { kernel_shape: [2, 2], strides: [2, 2] })
    .node('Flatten', ['p2'], ['flat'])
    .node('Gemm', ['flat', 'fc.w', 'fc.b'], [sig.outputName], { transB: 1 })
    .output(sig.outputName, 'float32', ['batch', sig.classes])
    .build();
}

/** A preset student with the teacher's input and output names, so it can replace the teacher as it is. */
export function buildStudent(spec: Exclude<StudentSpec, { kind: 'model' }>, sig: StudentSignature, seed: number): onnx.ModelProto {
  if (spec.kind === 'cnn') return buildSmallCnn(sig, seed);
  if (spec.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new LatheError('usage', `hidden sizes must be positive integers, got ${spec.hidden.join(',')}`);
  return buildMlp({
    inputSize: sig.rowShape.reduce((a, b) => a * b, 1),
    rowShape: sig.rowShape,
    hidden: spec.hidden,
    outputSize: sig.classes,
    activation: spec.activation,
    inputName: sig.inputName,
    outputName: sig.outputName,
    seed,
    // Gelu is an ai.onnx operator from opset 20
    opset: spec.activation === 'gelu' ? 20 : undefined,
  });
}

/** Check that an existing model can stand in for the teacher: same input name and row shape, same class count. */
export function checkStudentModel(model: onnx.IModelProto, sig: StudentSignature, label: string): void {
  const info = inspectModel(model);
  const input = info.inputs[0];
  const output = info.outputs[0];
  const rows = (shape: readonly unknown[] | null) => (shape ?? []).slice(1).join(', ');
  if (!input || input.name !== sig.inputName || rows(input.shape) !== sig.rowShape.join(', ')) {
    throw new LatheError('bad-student', `the student ${label} does not take the teacher's input ${sig.inputName} [batch, ${sig.rowShape.join(', ')}]`, {
      hint: `its input is ${input ? `${input.name} [${(input.shape ?? []).join(', ')}]` : 'missing'}`,
    });
  }
  if (!output || Number(output.shape?.[1]) !== sig.classes) {
    throw new LatheError('bad-student', `the student ${label} must output ${sig.classes} class logits, like the teacher`, {
      hint: `its first output is ${output ? `${output.name} [${(output.shape ?? []).join(', ')}]` : 'missing'}`,
    });
  }
}
