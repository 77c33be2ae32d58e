import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { encodeModel } from '../onnx/model';
import { readTensor } from '../onnx/tensor';
import { STEP_INPUTS } from './optimizers';
import type { StepModel } from './step';

export type FloatArray = Float32Array | Float64Array;

export interface SessionOptions {
  /** Intra-op threads (default: ORT's choice). */
  threads?: number;
}

export interface StepResult {
  loss: number;
  /** Right answers in the batch (classification losses). */
  correct?: number;
  gradNorm?: number;
}

/** Initial values of the trainable tensors, from the forward model's initializers. */
export function initialWeights(forward: onnx.IModelProto, step: StepModel): Map<string, FloatArray> {
  const byName = new Map((forward.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  return new Map(step.trainable.map((p) => [p.name, readTensor(byName.get(p.name)!).data as FloatArray]));
}

function sessionOptions(options: SessionOptions): ort.InferenceSession.SessionOptions {
  return { graphOptimizationLevel: 'all', ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}) };
}

/**
 * A training step (or evaluation) model loaded in onnxruntime-node, holding the trainable tensors and the
 * optimizer state between runs: each run feeds them in and keeps the updated outputs for the next run.
 */
export class TrainingSession {
  private stepCount = 0;

  // Every carried tensor has a spare of the same size that the next run writes its update into (ORT fills
  // pre-allocated outputs in place); the two swap after each run, so steps allocate no weight-sized buffers.
  private readonly spare = new Map<string, ort.Tensor>();
  private readonly inputs: Set<string>;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly step: StepModel,
    private readonly carried: Map<string, ort.Tensor>,
  ) {
    for (const [name, t] of carried) if (step.carried.has(name)) this.spare.set(name, this.like(t));
    this.inputs = new Set(session.inputNames);
  }

  private like(t: ort.Tensor): ort.Tensor {
    const size = t.data.length;
    return new ort.Tensor(this.step.floatType, this.step.floatType === 'float64' ? new Float64Array(size) : new Float32Array(size), t.dims);
  }

  static async create(step: StepModel, weights: Map<string, FloatArray>, options: SessionOptions = {}): Promise<TrainingSession> {
    const session = await ort.InferenceSession.create(encodeModel(step.model), sessionOptions(options));
    const carried = new Map<string, ort.Tensor>();
    for (const p of step.trainable) {
      const value = weights.get(p.name);
      if (!value) throw new Error(`no initial value for trainable tensor ${p.name}`);
      carried.set(p.name, new ort.Tensor(step.floatType, value.slice(), p.dims));
      const zeros = () => (step.floatType === 'float64' ? new Float64Array(value.length) : new Float32Array(value.length));
      for (const s of p.state) carried.set(s, new ort.Tensor(step.floatType, zeros(), p.dims));
    }
    return new TrainingSession(session, step, carried);
  }

  private scalar(value: number): ort.Tensor {
    return new ort.Tensor(this.step.floatType, this.step.floatType === 'float64' ? Float64Array.of(value) : Float32Array.of(value), []);
  }

  /** Feed a batch and the carried tensors, run, and keep the updated tensors for the next run. */
  private async execute(batch: Record<string, ort.Tensor>, lr: number): Promise<ort.InferenceSession.ReturnType> {
    const feeds: Record<string, ort.Tensor> = { ...batch };
    for (const [name, tensor] of this.carried) feeds[name] = tensor;
    if (this.inputs.has(STEP_INPUTS.lr)) feeds[STEP_INPUTS.lr] = this.scalar(lr);
    if (this.inputs.has(STEP_INPUTS.step)) feeds[STEP_INPUTS.step] = this.scalar(this.stepCount + 1);
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of this.session.outputNames) fetches[name] = null;
    for (const [input, output] of this.step.carried) fetches[output] = this.spare.get(input)!;
    const out = await this.session.run(feeds, fetches);
    if (this.step.carried.size) {
      this.stepCount++;
      for (const input of this.step.carried.keys()) {
        const next = this.spare.get(input)!;
        this.spare.set(input, this.carried.get(input)!);
        this.carried.set(input, next);
      }
    }
    return out;
  }

  /** Run one step on a batch (data inputs by name); `lr` is the learning rate for this step. */
  async run(batch: Record<string, ort.Tensor>, lr = 0): Promise<StepResult> {
    const out = await this.execute(batch, lr);
    const num = (name: string) => (out[name] ? Number((out[name] as ort.Tensor).data[0]) : undefined);
    return { loss: num('loss')!, correct: num('correct'), gradNorm: num('grad_norm') };
  }

  /** Every output of a run by name (e.g. the `grad:<name>` outputs of a `gradients: true` step). */
  async runAll(batch: Record<string, ort.Tensor>, lr = 0): Promise<Record<string, FloatArray>> {
    const out = await this.execute(batch, lr);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, (v as ort.Tensor).data as FloatArray]));
  }

  /** The current trainable tensors (copies). */
  weights(): Map<string, FloatArray> {
    return new Map(this.step.trainable.map((p) => [p.name, (this.carried.get(p.name)!.data as FloatArray).slice()]));
  }

  /** Replace the trainable tensors (e.g. restore the best epoch's weights); optimizer state is kept. */
  setWeights(weights: Map<string, FloatArray>): void {
    for (const p of this.step.trainable) {
      const w = weights.get(p.name);
      if (w) (this.carried.get(p.name)!.data as FloatArray).set(w);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
