import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../runs/helpers';
import { tempStore, trackIris, writeMlp } from '../registry/helpers';

test('lathe quantize registers the next version and prints the evaluation; --json gives the result; errors are one line', async () => {
  const layout = await tempStore();
  const cwd = layout.root;
  await writeMlp(layout, 'clf.onnx', 1, [64, 64]);
  await trackIris(layout);
  assert.equal((await runCli(['model', 'register', 'clf.onnx', '--name', 'clf'], cwd)).code, 0);

  const human = await runCli(['quantize', 'clf@v1', '--method', 'dynamic-int8', '--runs', '3'], cwd);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /dynamic-int8 of clf@v1, evaluated on 16 RANDOM input\(s\)/);
  assert.match(human.stdout, /^size \(bytes\) +\d+ +\d+ +0\.\d+×$/m);
  assert.match(human.stdout, /^latency p50 \(ms\)/m);
  assert.match(human.stdout, /top-1 agreement \d+\.\d%/);
  assert.match(human.stdout, /WARNING: ONLY RANDOM INPUTS/);
  assert.match(human.stdout, /registered clf@v2$/m);

  // iris rows: four features and a last label column (the iris fixture's header names no label)
  const r = await runCli(['quantize', 'clf@v1', '--method', 'static-int8', '--per-channel', '--calibration', 'dataset:iris@v1', '--name', 'clf-static', '--runs', '3', '--json'], cwd);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const body = JSON.parse(r.stdout);
  assert.equal(body.ok, true);
  assert.equal(body.result.version.name, 'clf-static');
  assert.equal(body.result.version.lineage.parent, 'clf@v1');
  assert.deepEqual(body.result.version.lineage.datasets, ['iris@v1']);
  assert.equal(body.result.task.name, 'accuracy');
  assert.equal(body.result.evaluation.samples, 64);
  assert.equal(body.result.warning, undefined);

  const bad = await runCli(['quantize', 'clf', '--method', 'int3', '--json'], cwd);
  assert.equal(bad.code, 2);
  const error = JSON.parse(bad.stdout);
  assert.equal(error.ok, false);
  assert.equal(error.error.code, 'usage');
  assert.match(error.error.message, /unknown method 'int3'/);

  const missing = await runCli(['quantize', 'nope@v1', '--method', 'fp16'], cwd);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /no model named 'nope'/);
});
