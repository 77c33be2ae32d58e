import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hover } from '../../../../src/core/pipeline/features/hover';
import { atCursor, mark, PIPELINE, STORE } from './fixture';

/** [case, marked text, a pattern the hover markdown must match (undefined: no hover)]. */
const CASES: [string, string, RegExp | undefined][] = [
  ['a top-level key shows its doc', mark('stages:', 2), /^\*\*stages\*\*\n\nThe stages of the pipeline/],
  ['a stage key shows the schema doc', mark('cmd: python prep', 1), /\*\*stages\.prep\.cmd\*\*\n\nThe command to run/],
  ['a with argument of a built-in shows its doc and values', mark('method: dynamic', 2), /Quantization method\.[\s\S]*`int4`: Weight-only/],
  ['a number key shows its bounds', mark('max: 0.1', 1), /Upper bound/],
  ['an enum value shows its doc', mark('log_uniform', 3), /`log_uniform`: Real values uniform in log space/],
  ['a scalar param expression shows its value', mark('params.lr', 8), /`params\.lr` = `0\.01`\n\nDefined in this file/],
  ['a stage output expression shows the path', mark('stages.prep.outs', 8), /`stages\.prep\.outs\[0\]` = `data\/clean\.csv`/],
  ['a stage name shows what it runs, needs and outputs', mark('train:', 1), /\*\*stage `train`\*\* — Train the teacher[\s\S]*python train\.py[\s\S]*Runs after: `prep`[\s\S]*Needed by: `quant`/],
  ['a needs entry shows the stage it names', mark('[prep]', 2), /\*\*stage `prep`\*\*[\s\S]*Outputs: `data\/clean\.csv`/],
  ['a param key shows its value', mark('lr: 0.01', 0), /\*\*param `lr`\*\* = `0\.01`/],
  ['a plain cmd value has no hover', mark('python prep.py', 2), undefined],
];

for (const [name, marked, pattern] of CASES) {
  test(`hover: ${name}`, () => {
    const { analysis, offset } = atCursor(marked);
    const h = hover(analysis.model, analysis.dag, offset, STORE);
    if (!pattern) return assert.equal(h, undefined);
    assert.ok(h, 'no hover');
    assert.match((h.contents as { value: string }).value, pattern);
  });
}

test('hover: a structured param path resolves inside the value', () => {
  const text = PIPELINE.replace('python prep.py', 'python prep.py ${{ params.net.hidden[1] }}');
  const { analysis, offset } = atCursor(mark('net.hidden', 2, text));
  assert.match((hover(analysis.model, analysis.dag, offset)!.contents as { value: string }).value, /`params\.net\.hidden\[1\]` = `32`/);
});

test('hover: store references summarise versions and aliases', () => {
  const text = PIPELINE.replace('model: models/teacher.onnx', 'model: model:teacher@production').replace('python prep.py', 'python prep.py\n    deps: [dataset:digits@v7]');
  const model = atCursor(mark('model:teacher', 8, text));
  assert.equal((hover(model.analysis.model, model.analysis.dag, model.offset, STORE)!.contents as { value: string }).value, '**model `teacher`** — `production` is v3\n\nVersions: v1, v3 (latest v3)\n\nAliases: `production` → v3');
  const dataset = atCursor(mark('dataset:digits', 3, text));
  assert.match((hover(dataset.analysis.model, dataset.analysis.dag, dataset.offset, STORE)!.contents as { value: string }).value, /dataset `digits`\*\* — no version `v7`\n\nVersions: v1, v2 \(latest v2\)/);
});

test('hover: a param from the params file names that file', () => {
  const text = PIPELINE.replace('params: { lr: 0.01, epochs: 10, net: { hidden: [64, 32] } }', 'params: params.yaml');
  const { analysis, offset } = atCursor(mark('params.lr', 8, text), { readFile: () => 'lr: 0.3\nepochs: 1\n' });
  assert.match((hover(analysis.model, analysis.dag, offset)!.contents as { value: string }).value, /= `0\.3`\n\nDefined in `params\.yaml`/);
});

test('hover range is the hovered node', () => {
  const { analysis, offset } = atCursor(mark('cmd: python prep', 1));
  assert.deepEqual(hover(analysis.model, analysis.dag, offset)!.range, { start: { line: 6, character: 4 }, end: { line: 6, character: 7 } });
});
