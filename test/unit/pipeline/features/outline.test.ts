import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver-types';
import { codeActions, toLspDiagnostic } from '../../../../src/core/pipeline/features/codeActions';
import { codeLenses, PIPELINE_COMMANDS } from '../../../../src/core/pipeline/features/codeLens';
import { documentSymbols } from '../../../../src/core/pipeline/features/symbols';
import { analyze, validate } from '../../../../src/core/pipeline/service';
import { LineIndex } from '../../../../src/core/pipeline/text';
import { PIPELINE } from './fixture';

const outline = (symbols: DocumentSymbol[]): unknown[] => symbols.map((s) => [s.name, s.kind, s.range.start.line, s.range.end.line, s.detail ?? '', ...(s.children ? [outline(s.children)] : [])]);

test('document symbols: sections with their entries, ranges over the whole entry', () => {
  const { model } = analyze(PIPELINE);
  assert.deepEqual(outline(documentSymbols(model)), [
    ['params', SymbolKind.Namespace, 1, 1, '', [['lr', SymbolKind.Variable, 1, 1, '0.01'], ['epochs', SymbolKind.Variable, 1, 1, '10'], ['net', SymbolKind.Variable, 1, 1, '{"hidden":[64,32]}']]],
    ['datasets', SymbolKind.Namespace, 2, 3, '', [['digits', SymbolKind.File, 3, 3, 'data/digits.csv']]],
    ['stages', SymbolKind.Namespace, 4, 18, '', [
      ['prep', SymbolKind.Function, 5, 8, 'python prep.py'],
      ['train', SymbolKind.Function, 9, 14, 'python train.py --lr ${{ params.lr }} --in ${{ stages.prep.outs[0] }}'],
      ['quant', SymbolKind.Function, 15, 18, 'uses: quantize'],
    ]],
    ['sweeps', SymbolKind.Namespace, 19, 25, '', [['search', SymbolKind.Event, 20, 25, 'stage: train']]],
  ]);
});

test('document symbols of a broken file keep what parses', () => {
  const { model } = analyze('stages:\n  a: { cmd: x\n  b:\n    cmd: y\n');
  assert.deepEqual(documentSymbols(model).map((s) => s.name), ['stages']);
});

test('code lenses: run and DAG above stages:, run above each stage, with the URI and name; run above each sweep', () => {
  const { model } = analyze(PIPELINE);
  const lenses = codeLenses(model, 'file:///ws/lathe.yaml').map((l) => [l.range.start.line, l.command!.title, l.command!.command, ...(l.command!.arguments ?? [])]);
  assert.deepEqual(lenses, [
    [4, 'Run pipeline', PIPELINE_COMMANDS.run, 'file:///ws/lathe.yaml'],
    [4, 'Show DAG', PIPELINE_COMMANDS.showDag, 'file:///ws/lathe.yaml'],
    [5, 'Run stage', PIPELINE_COMMANDS.runStage, 'file:///ws/lathe.yaml', 'prep'],
    [9, 'Run stage', PIPELINE_COMMANDS.runStage, 'file:///ws/lathe.yaml', 'train'],
    [15, 'Run stage', PIPELINE_COMMANDS.runStage, 'file:///ws/lathe.yaml', 'quant'],
    [20, 'Run sweep', PIPELINE_COMMANDS.runSweep, 'file:///ws/lathe.yaml', 'search'],
  ]);
  assert.deepEqual(codeLenses(analyze('version: 1\nstages: {}\n').model, 'u'), []);
});

const BROKEN = 'version: 1\nstages:\n  a:\n    cmd: x\n    neds: [b]  # note\n  b:\n    cmd: y # lathe-ignore missing-dep\n';

test('code actions: the diagnostic fixes from data, then ignore-on-this-line', () => {
  const diagnostics = validate(BROKEN).map(toLspDiagnostic);
  assert.deepEqual(diagnostics.map((d) => [d.code, d.severity, d.source]), [['unknown-key', 1, 'lathe']]);
  const actions = codeActions(new LineIndex(BROKEN), 'u', diagnostics, diagnostics[0].range);
  assert.deepEqual(actions.map((a) => [a.title, a.isPreferred ?? false, a.edit!.changes!.u]), [
    ["Change to 'needs'", true, [{ range: { start: { line: 4, character: 4 }, end: { line: 4, character: 8 } }, newText: 'needs' }]],
    ["Ignore 'unknown-key' on this line", false, [{ range: { start: { line: 4, character: 21 }, end: { line: 4, character: 21 } }, newText: ' # lathe-ignore unknown-key' }]],
  ]);
  const ignored = BROKEN.replace('# note', '# note # lathe-ignore unknown-key');
  assert.deepEqual(validate(ignored), [], 'the ignore comment silences the diagnostic');
});

test('code actions: an existing lathe-ignore gets the code appended; other ranges and sources are left out', () => {
  const text = 'version: 1\nstages:\n  a:\n    cmd: x # lathe-ignore missing-dep\n    neds: [b]\n';
  const d = toLspDiagnostic({ code: 'cycle', message: 'm', severity: 'error', span: { start: 0, end: 0 }, range: { start: { line: 3, character: 4 }, end: { line: 3, character: 7 } } });
  const [action] = codeActions(new LineIndex(text), 'u', [d], d.range);
  assert.equal(action.edit!.changes!.u[0].newText, ', cycle');
  const elsewhere = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
  assert.deepEqual(codeActions(new LineIndex(text), 'u', [d], elsewhere), []);
  assert.deepEqual(codeActions(new LineIndex(text), 'u', [{ ...d, source: 'yaml' }], d.range), []);
});
