import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { severityOverrides } from '../../src/server/settings';
import { isStoreRecord, StoreSnapshots } from '../../src/server/storeSnapshot';

test('severity settings keep known codes and levels only', () => {
  assert.deepEqual(severityOverrides({ 'unknown-key': 'warning', 'missing-dep': 'off', 'no-such-code': 'error', cycle: 'loud', syntax: 3 }), { 'unknown-key': 'warning', 'missing-dep': 'off' });
  assert.deepEqual(severityOverrides(undefined), {});
  assert.deepEqual(severityOverrides('error'), {});
});

test('store snapshots read datasets, model versions and both alias spellings, until invalidated', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lathe-snap-'));
  try {
    const put = (rel: string, value: unknown) => {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), JSON.stringify(value));
    };
    put('.lathe/datasets/digits/v1.json', { name: 'digits', version: 1 });
    put('.lathe/datasets/digits/v2.json', { name: 'digits', version: 2 });
    put('.lathe/models/teacher/v3.json', { name: 'teacher', version: 3 });
    put('.lathe/models/teacher/aliases.json', { aliases: { production: 3, staging: { version: 1 } } });
    const snapshots = new StoreSnapshots();
    const expected = { datasets: [{ name: 'digits', versions: [1, 2] }], models: [{ name: 'teacher', versions: [3], aliases: { production: 3, staging: 1 } }] };
    assert.deepEqual(await snapshots.get(root), expected);
    put('.lathe/models/student/v1.json', { name: 'student', version: 1 });
    assert.deepEqual(await snapshots.get(root), expected, 'kept until invalidated');
    snapshots.invalidate();
    assert.deepEqual((await snapshots.get(root)).models.map((m) => m.name), ['student', 'teacher']);
    assert.deepEqual(await new StoreSnapshots().get(path.join(root, 'nowhere')), { datasets: [], models: [] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('store record paths are recognised on both separators', () => {
  assert.equal(isStoreRecord('/ws/.lathe/models/teacher/aliases.json'), true);
  assert.equal(isStoreRecord('C:\\ws\\.lathe\\datasets\\d\\v1.json'), true);
  assert.equal(isStoreRecord('/ws/.lathe/runs/r1/run.json'), false);
  assert.equal(isStoreRecord('/ws/models/teacher.onnx'), false);
});

test('the grammar embeds YAML and injects ${{ }} expressions; the language configuration is valid JSON', () => {
  const grammar = JSON.parse(readFileSync(path.join(__dirname, '../../syntaxes/lathe-pipeline.tmLanguage.json'), 'utf8'));
  assert.equal(grammar.scopeName, 'source.lathe-pipeline');
  assert.deepEqual(grammar.patterns, [{ include: 'source.yaml' }]);
  const injected = grammar.injections['L:source.lathe-pipeline -comment'].patterns;
  assert.deepEqual(injected, [{ include: '#expression' }]);
  const expr = grammar.repository.expression;
  // the patterns are plain enough for JavaScript's engine to check what Oniguruma will match
  const begin = new RegExp(expr.begin, 'g');
  const line = 'cmd: python train.py --lr ${{ params.lr }} --out ${{ stages.prep.outs[0] }}';
  assert.deepEqual([...line.matchAll(begin)].map((m) => m.index), [26, 49]);
  const inner: { re: RegExp; name: string }[] = expr.patterns.map((p: { match: string; name: string }) => ({ re: new RegExp(p.match, 'y'), name: p.name }));
  const scopes: string[] = [];
  const body = ' stages.prep.outs[0] ';
  for (let i = 0; i < body.length; ) {
    // like the tokenizer: the first pattern matching at this position wins
    const hit = inner.map(({ re, name }) => ((re.lastIndex = i), { m: re.exec(body), name })).find(({ m }) => m);
    if (!hit?.m) {
      i++;
      continue;
    }
    scopes.push(`${hit.m[0]}=${hit.name}`);
    i += hit.m[0].length;
  }
  assert.deepEqual(scopes, [
    'stages=variable.language.context.lathe',
    '.=punctuation.accessor.lathe',
    'prep=variable.other.property.lathe',
    '.=punctuation.accessor.lathe',
    'outs=support.variable.property.lathe',
    '[0]=constant.numeric.index.lathe',
  ]);
  JSON.parse(readFileSync(path.join(__dirname, '../../language-configuration.json'), 'utf8'));
});
