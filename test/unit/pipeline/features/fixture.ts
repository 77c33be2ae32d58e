import { analyze, type PipelineAnalysis, type ValidationContext } from '../../../../src/core/pipeline/service';
import type { StoreSnapshot } from '../../../../src/core/pipeline/store';

/** The cursor marker in feature test texts. */
export const CURSOR = '‸';

/** Analyse a text holding one `‸`: the analysis of the text without it, and the marker's offset. */
export function atCursor(marked: string, context: ValidationContext = {}): { analysis: PipelineAnalysis; offset: number; text: string } {
  const offset = marked.indexOf(CURSOR);
  if (offset < 0) throw new Error(`no ${CURSOR} in test text`);
  const text = marked.slice(0, offset) + marked.slice(offset + CURSOR.length);
  return { analysis: analyze(text, context), offset, text };
}

export const STORE: StoreSnapshot = {
  datasets: [{ name: 'digits', versions: [1, 2] }],
  models: [{ name: 'teacher', versions: [1, 3], aliases: { production: 3 } }],
};

export const PIPELINE = `version: 1
params: { lr: 0.01, epochs: 10, net: { hidden: [64, 32] } }
datasets:
  digits: { path: data/digits.csv }
stages:
  prep:
    cmd: python prep.py
    outs: [data/clean.csv]
    metrics: [prep.json]
  train:
    description: Train the teacher
    cmd: python train.py --lr \${{ params.lr }} --in \${{ stages.prep.outs[0] }}
    params: [epochs]
    needs: [prep]
    outs: [models/teacher.onnx]
  quant:
    uses: quantize
    with: { model: models/teacher.onnx, method: dynamic-int8, output: models/q.onnx }
    needs: train
sweeps:
  search:
    stage: train
    method: random
    metric: { name: acc, goal: maximize }
    parameters:
      lr: { distribution: log_uniform, min: 0.0001, max: 0.1 }
`;

/** PIPELINE with `‸` placed at the `nth` occurrence of `needle`, `delta` characters into it. */
export function mark(needle: string, delta = 0, text = PIPELINE, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`'${needle}' not in text`);
  return text.slice(0, at + delta) + CURSOR + text.slice(at + delta);
}
