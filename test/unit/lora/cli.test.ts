import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadModel } from '../../../src/core/onnx';
import { modelVersions, registerModel } from '../../../src/core/registry';
import { listRuns, readRun } from '../../../src/core/runs';
import { registerBuiltinStages } from '../../../src/core/stages';
import { TSX } from '../data/helpers';
import { run, statuses, write } from '../pipeline/runner/fixture';
import { tempStore, trackIris, writeMlp } from '../registry/helpers';
import { CLI, runCli } from '../runs/helpers';

after(registerBuiltinStages({ command: [process.execPath, '--import', TSX, CLI] }));

test('lathe lora train from a terminal is a tracked run that registers the adapter; merge writes the merged model; errors are one line', async () => {
  const layout = await tempStore();
  const cwd = layout.root;
  await writeMlp(layout, 'clf.onnx', 1, [16]);
  await trackIris(layout);
  assert.equal((await runCli(['model', 'register', 'clf.onnx', '--name', 'clf'], cwd)).code, 0);

  const human = await runCli(['lora', 'train', 'clf@v1', '--dataset', 'dataset:iris@v1', '--rank', '2', '--epochs', '15', '--lr', '0.02', '--seed', '1'], cwd);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^LoRA of clf@v1 on iris@v1: rank 2, alpha 16 \(scale 8\.00\), 2 weight\(s\): fc0\.weight, fc1\.weight$/m);
  assert.match(human.stdout, /^trainable parameters 78 of 209 \(37\.3%\); adapter file [\d,]+ bytes$/m);
  assert.match(human.stdout, /^ {2}full fine-tune +\d+\.\d%$/m);
  assert.match(human.stdout, /^registered clf-lora@v1 \(adapter of clf@v1\)$/m);
  assert.match(human.stderr, /lathe: run lora clf@v1 \(\S+\) started/);
  assert.match(human.stderr, /LoRA epoch 15\/15/);

  // the training was a run: params, per-epoch curves, final metrics; the adapter's lineage names it
  const [record] = await listRuns(layout);
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.tags, ['lora']);
  assert.equal(record.params.rank, 2);
  assert.equal(record.params.targets, 'all-linear');
  assert.ok(record.summary.val_loss > 0 && record.summary.accuracy >= 0 && record.summary.trainable_parameters === 78, JSON.stringify(record.summary));
  const [adapter] = await modelVersions(layout, 'clf-lora');
  assert.equal(adapter.kind, 'adapter');
  assert.equal(adapter.lineage.run, record.id);
  assert.equal(adapter.lineage.parent, 'clf@v1');

  const merged = await runCli(['lora', 'merge', 'clf-lora@v1', '--output', 'out/merged.onnx', '--register', '--json'], cwd);
  assert.equal(merged.code, 0, merged.stdout + merged.stderr);
  const body = JSON.parse(merged.stdout);
  assert.equal(body.result.output, path.join(cwd, 'out', 'merged.onnx'));
  assert.equal(body.result.version.name, 'clf');
  assert.equal(body.result.version.lineage.parent, 'clf-lora@v1');
  assert.equal((await loadModel(body.result.output)).graph?.node?.length, 5);

  const json = await runCli(['lora', 'train', 'clf@v1', '--dataset', 'dataset:iris@v1', '--epochs', '2', '--no-compare', '--no-register', '--output', 'a.onnx', '--json'], cwd);
  assert.equal(json.code, 0, json.stdout + json.stderr);
  const result = JSON.parse(json.stdout).result;
  assert.equal(result.task.full, undefined);
  assert.equal(result.version, undefined);
  assert.match(result.run, /^\d{8}-\d{6}-[0-9a-f]{6}$/);

  const missing = await runCli(['lora', 'train', 'clf@v1', '--json'], cwd);
  assert.equal(missing.code, 2);
  assert.deepEqual(JSON.parse(missing.stdout).error.code, 'usage');
  const mismatch = await runCli(['lora', 'merge', 'a.onnx', '--base', 'out/merged.onnx', '--output', 'x.onnx'], cwd);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /^lathe: the adapter .*a\.onnx was trained on a different base model than .*merged\.onnx \(it needs the base with sha256 [0-9a-f]{12}…/);
  assert.equal(mismatch.stderr.trim().split('\n').length, 1);
  const failed = await runCli(['lora', 'train', 'clf@v1', '--dataset', 'dataset:iris@v1', '--targets', 'q_proj'], cwd);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /lathe: --targets 'q_proj' matches none of the model's linear weights \(candidates: fc0\.weight, fc1\.weight\)/);
  assert.equal((await listRuns(layout))[0].status, 'failed', 'a failed training is a failed run');
});

test('uses: lora trains as a tracked run of the stage, writes the adapter and merged model, registers a registered base', async () => {
  const layout = await tempStore();
  await writeMlp(layout, 'models/clf.onnx', 2, [16]);
  await trackIris(layout);
  await registerModel(layout, path.join(layout.root, 'models', 'clf.onnx'), { name: 'clf' });
  await write(
    layout,
    'lathe.yaml',
    `version: 1
stages:
  tune:
    uses: lora
    with: { model: "model:clf@v1", dataset: "dataset:iris@v1", rank: 2, alpha: 4, epochs: 3, targets: "^fc1", output: out/adapter.onnx, merged: out/merged.onnx }
`,
  );
  const first = await run(layout);
  assert.deepEqual(statuses(first), { tune: 'ran' }, JSON.stringify(first.stages));
  const record = await readRun(layout, first.stages[0].runId!);
  assert.deepEqual(record.tags, ['pipeline', 'stage:tune', 'lora']);
  assert.ok(record.summary.trainable_parameters === 2 * (16 + 3), JSON.stringify(record.summary));
  const [adapter] = await modelVersions(layout, 'clf-lora');
  assert.equal(adapter.lineage.run, record.id);
  assert.deepEqual(adapter.lineage.settings?.weights, ['fc1.weight']);
  assert.ok((await fs.stat(path.join(layout.root, 'out', 'adapter.onnx'))).size > 0);
  assert.equal((await loadModel(path.join(layout.root, 'out', 'merged.onnx'))).graph?.node?.length, 5);
  assert.deepEqual(statuses(await run(layout)), { tune: 'up-to-date' });
});
