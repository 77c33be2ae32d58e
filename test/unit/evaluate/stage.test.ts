import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { readRun } from '../../../src/core/runs';
import { registerBuiltinStages } from '../../../src/core/stages';
import { TSX } from '../data/helpers';
import { read, run, statuses, write } from '../pipeline/runner/fixture';
import { CLI, runCli, tempWorkspace } from '../runs/helpers';
import { animalsCsv, argmaxModel, randomRows, writeModel } from './fixtures';

// the stage runs the CLI from the sources, as `lathe pipeline run` runs itself
after(registerBuiltinStages({ command: [process.execPath, '--import', TSX, CLI] }));

const PIPELINE = `version: 1
stages:
  evaluate:
    uses: evaluate
    with:
      model: models/argmax.onnx
      dataset: data/animals.csv
      metrics: [accuracy, recall]
      label: species
      output: reports/eval.json
`;

test('uses: evaluate runs as a tracked run that records the metrics, writes the report, and is cached', async () => {
  const layout = await tempWorkspace();
  const csv = animalsCsv(randomRows(90, 7));
  await write(layout, 'data/animals.csv', csv.text);
  await writeModel(path.join(layout.root, 'models', 'argmax.onnx'), argmaxModel());
  await write(layout, 'lathe.yaml', PIPELINE);

  const first = await run(layout);
  assert.deepEqual(statuses(first), { evaluate: 'ran' }, JSON.stringify(first.stages));
  const report = JSON.parse(await read(layout, 'reports/eval.json'));
  assert.equal(report.metrics.accuracy, csv.correct / 90);
  assert.deepEqual(Object.keys(report.metrics), ['accuracy', 'recall']);
  const record = await readRun(layout, first.stages[0].runId!);
  assert.deepEqual(record.tags, ['pipeline', 'stage:evaluate', 'evaluate']);
  assert.equal(record.summary.accuracy, csv.correct / 90);
  assert.equal(record.summary.recall, report.metrics.recall);
  assert.equal(record.summary.size_bytes, report.sizeBytes);

  const second = await run(layout);
  assert.deepEqual(statuses(second), { evaluate: 'up-to-date' });

  // a changed dataset runs it again
  await write(layout, 'data/animals.csv', animalsCsv(randomRows(90, 8)).text);
  assert.deepEqual(statuses(await run(layout)), { evaluate: 'ran' });
});

test('lathe evaluate --json answers with the report; bad input is one line and exit code 1, bad usage 2', async () => {
  const layout = await tempWorkspace();
  const csv = animalsCsv(randomRows(40, 9));
  await write(layout, 'animals.csv', csv.text);
  await writeModel(path.join(layout.root, 'argmax.onnx'), argmaxModel());

  const ok = await runCli(['evaluate', 'argmax.onnx', '--dataset', 'animals.csv', '--metrics', 'accuracy,auc', '--output', 'r.json', '--json'], layout.root);
  assert.equal(ok.code, 0, ok.stderr);
  const body = JSON.parse(ok.stdout);
  assert.equal(body.ok, true);
  assert.equal(body.result.metrics.accuracy, csv.correct / 40);
  assert.ok(body.result.metrics.auc > 0.5 && body.result.metrics.auc <= 1);
  assert.equal(body.result.reportFile, path.join(layout.root, 'r.json'));
  assert.doesNotMatch(ok.stdout, /::lathe-metric::/, 'metric lines only inside a tracked run');

  const human = await runCli(['evaluate', 'argmax.onnx', '-d', 'animals.csv'], layout.root);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^accuracy +0\.\d+$/m);
  assert.match(human.stdout, /^latency +.* ms per row/m);

  const mismatch = await runCli(['evaluate', 'argmax.onnx', '--dataset', 'animals.csv', '--metrics', 'mse'], layout.root);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /mse compares one numeric output with the label/);
  const unknown = await runCli(['evaluate', 'argmax.onnx', '--dataset', 'animals.csv', '--metrics', 'top5', '--json'], layout.root);
  assert.equal(unknown.code, 2);
  assert.deepEqual(JSON.parse(unknown.stdout).error.code, 'usage');
  const missing = await runCli(['evaluate', 'argmax.onnx'], layout.root);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing --dataset/);
});
