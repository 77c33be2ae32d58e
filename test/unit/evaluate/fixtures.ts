// Models whose right answers are known without running them, and rows labelled to match.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GraphBuilder, saveModel, type Dim } from '../../../src/core/onnx';
import { seededRandom } from '../../../src/core/onnx/random';

export const CLASSES = ['cat', 'dog', 'emu'];

/** input [batch, 3] → MatMul with `weight` [3, outputs] → `output` [batch, outputs]. */
export function linearModel(weight: number[][], batch: Dim = 'batch', output = 'scores') {
  const outputs = weight[0].length;
  return new GraphBuilder('linear')
    .input('input', 'float32', [batch, 3])
    .initializer('weight', Float32Array.from(weight.flat()), [3, outputs])
    .node('MatMul', ['input', 'weight'], [output])
    .output(output, 'float32', [batch, outputs])
    .build();
}

/** The identity: the predicted class is the largest feature. */
export const argmaxModel = (batch: Dim = 'batch') => linearModel([[1, 0, 0], [0, 1, 0], [0, 0, 1]], batch);
/** The sum of the three features, one column. */
export const sumModel = () => linearModel([[1], [1], [1]], 'batch', 'value');

/** Rows of three distinct features (one decimal), seeded. */
export function randomRows(count: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const base = [0.1, 0.5, 0.9].map((v) => +(v + 0.3 * random()).toFixed(2));
    for (let i = 2; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [base[i], base[j]] = [base[j], base[i]];
    }
    return base;
  });
}

export async function writeText(file: string, text: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
  return file;
}

export async function writeModel(file: string, model: ReturnType<typeof linearModel>): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await saveModel(model, file);
  return file;
}

/**
 * `rows` classified by their largest feature, named by CLASSES, except every 4th row, which is labelled with the
 * next class: the argmax model's accuracy is exactly `correct / rows.length`.
 */
export function animalsCsv(rows: number[][]): { text: string; correct: number } {
  let correct = 0;
  const lines = rows.map((row, r) => {
    const top = row.indexOf(Math.max(...row));
    const label = r % 4 === 0 ? (top + 1) % 3 : top;
    if (label === top) correct++;
    return [...row, CLASSES[label]].join(',');
  });
  return { text: `a,b,c,species\n${lines.join('\n')}\n`, correct };
}
