import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import { splitTopLevel } from '../../../src/core/pipeline/blocks';
import { OutputIndex } from '../../../src/core/pipeline/dag';
import { IncrementalAnalyzer } from '../../../src/core/pipeline/incremental';
import { analyze, locate, type PipelineAnalysis, type ValidationContext } from '../../../src/core/pipeline/service';
import { generatePipeline, seededRandom } from '../../support/pipelineGen';
import { loadCases, toValidationContext } from './cases';

/** Every node's path, range and scalar value, in document order: what features (hover, completion...) read. */
function nodes(doc: Document.Parsed): string[] {
  const out: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (isPair(node)) {
      walk(node.key, `${path}/key`);
      walk(node.value, `${path}/value`);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const range = (node as { range?: number[] }).range;
    out.push(`${path} ${JSON.stringify(range)}${isScalar(node) ? ` ${JSON.stringify(node.value)}` : ''}`);
    if (isMap(node) || isSeq(node)) node.items.forEach((item, i) => walk(item, `${path}/${i}`));
  };
  walk(doc.contents, '');
  return out;
}

const located = (a: PipelineAnalysis) => a.diagnostics.map((d) => locate(a.file.lines, d));

/** Incremental analysis must be indistinguishable from a full one: same diagnostics, same nodes, same model. */
function assertSame(incremental: PipelineAnalysis, text: string, context: ValidationContext, label: string): void {
  const full = analyze(text, context);
  assert.deepEqual(located(incremental), located(full), `diagnostics differ: ${label}\n${text}`);
  assert.deepEqual(nodes(incremental.file.doc), nodes(full.file.doc), `nodes differ: ${label}`);
  assert.deepEqual(incremental.model.expressions, full.model.expressions, `expressions differ: ${label}`);
  assert.deepEqual([...incremental.model.stages.keys()], [...full.model.stages.keys()], `stages differ: ${label}`);
  assert.deepEqual(incremental.dag, full.dag, `DAG differs: ${label}`);
}

const ALPHABET = ['a', 'x', '_', '1', ' ', ':', '-', '#', '"', "'", '[', ']', '{', '}', ',', '\n', '  ', '$', '&', '*', '|'];

/** A random edit, mostly inside values (the editor case), sometimes anywhere with YAML-significant characters. */
function randomEdit(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const r = rnd();
  if (r < 0.4) return text.slice(0, at) + 'abcdefgh'[Math.floor(rnd() * 8)] + text.slice(at);
  if (r < 0.6) return text.slice(0, at) + text.slice(at + 1);
  if (r < 0.9) return text.slice(0, at) + ALPHABET[Math.floor(rnd() * ALPHABET.length)] + text.slice(at);
  // move a whole line elsewhere: reorders stages and keys
  const lines = text.split('\n');
  const [line] = lines.splice(Math.floor(rnd() * lines.length), 1);
  lines.splice(Math.floor(rnd() * lines.length), 0, line);
  return lines.join('\n');
}

test('incremental analysis equals full analysis on every diagnostic case, and after edits to it', () => {
  const rnd = seededRandom(7);
  for (const c of loadCases()) {
    const context = toValidationContext(c.context);
    const analyzer = new IncrementalAnalyzer();
    let text = c.text;
    assertSame(analyzer.analyze(text, context), text, context, c.name);
    for (let i = 0; i < 8; i++) {
      text = randomEdit(text, rnd);
      assertSame(analyzer.analyze(text, context), text, context, `${c.name} after edit ${i + 1}`);
    }
  }
});

test('incremental analysis equals full analysis through a series of random edits to a generated pipeline', () => {
  const rnd = seededRandom(11);
  const context: ValidationContext = { store: { datasets: [{ name: 'digits', versions: [1, 2] }], models: [{ name: 'teacher', versions: [1], aliases: { production: 1 } }] } };
  const analyzer = new IncrementalAnalyzer();
  let text = generatePipeline(30, 3);
  let incrementalRuns = 0;
  for (let i = 0; i < 120; i++) {
    const a = analyzer.analyze(text, context);
    if (a.file.stageWork) incrementalRuns++;
    assertSame(a, text, context, `edit ${i}`);
    // like a user, fix most syntax errors before the next edit (else one early error would hide the rest of the run)
    if (a.file.syntaxErrors.length && rnd() < 0.75) text = generatePipeline(30, 3);
    text = randomEdit(text, rnd);
  }
  // the edits must mostly leave the text splittable, or this test would only compare full analyses
  assert.ok(incrementalRuns > 40, `only ${incrementalRuns} of 120 analyses were incremental`);
});

test('texts that cannot be cut into blocks safely are analysed whole', () => {
  assert.equal(splitTopLevel('---\nversion: 1\n'), undefined, 'document marker');
  assert.equal(splitTopLevel('- a\n- b\n'), undefined, 'root list');
  assert.equal(splitTopLevel('"version": 1\n'), undefined, 'quoted key');
  assert.equal(splitTopLevel('params: "a\nb"\n'), undefined, 'quoted scalar continued at column 0');
  assert.equal(splitTopLevel('# only a comment\n'), undefined, 'no keys');
  const split = splitTopLevel('# head\nversion: 1\nstages:\n  a:\n    cmd: x\n# note\n  b: { cmd: y }\n')!;
  assert.deepEqual(
    split.map((b) => [b.text, b.stages?.header.text, b.stages?.entries.map((e) => e.text)]),
    [
      ['# head\nversion: 1\n', undefined, undefined],
      ['stages:\n  a:\n    cmd: x\n# note\n  b: { cmd: y }\n', 'stages:\n', ['  a:\n    cmd: x\n# note\n', '  b: { cmd: y }\n']],
    ],
  );
  // an irregular stages section (a stage indented differently) is one block
  assert.equal(splitTopLevel('stages:\n  a:\n    cmd: x\n b:\n    cmd: y\n')![0].stages, undefined);
  const analyzer = new IncrementalAnalyzer();
  const anchored = 'version: 1\nparams: &p { lr: 1 }\nstages:\n  a:\n    cmd: x\n    env: *p\n';
  const a = analyzer.analyze(anchored);
  assert.equal(a.file.stageWork, undefined, 'an alias makes the text analysed whole');
  assertSame(a, anchored, {}, 'aliases');
});

test('an edit inside one stage re-derives only that stage', () => {
  const analyzer = new IncrementalAnalyzer();
  const text = generatePipeline(20, 5);
  const before = analyzer.analyze(text);
  const stage3 = before.model.stages.get('stage_3')!;
  const stage12 = before.model.stages.get('stage_12')!;
  const at = text.indexOf('step 3 of');
  const after = analyzer.analyze(text.slice(0, at) + 'X' + text.slice(at));
  assert.notEqual(after.model.stages.get('stage_3'), stage3, 'the edited stage is derived again');
  assert.equal(after.model.stages.get('stage_12'), stage12, 'a later stage is reused');
  assert.equal(stage12.key.start, text.indexOf('  stage_12:') + 2 + 1, 'and moved by the inserted character');
});

test('the output index is kept while no output changes, and output conflicts follow the text that moves', () => {
  const analyzer = new IncrementalAnalyzer();
  const base = 'version: 1\nstages:\n  a:\n    cmd: run a\n    outs: [out/a, shared]\n  b:\n    cmd: run b\n    outs: [shared, out/a/inner]\n';
  const first = analyzer.analyze(base);
  const index = OutputIndex.of(first.model);
  const edits = [
    base.replace('run a', 'run aa'),
    base.replace('run a', 'run aa').replace('outs: [shared, out', 'outs: [other, out'),
    '# a comment moving everything\n' + base.replace('run a', 'run aa').replace('outs: [shared, out', 'outs: [other, out'),
  ];
  const analyses = edits.map((text) => {
    const a = analyzer.analyze(text);
    assertSame(a, text, {}, text);
    return a;
  });
  assert.equal(OutputIndex.of(analyses[0].model), index, 'a command edit reuses the index');
  assert.notEqual(OutputIndex.of(analyses[1].model), index, 'an output edit rebuilds it');
  assert.deepEqual(first.diagnostics.map((d) => d.code).sort(), ['duplicate-output', 'duplicate-output', 'overlapping-outputs']);
  assert.deepEqual(analyses[2].diagnostics.map((d) => [d.code, edits[2].slice(d.span.start, d.span.end)]), [['overlapping-outputs', 'out/a/inner']]);
});
