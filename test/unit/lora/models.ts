import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { GraphBuilder } from '../../../src/core/onnx/builder';
import { encodeModel } from '../../../src/core/onnx/model';
import { seededRandom } from '../../../src/core/onnx/random';

export const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

/** sklearn's digits: 1797 rows of 64 pixels scaled to [0, 1], and the digit. */
export function digits(): { x: Float32Array; y: number[] } {
  const rows = gunzipSync(readFileSync(`${SKLEARN_DATA}/digits.csv.gz`)).toString().trim().split('\n').map((l) => l.split(',').map(Number));
  const x = new Float32Array(rows.length * 64);
  rows.forEach((r, i) => x.set(r.slice(0, 64).map((v) => v / 16), i * 64));
  return { x, y: rows.map((r) => r[64]) };
}

/**
 * A toy attention-like block: q/k/v projections (MatMul, names q_proj/k_proj/v_proj) over x [batch, 8], a Gemm
 * with transB=1 and alpha 0.5 for the output: enough linear layers of every form to test targeting and merging.
 */
export function attentionBlock(seed = 3): onnx.ModelProto {
  const random = seededRandom(seed);
  const w = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5);
  const g = new GraphBuilder('block').input('x', 'float32', ['batch', 8]);
  for (const p of ['q', 'k', 'v']) g.initializer(`layer0.${p}_proj.weight`, w(64), [8, 8]).node('MatMul', ['x', `layer0.${p}_proj.weight`], [p]);
  g.node('Mul', ['q', 'k'], ['qk'])
    .node('Sigmoid', ['qk'], ['gate'])
    .node('Mul', ['gate', 'v'], ['mixed'])
    .initializer('out.weight', w(8 * 5), [5, 8])
    .initializer('out.bias', w(5), [5])
    .node('Gemm', ['mixed', 'out.weight', 'out.bias'], ['logits'], { transB: 1, alpha: { kind: 'float', value: 0.5 } })
    .output('logits', 'float32', ['batch', 5]);
  return g.build({ opset: 17 });
}

/** Run a model on one float input and return its first output. */
export async function runModel(model: onnx.IModelProto, input: Float32Array, dims: number[], name = 'input'): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(encodeModel(model));
  try {
    const out = await session.run({ [name]: new ort.Tensor('float32', input, dims) });
    return out[session.outputNames[0]].data as Float32Array;
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function accuracy(logits: Float32Array, labels: number[], classes: number): number {
  let correct = 0;
  labels.forEach((label, i) => {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    if (row.indexOf(Math.max(...row)) === label) correct++;
  });
  return correct / labels.length;
}
