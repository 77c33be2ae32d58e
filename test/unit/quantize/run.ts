// Runs models in the real onnxruntime-node, as the quantize tests compare them.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { encodeModel, seededRandom } from '../../../src/core/onnx';

export async function runModel(model: onnx.IModelProto, feeds: Record<string, ort.Tensor>): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(encodeModel(model));
  try {
    const results = await session.run(feeds);
    return session.outputNames.map((n) => results[n].data as Float32Array);
  } finally {
    await session.release();
  }
}

export function randomInput(dims: number[], seed: number): ort.Tensor {
  const random = seededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('float32', Float32Array.from({ length: n }, () => 2 * random() - 1), dims);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`outputs of ${a.length} and ${b.length} values`);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}
