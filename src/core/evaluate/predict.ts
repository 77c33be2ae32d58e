import { performance } from 'node:perf_hooks';
import type { onnx } from 'onnx-proto';
import { adaptFeeds, openSession, tensorValues, type Feeds } from '../quantize/evaluate';
import { LatheError } from '../workspace/errors';
import type { Scores } from './metrics';

/** One run of the model: its feeds and how many rows (samples) they hold. */
export interface Batch {
  feeds: Feeds;
  rows: number;
}

/** The model's first output over every row, and the time each batch took per row. */
export interface Predictions extends Scores {
  values: Float64Array;
  output: string;
  /** Milliseconds per row of each batch, measured after one warm-up run. */
  msPerRow: number[];
}

export interface PredictOptions {
  signal?: AbortSignal;
  /** Called after each batch with the rows done so far. */
  onBatch?(rowsDone: number): void;
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LatheError('cancelled', 'the evaluation was cancelled; nothing was written', { hint: 'run it again to finish' });
}

/** Run `model` (one thread) on each batch in turn and gather its first output as rows × columns. */
export async function predictBatches(model: onnx.IModelProto, batches: readonly Batch[], options: PredictOptions = {}): Promise<Predictions> {
  const { session, types } = await openSession(model);
  try {
    const output = session.outputNames[0];
    const total = batches.reduce((n, b) => n + b.rows, 0);
    let [values, columns, done] = [new Float64Array(0), 0, 0];
    const msPerRow: number[] = [];
    if (batches.length) await session.run(adaptFeeds(batches[0].feeds, types));
    for (const batch of batches) {
      throwIfCancelled(options.signal);
      const feeds = adaptFeeds(batch.feeds, types);
      const start = performance.now();
      const result = await session.run(feeds);
      msPerRow.push((performance.now() - start) / batch.rows);
      const got = tensorValues(result[output]);
      const width = got.length / batch.rows;
      if (!Number.isInteger(width) || width < 1 || (columns && width !== columns)) {
        throw new LatheError('unsupported-output', `output ${output} gave ${got.length} value(s) for a batch of ${batch.rows} row(s) [${result[output].dims.join(', ')}]`, {
          hint: 'the first output must hold the same number of values for every row, e.g. [batch, classes] or [batch, 1]',
        });
      }
      if (!columns) [columns, values] = [width, new Float64Array(total * width)];
      values.set(got, done * columns);
      done += batch.rows;
      options.onBatch?.(done);
    }
    return { output, values, rows: total, columns, msPerRow };
  } finally {
    await session.release();
  }
}
