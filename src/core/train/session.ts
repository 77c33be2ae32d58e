import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { encodeModel } from '../onnx/model';
import { readTensor } from '../onnx/tensor';
import { STEP_INPUTS } from './optimizers';
import { stepValue, unrollSteps } from './unroll';
import type { StepModel } from './step';

export type FloatArray = Float32Array | Float64Array;

export interface SessionOptions {
  /** Intra-op threads (default: ORT's choice). */
  threads?: number;
  /**
   * Training steps per ORT run when `runSteps` gets that many batches (default DEFAULT_STEPS_PER_RUN): the updated
   * weights leave the session once per run (see unrollSteps). 1 runs one step at a time, as does a model too large
   * for several to pay (see MAX_UNROLLED_CARRIED_BYTES).
   */
  stepsPerRun?: number;
}

/** Measured on the bench MLP: batch 64 gains most by 8; more only lengthens session creation. */
export const DEFAULT_STEPS_PER_RUN = 8;

/**
 * When several steps per run pay. They need a second session (an epoch's last few batches run one by one), with its
 * own copy of the frozen weights and of the activations, and an unrolled graph ORT takes longer to prepare. What they
 * save, the copies of the updated tensors, is 30% of a step of the MLP 784-256-10 at batch 64 and 5-10% for the
 * 0.5M-parameter bench transformer (6 MB of weights and AdamW state; 1.5 s to create instead of 0.2 s, 80 MB more).
 * Past these sizes of carried tensors (weights and optimizer state) and of frozen weights (a LoRA base), one step.
 */
const MAX_UNROLLED_CARRIED_BYTES = 16 * 2 ** 20;
const MAX_DUPLICATED_BYTES = 8 * 2 ** 20;

const initializerBytes = (model: onnx.IModelProto) =>
  (model.graph?.initializer ?? []).reduce((n, t) => n + (t.rawData?.length ?? 0) + 4 * ((t.floatData?.length ?? 0) + (t.int32Data?.length ?? 0)), 0);

/** The steps per run for this model: the option (or the default) where several pay, else 1. */
function stepsPerRun(step: StepModel, carried: Map<string, ort.Tensor>, option: number | undefined): number {
  if (step.carried.size === 0) return 1;
  const carriedBytes = [...carried.values()].reduce((n, t) => n + (t.data as FloatArray).byteLength, 0);
  if (carriedBytes > MAX_UNROLLED_CARRIED_BYTES || initializerBytes(step.model) > MAX_DUPLICATED_BYTES) return 1;
  return option ?? DEFAULT_STEPS_PER_RUN;
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
 * One ORT session of a step model (or of `steps` unrolled ones) with its feeds and fetches records and scalar
 * tensors, which live as long as the session: at small batch sizes a step takes well under a millisecond, so
 * rebuilding them on every run is a measurable share of it.
 */
class Runner {
  readonly feeds: Record<string, ort.Tensor> = {};
  readonly fetches: Record<string, ort.Tensor | null> = {};
  /** Per step: its learning rate and step count inputs, if the model has them. */
  readonly lr: (ort.Tensor | undefined)[] = [];
  readonly stepCount: (ort.Tensor | undefined)[] = [];

  constructor(
    readonly session: ort.InferenceSession,
    readonly step: StepModel,
    readonly steps: number,
  ) {
    const inputs = new Set(session.inputNames);
    const scalar = () => zeros(step.floatType, 1, []);
    for (let i = 0; i < steps; i++) {
      const lr = this.name(STEP_INPUTS.lr, i);
      const count = this.name(STEP_INPUTS.step, i);
      this.lr.push(inputs.has(lr) ? (this.feeds[lr] = scalar()) : undefined);
      this.stepCount.push(inputs.has(count) ? (this.feeds[count] = scalar()) : undefined);
      for (const name of step.scalars) this.fetches[this.name(name, i)] = scalar();
    }
    for (const name of session.outputNames) if (!(name in this.fetches)) this.fetches[name] = null;
  }

  /** Step `i`'s name for a per-step input or output (batch, learning rate, step count, loss...). */
  name(name: string, i: number): string {
    return this.steps === 1 ? name : stepValue(name, i);
  }
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

  private constructor(
    private readonly single: Runner,
    private readonly unrolled: Runner | undefined,
    readonly step: StepModel,
    private readonly carried: Map<string, ort.Tensor>,
  ) {
    for (const [name, t] of carried) if (step.carried.has(name)) this.spare.set(name, zeros(step.floatType, t.data.length, t.dims));
  }

  static async create(step: StepModel, weights: Map<string, FloatArray>, options: SessionOptions = {}): Promise<TrainingSession> {
    const carried = new Map<string, ort.Tensor>();
    for (const p of step.trainable) {
      const value = weights.get(p.name);
      if (!value) throw new Error(`no initial value for trainable tensor ${p.name}`);
      carried.set(p.name, new ort.Tensor(step.floatType, value.slice(), p.dims));
      for (const s of p.state) carried.set(s, zeros(step.floatType, value.length, p.dims));
    }
    const single = new Runner(await ort.InferenceSession.create(encodeModel(step.model), sessionOptions(options)), step, 1);
    const k = stepsPerRun(step, carried, options.stepsPerRun);
    const model = k > 1 ? unrollSteps(step, k) : undefined;
    const unrolled = model ? new Runner(await ort.InferenceSession.create(encodeModel(model), sessionOptions(options)), step, k) : undefined;
    return new TrainingSession(single, unrolled, step, carried);
  }

  /** How many batches `runSteps` trains on in one ORT run. */
  get stepsPerRun(): number {
    return this.unrolled?.steps ?? 1;
  }

  /** Feed the batches (one per step of the runner) and the carried tensors, run, keep the updated tensors. */
  private async execute(runner: Runner, batches: Record<string, ort.Tensor>[], lrs: number[]): Promise<ort.InferenceSession.ReturnType> {
    batches.forEach((batch, i) => {
      for (const [name, tensor] of Object.entries(batch)) runner.feeds[runner.name(name, i)] = tensor;
      const lr = runner.lr[i];
      if (lr) lr.data[0] = lrs[i] ?? 0;
      const count = runner.stepCount[i];
      if (count) count.data[0] = this.stepCount + i + 1;
    });
    for (const [input, output] of this.step.carried) {
      runner.feeds[input] = this.carried.get(input)!;
      runner.fetches[output] = this.spare.get(input)!;
    }
    for (const name of this.carried.keys()) if (!this.step.carried.has(name)) runner.feeds[name] = this.carried.get(name)!;
    const out = await runner.session.run(runner.feeds, runner.fetches);
    if (this.step.carried.size) {
      this.stepCount += batches.length;
      for (const input of this.step.carried.keys()) {
        const next = this.spare.get(input)!;
        this.spare.set(input, this.carried.get(input)!);
        this.carried.set(input, next);
      }
    }
    return out;
  }

  private static results(runner: Runner, out: ort.InferenceSession.ReturnType, steps: number): StepResult[] {
    return Array.from({ length: steps }, (_, i) => {
      const num = (name: string) => {
        const t = out[runner.name(name, i)] as ort.Tensor | undefined;
        return t ? Number(t.data[0]) : undefined;
      };
      return { loss: num('loss')!, correct: num('correct'), gradNorm: num('grad_norm') };
    });
  }

  /** Run one step on a batch (data inputs by name); `lr` is the learning rate for this step. */
  async run(batch: Record<string, ort.Tensor>, lr = 0): Promise<StepResult> {
    return TrainingSession.results(this.single, await this.execute(this.single, [batch], [lr]), 1)[0];
  }

  /**
   * Steps on several batches in turn (`lrs[i]` for batch i): `stepsPerRun` of them in one ORT run, fewer one by one.
   * The same updates as as many `run` calls.
   */
  async runSteps(batches: Record<string, ort.Tensor>[], lrs: number[]): Promise<StepResult[]> {
    if (this.unrolled && batches.length === this.unrolled.steps) {
      return TrainingSession.results(this.unrolled, await this.execute(this.unrolled, batches, lrs), batches.length);
    }
    const out: StepResult[] = [];
    for (const [i, batch] of batches.entries()) out.push(await this.run(batch, lrs[i]));
    return out;
  }

  /** Every output of a run by name (e.g. the `grad:<name>` outputs of a `gradients: true` step), as copies. */
  async runAll(batch: Record<string, ort.Tensor>, lr = 0): Promise<Record<string, FloatArray>> {
    const out = await this.execute(this.single, [batch], [lr]);
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
    await this.single.session.release();
    await this.unrolled?.session.release();
  }
}
