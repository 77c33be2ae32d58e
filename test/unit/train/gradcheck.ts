// Central finite differences against the gradients the training-step graph computes, for one small graph.
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import type { Dim } from '../../../src/core/onnx/inspect';
import { seededRandom } from '../../../src/core/onnx/random';
import type { TensorData } from '../../../src/core/onnx/tensor';
import type { LossSpec } from '../../../src/core/train/losses';
import { TrainingSession, type FloatArray } from '../../../src/core/train/session';
import { buildStepModel } from '../../../src/core/train/step';

export interface GradCase {
  type: 'float32' | 'float64';
  opset?: number;
  /** Trainable tensors: dims, and values (default uniform in [-1, 1]). */
  params: Record<string, { dims: number[]; values?: number[] }>;
  /** Adds the nodes computing 'y' from the params (and any constants it adds itself). */
  build: (g: GraphBuilder, floats: (values: number[]) => TensorData) => void;
  /** Shape of 'y' (fixed: the data input is unused by these graphs). */
  yShape: number[];
  /** The loss on 'y' (default MSE against random targets); classification losses read y as [batch, classes]. */
  loss?: LossSpec;
}

/** Random inputs for the loss: targets or teacher logits shaped like y, labels over y's classes. */
function lossFeeds(c: GradCase, loss: LossSpec, random: () => number, floats: (v: number[]) => TensorData): Record<string, ort.Tensor> {
  const size = c.yShape.reduce((a, b) => a * b, 1);
  const values = () => new ort.Tensor(c.type, floats(Array.from({ length: size }, () => 4 * random() - 2)), c.yShape);
  const labels = () => new ort.Tensor('int64', BigInt64Array.from({ length: c.yShape[0] }, () => BigInt(Math.floor(random() * c.yShape[1]))), [c.yShape[0]]);
  switch (loss.kind) {
    case 'mse':
      return { targets: values() };
    case 'cross-entropy':
      return { labels: labels() };
    case 'kl':
      return (loss.alpha ?? 1) < 1 ? { teacher_logits: values(), labels: labels() } : { teacher_logits: values() };
  }
}

/** Checks d loss / d param for every param (default loss mean((y - r)²), r random and fixed). Returns the max error. */
export async function gradCheck(c: GradCase, seed = 7): Promise<number> {
  const random = seededRandom(seed);
  const floats = (values: number[]): TensorData => (c.type === 'float64' ? Float64Array.from(values) : Float32Array.from(values));
  const g = new GraphBuilder('case');
  const initial = new Map<string, FloatArray>();
  for (const [name, p] of Object.entries(c.params)) {
    const n = p.dims.reduce((a, b) => a * b, 1);
    const values = floats(p.values ?? Array.from({ length: n }, () => 2 * random() - 1));
    initial.set(name, values as FloatArray);
    g.initializer(name, values, p.dims);
  }
  c.build(g, floats);
  const yShape: Dim[] = c.yShape;
  const model = g.output('y', c.type, yShape).build({ opset: c.opset ?? 17 });
  const trainable = Object.keys(c.params);
  const loss = c.loss ?? { kind: 'mse' };
  const batch = lossFeeds(c, loss, random, floats);
  const analytic = await TrainingSession.create(buildStepModel(model, { loss, trainable, gradients: true }), initial);
  const grads = await analytic.runAll(batch);
  const evaluate = await TrainingSession.create(buildStepModel(model, { loss, trainable }), initial);
  const h = c.type === 'float64' ? 1e-6 : 3e-3;
  const [atol, rtol] = c.type === 'float64' ? [1e-7, 1e-5] : [2e-3, 2e-2];
  let worst = 0;
  for (const name of trainable) {
    const base = initial.get(name)!;
    const grad = grads[`grad:${name}`];
    assert.ok(grad, `no gradient output for ${name}`);
    for (let i = 0; i < base.length; i++) {
      const at = async (delta: number) => {
        const moved = base.slice();
        moved[i] += delta;
        evaluate.setWeights(new Map([...initial, [name, moved]]));
        return (await evaluate.run(batch)).loss;
      };
      const numeric = ((await at(h)) - (await at(-h))) / (2 * h);
      const error = Math.abs(numeric - grad[i]);
      worst = Math.max(worst, error);
      assert.ok(error <= atol + rtol * Math.abs(numeric), `d loss / d ${name}[${i}]: graph ${grad[i]}, finite differences ${numeric}`);
    }
  }
  await analytic.release();
  await evaluate.release();
  return worst;
}
