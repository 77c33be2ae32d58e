import { onnx } from 'onnx-proto';
import { irVersionFor } from '../onnx/builder';
import { elemTypeName } from '../onnx/dtypes';
import { tensorDims } from '../onnx/tensor';
import { checkModel } from '../onnx/validate';
import { coreOpset } from '../onnx';
import { LatheError } from '../workspace/errors';
import { appendBackward } from './autodiff';
import { TrainGraph, zerosLike, type FloatType } from './graph';
import { appendLoss, type LossSpec } from './losses';
import { appendClipping, appendOptimizer, isPlainSgd, STEP_INPUTS, stateSuffixes, type OptimizerSpec } from './optimizers';
import { inferShapes } from './shapes';

export interface StepOptions {
  loss: LossSpec;
  /** Omit for an evaluation graph (forward + loss, no update). */
  optimizer?: OptimizerSpec;
  /** Initializers to train (default: every float initializer). The rest stay frozen inside the graph. */
  trainable?: readonly string[];
  /** The model output the loss applies to (default the first). */
  output?: string;
  /** Clip the global gradient norm to this value. */
  clipNorm?: number;
  /** Output 'correct', the count of right answers, with classification losses (default true). */
  accuracy?: boolean;
  /** Also output each trainable tensor's gradient as `grad:<name>` (for checks and analysis). */
  gradients?: boolean;
}

export interface TrainableTensor {
  name: string;
  dims: number[];
  /** Optimizer state inputs shaped like the tensor. */
  state: string[];
}

export interface StepModel {
  model: onnx.ModelProto;
  floatType: FloatType;
  trainable: TrainableTensor[];
  /** Data inputs of the forward graph (e.g. 'input') and the loss ('labels', 'targets', 'teacher_logits'). */
  dataInputs: string[];
  /** Updated value output for each carried input (parameters and optimizer state): input name -> output name. */
  carried: Map<string, string>;
  /** Scalar outputs: 'loss', and 'correct' (classification), 'grad_norm' (clipping). */
  scalars: string[];
}

export const MIN_TRAIN_OPSET = 13;

/** Dropout nodes run in training mode inside the step (mask output added for the backward pass). */
function enableDropout(g: TrainGraph): void {
  const on = g.fresh('training_mode');
  let used = false;
  for (const node of g.nodes) {
    if (node.opType !== 'Dropout') continue;
    used = true;
    while (node.input.length < 2) node.input.push('');
    node.input[2] = on;
    if (!node.output[1]) node.output[1] = g.fresh('dropout_mask');
    g.producer.set(node.output[1], node);
  }
  if (used) g.initializers.push(onnx.TensorProto.create({ name: on, dataType: 9, dims: [], rawData: new Uint8Array([1]) }));
}

/** Forward + loss (+ backward + optimizer update) as one ONNX model; see StepModel for its interface. */
export function buildStepModel(forward: onnx.IModelProto, options: StepOptions): StepModel {
  const opset = coreOpset(forward);
  if (opset < MIN_TRAIN_OPSET) {
    throw new LatheError('unsupported-opset', `training needs ai.onnx opset ${MIN_TRAIN_OPSET} or newer; this model uses opset ${opset}`, {
      hint: 'export the model again with a newer opset',
    });
  }
  const source = forward.graph ?? {};
  const initializers = source.initializer ?? [];
  const isFloat = (t: onnx.ITensorProto) => ['float32', 'float64'].includes(elemTypeName(t.dataType ?? 0));
  // BatchNormalization's running statistics are frozen, so they are not trainable by default
  const statistics = new Set((source.node ?? []).filter((n) => n.opType === 'BatchNormalization').flatMap((n) => (n.input ?? []).slice(3)));
  const names = options.trainable ?? initializers.filter((t) => isFloat(t) && !statistics.has(t.name ?? '')).map((t) => t.name ?? '');
  const tensors = names.map((name) => {
    const t = initializers.find((i) => i.name === name);
    if (!t || !isFloat(t)) {
      throw new LatheError('not-trainable', `'${name}' is not a float initializer of the model, so it cannot be trained`, {
        hint: `trainable tensors: ${initializers.filter(isFloat).map((i) => i.name).slice(0, 10).join(', ')}`,
      });
    }
    return t;
  });
  if (tensors.length === 0) throw new LatheError('not-trainable', 'the model has no float initializers to train');
  const floatType = elemTypeName(tensors[0].dataType ?? 0) as FloatType;
  const g = new TrainGraph(source, floatType, opset);
  const output = options.output ?? source.output?.[0]?.name ?? '';
  const outputInfo = g.graph.output.find((o) => o.name === output);
  if (!outputInfo) throw new LatheError('not-found', `the model has no output '${output}'`);
  const dataInputs = g.graph.input.map((i) => i.name ?? '').filter((n) => !initializers.some((t) => t.name === n));

  // trainable tensors leave the graph's constants and become inputs, so only they cross the session boundary
  const trainable: TrainableTensor[] = tensors.map((t) => ({ name: t.name ?? '', dims: tensorDims(t), state: [] }));
  g.initializers.splice(0, g.initializers.length, ...g.initializers.filter((t) => !names.includes(t.name)));
  g.graph.input = g.graph.input.filter((i) => !names.includes(i.name ?? ''));
  for (const p of trainable) g.graph.input.push(g.valueInfo(p.name, floatType, p.dims));
  if (options.optimizer) enableDropout(g);

  const shapes = inferShapes(g.graph);
  const outShape = shapes.get(output) ?? (outputInfo.type?.tensorType?.shape?.dim ?? []).map(() => null);
  const loss = appendLoss(g, options.loss, output, outShape, options.accuracy ?? true);
  g.graph.input.push(...loss.inputs);
  const scalars: [string, string][] = [['loss', loss.loss]];
  if (loss.correct) scalars.push(['correct', loss.correct]);
  const carried = new Map<string, string>();
  const extraOutputs: [string, string, readonly number[]][] = [];

  if (options.optimizer || options.gradients) {
    const lr = options.optimizer ? g.reserve(STEP_INPUTS.lr) : undefined;
    // plain SGD subtracts lr·gradient from every tensor: the backward pass is linear in its seed, so seeding it
    // with lr·dL/dy yields those products directly (one small Mul instead of one per tensor)
    const lrScaled = lr !== undefined && isPlainSgd(options.optimizer!) && !options.gradients && options.clipNorm === undefined;
    const seed = lrScaled ? g.op('Mul', [loss.seed, lr]) : loss.seed;
    const found = appendBackward(g, { wrt: names, seeds: new Map([[output, seed]]), shapes });
    let grads = trainable.map((p) => found.get(p.name) ?? zerosLike(g, p.name));
    if (options.gradients) trainable.forEach((p, i) => extraOutputs.push([`grad:${p.name}`, grads[i], p.dims]));
    if (options.clipNorm !== undefined) {
      const clipped = appendClipping(g, grads, options.clipNorm);
      grads = clipped.grads;
      scalars.push(['grad_norm', clipped.norm]);
    }
    if (options.optimizer) {
      const suffixes = stateSuffixes(options.optimizer);
      for (const p of trainable) {
        p.state = suffixes.map((s) => g.reserve(`${p.name}${s}`));
        for (const s of p.state) g.graph.input.push(g.valueInfo(s, floatType, p.dims));
      }
      g.graph.input.push(g.valueInfo(lr!, floatType, []));
      if (options.optimizer.kind === 'adamw') g.graph.input.push(g.valueInfo(g.reserve(STEP_INPUTS.step), floatType, []));
      // fusing an update into its gradient's Gemm needs the gradient to have no other reader
      const fuse = options.gradients ? undefined : inferShapes(g.graph);
      const updates = appendOptimizer(g, options.optimizer, trainable.map((p, i) => ({ param: p.name, grad: grads[i], state: p.state })), { shapes: fuse, lrScaled });
      const dims = new Map(trainable.flatMap((p) => [p.name, ...p.state].map((n) => [n, p.dims] as const)));
      for (const [input, value] of updates) {
        const out = `next:${input}`;
        carried.set(input, out);
        extraOutputs.push([out, value, dims.get(input)!]);
      }
    }
  }
  g.graph.output = [];
  const published = new Map<string, string>();
  for (const [name, value, dims] of [...scalars.map(([n, v]) => [n, v, []] as const), ...extraOutputs]) {
    // a value published twice (a gradient that is also an update) or a graph input needs its own copy
    const already = published.get(value);
    if (already || !g.producer.has(value)) g.op('Identity', [already ?? value], {}, g.reserve(name));
    else {
      g.rename(value, name);
      published.set(value, name);
    }
    g.graph.output.push(g.valueInfo(name, floatType, dims));
  }
  const model = onnx.ModelProto.create({
    irVersion: Math.max(irVersionFor(opset), Number(forward.irVersion ?? 0)),
    opsetImport: forward.opsetImport ?? [],
    producerName: 'lathe-train',
    graph: g.graph,
  });
  checkModel(model, 'training step');
  return { model, floatType, trainable, dataInputs: [...dataInputs, ...loss.inputs.map((i) => i.name)], carried, scalars: scalars.map(([n]) => n) };
}
