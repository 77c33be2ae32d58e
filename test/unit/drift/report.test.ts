import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { driftReport, runDrift, type DriftResult } from '../../../src/core/drift';
import { isLatheError } from '../../../src/core/workspace/errors';
import { tempWorkspace } from '../runs/helpers';
import { WINE_COLUMNS, writeWinePair } from './fixtures';
import { normals } from './scipy';

test('runDrift on a real CSV pair flags exactly the shifted column, counts missing cells and writes the report atomically', async () => {
  const layout = await tempWorkspace();
  const files = await writeWinePair(path.join(layout.root, 'data'), 0.6);
  const result = await runDrift(layout, { reference: 'data/reference.csv', current: 'data/current.csv', output: 'out/drift.json', cwd: layout.root });
  assert.deepEqual(result.drifted, ['alcohol']);
  assert.deepEqual(result.rows, { reference: 89, current: 89 });
  assert.deepEqual(result.columns.map((c) => c.name), WINE_COLUMNS);
  const byName = Object.fromEntries(result.columns.map((c) => [c.name, c]));
  assert.equal(byName.alcohol.test, 'ks');
  assert.ok((byName.alcohol.pValue as number) < 0.01, JSON.stringify(byName.alcohol.pValue));
  assert.equal(byName.cultivar.kind, 'categorical');
  assert.equal(byName.cultivar.test, 'chi2');
  assert.deepEqual(byName.malic_acid.missing, { reference: 0, current: 2 });
  assert.deepEqual(byName.ash.values, { reference: 89, current: 88 });
  const histogram = byName.alcohol.histogram as { edges: number[]; reference: number[]; current: number[] };
  assert.equal(histogram.edges.length, 21);
  assert.equal(histogram.reference.reduce((a, b) => a + b), 89);
  assert.equal(histogram.current.reduce((a, b) => a + b), 89);
  const written = JSON.parse(await fs.readFile(path.join(layout.root, 'out/drift.json'), 'utf8')) as DriftResult;
  assert.equal(written.schema, 1);
  assert.deepEqual(written.drifted, ['alcohol']);
  assert.equal(written.sources.reference, files.reference);

  const unshifted = await writeWinePair(path.join(layout.root, 'same'), 0);
  assert.deepEqual((await runDrift(layout, { ...unshifted, cwd: layout.root })).drifted, []);
});

test('driftReport picks tests by column kind and honours an explicit test and threshold', () => {
  const ref = normals(200, 1);
  const cur = normals(200, 2, 0.8);
  const table = (values: number[], colour: (i: number) => string) => ({ header: ['x', 'n', 'colour'], cells: values.map((v, i) => [String(v), String(i % 4), colour(i)]) });
  const reference = table(ref, (i) => (i % 3 ? 'red' : 'blue'));
  const current = table(cur, (i) => (i % 2 ? 'red' : 'blue'));
  const auto = driftReport(reference, current);
  assert.deepEqual(auto.columns.map((c) => [c.name, c.test, c.drifted]), [['x', 'ks', true], ['n', 'chi2', false], ['colour', 'chi2', true]]);
  const psi = driftReport(reference, current, { test: 'psi' });
  assert.deepEqual(psi.columns.map((c) => [c.test, c.threshold, c.pValue]), [['psi', 0.2, null], ['psi', 0.2, null], ['psi', 0.2, null]]);
  assert.ok((psi.columns[0].statistic as number) > 0.2);
  const mmd = driftReport(reference, current, { test: 'mmd', threshold: 0.01 });
  assert.deepEqual(mmd.columns.map((c) => [c.test, c.threshold]), [['mmd', 0.01], ['mmd', 0.01], ['chi2', 0.01]]);
  assert.ok(mmd.columns[0].drifted);
  const chi2 = driftReport(reference, current, { test: 'chi2' });
  assert.equal(chi2.columns[0].test, 'chi2');
  assert.ok(chi2.columns[0].drifted);
});

test('driftReport lists one-sided columns, skips a column with no values, and survives NaN/missing cells', () => {
  const reference = { header: ['a', 'b', 'only_ref'], cells: [['1', 'NaN', 'x'], ['2', '', 'y'], ['3', 'null', 'z']] };
  const current = { header: ['b', 'a', 'only_cur'], cells: [['', '5', 'q'], ['NA', '6', 'r']] };
  const report = driftReport(reference, current);
  assert.deepEqual(report.onlyInReference, ['only_ref']);
  assert.deepEqual(report.onlyInCurrent, ['only_cur']);
  const b = report.columns.find((c) => c.name === 'b')!;
  assert.deepEqual([b.statistic, b.drifted, b.missing, b.skipped], [null, false, { reference: 3, current: 2 }, 'no values in the reference data']);
  // three integers against two others: few distinct values, so chi-square on the 2×5 table (hand-computed: 5)
  const a = report.columns.find((c) => c.name === 'a')!;
  assert.deepEqual([a.test, a.kind, a.statistic], ['chi2', 'numeric', 5]);
});

test('bad input is a clear LatheError: a missing file, no common columns', async () => {
  const layout = await tempWorkspace();
  await fs.writeFile(path.join(layout.root, 'a.csv'), 'x,y\n1,2\n');
  await fs.writeFile(path.join(layout.root, 'b.csv'), 'p,q\n1,2\n');
  await assert.rejects(runDrift(layout, { reference: 'a.csv', current: 'nope.csv', cwd: layout.root }), (e) => isLatheError(e) && e.code === 'not-found' && e.message.includes('nope.csv'));
  await assert.rejects(runDrift(layout, { reference: 'a.csv', current: 'b.csv', cwd: layout.root }), (e) => isLatheError(e) && e.code === 'no-common-columns' && /x, y/.test(e.hint ?? ''));
});

test('runDrift reads dataset versions', async () => {
  const layout = await tempWorkspace();
  const files = await writeWinePair(path.join(layout.root, 'data'), 1);
  await addDataset(layout, files.reference, { name: 'wine' });
  await fs.copyFile(files.current, files.reference);
  await addDataset(layout, files.reference, { name: 'wine' });
  const result = await runDrift(layout, { reference: 'dataset:wine@v1', current: 'dataset:wine@v2', cwd: layout.root });
  assert.deepEqual(result.drifted, ['alcohol']);
  assert.match(result.sources.current, /^wine@v2/);
});
