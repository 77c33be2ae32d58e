import type { onnx } from 'onnx-proto';
import { accuracy, meanSquaredError } from '../evaluate/metrics';
import { predictBatches } from '../evaluate/predict';
import type { Feeds } from './evaluate';

/** The task metric of a model on labelled rows: accuracy for a classifier (several output columns), else mean squared error. */
export interface TaskMetric {
  name: 'accuracy' | 'mse';
  value: number;
}

/** Run `model` on each feed (one row each) and score its first output against `labels` (one label per feed). */
export async function taskMetric(model: onnx.IModelProto, feeds: readonly Feeds[], labels: readonly number[]): Promise<TaskMetric> {
  const predictions = await predictBatches(model, feeds.map((f) => ({ feeds: f, rows: 1 })));
  return predictions.columns > 1 ? { name: 'accuracy', value: accuracy(predictions, labels) } : { name: 'mse', value: meanSquaredError(predictions, labels) };
}
