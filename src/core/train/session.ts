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

function zeros(type: StepModel['floatType'], size: number, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor(type, type === 'float64' ? new Float64Array(size) : new Float32Array(size), dims);
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
  // The feeds and fetches records and the scalar inputs and outputs live as long as the session: at small batch
  // sizes a step takes well under a millisecond, so rebuilding them on every run is a measurable share of it.
  private readonly feeds: Record<string, ort.Tensor> = {};
  private readonly fetches: Record<string, ort.Tensor | null> = {};
  private readonly lr?: ort.Tensor;
  private readonly stepInput?: ort.Tensor;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly step: StepModel,
    private readonly carried: Map<string, ort.Tensor>,
  ) {
    const inputs = new Set(session.inputNames);
    const scalar = () => zeros(step.floatType, 1, []);
    if (inputs.has(STEP_INPUTS.lr)) this.lr = this.feeds[STEP_INPUTS.lr] = scalar();
    if (inputs.has(STEP_INPUTS.step)) this.stepInput = this.feeds[STEP_INPUTS.step] = scalar();
    for (const name of session.outputNames) this.fetches[name] = step.scalars.includes(name) ? scalar() : null;
    for (const [name, t] of carried) {
      this.feeds[name] = t;
      const output = step.carried.get(name);
      if (output) this.spare.set(name, (this.fetches[output] = zeros(step.floatType, t.data.length, t.dims)));
    }
  }

  static async create(step: StepModel, weights: Map<string, FloatArray>, options: SessionOptions = {}): Promise<TrainingSession> {
    const session = await ort.InferenceSession.create(encodeModel(step.model), sessionOptions(options));
    const carried = new Map<string, ort.Tensor>();
    for (const p of step.trainable) {
      const value = weights.get(p.name);
      if (!value) throw new Error(`no initial value for trainable tensor ${p.name}`);
      carried.set(p.name, new ort.Tensor(step.floatType, value.slice(), p.dims));
      for (const s of p.state) carried.set(s, zeros(step.floatType, value.length, p.dims));
    }
    return new TrainingSession(session, step, carried);
  }

  /** Feed a batch and the carried tensors, run, and keep the updated tensors for the next run. */
  private async execute(batch: Record<string, ort.Tensor>, lr: number): Promise<ort.InferenceSession.ReturnType> {
    Object.assign(this.feeds, batch);
    if (this.lr) this.lr.data[0] = lr;
    if (this.stepInput) this.stepInput.data[0] = this.stepCount + 1;
    const out = await this.session.run(this.feeds, this.fetches);
    if (this.step.carried.size) {
      this.stepCount++;
      for (const [input, output] of this.step.carried) {
        const next = this.spare.get(input)!;
        const previous = this.carried.get(input)!;
        this.spare.set(input, previous);
        this.carried.set(input, next);
        this.feeds[input] = next;
        this.fetches[output] = previous;
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

  /** Every output of a run by name (e.g. the `grad:<name>` outputs of a `gradients: true` step), as copies. */
  async runAll(batch: Record<string, ort.Tensor>, lr = 0): Promise<Record<string, FloatArray>> {
    const out = await this.execute(batch, lr);
    // copies: scalar and updated-tensor outputs live in buffers that later runs write into
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, ((v as ort.Tensor).data as FloatArray).slice()]));
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
