import type { onnx } from 'onnx-proto';
import type { TrainGraph } from './graph';

export type LossSpec =
  /** Softmax cross-entropy of logits [batch, classes] against integer class labels [batch]. */
  | { kind: 'cross-entropy' }
  /** Mean squared error against float targets shaped like the output. */
  | { kind: 'mse' }
  /**
   * Distillation: T²·KL(softmax(teacher/T) ‖ softmax(student/T)) (batch mean), mixed with cross-entropy on labels
   * as alpha·KL + (1−alpha)·CE when alpha < 1 (alpha defaults to 1: soft targets only).
   */
  | { kind: 'kl'; temperature: number; alpha?: number };

export interface AppendedLoss {
  /** Scalar loss value. */
  loss: string;
  /** Gradient of the loss with respect to the model output (the backward pass's seed). */
  seed: string;
  /** Inputs the loss adds: 'labels', 'targets' or 'teacher_logits'. */
  inputs: onnx.ValueInfoProto[];
  /** How many samples of the batch are classified right (classification losses with labels). */
  correct?: string;
}

export const LOSS_INPUTS = { labels: 'labels', targets: 'targets', teacher: 'teacher_logits' } as const;

function floatCode(g: TrainGraph): number {
  return g.floatType === 'float64' ? 11 : 1;
}

/** The batch size as a float scalar (the mean's divisor, from the run-time shape). */
function batchSize(g: TrainGraph, output: string): string {
  return g.op('Cast', [g.op('Gather', [g.op('Shape', [output]), g.int64(0)])], { to: floatCode(g) });
}

/** labels [batch] as one-hot rows [batch, classes] in the graph's float type. */
function oneHot(g: TrainGraph, logits: string, labels: string, classes: number | string | null): string {
  // OneHot has no double kernel in onnxruntime, and needs the class count: otherwise labels[:, None] == range(classes)
  if (g.floatType === 'float32' && typeof classes === 'number') return g.op('OneHot', [labels, g.int64(classes), g.float([0, 1])], { axis: -1 });
  const range = g.op('Range', [g.int64(0), g.op('Gather', [g.op('Shape', [logits]), g.int64(1)]), g.int64(1)]);
  return g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [labels, g.int64([1])]), range])], { to: floatCode(g) });
}

interface CrossEntropyOptions {
  classes: number | string | null;
  /** Weight of this loss in a mix (scales its gradient). */
  scale: number;
  accuracy: boolean;
}

function crossEntropy(g: TrainGraph, logits: string, labels: string, o: CrossEntropyOptions): { loss: string; seed: string; correct?: string } {
  const logp = g.op('LogSoftmax', [logits], { axis: 1 });
  const target = oneHot(g, logits, labels, o.classes);
  // the batch size, as the one-hot rows' sum: a label outside the classes has an all-zero row and is ignored
  const n = g.op('ReduceSum', [target], { keepdims: 0 });
  // -mean(log softmax(z)[label]) from the one-hot rows the gradient needs anyway (NegativeLogLikelihoodLoss
  // expands to six nodes in onnxruntime)
  const loss = g.op('Div', [g.op('ReduceSum', [g.op('Mul', [logp, target])], { keepdims: 0 }), g.op('Neg', [n])]);
  // d mean(-log softmax(z)[label]) / dz = (softmax(z) - onehot) / N
  const seed = g.op('Div', [g.op('Sub', [g.op('Exp', [logp]), target]), o.scale === 1 ? n : g.op('Mul', [n, g.float(1 / o.scale)])]);
  if (!o.accuracy) return { loss, seed };
  const predicted = g.op('ArgMax', [logits], { axis: 1, keepdims: 0 });
  const correct = g.op('ReduceSum', [g.op('Cast', [g.op('Equal', [predicted, labels])], { to: floatCode(g) })], { keepdims: 0 });
  return { loss, seed, correct };
}

/** Append the loss on `output` to the graph; `accuracy` adds the count of right answers (classification). */
export function appendLoss(g: TrainGraph, spec: LossSpec, output: string, outputShape: readonly (number | string | null)[], accuracy = true): AppendedLoss {
  const classes = outputShape[1] ?? null;
  const batch = outputShape[0] ?? 'batch';
  const labelsInput = () => g.valueInfo(g.reserve(LOSS_INPUTS.labels), 'int64', [batch]);
  switch (spec.kind) {
    case 'cross-entropy': {
      const inputs = [labelsInput()];
      return { ...crossEntropy(g, output, LOSS_INPUTS.labels, { classes, scale: 1, accuracy }), inputs };
    }
    case 'mse': {
      const inputs = [g.valueInfo(g.reserve(LOSS_INPUTS.targets), g.floatType, outputShape)];
      const diff = g.op('Sub', [output, LOSS_INPUTS.targets]);
      const loss = g.op('ReduceMean', [g.op('Mul', [diff, diff])], { keepdims: 0 });
      const count = g.op('Cast', [g.op('Size', [output])], { to: floatCode(g) });
      return { loss, seed: g.op('Div', [g.op('Mul', [diff, g.float(2)]), count]), inputs };
    }
    case 'kl': {
      const t = spec.temperature;
      const alpha = spec.alpha ?? 1;
      const inputs = [g.valueInfo(g.reserve(LOSS_INPUTS.teacher), g.floatType, outputShape)];
      const invT = g.float(1 / t);
      const logq = g.op('LogSoftmax', [g.op('Mul', [output, invT])], { axis: 1 });
      const logp = g.op('LogSoftmax', [g.op('Mul', [LOSS_INPUTS.teacher, invT])], { axis: 1 });
      const p = g.op('Exp', [logp]);
      const n = batchSize(g, output);
      const klSum = g.op('ReduceSum', [g.op('Mul', [p, g.op('Sub', [logp, logq])])], { keepdims: 0 });
      let loss = g.op('Div', [g.op('Mul', [klSum, g.float(alpha * t * t)]), n]);
      // d T²·KL / dz = T (softmax(z/T) - p) / N
      let seed = g.op('Div', [g.op('Mul', [g.op('Sub', [g.op('Exp', [logq]), p]), g.float(alpha * t)]), n]);
      if (alpha >= 1) return { loss, seed, inputs };
      inputs.push(labelsInput());
      const ce = crossEntropy(g, output, LOSS_INPUTS.labels, { classes, scale: 1 - alpha, accuracy });
      loss = g.op('Add', [loss, g.op('Mul', [ce.loss, g.float(1 - alpha)])]);
      seed = g.op('Add', [seed, ce.seed]);
      return { loss, seed, inputs, correct: ce.correct };
    }
  }
}
