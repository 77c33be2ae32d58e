import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { evaluateModel } from '../../../src/core/evaluate';
import { encodeModel } from '../../../src/core/onnx';
import { registerModel } from '../../../src/core/registry';
import { isLatheError } from '../../../src/core/workspace/errors';
import { tempWorkspace } from '../runs/helpers';
import { animalsCsv, argmaxModel, CLASSES, randomRows, sumModel, writeModel, writeText } from './fixtures';

test('a registered classifier on a dataset version: exact accuracy, default metrics, batches, size, and the report file', async () => {
  const layout = await tempWorkspace();
  const csv = animalsCsv(randomRows(150, 1));
  const file = await writeText(path.join(layout.root, 'data', 'animals.csv'), csv.text);
  await addDataset(layout, file, { name: 'animals' });
  await registerModel(layout, await writeModel(path.join(layout.root, 'models', 'argmax.onnx'), argmaxModel()), { name: 'argmax' });

  const result = await evaluateModel({ layout, model: 'model:argmax@v1', dataset: 'dataset:animals@v1', output: 'reports/eval.json' });
  assert.equal(csv.correct, 150 - 38);
  assert.equal(result.metrics.accuracy, csv.correct / 150);
  assert.deepEqual(Object.keys(result.metrics), ['accuracy', 'f1']);
  assert.ok(result.metrics.f1 > 0.6 && result.metrics.f1 < 0.9, String(result.metrics.f1));
  assert.deepEqual(
    [result.model, result.dataset, result.rows, result.labelColumn, result.classes, result.outputName, result.columns],
    ['argmax@v1', 'animals@v1', 150, 'species', CLASSES, 'scores', 3],
  );
  assert.deepEqual([result.latency.batches, result.latency.batchSize], [3, 64]);
  assert.ok(result.latency.p50MsPerRow > 0);
  assert.equal(result.sizeBytes, encodeModel(argmaxModel()).length);
  assert.equal(result.reportFile, path.join(layout.root, 'reports', 'eval.json'));
  const { reportFile, ...report } = result;
  assert.deepEqual(JSON.parse(await fs.readFile(reportFile, 'utf8')), report);
});

test('a model with a fixed batch of 1 runs row by row and scores the same', async () => {
  const layout = await tempWorkspace();
  const csv = animalsCsv(randomRows(70, 2));
  await writeText(path.join(layout.root, 'animals.csv'), csv.text);
  await writeModel(path.join(layout.root, 'one.onnx'), argmaxModel(1));
  const result = await evaluateModel({ layout, model: 'one.onnx', dataset: 'animals.csv', metrics: ['accuracy'] });
  assert.deepEqual(result.metrics, { accuracy: csv.correct / 70 });
  assert.deepEqual([result.latency.batches, result.latency.batchSize, result.model], [70, 1, path.join(layout.root, 'one.onnx')]);
  assert.equal(result.reportFile, undefined);
});

test('a regression output: mse and mae by default, against a label column chosen by name (here the first)', async () => {
  const layout = await tempWorkspace();
  const rows = randomRows(100, 3);
  const errors = rows.map((_, r) => [0.5, -0.25, 0, 1][r % 4]);
  const lines = rows.map((row, r) => [row.reduce((a, b) => a + b, 0) + errors[r], ...row].join(','));
  await writeText(path.join(layout.root, 'sums.csv'), `y,a,b,c\n${lines.join('\n')}\n`);
  await writeModel(path.join(layout.root, 'sum.onnx'), sumModel());
  const result = await evaluateModel({ layout, model: 'sum.onnx', dataset: 'sums.csv', label: 'y' });
  const mse = errors.reduce((a, e) => a + e * e, 0) / 100;
  const mae = errors.reduce((a, e) => a + Math.abs(e), 0) / 100;
  assert.deepEqual(Object.keys(result.metrics), ['mse', 'mae']);
  assert.ok(Math.abs(result.metrics.mse - mse) < 1e-5 && Math.abs(result.metrics.mae - mae) < 1e-5, JSON.stringify([result.metrics, mse, mae]));
  assert.equal(result.columns, 1);
});

async function rejectsWith(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(isLatheError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('bad input is a clear error and writes no report', async () => {
  const layout = await tempWorkspace();
  const csv = animalsCsv(randomRows(20, 4));
  await writeText(path.join(layout.root, 'animals.csv'), csv.text);
  await writeText(path.join(layout.root, 'unlabelled.csv'), `a,b,c\n${randomRows(5, 5).map((r) => r.join(',')).join('\n')}\n`);
  await writeModel(path.join(layout.root, 'argmax.onnx'), argmaxModel());
  await writeText(path.join(layout.root, 'broken.onnx'), 'not a model at all');
  const output = 'report.json';
  const base = { layout, model: 'argmax.onnx', dataset: 'animals.csv', output };

  await rejectsWith(evaluateModel({ ...base, dataset: 'unlabelled.csv' }), 'missing-column', /unlabelled\.csv has no label column to evaluate against/);
  await rejectsWith(evaluateModel({ ...base, label: 'kind' }), 'missing-column', /animals\.csv has no column 'kind'/);
  await rejectsWith(evaluateModel({ ...base, metrics: ['accuracy', 'mae'] }), 'metric-mismatch', /mae compares one numeric output with the label, but .*argmax\.onnx on .*animals\.csv gives 3 columns/);
  await rejectsWith(evaluateModel({ ...base, model: 'broken.onnx' }), 'invalid-onnx', /broken\.onnx is not a valid ONNX model/);
  await rejectsWith(evaluateModel({ ...base, dataset: 'missing.csv' }), 'not-found', /missing\.csv/);
  await rejectsWith(evaluateModel({ ...base, model: 'model:nothing@v1' }), 'not-found', /nothing/);
  await rejectsWith(evaluateModel({ ...base, signal: AbortSignal.abort() }), 'cancelled', /the evaluation was cancelled; nothing was written/);
  await assert.rejects(fs.access(path.join(layout.root, output)));
});
