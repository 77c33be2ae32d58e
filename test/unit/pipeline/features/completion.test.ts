import assert from 'node:assert/strict';
import { test } from 'node:test';
import { complete } from '../../../../src/core/pipeline/features/completion';
import { cursorAt } from '../../../../src/core/pipeline/features/cursor';
import { LineIndex } from '../../../../src/core/pipeline/text';
import { atCursor, CURSOR, mark, PIPELINE, STORE } from './fixture';

interface Case {
  name: string;
  text: string;
  /** Exactly these labels, in order. */
  labels?: string[];
  /** At least these. */
  includes?: string[];
  excludes?: string[];
}

const withLine = (after: string, line: string) => mark(after + '\n', after.length + 1, PIPELINE.replace(after + '\n', `${after}\n${line}\n`)).replace(`${line}\n`, `${line}${CURSOR}\n`).replace(CURSOR + line, line);

const CASES: Case[] = [
  { name: 'top-level keys not yet present', text: mark('version'), labels: ['models'] },
  { name: 'stage keys not yet present, in a new line of a stage', text: withLine('    metrics: [prep.json]', '    '), labels: ['uses', 'with', 'deps', 'params', 'needs', 'env', 'cwd', 'description'] },
  { name: 'a partial stage key keeps the word typed', text: withLine('    metrics: [prep.json]', '    ne'), includes: ['needs'] },
  { name: 'stage names in a needs flow list, not the stage itself', text: mark('[prep]', 1), labels: ['prep', 'quant'] },
  { name: 'stage names in a needs string', text: mark('needs: train', 7), labels: ['prep', 'train'] },
  { name: 'stage names in a needs block list', text: withLine('    needs: [prep]', '    needs:\n      - ').replace('    needs: [prep]\n', ''), labels: ['prep', 'quant'] },
  { name: 'stage names for a sweep', text: mark('stage: train', 7), labels: ['prep', 'train', 'quant'] },
  { name: 'params in ${{ params. }}', text: mark('params.lr }}', 7), labels: ['lr', 'epochs', 'net'] },
  { name: 'contexts in an empty ${{ }}', text: PIPELINE.replace('python prep.py', `python prep.py \${{ ${CURSOR}`), labels: ['params', 'stages', 'datasets', 'models'] },
  { name: 'other stages in ${{ stages. }}', text: mark('stages.prep', 7), labels: ['prep', 'quant'] },
  { name: 'outputs of a stage in ${{ stages.prep. }}', text: mark('outs[0] }}'), labels: ['outs[0]', 'metrics[0]'] },
  { name: 'declared datasets in ${{ datasets. }}', text: PIPELINE.replace('python prep.py', `python prep.py \${{ datasets.${CURSOR}`), labels: ['digits'] },
  { name: 'param names in a stage params list', text: mark('[epochs]', 1), labels: ['lr', 'epochs', 'net'] },
  { name: 'uses values: the built-ins', text: mark('uses: quantize', 6), labels: ['quantize', 'distill', 'lora', 'drift', 'evaluate'] },
  { name: 'with keys of the built-in, in a flow map', text: mark('output: models/q.onnx', 6), labels: ['calibration', 'per_channel', 'exclude', 'output'] },
  {
    name: 'with keys of the built-in, in a block map',
    text: PIPELINE.replace('    with: { model: models/teacher.onnx, method: dynamic-int8, output: models/q.onnx }', `    with:\n      model: models/teacher.onnx\n      ${CURSOR}`),
    labels: ['method', 'calibration', 'per_channel', 'exclude', 'output'],
  },
  { name: 'enum values of a with argument', text: mark('dynamic-int8'), labels: ['auto', 'dynamic-int8', 'static-int8', 'fp16', 'int4', 'prune', 'low-rank'] },
  { name: 'model references with versions and aliases', text: mark('models/teacher.onnx, method', 0).replace(`${CURSOR}models/teacher.onnx`, `model:${CURSOR}`), labels: ['model:teacher@latest', 'model:teacher@production', 'model:teacher@v3', 'model:teacher@v1'] },
  { name: 'sweep method values', text: mark('method: random', 8), labels: ['grid', 'random', 'tpe'] },
  { name: 'metric goal values', text: mark('maximize'), labels: ['maximize', 'minimize'] },
  { name: 'sweep parameters: params the stage uses, not yet in the space', text: withLine('      lr: { distribution: log_uniform, min: 0.0001, max: 0.1 }', '      '), labels: ['epochs'] },
  { name: 'distribution keys in a flow map', text: mark('min: 0.0001', 3), labels: ['min', 'step', 'values'] },
  { name: 'nothing for a cmd value', text: mark('python prep.py', 3), labels: [] },
];

for (const c of CASES) {
  test(`completion: ${c.name}`, () => {
    const { analysis, offset } = atCursor(c.text);
    const items = complete(analysis.model, offset, STORE);
    const labels = items.map((i) => i.label);
    if (c.labels) assert.deepEqual(labels, c.labels);
    for (const l of c.includes ?? []) assert.ok(labels.includes(l), `${l} missing from ${labels.join(', ')}`);
    for (const l of c.excludes ?? []) assert.ok(!labels.includes(l), `${l} offered`);
  });
}

test('completion edits replace the word typed so far', () => {
  const { analysis, offset, text } = atCursor(mark('prep]', 2));
  const [item] = complete(analysis.model, offset, STORE);
  assert.equal(item.label, 'prep');
  const edit = item.textEdit as { range: { start: { character: number }; end: { character: number } }; newText: string };
  const line = text.split('\n')[analysis.file.lines.positionAt(offset).line];
  assert.equal(line.slice(edit.range.start.character, edit.range.end.character), 'pr');
});

test('key completions carry the schema docs and insert `key: `', () => {
  const { analysis, offset } = atCursor(withLine('    metrics: [prep.json]', '    '));
  const needs = complete(analysis.model, offset).find((i) => i.label === 'needs')!;
  assert.match((needs.documentation as { value: string }).value, /Stages that must finish before this one/);
  assert.equal((needs.textEdit as { newText: string }).newText, 'needs: ');
});

test('params from a params file are offered in expressions', () => {
  const text = PIPELINE.replace('params: { lr: 0.01, epochs: 10, net: { hidden: [64, 32] } }', 'params: params.yaml');
  const { analysis, offset } = atCursor(mark('params.lr', 7, text));
  assert.deepEqual(complete(analysis.model, offset), [], 'without a way to read it, the params file names no params');
  const withFile = atCursor(mark('params.lr', 7, text), { readFile: (p) => (p === 'params.yaml' ? 'dropout: 0.1\n' : undefined) });
  assert.deepEqual(complete(withFile.analysis.model, withFile.offset).map((i) => [i.label, i.detail]), [['dropout', '0.1']]);
});

test('cursor: flow maps nest their keys into the path', () => {
  const text = 'stages:\n  d:\n    with: { student: { hidden: [';
  assert.deepEqual(cursorAt(new LineIndex(text), text.length), { kind: 'value', path: ['stages', 'd', 'with', 'student', 'hidden'], word: { start: text.length, end: text.length }, inList: true });
});

test('cursor: a list item at the indentation of its key belongs to that key', () => {
  const text = 'stages:\n  t:\n    needs:\n    - ';
  assert.deepEqual(cursorAt(new LineIndex(text), text.length), { kind: 'value', path: ['stages', 't', 'needs'], word: { start: text.length, end: text.length }, inList: true });
});
