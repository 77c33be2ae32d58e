import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { encodeModel, inspectModel } from '../onnx';
import { adaptFeeds, tensorValues, type Feeds } from './evaluate';

/** The task metric of a model on labelled rows: accuracy for a classifier (last axis > 1), else mean squared error. */
export interface TaskMetric {
  name: 'accuracy' | 'mse';
  value: number;
}

/** Run `model` on each feed and score its first output against `labels` (one label per feed). */
export async function taskMetric(model: onnx.IModelProto, feeds: readonly Feeds[], labels: readonly number[]): Promise<TaskMetric> {
  const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const types = new Map(inspectModel(model).inputs.map((i) => [i.name, i.elemType]));
    let [correct, squared, classifier] = [0, 0, false];
    for (const [i, feed] of feeds.entries()) {
      const out = (await session.run(adaptFeeds(feed, types)))[session.outputNames[0]];
      const v = tensorValues(out);
      classifier = (out.dims.at(-1) ?? 1) > 1;
      if (classifier) {
        const top = v.reduce((best, x, j) => (x > v[best] ? j : best), 0);
        if (top === labels[i]) correct++;
      } else squared += (v[0] - labels[i]) ** 2;
    }
    return classifier ? { name: 'accuracy', value: correct / feeds.length } : { name: 'mse', value: squared / feeds.length };
  } finally {
    await session.release();
  }
}
