import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildMlp, saveModel } from '../../../src/core/onnx';
import { registerModel } from '../../../src/core/registry';
import { trainModel } from '../../../src/core/train';
import type { StoreLayout } from '../../../src/core/workspace/layout';

export const DIGITS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';

/** sklearn's digits (1797 rows, 64 pixels 0..16, a label) as a CSV with a header, scaled to 0..1; `labels: false` leaves the label out. */
export async function writeDigitsCsv(file: string, labels = true): Promise<{ x: Float32Array; y: BigInt64Array }> {
  const rows = gunzipSync(readFileSync(DIGITS)).toString().trim().split('\n').map((l) => l.split(',').map(Number));
  const header = [...Array(64).keys()].map((i) => `p${i}`).concat(labels ? ['label'] : []).join(',');
  const lines = rows.map((r) => [...r.slice(0, 64).map((v) => +(v / 16).toFixed(4)), ...(labels ? [r[64]] : [])].join(','));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${header}\n${lines.join('\n')}\n`);
  const x = new Float32Array(rows.length * 64);
  rows.forEach((r, i) => x.set(r.slice(0, 64).map((v) => +(v / 16).toFixed(4)), i * 64));
  return { x, y: BigInt64Array.from(rows.map((r) => BigInt(r[64]))) };
}

/** A teacher MLP 64-128-64-10 trained on the digits with core/train, registered as `digits-teacher@v1`. */
export async function digitsTeacher(layout: StoreLayout, data: { x: Float32Array; y: BigInt64Array }): Promise<string> {
  const trained = await trainModel(buildMlp({ inputSize: 64, hidden: [128, 64], outputSize: 10, seed: 1 }), { input: { data: data.x, shape: [64] }, labels: { data: data.y, shape: [] } }, {
    loss: { kind: 'cross-entropy' }, optimizer: { kind: 'adamw', weightDecay: 0 }, epochs: 6, batchSize: 32, seed: 3, lr: 0.005, validationFraction: 0,
  });
  const file = path.join(layout.root, 'models', 'digits-teacher.onnx');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await saveModel(trained.model, file);
  await registerModel(layout, file, { name: 'digits-teacher' });
  return file;
}
