import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definition, prepareRename, references, rename, symbolAt } from '../../../../src/core/pipeline/features/navigation';
import type { ParsedYaml } from '../../../../src/core/pipeline/parse';
import { atCursor, mark, PIPELINE } from './fixture';

const uriOf = (file: ParsedYaml) => (file.uri === 'lathe.yaml' ? 'file:///ws/lathe.yaml' : `file:///ws/${file.uri}`);
const lineOf = (text: string, needle: string, nth = 0) => {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  return text.slice(0, at).split('\n').length - 1;
};

/** [case, marked text, expected symbol]. Every way a stage or a param is named resolves to it. */
const SYMBOLS: [string, string, string | undefined][] = [
  ['a stage key', mark('prep:', 2), 'stage:prep'],
  ['a needs flow item', mark('[prep]', 3), 'stage:prep'],
  ['a needs string', mark('needs: train', 9), 'stage:train'],
  ['a sweep stage', mark('stage: train', 8), 'stage:train'],
  ['a stages expression', mark('stages.prep', 8), 'stage:prep'],
  ['a param key', mark('epochs: 10', 1), 'param:epochs'],
  ['a params expression', mark('params.lr', 8), 'param:lr'],
  ['a stage params item', mark('[epochs]', 2), 'param:epochs'],
  ['a sweep parameter', mark('lr: { distribution', 1), 'param:lr'],
  ['a cmd word', mark('python prep', 2), undefined],
];

for (const [name, marked, expected] of SYMBOLS) {
  test(`symbolAt: ${name}`, () => {
    const { analysis, offset } = atCursor(marked);
    const found = symbolAt(analysis, offset);
    assert.equal(found && `${found.ref.kind}:${found.ref.name}`, expected);
  });
}

test('definition of a needs entry is the stage key', () => {
  const { analysis, offset } = atCursor(mark('[prep]', 2));
  assert.deepEqual(definition(analysis, offset, uriOf), [{ uri: 'file:///ws/lathe.yaml', range: { start: { line: 5, character: 2 }, end: { line: 5, character: 6 } } }]);
});

test('references of a stage: key, needs, expression; without the declaration when asked', () => {
  const { analysis, offset, text } = atCursor(mark('prep:', 1));
  const lines = references(analysis, offset, true, uriOf).map((l) => l.range.start.line);
  assert.deepEqual(lines, [lineOf(text, 'prep:'), lineOf(text, 'stages.prep'), lineOf(text, '[prep]')]);
  assert.equal(references(analysis, offset, false, uriOf).length, 2);
});

test('rename of a stage edits key, needs, sweep stage and expressions, keeping quotes', () => {
  const text = PIPELINE.replace('needs: train', 'needs: "train"');
  const { analysis, offset } = atCursor(mark('train:', 0, text));
  const edit = rename(analysis, offset, 'fit', uriOf);
  assert.ok(edit && 'changes' in edit);
  const edits = edit.changes['file:///ws/lathe.yaml'];
  const renamed = [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character).reduce((t, e) => {
    const lines = t.split('\n');
    const l = lines[e.range.start.line];
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
    return lines.join('\n');
  }, text);
  assert.equal(renamed, text.replace('  train:', '  fit:').replace('needs: "train"', 'needs: "fit"').replace('stage: train', 'stage: fit'));
});

test('rename refuses invalid and taken names', () => {
  const { analysis, offset } = atCursor(mark('train:', 0));
  assert.deepEqual(rename(analysis, offset, 'prep', uriOf), { error: "a stage named 'prep' already exists" });
  assert.match((rename(analysis, offset, '9 lives', uriOf) as { error: string }).error, /not a valid stage name/);
  assert.equal(rename(analysis, atCursor(mark('python', 1)).offset, 'x', uriOf), undefined);
});

test('rename of a param defined in a params file edits that file too', () => {
  const text = PIPELINE.replace('params: { lr: 0.01, epochs: 10, net: { hidden: [64, 32] } }', 'params: params.yaml');
  const { analysis, offset } = atCursor(mark('params.lr', 8, text), { readFile: () => '# params\nlr: 0.01\nepochs: 10\n' });
  const edit = rename(analysis, offset, 'rate', uriOf) as { changes: Record<string, { range: { start: { line: number; character: number } }; newText: string }[]> };
  assert.deepEqual(edit.changes['file:///ws/params.yaml'], [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 2 } }, newText: 'rate' }]);
  assert.deepEqual(edit.changes['file:///ws/lathe.yaml'].map((e) => e.range.start.line), [lineOf(text, 'params.lr'), lineOf(text, 'lr: { distribution')]);
  assert.deepEqual(definition(analysis, offset, uriOf).map((l) => l.uri), ['file:///ws/params.yaml']);
});

test('prepareRename gives the name range and placeholder', () => {
  const { analysis, offset, text } = atCursor(mark('stages.prep', 9));
  const line = text.split('\n')[11];
  const start = line.indexOf('stages.prep') + 'stages.'.length;
  assert.deepEqual(prepareRename(analysis, offset), { range: { start: { line: 11, character: start }, end: { line: 11, character: start + 4 } }, placeholder: 'prep' });
});

test('a misspelt stage in needs can be renamed to fix every use at once', () => {
  const text = PIPELINE.replace('needs: [prep]', 'needs: [prepp]');
  const { analysis, offset } = atCursor(mark('prepp', 2, text));
  const edit = rename(analysis, offset, 'prep2', uriOf) as { changes: Record<string, unknown[]> };
  assert.equal(edit.changes['file:///ws/lathe.yaml'].length, 1);
});
