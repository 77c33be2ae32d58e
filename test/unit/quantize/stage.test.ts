import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { buildMlp, loadModel, saveModel } from '../../../src/core/onnx';
import { modelVersions, registerModel } from '../../../src/core/registry';
import { readRun } from '../../../src/core/runs';
import { registerBuiltinStages } from '../../../src/core/stages';
import { TSX } from '../data/helpers';
import { run, statuses, write } from '../pipeline/runner/fixture';
import { CLI, tempWorkspace } from '../runs/helpers';

// the stage runs the CLI from the sources, as `lathe pipeline run` runs itself
after(registerBuiltinStages({ command: [process.execPath, '--import', TSX, CLI] }));

const PIPELINE = `version: 1
stages:
  registered:
    uses: quantize
    with: { model: "model:mlp@v1", method: dynamic-int8, output: out/mlp-int8.onnx }
  file:
    uses: quantize
    with: { model: models/mlp.onnx, method: fp16, output: out/mlp-fp16.onnx }
`;

test('uses: quantize runs lathe quantize as a tracked run, writes its output, registers a registered model, and is cached', async () => {
  const layout = await tempWorkspace();
  const file = path.join(layout.root, 'models', 'mlp.onnx');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await saveModel(buildMlp({ inputSize: 4, hidden: [64, 64], outputSize: 3, seed: 2 }), file);
  await registerModel(layout, file, { name: 'mlp' });
  await write(layout, 'lathe.yaml', PIPELINE);

  const first = await run(layout);
  assert.deepEqual(statuses(first), { registered: 'ran', file: 'ran' }, JSON.stringify(first.stages));
  const int8 = await loadModel(path.join(layout.root, 'out', 'mlp-int8.onnx'));
  assert.ok(int8.graph?.node?.some((n) => n.opType === 'MatMulInteger'));
  const fp16 = await fs.stat(path.join(layout.root, 'out', 'mlp-fp16.onnx'));
  assert.ok(fp16.size < (await fs.stat(file)).size);
  const versions = await modelVersions(layout, 'mlp');
  assert.deepEqual(versions.map((v) => [v.version, v.lineage.parent, v.lineage.technique]), [[2, 'mlp@v1', 'dynamic-int8'], [1, undefined, undefined]]);
  // the model file in, a file out: nothing registered for it
  await assert.rejects(modelVersions(layout, 'mlp-fp16'));
  const record = await readRun(layout, first.stages[0].runId!);
  assert.deepEqual(record.tags, ['pipeline', 'stage:registered', 'quantize']);
  assert.ok(record.summary.size_ratio < 0.5, JSON.stringify(record.summary));

  const second = await run(layout);
  assert.deepEqual(statuses(second), { registered: 'up-to-date', file: 'up-to-date' });
  assert.equal((await modelVersions(layout, 'mlp')).length, 2);
});
