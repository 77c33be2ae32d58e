import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { renderSchema, SCHEMA_FILE } from '../../../scripts/export-pipeline-schema';
import { topologicalOrder } from '../../../src/core/pipeline/dag';
import { BUILTIN_STAGES, PIPELINE_SCHEMA, STAGE_SCHEMA, SWEEP_SCHEMA } from '../../../src/core/pipeline/schema';
import { analyze, validate } from '../../../src/core/pipeline/service';
import { CASES_DIR } from './cases';

test('schemas/lathe.schema.json is what scripts/export-pipeline-schema.ts generates from schema.ts', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), renderSchema(), 'stale: run `node --import tsx scripts/export-pipeline-schema.ts`');
});

test('the exported JSON Schema carries every key of the format and checks with: per built-in', () => {
  const schema = JSON.parse(renderSchema());
  assert.deepEqual(Object.keys(schema.properties), Object.keys(PIPELINE_SCHEMA.properties));
  const stage = schema.properties.stages.additionalProperties;
  assert.deepEqual(Object.keys(stage.properties), Object.keys(STAGE_SCHEMA.properties));
  assert.equal(stage.additionalProperties, false);
  assert.deepEqual(Object.keys(schema.properties.sweeps.additionalProperties.properties), Object.keys(SWEEP_SCHEMA.properties));
  const perBuiltin = Object.fromEntries(stage.allOf.map((c: { if: { properties: { uses: { const: string } } }; then: { properties: { with: { required?: string[] } } } }) => [c.if.properties.uses.const, c.then.properties.with.required ?? []]));
  assert.deepEqual(perBuiltin, Object.fromEntries(Object.entries(BUILTIN_STAGES).map(([name, s]) => [name, s.required ?? []])));
  assert.deepEqual(stage.properties.uses.enum, Object.keys(BUILTIN_STAGES));
});

// The sample pipeline of shared/design.md, kept as a case so the diagnostics runner checks it too.
const sample = readFileSync(path.join(CASES_DIR, 'clean-full-pipeline.yaml'), 'utf8');

test('the design sample pipeline validates clean with a store and workspace that hold what it names', () => {
  const diagnostics = validate(sample, {
    store: { datasets: [{ name: 'digits', versions: [1] }], models: [{ name: 'teacher', versions: [1], aliases: { production: 1 } }] },
    fileExists: (p) => ['train.py', 'data/digits.csv'].includes(p),
    readFile: () => undefined,
  });
  assert.deepEqual(diagnostics, []);
});

test('the design sample DAG: quantize reads the model train writes, distill reads from the store', () => {
  const { dag } = analyze(sample);
  assert.deepEqual(dag.edges.map((e) => `${e.from}->${e.to}:${e.kind}`), ['train->quantize:path']);
  const { order, cyclic } = topologicalOrder(dag);
  assert.ok(order.indexOf('train') < order.indexOf('quantize'));
  assert.deepEqual(cyclic, []);
});

test('the design sample loses nothing when every line is re-validated after a one-character edit', () => {
  // a typo in any key is reported on that key's line, never elsewhere: ranges survive edits anywhere in the file
  const lines = sample.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)([a-z_]+):/.exec(lines[i]);
    if (!m || ['digits', 'teacher', 'train', 'quantize', 'distill', 'lr-search', 'lr', 'epochs'].includes(m[2])) continue;
    const edited = [...lines];
    edited[i] = `${m[1]}${m[2]}x${lines[i].slice(m[0].length - 1)}`;
    const found = validate(edited.join('\n')).filter((d) => d.code === 'unknown-key');
    assert.equal(found.length, 1, `line ${i + 1}: ${edited[i]}`);
    assert.equal(found[0].range.start.line, i);
    assert.equal(found[0].fixes?.[0].title, `Change to '${m[2]}'`);
  }
});
