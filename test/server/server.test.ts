import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { CodeAction, CodeLens, CompletionItem, CompletionList, Diagnostic, DocumentSymbol, Hover, Location, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { generatePipeline } from '../support/pipelineGen';
import { TestClient } from './client';

const BROKEN = `version: 1
params: params.yaml
stages:
  prep:
    cmd: python prep.py
    outs: [data/clean.csv]
  train:
    cmd: python train.py --lr \${{ params.lr }} --epochs \${{ params.epoch }}
    deps: [train.py, data/clean.csv]
    neds: [prep]
  evaluate:
    uses: evaluate
    with: { model: model:teacher@staging, dataset: dataset:digits@latest }
    needs: [train]
sweeps:
  lr-search:
    stage: train
    method: random
    metric: { name: acc, goal: maximize }
    parameters:
      lr: { distribution: log_uniform, min: 0.0001, max: 0.1 }
`;
const FIXED = BROKEN.replace('params.epoch }', 'params.epochs }').replace('neds:', 'needs:').replace('@staging', '@production');

/** Position of the `nth` occurrence of `needle` in `text`, plus `delta` characters. */
function pos(text: string, needle: string, delta = 0, nth = 0) {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `'${needle}' not in text`);
  const before = text.slice(0, at + delta).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

const rangeOf = (text: string, needle: string) => ({ start: pos(text, needle), end: pos(text, needle, needle.length) });
const labels = (r: CompletionItem[] | CompletionList | null) => (Array.isArray(r) ? r : (r?.items ?? [])).map((i) => i.label);

describe('language server over a real LSP connection', () => {
  const settings: Record<string, unknown> = {};
  const client = new TestClient(settings);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lathe-lsp-'));
  const uri = pathToFileURL(path.join(dir, 'lathe.yaml')).toString();
  const paramsUri = pathToFileURL(path.join(dir, 'params.yaml')).toString();
  let version = 1;
  const doc = { uri, version: 1 };

  before(async () => {
    for (const d of ['.lathe/datasets/digits', '.lathe/models/teacher', 'data']) mkdirSync(path.join(dir, d), { recursive: true });
    writeFileSync(path.join(dir, '.lathe/datasets/digits/v1.json'), JSON.stringify({ name: 'digits', version: 1 }));
    writeFileSync(path.join(dir, '.lathe/models/teacher/v1.json'), JSON.stringify({ name: 'teacher', version: 1 }));
    writeFileSync(path.join(dir, '.lathe/models/teacher/v3.json'), JSON.stringify({ name: 'teacher', version: 3 }));
    writeFileSync(path.join(dir, '.lathe/models/teacher/aliases.json'), JSON.stringify({ aliases: { production: 3 } }));
    writeFileSync(path.join(dir, 'params.yaml'), 'lr: 0.01\nepochs: 10\n');
    writeFileSync(path.join(dir, 'train.py'), '');
    writeFileSync(path.join(dir, 'lathe.yaml'), BROKEN);
    await client.initialize(dir);
  });

  after(async () => {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const change = async (text: string) => {
    version++;
    const published = client.diagnostics(uri, version);
    await client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    doc.version = version;
    return published;
  };

  let diagnostics: Diagnostic[] = [];

  test('didOpen of a broken pipeline publishes diagnostics at the offending ranges', async () => {
    const published = client.diagnostics(uri, 1);
    await client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'lathe-pipeline', version: 1, text: BROKEN } });
    diagnostics = (await published).diagnostics;
    const summary = diagnostics.map((d) => ({ code: d.code, range: d.range, severity: d.severity }));
    assert.deepEqual(summary, [
      { code: 'unknown-param', range: { start: pos(BROKEN, 'params.epoch }', 7), end: pos(BROKEN, 'params.epoch }', 12) }, severity: 1 },
      { code: 'unknown-key', range: rangeOf(BROKEN, 'neds'), severity: 1 },
      { code: 'unknown-model', range: rangeOf(BROKEN, 'staging'), severity: 2 },
    ]);
    assert.match(diagnostics[1].message, /did you mean 'needs'/);
  });

  test('codeAction offers the did-you-mean fix carried in diagnostic.data, preferred, with its edit', async () => {
    const typo = diagnostics.find((d) => d.code === 'unknown-key')!;
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: typo.range, context: { diagnostics: [typo] } });
    const fix = actions.find((a) => a.isPreferred);
    assert.equal(fix?.title, "Change to 'needs'");
    assert.deepEqual(fix?.edit?.changes?.[uri], [{ range: rangeOf(BROKEN, 'neds'), newText: 'needs' }]);
    assert.ok(actions.some((a) => a.title === "Ignore 'unknown-key' on this line"));
  });

  test('a severity setting is applied after didChangeConfiguration', async () => {
    settings.severity = { 'unknown-model': 'off', 'unknown-key': 'hint' };
    const published = client.diagnostics(uri, 1);
    await client.notify('workspace/didChangeConfiguration', { settings: {} });
    const after = (await published).diagnostics;
    assert.deepEqual(after.map((d) => [d.code, d.severity]), [['unknown-param', 1], ['unknown-key', 4]]);
    delete settings.severity;
    const restored = client.diagnostics(uri, 1);
    await client.notify('workspace/didChangeConfiguration', { settings: {} });
    assert.equal((await restored).diagnostics.length, 3);
  });

  test('a store change reported by didChangeWatchedFiles refreshes the snapshot', async () => {
    const aliases = path.join(dir, '.lathe/models/teacher/aliases.json');
    writeFileSync(aliases, JSON.stringify({ aliases: { production: 3, staging: 1 } }));
    const published = client.diagnostics(uri, 1);
    await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(aliases).toString(), type: 2 }] });
    assert.deepEqual((await published).diagnostics.map((d) => d.code), ['unknown-param', 'unknown-key']);
  });

  test('didChange fixing the file clears its diagnostics', async () => {
    assert.deepEqual((await change(FIXED)).diagnostics, []);
  });

  test('a needs entry naming no stage offers the closest stage as its preferred quick fix', async () => {
    const typo = FIXED.replace('needs: [prep]', 'needs: [perp]');
    const [unknown] = (await change(typo)).diagnostics;
    assert.equal(unknown?.code, 'unknown-stage');
    assert.deepEqual(unknown.range, rangeOf(typo, 'perp'));
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: unknown.range, context: { diagnostics: [unknown] } });
    const fix = actions.find((a) => a.isPreferred);
    assert.equal(fix?.title, "Change to 'prep'");
    assert.deepEqual(fix?.edit?.changes?.[uri], [{ range: rangeOf(typo, 'perp'), newText: 'prep' }]);
    assert.deepEqual((await change(FIXED)).diagnostics, []);
  });

  test('rapid edits are validated once, for the last version', async () => {
    const before = client.published.length;
    const first = version + 1;
    for (const text of [BROKEN, FIXED.replace('neds', 'nееds'), FIXED]) {
      version++;
      await client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    }
    doc.version = version;
    assert.deepEqual((await client.diagnostics(uri, version)).diagnostics, []);
    assert.deepEqual(client.published.slice(before).map((p) => p.version), [version], `no diagnostics for versions ${first}..${version - 1}`);
  });

  test('a request the client cancels gets no result', async () => {
    const params = { textDocument: doc, position: pos(FIXED, 'cmd', 1) };
    assert.ok(await client.request('textDocument/hover', params), 'the same request not cancelled has a result');
    const response = (await client.sendCancelled('textDocument/hover', params)) as { result?: unknown; error?: unknown };
    assert.ok(!('error' in response), JSON.stringify(response));
    assert.equal(response.result, null);
  });

  test('completion in needs lists the other stages', async () => {
    const r = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: doc, position: pos(FIXED, 'needs: [train', 'needs: ['.length) });
    assert.deepEqual(labels(r), ['prep', 'train']);
  });

  test('completion inside ${{ params. lists the params of the params file', async () => {
    const text = FIXED.replace('python prep.py', 'python prep.py ${{ params. }}');
    await change(text);
    const r = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: doc, position: pos(text, '${{ params.', '${{ params.'.length) });
    assert.deepEqual(labels(r), ['lr', 'epochs']);
    await change(FIXED);
  });

  test('completion of a model reference offers versions and aliases from the store', async () => {
    const r = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: doc, position: pos(FIXED, 'model:teacher', 'model:'.length) });
    assert.deepEqual(labels(r), ['model:teacher@latest', 'model:teacher@production', 'model:teacher@staging', 'model:teacher@v3', 'model:teacher@v1']);
  });

  test('hover on a key shows its documentation from the schema', async () => {
    const h = await client.request<Hover>('textDocument/hover', { textDocument: doc, position: pos(FIXED, 'cmd', 1) });
    assert.match((h.contents as { value: string }).value, /The command to run/);
    assert.deepEqual(h.range, rangeOf(FIXED, 'cmd'));
  });

  test('hover on ${{ params.lr }} shows the value from the params file', async () => {
    const h = await client.request<Hover>('textDocument/hover', { textDocument: doc, position: pos(FIXED, 'params.lr', 8) });
    assert.match((h.contents as { value: string }).value, /`params\.lr` = `0\.01`[\s\S]*params\.yaml/);
  });

  test('definition of a needs entry is the stage key', async () => {
    const locs = await client.request<Location[]>('textDocument/definition', { textDocument: doc, position: pos(FIXED, '[prep]', 2) });
    assert.deepEqual(locs, [{ uri, range: { start: pos(FIXED, 'prep:'), end: pos(FIXED, 'prep:', 4) } }]);
  });

  test('rename of a stage updates its key and every needs entry and sweep', async () => {
    const prepared = await client.request<{ placeholder: string }>('textDocument/prepareRename', { textDocument: doc, position: pos(FIXED, 'train:', 1) });
    assert.equal(prepared.placeholder, 'train');
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: doc, position: pos(FIXED, 'train:', 1), newName: 'fit' });
    const at = edit.changes![uri].map((e) => [e.range.start.line, e.newText]);
    assert.deepEqual(at, [[pos(FIXED, 'train:').line, 'fit'], [pos(FIXED, '[train]').line, 'fit'], [pos(FIXED, 'stage: train').line, 'fit']]);
    await assert.rejects(client.request('textDocument/rename', { textDocument: doc, position: pos(FIXED, 'train:', 1), newName: 'prep' }), /already exists/);
  });

  test('rename of a param edits the params file too', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: doc, position: pos(FIXED, 'params.lr', 8), newName: 'learning_rate' });
    assert.deepEqual(Object.keys(edit.changes!).sort(), [uri, paramsUri].sort());
    assert.deepEqual(edit.changes![paramsUri], [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 2 } }, newText: 'learning_rate' }]);
    assert.equal(edit.changes![uri].length, 2, 'the expression and the sweep parameter');
  });

  test('documentSymbol outlines the sections with stages and sweeps as children', async () => {
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: doc });
    assert.deepEqual(symbols.map((s) => [s.name, (s.children ?? []).map((c) => c.name)]), [['params', []], ['stages', ['prep', 'train', 'evaluate']], ['sweeps', ['lr-search']]]);
  });

  test('codeLens puts Run pipeline, Show DAG and Run stage above the stages, and Run sweep above each sweep', async () => {
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: doc });
    const described = lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments?.slice(1)]);
    assert.deepEqual(described, [
      [2, 'Run pipeline', 'lathe.pipeline.run', []],
      [2, 'Show DAG', 'lathe.pipeline.showDag', []],
      [3, 'Run stage', 'lathe.pipeline.runStage', ['prep']],
      [6, 'Run stage', 'lathe.pipeline.runStage', ['train']],
      [10, 'Run stage', 'lathe.pipeline.runStage', ['evaluate']],
      [15, 'Run sweep', 'lathe.pipeline.runSweep', ['lr-search']],
    ]);
    assert.ok(lenses.every((l) => l.command?.arguments?.[0] === uri));
  });

  test('successive edits of a large pipeline keep every diagnostic at its line', async () => {
    const bigUri = pathToFileURL(path.join(dir, 'big.lathe.yaml')).toString();
    const base = generatePipeline(300, 9);
    const opened = client.diagnostics(bigUri, 1);
    await client.notify('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'lathe-pipeline', version: 1, text: base } });
    const codes = (await opened).diagnostics.map((d) => d.code);
    // a line inserted into an early stage moves every later stage; then a later stage needs a stage that does not exist
    const edits = [
      (t: string) => t.replace('  stage_2:\n', '  stage_2:\n    cwd: .\n'),
      (t: string) => t.replace('  stage_250:\n', '  stage_250:\n    needs: [stage_9999]\n'),
    ];
    let text = base;
    for (const [i, edit] of edits.entries()) {
      text = edit(text);
      const published = client.diagnostics(bigUri, i + 2);
      await client.notify('textDocument/didChange', { textDocument: { uri: bigUri, version: i + 2 }, contentChanges: [{ text }] });
      const diagnostics = (await published).diagnostics;
      if (i === 0) assert.deepEqual(diagnostics.map((d) => d.code), codes);
      else assert.deepEqual(diagnostics.filter((d) => d.code === 'unknown-stage').map((d) => d.range), [rangeOf(text, 'stage_9999')]);
    }
    await client.notify('textDocument/didClose', { textDocument: { uri: bigUri } });
  });

  test('didClose clears the diagnostics', async () => {
    await change(BROKEN);
    const cleared = client.diagnostics(uri);
    await client.notify('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual((await cleared).diagnostics, []);
  });
});
