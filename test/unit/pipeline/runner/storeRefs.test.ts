// A stage that reads `model:NAME@alias` or `dataset:NAME@vK` depends on what the reference resolves to: lathe.lock
// records the resolved version, so moving an alias or adding a version reruns exactly the stages that read it.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { addDataset } from '../../../../src/core/data/add';
import { buildMlp } from '../../../../src/core/onnx/mlp';
import { saveModel } from '../../../../src/core/onnx/model';
import { analyzePipelineFile, resolveStage } from '../../../../src/core/pipeline/runner';
import { registerModel } from '../../../../src/core/registry/register';
import { removeAlias, setAlias } from '../../../../src/core/registry/aliases';
import type { StoreLayout } from '../../../../src/core/workspace/layout';
import { NODE, pipelineWorkspace, ranLog, read, readLockFile, run, statuses, write } from './fixture';

const STAGE_JS = `const fs = require('fs');
const [name, ...args] = process.argv.slice(2);
fs.appendFileSync('ran.log', name + '\\n');
fs.writeFileSync(name + '.txt', args.join(' ') + '\\n');
`;

const PIPELINE = `version: 1
stages:
  evaluate:
    cmd: ${NODE} stage.js evaluate model:teacher@production
    deps: [stage.js]
    outs: [evaluate.txt]
  train:
    cmd: ${NODE} stage.js train
    deps: [stage.js, dataset:digits@latest]
    outs: [train.txt]
  pinned:
    cmd: ${NODE} stage.js pinned
    deps: [stage.js, dataset:digits@v1]
    outs: [pinned.txt]
`;

async function registerTeacher(layout: StoreLayout, seed: number): Promise<void> {
  const file = path.join(layout.root, `teacher-${seed}.onnx`);
  await saveModel(buildMlp({ inputSize: 4, hidden: [3], outputSize: 2, seed }), file);
  await registerModel(layout, file, { name: 'teacher' });
}

async function addDigits(layout: StoreLayout, text: string): Promise<void> {
  await write(layout, 'data/digits.csv', text);
  await addDataset(layout, 'data/digits.csv', { name: 'digits' });
}

const reason = (result: Awaited<ReturnType<typeof run>>, stage: string) => result.stages.find((s) => s.stage === stage)!.reason;

test('moving an alias or adding a dataset version reruns the stages reading that reference, and only those', async () => {
  const layout = await pipelineWorkspace(PIPELINE, { 'stage.js': STAGE_JS });
  await registerTeacher(layout, 1);
  await setAlias(layout, 'teacher@v1', 'production');
  await addDigits(layout, 'x,y\n1,2\n');
  const ran = ranLog(layout);

  assert.deepEqual(statuses(await run(layout)), { evaluate: 'ran', train: 'ran', pinned: 'ran' });
  assert.equal(await read(layout, 'evaluate.txt'), 'model:teacher@production\n', 'the reference reaches the command as written');
  const lock = await readLockFile(layout);
  assert.match(lock.stages.evaluate.deps['model:teacher@production'], /^teacher@v1 [0-9a-f]{64}$/);
  assert.match(lock.stages.train.deps['dataset:digits@latest'], /^digits@v1 [0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(lock.stages.pinned.deps).sort(), ['dataset:digits@v1', 'stage.js'], 'a reference is not hashed as a path');
  await ran();

  // a new model version the alias does not point at, and a new dataset version
  await registerTeacher(layout, 2);
  await addDigits(layout, 'x,y\n1,2\n3,4\n');
  const afterAdd = await run(layout);
  assert.deepEqual(statuses(afterAdd), { evaluate: 'up-to-date', train: 'ran', pinned: 'up-to-date' });
  assert.equal(reason(afterAdd, 'train'), "'dataset:digits@latest' now resolves to digits@v2 (was digits@v1)");
  assert.deepEqual(await ran(), ['train']);

  await setAlias(layout, 'teacher@v2', 'production');
  const afterMove = await run(layout);
  assert.deepEqual(statuses(afterMove), { evaluate: 'ran', train: 'up-to-date', pinned: 'up-to-date' });
  assert.equal(reason(afterMove, 'evaluate'), "'model:teacher@production' now resolves to teacher@v2 (was teacher@v1)");
  assert.match((await readLockFile(layout)).stages.evaluate.deps['model:teacher@production'], /^teacher@v2 /);
  assert.deepEqual(statuses(await run(layout)), { evaluate: 'up-to-date', train: 'up-to-date', pinned: 'up-to-date' });
  assert.deepEqual(await ran(), ['evaluate']);

  // a reference that no longer resolves fails its stage with the reference named; the others are unaffected
  await removeAlias(layout, 'teacher', 'production');
  const dry = await run(layout, { dryRun: true });
  assert.equal(reason(dry, 'evaluate'), "'model:teacher@production' is not in the store");
  const afterRemove = await run(layout);
  assert.deepEqual(statuses(afterRemove), { evaluate: 'failed', train: 'up-to-date', pinned: 'up-to-date' });
  assert.equal(reason(afterRemove, 'evaluate'), "'model:teacher@production' is not in the store");
  assert.deepEqual(await ran(), []);
});

test('the references of a stage come from its deps, its command words and its built-in arguments, after substitution', async () => {
  const layout = await pipelineWorkspace(`version: 1
params: { alias: production }
stages:
  distill:
    uses: distill
    with: { teacher: "model:teacher@\${{ params.alias }}", dataset: dataset:digits@v2, student: { hidden: [8] } }
  score:
    cmd: python score.py model:teacher@v1 --data=dataset:digits
    deps: [score.py, model:teacher@latest]
`);
  const { model } = (await analyzePipelineFile(path.join(layout.root, 'lathe.yaml'))).analysis;
  const distill = resolveStage(model, model.stages.get('distill')!);
  assert.deepEqual(distill.refs, ['dataset:digits@v2', 'model:teacher@production']);
  assert.deepEqual(distill.deps, []);
  const score = resolveStage(model, model.stages.get('score')!);
  assert.deepEqual(score.refs, ['model:teacher@latest', 'model:teacher@v1'], 'a word that only contains a reference is not one');
  assert.deepEqual(score.deps, ['score.py']);
});
