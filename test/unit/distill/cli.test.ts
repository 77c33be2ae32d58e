import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../src/core/data';
import { modelVersions } from '../../../src/core/registry';
import { listRuns, readMetrics } from '../../../src/core/runs';
import { runCli, tempWorkspace } from '../runs/helpers';
import { digitsTeacher, writeDigitsCsv } from './fixtures';

test('lathe distill from a terminal is a tracked run with live curves; the student is registered with that run; --json and errors', async () => {
  const layout = await tempWorkspace();
  const cwd = layout.root;
  const csv = path.join(cwd, 'data', 'digits.csv');
  await digitsTeacher(layout, await writeDigitsCsv(csv));
  await addDataset(layout, csv, { name: 'digits' });

  const human = await runCli(['distill', 'digits-teacher@v1', '--dataset', 'digits@v1', '--hidden', '16', '--epochs', '3', '--temperature', '3'], cwd);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^student \+ teacher +\d+\.\d% /m);
  assert.match(human.stdout, /^student alone +\d+\.\d% /m);
  assert.match(human.stdout, /registered digits-teacher-student@v1$/m);
  assert.match(human.stderr, /run distill digits-teacher@v1 \(\S+\) started/);
  assert.match(human.stderr, /distill epoch 3: loss/);
  assert.doesNotMatch(human.stdout, /::lathe-metric::/, 'metric lines go to the run, not the terminal');

  const [run] = await listRuns(layout);
  assert.equal(run.status, 'completed');
  assert.deepEqual(run.tags, ['distill']);
  assert.equal(run.params.hidden, '16');
  const metrics = await readMetrics(layout, run.id);
  for (const name of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'baseline_loss', 'teacher_accuracy']) assert.ok(metrics.series[name]?.length, `curve ${name}`);
  assert.equal(metrics.series.val_loss.length, 3);
  const [version] = await modelVersions(layout, 'digits-teacher-student');
  assert.equal(version.lineage.run, run.id);
  assert.equal(version.lineage.parent, 'digits-teacher@v1');
  assert.equal(version.lineage.settings?.temperature, 3);

  const json = await runCli(['distill', 'digits-teacher@v1', '--dataset', 'data/digits.csv', '--student', 'cnn', '--json'], cwd);
  assert.equal(json.code, 2);
  const failed = JSON.parse(json.stdout.trim().split('\n').at(-1)!);
  assert.equal(failed.ok, false);
  assert.equal(failed.error.code, 'usage');
  assert.match(failed.error.message, /the cnn student needs image inputs/);

  const ok = await runCli(['distill', 'digits-teacher@v1', '--dataset', 'data/digits.csv', '--epochs', '1', '--no-baseline', '--name', 'tiny', '--hidden', '4', '--json'], cwd);
  assert.equal(ok.code, 0, ok.stderr);
  const body = JSON.parse(ok.stdout);
  assert.equal(body.result.version.name, 'tiny');
  assert.equal(body.result.baselineScore, undefined);
  assert.equal(body.result.teacherCache.reused, true);
  assert.equal(body.result.version.lineage.run, body.result.run);

  const usage = await runCli(['distill', 'digits-teacher@v1', '--json'], cwd);
  assert.equal(usage.code, 2);
  assert.match(JSON.parse(usage.stdout).error.message, /missing --dataset/);
  const bad = await runCli(['distill', 'digits-teacher@v1', '--dataset', 'data/digits.csv', '--hidden', '8,x'], cwd);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /--hidden must be positive integers/);
});
